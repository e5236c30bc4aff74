"""The GraphQL API: a thin translation of GraphQL to the services in ``procurement``."""

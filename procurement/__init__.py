"""procurement: the domain and its services, importable without GraphQL."""

"""Parties: organisations, users, API keys, categories, authentication."""

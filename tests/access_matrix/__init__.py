"""The access matrix of every domain: every query and mutation, every kind of caller."""

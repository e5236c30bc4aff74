"""Sourcing: requests for quotation, quotes, clarifications and the supplier feed."""

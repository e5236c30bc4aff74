"""Catalog: suppliers' listings that buyers order from directly."""

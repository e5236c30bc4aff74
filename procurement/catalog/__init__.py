"""Catalog: suppliers' listings that buyers order from directly."""

# registers how ordering reads a listing's terms (ordering sits below the catalog)
from procurement.catalog import terms as terms

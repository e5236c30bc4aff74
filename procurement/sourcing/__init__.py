"""Sourcing: requests for quotation, quotes, clarifications and the supplier feed."""

# registers how ordering reads a quote line's terms (ordering sits below sourcing)
from procurement.sourcing import terms as terms

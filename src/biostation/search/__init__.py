"""The bio data map: one bilingual, faceted, ontology-aware search over every record the caller may read."""
from .model import DEFAULT_FACETS, FACETS, FacetValue, Hit, SearchDoc, SearchQuery, SearchResult

__all__ = ["DEFAULT_FACETS", "FACETS", "FacetValue", "Hit", "SearchDoc", "SearchQuery", "SearchResult"]

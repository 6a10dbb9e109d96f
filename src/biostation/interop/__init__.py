"""Interoperability: DataCite DOIs and metadata, JSON-LD, citations, OAI-PMH provider and harvester,
GA4GH DRS, and INSDC BioSample / SRA exports."""

"""Bio Data Station: deposit, check, find and access national bio research data."""

__version__ = "0.1.0"

"""Shared building blocks of the forms (YAML)."""

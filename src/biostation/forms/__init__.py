"""Standard registration forms: definitions as data, vocabularies, validation, sheet readers and templates.

Nothing here touches the database; the core stores form versions and samples and calls these functions.
"""
from __future__ import annotations

from .model import Field, Form, Group, Section, parse_document
from .registry import FormRegistry, default_registry
from .validate import Issue, Report, validate_record, validate_records

__all__ = ["Field", "Form", "Group", "Section", "parse_document", "FormRegistry", "default_registry", "Issue",
           "Report", "validate_record", "validate_records"]

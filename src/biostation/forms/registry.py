"""The form registry: packaged forms plus versions curators add, each version frozen once it exists.

Storage is the caller's: the registry keeps forms in memory and hands out the canonical document of every
version it accepts (`Form.document`, with `Form.digest`), so the core can persist added versions in a table and
pass them back as `FormRegistry(extra_documents=rows)` on start-up.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Any, Iterable

from ..errors import Conflict, NotFound, ValidationFailed, field_error
from . import compose
from .model import Form, canonical_digest, parse_document, version_key


class FormRegistry:
    def __init__(self, extra_documents: Iterable[dict[str, Any]] = (), *, packaged: bool = True):
        self._forms: dict[str, dict[str, Form]] = {}
        self._packages: dict[str, str] = {}
        if packaged:
            for doc in compose.packaged_documents():
                self._put(parse_document(doc))
            self._packages.update(compose.package_names())
        for doc in extra_documents:
            self.add_version(doc)

    def _put(self, form: Form) -> None:
        self._forms.setdefault(form.id, {})[form.version] = form

    def copy(self) -> "FormRegistry":
        """A registry with the same versions that can change without touching this one (forms are never
        mutated, so they are shared)."""
        out = FormRegistry(packaged=False)
        out._forms = {fid: dict(versions) for fid, versions in self._forms.items()}
        out._packages = dict(self._packages)
        return out

    def has(self, form_id: str, version: str) -> bool:
        return version in self._forms.get(form_id, {})

    # -- reading
    def get(self, form_id: str, version: str | None = None) -> Form:
        """A given version, or the newest active one (the newest of any status if all are deprecated)."""
        versions = self._forms.get(form_id)
        if not versions:
            raise NotFound("Form", form_id)
        if version is not None:
            try:
                return versions[version]
            except KeyError:
                raise NotFound("Form version", f"{form_id}@{version}") from None
        ordered = sorted(versions.values(), key=lambda f: version_key(f.version), reverse=True)
        return next((f for f in ordered if f.status == "active"), ordered[0])

    def versions(self, form_id: str) -> list[Form]:
        if form_id not in self._forms:
            raise NotFound("Form", form_id)
        return sorted(self._forms[form_id].values(), key=lambda f: version_key(f.version))

    def list(self, *, include_deprecated: bool = False) -> list[Form]:
        """The current version of every form, sorted by id."""
        out = []
        for fid in sorted(self._forms):
            f = self.get(fid)
            if include_deprecated or f.status == "active":
                out.append(f)
        return out

    def __contains__(self, form_id: str) -> bool:
        return form_id in self._forms

    def for_package(self, package: str) -> Form | None:
        """The form for an INSDC BioSample package named in a file ('Pathogen.cl.1.0' or its display name)."""
        fid = self._packages.get(package.strip())
        if fid is None:
            fold = package.strip().casefold()
            fid = next((v for k, v in self._packages.items() if k.casefold() == fold), None)
        return self.get(fid) if fid else None

    def for_field_and_type(self, research_field: str, data_type: str) -> Form:
        return self.get(f"{research_field}.{data_type}")

    # -- curation
    def add_version(self, doc: dict[str, Any]) -> Form:
        """Add a form version from a curator's document; refuse to change a version that exists.

        The document is either complete (`sections`) or says `extends: {id, version}` with `add_fields`,
        `remove_fields` and `change_fields` per section; either way the stored document is complete, so a later
        change to the base never reaches this version.
        """
        return self.add_form(parse_document(self._expand(doc)))

    def add_form(self, form: Form) -> Form:
        """Add an already parsed version (same rule: an existing version with other content is refused)."""
        existing = self._forms.get(form.id, {}).get(form.version)
        if existing is not None:
            if existing.digest == form.digest:
                return existing
            raise Conflict("form_version_exists", f"Form {form.key} already exists with different content.",
                           f"양식 {form.key}은(는) 이미 다른 내용으로 있습니다.",
                           "Versions never change: give the new content a higher version number.")
        self._put(form)
        if form.package:
            self._packages.setdefault(form.package, form.id)
        return form

    def deprecate(self, form_id: str, version: str) -> Form:
        """Mark a version deprecated: records keep validating against it, new submissions are steered away."""
        form = self.get(form_id, version)
        if form.status == "deprecated":
            return form
        form = dataclasses.replace(form, status="deprecated", document={**form.document, "status": "deprecated"})
        self._put(form)
        return form

    def _expand(self, doc: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(doc, dict) or "extends" not in doc:
            return doc
        ext = doc["extends"]
        if not isinstance(ext, dict) or "id" not in ext:
            raise ValidationFailed([field_error("form_extends_invalid", "extends", "'extends' needs an id (and a version).",
                                                "'extends'에는 id(와 version)가 필요합니다.",
                                                "Write extends: {id: infectious_disease.genome_omics, version: 1.0.0}.")])
        base = self.get(ext["id"], ext.get("version"))
        out = copy.deepcopy(base.document)
        out.pop("digest", None)
        for key in ("id", "version", "status", "title", "description", "standards", "package", "package_display_name"):
            if key in doc:
                out[key] = copy.deepcopy(doc[key])
        out["status"] = doc.get("status", "active")
        errors = []
        sections = out["sections"]
        for sname, ids in (doc.get("remove_fields") or {}).items():
            sec = sections.get(sname, {"fields": [], "groups": []})
            known = {f["id"] for f in sec["fields"]}
            for fid in ids:
                if fid not in known:
                    errors.append(field_error("form_remove_unknown", f"remove_fields.{sname}", f"'{fid}' is not a field of {sname}.",
                                              f"'{fid}'은(는) {sname} 구역의 항목이 아닙니다.", "Check the field id.", fid))
            sec["fields"] = [f for f in sec["fields"] if f["id"] not in ids]
            sec["groups"] = [g for g in sec.get("groups", []) if not set(g["fields"]) & set(ids)]
        for sname, changes in (doc.get("change_fields") or {}).items():
            sec = sections.get(sname, {"fields": []})
            index = {f["id"]: f for f in sec["fields"]}
            for fid, patch in changes.items():
                if fid not in index:
                    errors.append(field_error("form_change_unknown", f"change_fields.{sname}.{fid}",
                                              f"'{fid}' is not a field of {sname}.", f"'{fid}'은(는) {sname} 구역의 항목이 아닙니다.",
                                              "Check the field id.", fid))
                    continue
                index[fid].update(copy.deepcopy(patch))
        for sname, fields in (doc.get("add_fields") or {}).items():
            sections.setdefault(sname, {"fields": [], "groups": []})["fields"].extend(copy.deepcopy(fields))
        for sname, groups in (doc.get("add_groups") or {}).items():
            sections.setdefault(sname, {"fields": [], "groups": []}).setdefault("groups", []).extend(copy.deepcopy(groups))
        if errors:
            raise ValidationFailed(errors, "The form document is not valid.", "양식 문서가 올바르지 않습니다.")
        return out


_default: FormRegistry | None = None


def default_registry() -> FormRegistry:
    """The packaged forms, built once per process (the core adds stored versions on top)."""
    global _default
    if _default is None:
        _default = FormRegistry()
    return _default


__all__ = ["FormRegistry", "default_registry", "canonical_digest"]

"""Writers from the canonical record (DataCite attributes + station facts) to each exchange format:
DataCite XML (kernel-4), oai_dc, oai_datacite, schema.org/Bioschemas JSON-LD, BibTeX, RIS and CSL-JSON.
XML is built with lxml.
"""
from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

from ..vocab import RESEARCH_FIELDS

DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_XSD = "http://schema.datacite.org/meta/kernel-4/metadata.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_XSD = "http://schema.datacite.org/oai/oai-1.1/oai.xsd"

# JSON attribute name -> XML attribute name where they differ (the REST API writes "Uri", the XSD "URI").
_XML_ATTR = {"schemeUri": "schemeURI", "valueUri": "valueURI", "rightsUri": "rightsURI", "awardUri": "awardURI",
             "lang": XML_LANG}
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _ILLEGAL_XML.sub("", str(text))


def _sub(parent: etree._Element, tag: str, text: Any = None, **attrs: Any) -> etree._Element:
    el = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        if value not in (None, ""):
            el.set(_XML_ATTR.get(key, key), _clean(value))
    if text not in (None, ""):
        el.text = _clean(text)
    return el


def _name_parts(parent: etree._Element, ns: str, kind: str, person: dict[str, Any]) -> None:
    _sub(parent, f"{{{ns}}}{kind}Name", person["name"], nameType=person.get("nameType"))
    if person.get("givenName"):
        _sub(parent, f"{{{ns}}}givenName", person["givenName"])
    if person.get("familyName"):
        _sub(parent, f"{{{ns}}}familyName", person["familyName"])
    for ident in person.get("nameIdentifiers", []):
        _sub(parent, f"{{{ns}}}nameIdentifier", ident["nameIdentifier"],
             nameIdentifierScheme=ident["nameIdentifierScheme"], schemeUri=ident.get("schemeUri"))
    for aff in person.get("affiliation", []):
        _sub(parent, f"{{{ns}}}affiliation", aff["name"])


def datacite_element(attrs: dict[str, Any]) -> etree._Element:
    """A DataCite kernel-4 <resource> element."""
    n = DATACITE_NS
    root = etree.Element(f"{{{n}}}resource", nsmap={None: n, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{n} {DATACITE_XSD}")
    _sub(root, f"{{{n}}}identifier", attrs["doi"], identifierType="DOI")
    creators = _sub(root, f"{{{n}}}creators")
    for c in attrs["creators"]:
        _name_parts(_sub(creators, f"{{{n}}}creator"), n, "creator", c)
    titles = _sub(root, f"{{{n}}}titles")
    for t in attrs["titles"]:
        _sub(titles, f"{{{n}}}title", t["title"], lang=t.get("lang"), titleType=t.get("titleType"))
    pub = attrs["publisher"]
    _sub(root, f"{{{n}}}publisher", pub["name"], lang=pub.get("lang"))
    _sub(root, f"{{{n}}}publicationYear", attrs["publicationYear"])
    types = attrs["types"]
    _sub(root, f"{{{n}}}resourceType", types.get("resourceType"), resourceTypeGeneral=types["resourceTypeGeneral"])
    if attrs.get("subjects"):
        subjects = _sub(root, f"{{{n}}}subjects")
        for s in attrs["subjects"]:
            _sub(subjects, f"{{{n}}}subject", s["subject"], subjectScheme=s.get("subjectScheme"),
                 schemeUri=s.get("schemeUri"), valueUri=s.get("valueUri"),
                 classificationCode=s.get("classificationCode"), lang=s.get("lang"))
    if attrs.get("contributors"):
        contributors = _sub(root, f"{{{n}}}contributors")
        for c in attrs["contributors"]:
            el = _sub(contributors, f"{{{n}}}contributor", contributorType=c["contributorType"])
            _name_parts(el, n, "contributor", c)
    if attrs.get("dates"):
        dates = _sub(root, f"{{{n}}}dates")
        for d in attrs["dates"]:
            _sub(dates, f"{{{n}}}date", d["date"], dateType=d["dateType"])
    if attrs.get("language"):
        _sub(root, f"{{{n}}}language", attrs["language"])
    if attrs.get("alternateIdentifiers"):
        alts = _sub(root, f"{{{n}}}alternateIdentifiers")
        for a in attrs["alternateIdentifiers"]:
            _sub(alts, f"{{{n}}}alternateIdentifier", a["alternateIdentifier"],
                 alternateIdentifierType=a["alternateIdentifierType"])
    if attrs.get("relatedIdentifiers"):
        rels = _sub(root, f"{{{n}}}relatedIdentifiers")
        for r in attrs["relatedIdentifiers"]:
            _sub(rels, f"{{{n}}}relatedIdentifier", r["relatedIdentifier"],
                 relatedIdentifierType=r["relatedIdentifierType"], relationType=r["relationType"],
                 resourceTypeGeneral=r.get("resourceTypeGeneral"))
    if attrs.get("sizes"):
        sizes = _sub(root, f"{{{n}}}sizes")
        for s in attrs["sizes"]:
            _sub(sizes, f"{{{n}}}size", s)
    if attrs.get("formats"):
        formats = _sub(root, f"{{{n}}}formats")
        for f in attrs["formats"]:
            _sub(formats, f"{{{n}}}format", f)
    if attrs.get("version"):
        _sub(root, f"{{{n}}}version", attrs["version"])
    if attrs.get("rightsList"):
        rights = _sub(root, f"{{{n}}}rightsList")
        for r in attrs["rightsList"]:
            _sub(rights, f"{{{n}}}rights", r["rights"], rightsUri=r.get("rightsUri"),
                 rightsIdentifier=r.get("rightsIdentifier"), rightsIdentifierScheme=r.get("rightsIdentifierScheme"),
                 schemeUri=r.get("schemeUri"), lang=r.get("lang"))
    if attrs.get("descriptions"):
        descs = _sub(root, f"{{{n}}}descriptions")
        for d in attrs["descriptions"]:
            _sub(descs, f"{{{n}}}description", d["description"], descriptionType=d["descriptionType"],
                 lang=d.get("lang"))
    if attrs.get("fundingReferences"):
        funding = _sub(root, f"{{{n}}}fundingReferences")
        for f in attrs["fundingReferences"]:
            el = _sub(funding, f"{{{n}}}fundingReference")
            _sub(el, f"{{{n}}}funderName", f["funderName"])
            if f.get("funderIdentifier"):
                _sub(el, f"{{{n}}}funderIdentifier", f["funderIdentifier"],
                     funderIdentifierType=f.get("funderIdentifierType", "Other"))
            if f.get("awardNumber"):
                _sub(el, f"{{{n}}}awardNumber", f["awardNumber"], awardUri=f.get("awardUri"))
            if f.get("awardTitle"):
                _sub(el, f"{{{n}}}awardTitle", f["awardTitle"])
    return root


def datacite_xml(attrs: dict[str, Any]) -> bytes:
    return etree.tostring(datacite_element(attrs), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def oai_datacite_element(attrs: dict[str, Any], symbol: str) -> etree._Element:
    """DataCite's OAI wrapper (oai-1.1): schema version, data centre symbol, then the kernel-4 payload."""
    n = OAI_DATACITE_NS
    root = etree.Element(f"{{{n}}}oai_datacite", nsmap={None: n, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{n} {OAI_DATACITE_XSD}")
    _sub(root, f"{{{n}}}schemaVersion", "4")
    _sub(root, f"{{{n}}}datacentreSymbol", symbol or "BIOSTATION")
    _sub(root, f"{{{n}}}payload").append(datacite_element(attrs))
    return root


def oai_dc_element(doc: dict[str, Any]) -> etree._Element:
    """Unqualified Dublin Core as OAI-PMH requires it of every repository."""
    a, st = doc["datacite"], doc["station"]
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_XSD}")

    def dc(tag: str, text: Any, lang: str | None = None) -> None:
        if text not in (None, ""):
            el = etree.SubElement(root, f"{{{DC_NS}}}{tag}")
            el.text = _clean(text)
            if lang:
                el.set(XML_LANG, lang)

    for t in a["titles"]:
        dc("title", t["title"], t.get("lang"))
    for c in a["creators"]:
        dc("creator", c["name"])
    for s in a.get("subjects", []):
        dc("subject", s["subject"], s.get("lang"))
    for d in a.get("descriptions", []):
        dc("description", d["description"], d.get("lang"))
    dc("publisher", a["publisher"]["name"])
    for c in a.get("contributors", []):
        dc("contributor", c["name"])
    for d in a.get("dates", []):
        if d["dateType"] == "Issued":
            dc("date", d["date"])
    dc("type", "Dataset")
    dc("type", a["types"].get("resourceType"))
    for s in a.get("sizes", []):
        dc("format", s)
    dc("identifier", f"https://doi.org/{a['doi']}")
    dc("identifier", a["url"])
    for r in a.get("relatedIdentifiers", []):
        prefix = {"DOI": "https://doi.org/", "PMID": "https://pubmed.ncbi.nlm.nih.gov/"}.get(
            r["relatedIdentifierType"], "")
        dc("relation", prefix + r["relatedIdentifier"])
    for r in a.get("rightsList", []):
        dc("rights", r.get("rightsUri") or r["rights"])
    for f in a.get("fundingReferences", []):
        dc("relation", f"info:eu-repo/grantAgreement/{f['funderName']}/{f.get('awardNumber', '')}")
    del st
    return root


def jsonld(doc: dict[str, Any]) -> dict[str, Any]:
    """schema.org Dataset with the Bioschemas Dataset profile (0.5-RELEASE-2023_05_02)."""
    a, st = doc["datacite"], doc["station"]
    titles = {t.get("lang", "en"): t["title"] for t in a["titles"]}
    descs = {d.get("lang", "en"): d["description"] for d in a.get("descriptions", [])}
    creators = []
    for c in a["creators"]:
        person: dict[str, Any] = {"@type": "Person" if c.get("nameType") != "Organizational" else "Organization",
                                  "name": c["name"]}
        for ident in c.get("nameIdentifiers", []):
            person["@id"] = person["identifier"] = ident["nameIdentifier"]
        if c.get("affiliation"):
            person["affiliation"] = {"@type": "Organization", "name": c["affiliation"][0]["name"]}
        creators.append(person)
    field_en = RESEARCH_FIELDS.get(st["research_field"], (st["research_field"],))[0]
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"https://doi.org/{a['doi']}",
        "dct:conformsTo": {"@id": "https://bioschemas.org/profiles/Dataset/0.5-RELEASE-2023_05_02"},
        "identifier": [f"https://doi.org/{a['doi']}", f"{st['accession']}.{st['version']}"],
        "name": titles.get("en") or next(iter(titles.values())),
        "alternateName": [v for k, v in titles.items() if k != "en"],
        "description": descs.get("en") or descs.get("ko") or titles.get("en", ""),
        "url": a["url"],
        "version": a.get("version"),
        "creator": creators,
        "publisher": {"@type": "Organization", "name": a["publisher"]["name"]},
        "datePublished": next((d["date"] for d in a.get("dates", []) if d["dateType"] == "Issued"), None),
        "dateModified": st.get("modified"),
        "keywords": [field_en] + list(st.get("keywords") or []),
        "license": next((r.get("rightsUri") for r in a.get("rightsList", []) if r.get("rightsIdentifierScheme")
                         or "kogl" in (r.get("rightsUri") or "")), None),
        "isAccessibleForFree": st.get("access_level") == "open",
        "inLanguage": ["en", "ko"],
        "isPartOf": {"@type": "Dataset", "@id": f"https://doi.org/{st['concept_doi']}"} if st.get("concept_doi") else None,
        "about": [{"@type": "DefinedTerm", "name": o["name"], "termCode": str(o["taxon_id"]),
                   "url": f"http://purl.obolibrary.org/obo/NCBITaxon_{o['taxon_id']}",
                   "inDefinedTermSet": "https://www.ncbi.nlm.nih.gov/taxonomy"} for o in st.get("organisms", [])],
        "funding": [{"@type": "MonetaryGrant", "identifier": f.get("awardNumber"), "name": f.get("awardTitle"),
                     "funder": {"@type": "Organization", "name": f["funderName"]}}
                    for f in a.get("fundingReferences", [])],
        "citation": [f"https://doi.org/{r['relatedIdentifier']}" for r in a.get("relatedIdentifiers", [])
                     if r["relationType"] == "IsSupplementTo" and r["relatedIdentifierType"] == "DOI"],
    }
    if descs.get("ko") and descs.get("en"):
        out["description"] = descs["en"] + "\n\n" + descs["ko"]
    if len(out["description"]) < 50:  # Bioschemas recommends 50-5000 characters
        out["description"] = (out["description"] + " — " + out["name"]).strip()
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def jsonld_script(doc: dict[str, Any]) -> str:
    """The <script type="application/ld+json"> block a landing page embeds ('</' escaped)."""
    body = json.dumps(jsonld(doc), ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{body}\n</script>'


# citations ------------------------------------------------------------------------------------------------------
def _authors(a: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for c in a["creators"]:
        if c.get("familyName"):
            out.append({"family": c["familyName"], "given": c.get("givenName", "")})
        else:
            out.append({"literal": c["name"]})
    return out


def csl_json(doc: dict[str, Any]) -> dict[str, Any]:
    a, st = doc["datacite"], doc["station"]
    issued = next((d["date"] for d in a.get("dates", []) if d["dateType"] == "Issued"), f"{a['publicationYear']}")
    return {
        "id": f"{st['accession']}.{st['version']}", "type": "dataset",
        "title": next(t["title"] for t in a["titles"] if t.get("lang") == "en"),
        "author": _authors(a), "publisher": a["publisher"]["name"], "DOI": a["doi"], "URL": f"https://doi.org/{a['doi']}",
        "version": a.get("version"),
        "issued": {"date-parts": [[int(x) for x in issued.split("-")]]},
        "abstract": next((d["description"] for d in a.get("descriptions", []) if d.get("lang") == "en"), None),
        "keyword": ", ".join(st.get("keywords") or []) or None,
    }


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}%&$#_])", r"\\\1", text)


def bibtex(doc: dict[str, Any]) -> str:
    a, st = doc["datacite"], doc["station"]
    names = " and ".join(f"{c['familyName']}, {c.get('givenName', '')}".strip(", ") if c.get("familyName")
                         else "{" + c["name"] + "}" for c in a["creators"])
    title = next(t["title"] for t in a["titles"] if t.get("lang") == "en")
    key = f"{st['accession']}_{st['version']}"
    fields = [("author", names), ("title", "{" + _bib_escape(title) + "}"), ("publisher", _bib_escape(a["publisher"]["name"])),
              ("year", a["publicationYear"]), ("version", a.get("version", "")), ("doi", a["doi"]),
              ("url", f"https://doi.org/{a['doi']}")]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    return f"@misc{{{key},\n{body}\n}}\n"


def ris(doc: dict[str, Any]) -> str:
    a, st = doc["datacite"], doc["station"]
    lines = ["TY  - DATA"]
    lines += [f"AU  - {c['name']}" for c in a["creators"]]
    for t in a["titles"]:
        lines.append(("TI  - " if t.get("lang") == "en" else "T2  - ") + t["title"])
    lines += [f"PY  - {a['publicationYear']}", f"PB  - {a['publisher']['name']}", f"DO  - {a['doi']}",
              f"UR  - https://doi.org/{a['doi']}", f"ET  - {a.get('version', '')}",
              f"ID  - {st['accession']}.{st['version']}"]
    lines += [f"KW  - {k}" for k in st.get("keywords") or []]
    lines += [f"AB  - {d['description']}" for d in a.get("descriptions", []) if d.get("lang") == "en"]
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"

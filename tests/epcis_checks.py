"""Checks of an EPCIS document beyond its JSON schema, shared by the unit and sync tests.

- `jsonld_dropped`: keys JSON-LD expansion drops. The document is expanded offline with
  pyld and GS1's EPCIS 2.0 context (tests/data/epcis/epcis-context.jsonld, served by a
  document loader; nothing is fetched); every key of every object is expanded in the
  context active there (scoped contexts included), and one that maps to neither an
  absolute IRI nor a keyword is one expansion silently drops.
- `gs1_errors`: every GS1 name in the document parsed by biip: Digital Link URIs (keys,
  check digits, qualifiers, CS82 values) and SGLNs (GLN check digit, AI 254 extension).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gln import Gln
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI

DATA = Path(__file__).parent / "data" / "epcis"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_SGLN = re.compile(r"^urn:epc:id:sgln:(\d+)\.(\d*)\.(.+)$")
_AI_254 = re.compile("^" + GS1ApplicationIdentifier.extract("254").pattern[4:])


@cache
def _context_document() -> dict[str, Any]:
    return json.loads((DATA / "epcis-context.jsonld").read_text())


def _loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") != EPCIS_CONTEXT:
        raise ValueError(f"the tests fetch no remote context: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": _context_document()}


def jsonld_dropped(document: dict[str, Any]) -> list[str]:
    """Keys of `document` that JSON-LD expansion with the EPCIS context drops, sorted."""
    from pyld import jsonld

    dropped: set[str] = set()

    class Watching(jsonld.JsonLdProcessor):  # type: ignore[misc]
        # pyld drops such keys without a word (`_expand_object`): note them first, in
        # the same active context it uses.
        def _expand_object(self, active_ctx: Any, *args: Any, **kwargs: Any) -> Any:
            element = args[2]
            for key in element:
                if key == "@context":
                    continue
                iri = self._expand_iri(active_ctx, key, vocab=True)
                if iri is None or not (jsonld._is_absolute_iri(iri) or jsonld._is_keyword(iri)):
                    dropped.add(key)
            return super()._expand_object(active_ctx, *args, **kwargs)

    Watching().expand(document, {"documentLoader": _loader})
    return sorted(dropped)


def gs1_names(node: Any) -> list[str]:
    """Every string in `node` that is a GS1 Digital Link URI or an SGLN."""
    if isinstance(node, dict):
        return [n for v in node.values() for n in gs1_names(v)]
    if isinstance(node, list):
        return [n for v in node for n in gs1_names(v)]
    if isinstance(node, str) and (
        node.startswith("https://id.gs1.org/") or node.startswith("urn:epc:id:sgln:")
    ):
        return [node]
    return []


def gs1_errors(document: Any) -> list[str]:
    errors = []
    for name in gs1_names(document):
        try:
            if name.startswith("urn:epc:id:sgln:"):
                _check_sgln(name)
            else:
                for element in GS1DigitalLinkURI.parse(name).element_strings:
                    # biip parses a key with a wrong check digit, and says so here.
                    wrong = element.gtin_error or element.sscc_error or element.gln_error
                    if wrong:
                        raise ValueError(wrong)
        except (ParseError, ValueError) as exc:
            errors.append(f"{name}: {exc}")
    return errors


def _check_sgln(name: str) -> None:
    match = _SGLN.match(name)
    if not match:
        raise ValueError("not an SGLN EPC URI")
    company, reference, extension = match.groups()
    if len(company) + len(reference) != 12:
        raise ValueError("company prefix and location reference are not 12 digits")
    digits = company + reference
    Gln.parse(digits + str(gs1_standard_check_digit(digits)))
    # TDS: only its seven escapes may appear, and the value must be an AI 254 value.
    if re.search(r"%(?!22|25|26|2F|3C|3E|3F)", extension):
        raise ValueError(
            f"extension {extension!r} has an escape the Tag Data Standard does not use"
        )
    if not _AI_254.match(unquote(extension)):
        raise ValueError(f"extension {unquote(extension)!r} is not an AI 254 value")

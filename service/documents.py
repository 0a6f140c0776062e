"""How a catalog listing becomes an index document: its text, tokens and attributes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from indexer.analysis import Analyzer
from indexer.base import IndexedDoc
from service.schemas import Kind
from service.taxonomy import get_taxonomy


def body_text(kind: Kind, listing: Any) -> str:
    """The listing's descriptive text (summary or description)."""
    return str(listing.summary if kind is Kind.achievement else listing.description)


def full_text(kind: Kind, listing: Any) -> str:
    """Title, keywords and body: what is tokenised and embedded."""
    keywords = "、".join(listing.keywords)
    return f"{listing.title}。{keywords}。{body_text(kind, listing)}"


def money(kind: Kind, listing: Any) -> float | None:
    return listing.price_wan if kind is Kind.achievement else listing.budget_wan


def modes(kind: Kind, listing: Any) -> list[str]:
    values = listing.transfer_modes if kind is Kind.achievement else listing.cooperation_modes
    return [getattr(m, "value", m) for m in values]


def maturity(kind: Kind, listing: Any) -> str | None:
    value = listing.maturity if kind is Kind.achievement else listing.required_maturity
    return getattr(value, "value", value)


def content_hash(kind: Kind, listing: Any, analyzer_version: str, model: str) -> str:
    """Changes whenever anything the index stores about the listing would change."""
    source = {
        "text": full_text(kind, listing),
        "field": listing.field,
        "maturity": maturity(kind, listing),
        "modes": modes(kind, listing),
        "region": listing.region,
        "money": money(kind, listing),
        "analyzer": analyzer_version,
        "model": model,
    }
    blob = json.dumps(source, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:32]


def to_document(kind: Kind, listing: Any, analyzer: Analyzer, model: str) -> IndexedDoc:
    """The index document of a listing, without its vector (added by the caller)."""
    info = get_taxonomy().field(listing.field)
    body = "、".join(listing.keywords) + "。" + body_text(kind, listing)
    return IndexedDoc(
        kind=kind.value,
        id=listing.id,
        title_tokens=analyzer.tokens(listing.title),
        body_tokens=analyzer.tokens(body),
        field=listing.field,
        field_top=info.top if info else listing.field,
        maturity=maturity(kind, listing),
        modes=modes(kind, listing),
        region=listing.region,
        money=money(kind, listing),
        content_hash=content_hash(kind, listing, analyzer.version, model),
    )

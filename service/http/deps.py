"""Small typed FastAPI dependencies: each route asks for exactly the parts it uses.

The app factory registers the built parts on ``app.state.parts`` by their type (every field of
``service.composition.Components``); a dependency asks for a part by its class, so a route's
parameter type and the part it gets cannot disagree. Each programme unit declares its own
dependencies beside its routes (``service/programmes/<unit>/api.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Path, Request

from indexer.analysis import Analyzer
from indexer.embedding import SemanticEncoder
from indexer.sync import IndexSync
from service.accounts import Accounts
from service.accounts.throttle import Throttle
from service.audit import AuditLog
from service.catalog import Catalog
from service.config import Settings
from service.desk.board import Board
from service.desk.queue import BrokerQueue
from service.desk.store import Desk
from service.listings.taxonomy import Taxonomy
from service.mail.outbox import PasswordMail
from service.matching.matcher import Matcher
from service.matching.search import Searcher
from service.notifications.inbox import Inbox
from service.notifications.saved import SavedSearches
from service.notifications.terms import Terms
from service.publishing.writes import ListingWriter
from service.stats.market import MarketStatistics
from service.suggest.suggester import Suggester

T = TypeVar("T")


def part(request: Request, kind: type[T]) -> T:
    """The app's built part of this type (the app registers every part of ``Components``)."""
    parts: dict[type, object] = request.app.state.parts
    found = parts.get(kind)
    if found is None:  # asked for by a base class or protocol
        found = next(p for p in parts.values() if isinstance(p, kind))
    return cast(T, found)


def dependency(kind: type[T]) -> Any:
    """``Depends`` on the app's part of this type: ``Annotated[Catalog, dependency(Catalog)]``."""

    def get(request: Request) -> T:
        return part(request, kind)

    get.__name__ = f"get_{kind.__name__}"
    return Depends(get)


SettingsDep = Annotated[Settings, dependency(Settings)]
TaxonomyDep = Annotated[Taxonomy, dependency(Taxonomy)]
CatalogDep = Annotated[Catalog, dependency(Catalog)]
AccountsDep = Annotated[Accounts, dependency(Accounts)]
AnalyzerDep = Annotated[Analyzer, dependency(Analyzer)]
EncoderDep = Annotated[SemanticEncoder, dependency(SemanticEncoder)]
IndexingDep = Annotated[IndexSync, dependency(IndexSync)]
MatcherDep = Annotated[Matcher, dependency(Matcher)]
SearcherDep = Annotated[Searcher, dependency(Searcher)]
ListingsDep = Annotated[ListingWriter, dependency(ListingWriter)]
AuditDep = Annotated[AuditLog, dependency(AuditLog)]
DeskDep = Annotated[Desk, dependency(Desk)]
QueueDep = Annotated[BrokerQueue, dependency(BrokerQueue)]
BoardDep = Annotated[Board, dependency(Board)]
StatsDep = Annotated[MarketStatistics, dependency(MarketStatistics)]
SuggesterDep = Annotated[Suggester, dependency(Suggester)]


InboxDep = Annotated[Inbox, dependency(Inbox)]
SavedSearchesDep = Annotated[SavedSearches, dependency(SavedSearches)]
TermsDep = Annotated[Terms, dependency(Terms)]
PasswordMailDep = Annotated[PasswordMail, dependency(PasswordMail)]
ThrottleDep = Annotated[Throttle, dependency(Throttle)]


RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a row id")]  # SQL's INTEGER range

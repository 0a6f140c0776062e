"""Small typed FastAPI dependencies: each route asks for exactly the parts it uses.

The app factory puts the built parts on ``app.state`` (one attribute per part, named as in
``service.composition.Components``); these read them back.
"""

from __future__ import annotations

from typing import Annotated, Any

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
from service.programmes.challenges import Challenges
from service.programmes.common_needs import CommonNeeds
from service.programmes.evaluations import Evaluations
from service.programmes.events import EventStore
from service.programmes.expert_matching import ExpertMatcher
from service.programmes.experts import Experts
from service.programmes.intents import EventIntents
from service.programmes.invitations import Invitations
from service.programmes.programme_stats import ProgrammeStatistics
from service.programmes.services_log import ServiceLog
from service.programmes.stats import ChallengeStatistics
from service.programmes.wdk import WdkLibrary
from service.publishing.writes import ListingWriter
from service.stats.market import MarketStatistics
from service.suggest.suggester import Suggester


def part(request: Request, name: str) -> Any:
    """One built part of the app (``request.app.state.<name>``)."""
    return getattr(request.app.state, name)


def _dep(name: str) -> Any:
    def get(request: Request) -> Any:
        return part(request, name)

    get.__name__ = f"get_{name}"
    return Depends(get)


SettingsDep = Annotated[Settings, _dep("settings")]
TaxonomyDep = Annotated[Taxonomy, _dep("taxonomy")]
CatalogDep = Annotated[Catalog, _dep("catalog")]
AccountsDep = Annotated[Accounts, _dep("accounts")]
AnalyzerDep = Annotated[Analyzer, _dep("analyzer")]
EncoderDep = Annotated[SemanticEncoder, _dep("encoder")]
IndexingDep = Annotated[IndexSync, _dep("indexing")]
MatcherDep = Annotated[Matcher, _dep("matcher")]
SearcherDep = Annotated[Searcher, _dep("searcher")]
ListingsDep = Annotated[ListingWriter, _dep("listings")]
AuditDep = Annotated[AuditLog, _dep("audit")]
DeskDep = Annotated[Desk, _dep("desk")]
QueueDep = Annotated[BrokerQueue, _dep("queue")]
BoardDep = Annotated[Board, _dep("board")]
StatsDep = Annotated[MarketStatistics, _dep("stats")]
SuggesterDep = Annotated[Suggester, _dep("suggester")]
# the city's programmes: events and the expert pool
ExpertsDep = Annotated[Experts, _dep("experts")]
ExpertMatcherDep = Annotated[ExpertMatcher, _dep("expert_matcher")]
EvaluationsDep = Annotated[Evaluations, _dep("evaluations")]
ServiceLogDep = Annotated[ServiceLog, _dep("services_log")]
EventsDep = Annotated[EventStore, _dep("events")]
InvitationsDep = Annotated[Invitations, _dep("invitations")]
IntentsDep = Annotated[EventIntents, _dep("intents")]
ProgrammeStatsDep = Annotated[ProgrammeStatistics, _dep("programme_stats")]

CommonNeedsDep = Annotated[CommonNeeds, _dep("common_needs")]
ChallengesDep = Annotated[Challenges, _dep("challenges")]
ChallengeStatsDep = Annotated[ChallengeStatistics, _dep("challenge_stats")]
WdkLibraryDep = Annotated[WdkLibrary, _dep("wdk_library")]

InboxDep = Annotated[Inbox, _dep("inbox")]
SavedSearchesDep = Annotated[SavedSearches, _dep("saved_searches")]
TermsDep = Annotated[Terms, _dep("terms")]
PasswordMailDep = Annotated[PasswordMail, _dep("password_mail")]
ThrottleDep = Annotated[Throttle, _dep("throttle")]


RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a row id")]  # SQL's INTEGER range

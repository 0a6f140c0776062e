"""The composition root: every part of a market, built from the settings, and closed.

Only entry points import this module (the app factory, the CLI, the benchmarks and the test
fixtures). Each part receives in its constructor exactly what it uses; none receives
``Components``. Building opens no file beyond the catalog's connection pool and loads no model:
the embedding model is loaded on first use (the app does it in its start-up hook).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypedDict

from indexer.analysis import Analyzer, get_analyzer
from indexer.backends.factory import create_index
from indexer.base import SearchIndex
from indexer.embedding import SemanticEncoder
from indexer.sync import IndexSync, Progress
from indexer.terms import TermExtractor, TermRules
from seed_data import SEED_DIR
from service.accounts import Accounts
from service.accounts.throttle import Throttle
from service.audit import AuditLog
from service.catalog import Catalog
from service.config import Settings
from service.desk.board import Board
from service.desk.queue import BrokerQueue
from service.desk.store import Desk
from service.listings.taxonomy import Taxonomy, install_taxonomy, load_taxonomy
from service.mail.outbox import NotificationMail, PasswordMail
from service.mail.smtp import Mailer, SmtpConfig
from service.matching.calibration import stored_calibrations
from service.matching.kept import KeptMatches
from service.matching.lexicon import ProblemLexicon
from service.matching.matcher import Matcher, MatchSettings
from service.matching.search import Searcher
from service.matching.weights import load_weights
from service.notifications.inbox import Inbox
from service.notifications.saved import SavedSearches
from service.notifications.terms import Terms
from service.notifications.watch import Watcher
from service.programmes.challenges.service import Challenges
from service.programmes.challenges.stats import ChallengeStatistics
from service.programmes.common_needs.group_matching import GroupMatcher
from service.programmes.common_needs.grouping import NeedGrouper
from service.programmes.common_needs.service import CommonNeeds
from service.programmes.events.intents import EventIntents
from service.programmes.events.invitations import Invitations
from service.programmes.events.service import EventStore
from service.programmes.experts.evaluations import Evaluations
from service.programmes.experts.matching import ExpertMatcher
from service.programmes.experts.service import Experts
from service.programmes.experts.services_log import ServiceLog
from service.programmes.offers.drafts import ContractDrafts
from service.programmes.offers.service import Offers
from service.programmes.offers.transactions import Transactions
from service.programmes.programme_stats import ProgrammeStatistics
from service.programmes.wdk.service import WdkLibrary
from service.publishing.writes import ListingWriter
from service.stats.market import MarketStatistics
from service.suggest.suggester import Suggester
from service.upkeep.runner import Upkeep
from service.upkeep.warm import MatchWarmer


@dataclass
class Components:
    """The built parts of one market. Entry points read them; components never do."""

    settings: Settings
    seed_dir: Path
    taxonomy: Taxonomy
    catalog: Catalog
    accounts: Accounts
    analyzer: Analyzer
    encoder: SemanticEncoder
    index: SearchIndex
    indexing: IndexSync
    matcher: Matcher
    searcher: Searcher
    listings: ListingWriter
    audit: AuditLog
    desk: Desk
    queue: BrokerQueue
    board: Board
    stats: MarketStatistics
    suggester: Suggester
    # the city's programmes: events and the expert pool
    experts: Experts
    expert_matcher: ExpertMatcher
    evaluations: Evaluations
    services_log: ServiceLog
    events: EventStore
    invitations: Invitations
    intents: EventIntents
    common_needs: CommonNeeds  # 共性需求凝练 and 揭榜挂帅
    challenges: Challenges
    challenge_stats: ChallengeStatistics
    programme_stats: ProgrammeStatistics
    wdk_library: WdkLibrary  # 万达开科技成果库
    offers: Offers  # 技术交易: 挂牌, 竞价, 异议
    transactions: Transactions  # 技术合同成交额 against the year's target
    drafts: ContractDrafts  # Word contract drafts of the desk's pairs
    inbox: Inbox
    saved_searches: SavedSearches
    terms: Terms
    watcher: Watcher
    upkeep: Upkeep
    # e-mail (off unless SMTP is configured) and the limits on guessing
    mailer: Mailer
    password_mail: PasswordMail
    throttle: Throttle

    def by_type(self) -> dict[type, object]:
        """Every part keyed by its class: what typed dependencies look parts up by."""
        return {type(part): part for part in (getattr(self, f.name) for f in fields(self))}

    def close(self) -> None:
        self.upkeep.stop()
        if self.matcher.kept is not None:
            self.matcher.kept.close()
        self.mailer.close()
        self.index.close()
        self.encoder.close()
        self.catalog.close()


def build_components(settings: Settings, encoder: SemanticEncoder | None = None) -> Components:
    """Every part of the market described by ``settings``.

    ``encoder`` shares an already loaded model with another market (evaluation builds a
    scratch market beside the real one).
    """
    seed_dir = settings.seed_dir or SEED_DIR
    taxonomy = load_taxonomy(seed_dir / "taxonomy.json")
    install_taxonomy(taxonomy)  # what the listing models validate field codes and regions by
    catalog = Catalog(settings.catalog_url)
    accounts = Accounts(catalog.engine)
    throttle = Throttle()
    analyzer = get_analyzer(seed_dir)
    extractor = TermExtractor(analyzer, TermRules.packaged(seed_dir))  # every shown term
    encoder = encoder or _encoder(settings, seed_dir)
    index = _index(settings)
    indexing = IndexSync(index, catalog, analyzer, encoder)
    matcher = _matcher(settings, seed_dir, index, catalog, analyzer, encoder, taxonomy, extractor)
    desk = Desk(catalog, accounts)
    audit = AuditLog(catalog.engine, accounts)
    queue = BrokerQueue(desk, catalog, matcher)
    searcher = Searcher(
        index, catalog, analyzer, encoder, taxonomy, settings.rrf_k, terms=extractor
    )
    listings = ListingWriter(catalog, indexing, audit)
    mailer = Mailer(SmtpConfig.from_settings(settings))
    inbox = Inbox(catalog.engine, NotificationMail(accounts, mailer, settings.site_url))
    saved_searches = SavedSearches(catalog.engine, searcher, inbox)
    terms = Terms(catalog.engine, catalog, accounts, listings, inbox)
    watcher = Watcher(
        catalog.engine, catalog, accounts, desk, matcher, inbox, saved_searches, terms
    )  # fmt: skip
    desk.on_stage(watcher.told_stage)  # a broker's move reaches the owners' inboxes at once
    programmes = _programmes(
        settings, catalog, accounts, desk, matcher, inbox, extractor, index, analyzer, encoder,
        taxonomy,
    )  # fmt: skip
    suggester = Suggester(catalog, analyzer, taxonomy, terms=extractor)
    warmed = (programmes["invitations"].warm, queue.items, suggester.refresh)
    warmer = MatchWarmer(  # then events' themes, the broker's queue, the posting form
        catalog, matcher, programmes["common_needs"], derived=warmed
    )
    return Components(
        settings=settings,
        seed_dir=seed_dir,
        taxonomy=taxonomy,
        catalog=catalog,
        accounts=accounts,
        analyzer=analyzer,
        encoder=encoder,
        index=index,
        indexing=indexing,
        matcher=matcher,
        searcher=searcher,
        listings=listings,
        audit=audit,
        desk=desk,
        queue=queue,
        board=Board(desk, catalog, queue, taxonomy),
        stats=MarketStatistics(catalog.engine, taxonomy),
        suggester=suggester,  # fitted on first use (the background warm-up's, when serving)
        **programmes,
        inbox=inbox,
        saved_searches=saved_searches,
        terms=terms,
        watcher=watcher,
        upkeep=Upkeep(warmer, watcher, settings.home / "upkeep.lock", settings.upkeep_seconds),
        mailer=mailer,
        password_mail=PasswordMail(accounts, mailer, settings.site_url, throttle),
        throttle=throttle,
    )


class _Programmes(TypedDict):
    """The city's programmes' parts, as ``Components`` names them."""

    experts: Experts
    expert_matcher: ExpertMatcher
    evaluations: Evaluations
    services_log: ServiceLog
    events: EventStore
    invitations: Invitations
    intents: EventIntents
    common_needs: CommonNeeds
    challenges: Challenges
    challenge_stats: ChallengeStatistics
    programme_stats: ProgrammeStatistics
    wdk_library: WdkLibrary
    offers: Offers
    transactions: Transactions
    drafts: ContractDrafts


def _programmes(
    settings: Settings, catalog: Catalog, accounts: Accounts, desk: Desk, matcher: Matcher,
    inbox: Inbox, extractor: TermExtractor, index: SearchIndex, analyzer: Analyzer,
    encoder: SemanticEncoder, taxonomy: Taxonomy,
) -> _Programmes:  # fmt: skip
    experts = Experts(catalog.engine)
    events = EventStore(catalog.engine, catalog, accounts.organisations)
    grouper = NeedGrouper(analyzer, encoder, terms=extractor)
    common_needs = CommonNeeds(catalog.engine, catalog, grouper, GroupMatcher(matcher))
    offers = Offers(catalog.engine, catalog, accounts)
    return _Programmes(
        experts=experts,
        expert_matcher=ExpertMatcher(experts, index, catalog, analyzer, encoder, taxonomy),
        evaluations=Evaluations(catalog.engine, catalog, experts),
        services_log=ServiceLog(catalog.engine, experts),
        events=events,
        invitations=Invitations(events, catalog, matcher, analyzer, taxonomy),
        intents=EventIntents(catalog.engine, events, catalog, matcher, desk, accounts),
        common_needs=common_needs,
        challenges=Challenges(catalog.engine, catalog, common_needs, accounts, inbox),
        challenge_stats=ChallengeStatistics(catalog.engine),
        programme_stats=ProgrammeStatistics(catalog.engine),
        wdk_library=WdkLibrary(catalog.engine, catalog, taxonomy, desk, accounts),
        offers=offers,
        drafts=ContractDrafts(desk, catalog, offers),
        transactions=Transactions(catalog.engine, taxonomy, settings.contract_target_wan),
    )


def _encoder(settings: Settings, seed_dir: Path) -> SemanticEncoder:
    """The embedding model (loaded on first use), its vector cache and the shipped seed vectors."""
    return SemanticEncoder(
        settings.embedding_model,
        settings.cache_dir / "embeddings.sqlite3",
        allow_download=settings.embedding_allow_download,
        batch_size=settings.embedding_batch_size,
        max_chars=settings.embedding_max_chars,
        precomputed=seed_dir / "vectors",
        query_prefix=settings.embedding_query_prefix,
        passage_prefix=settings.embedding_passage_prefix,
    )


def _index(settings: Settings) -> SearchIndex:
    """The configured search backend (embedded by default; no connection is made here)."""
    return create_index(
        settings.search_backend,
        root=settings.index_dir,
        ann_threshold=settings.ann_threshold,
        es_url=settings.elasticsearch_url,
        es_prefix=settings.elasticsearch_prefix,
        es_timeout=settings.elasticsearch_timeout,
        es_retries=settings.elasticsearch_retries,
        es_replicas=settings.elasticsearch_replicas,
        es_ca_certs=str(settings.elasticsearch_ca_certs or "") or None,
        es_api_key=(
            settings.elasticsearch_api_key.get_secret_value()
            if settings.elasticsearch_api_key
            else None
        ),
        es_username=settings.elasticsearch_username,
        es_password=(
            settings.elasticsearch_password.get_secret_value()
            if settings.elasticsearch_password
            else None
        ),
    )


def _matcher(
    settings: Settings,
    seed_dir: Path,
    index: SearchIndex,
    catalog: Catalog,
    analyzer: Analyzer,
    encoder: SemanticEncoder,
    taxonomy: Taxonomy,
    terms: TermExtractor,
) -> Matcher:
    """The matcher with the weights tuned here (``techmatch tune``), else those shipped with the
    seed data, else its defaults (weights fitted with another embedding model are not used);
    the match probability calibrated beside them."""
    model = encoder.model_name
    stored = load_weights(settings.index_dir, model) or load_weights(seed_dir, model)
    return Matcher(
        index,
        catalog,
        analyzer,
        encoder,
        taxonomy,
        MatchSettings(candidate_pool=settings.candidate_pool, rrf_k=settings.rrf_k),
        stored,
        tuned=stored is not None,
        lexicon=ProblemLexicon.load(seed_dir, analyzer.words),
        kept=KeptMatches(catalog.engine),
        terms=terms,
        calibrations=stored_calibrations(settings.index_dir, seed_dir, stored),
    )


@contextmanager
def open_components(
    settings: Settings, encoder: SemanticEncoder | None = None
) -> Iterator[Components]:
    """``build_components`` as a context manager that closes what it built."""
    parts = build_components(settings, encoder)
    try:
        yield parts
    finally:
        parts.close()


@contextmanager
def scratch_market(parent: Components, progress: Progress | None = None) -> Iterator[Components]:
    """A throwaway market holding the seed data and a fresh index, sharing ``parent``'s model
    (and so its loaded encoder): what evaluation and tuning measure on."""
    with tempfile.TemporaryDirectory(prefix="techmatch-scratch-") as scratch:
        settings = parent.settings.model_copy(
            update={"home": Path(scratch), "database_url": None, "search_backend": "embedded"}
        )
        parts = build_components(settings, encoder=parent.encoder)
        try:
            parts.listings.seed(parts.seed_dir)
            parts.indexing.rebuild(progress)
            yield parts
        finally:
            parts.mailer.close()
            parts.index.close()
            parts.catalog.close()  # the encoder belongs to the parent

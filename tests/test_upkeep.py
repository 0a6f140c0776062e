"""Background work (#21 item 6, #24): match lists kept current after a write, the inbox sweep
without a page view, a broker's move told at once, common needs not ranked again per
``achievements=N``, and ``techmatch sweep``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service import clock
from service.accounts import Role
from service.cli import app as cli_app
from service.composition import Components
from service.config import get_settings
from service.desk.stages import Stage
from service.listings.schemas import AchievementIn, Kind, Status
from service.matching.matcher import KEPT_SIZE
from service.notifications.models import ListingTermRow
from service.upkeep.runner import Upkeep
from tests.desk_support import ACHIEVEMENT, NEED, make_user, own

NEW_TITLE = "玄武岩纤维复合筋锚杆快速安装工艺"


def _kept(market: Components, listing_id: str, kind: Kind = Kind.need) -> list[str] | None:
    times = market.catalog.updated_times(kind, [listing_id])
    text = market.matcher.kept_texts(kind, times)[listing_id]
    found = market.matcher.kept.get(kind, listing_id, KEPT_SIZE, text)
    return None if found is None else [m.id for m in found.matches]


def _post_achievement(market: Components) -> str:
    uni = make_user(market, Role.university, "uni-upkeep")
    created = market.listings.create(
        Kind.achievement,
        AchievementIn(
            title=NEW_TITLE,
            summary="玄武岩纤维复合筋锚杆配套的快速安装工艺与专用机具，适合边坡支护与隧道锚固。",
            institution="示例大学",
            field="materials.basalt_fiber",
            maturity="industrial",
            keywords=["玄武岩纤维", "复合筋", "锚杆"],
        ),
        uni,
    )
    return created.id


def test_a_write_updates_the_kept_match_lists(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = seeded_market
    warmer = market.upkeep.warmer
    first = warmer.run()
    total = market.catalog.count(Kind.need) + market.catalog.count(Kind.achievement)
    assert first.complete and first.computed + first.skipped == total
    basalt = next(
        n.id for n in market.catalog.iter_all(Kind.need, published_only=True)
        if "玄武岩" in n.title
    )  # fmt: skip
    before = _kept(market, basalt)
    assert before is not None
    assert not warmer.due()  # nothing changed since
    achievements_before = _kept(market, ACHIEVEMENT, Kind.achievement)
    new_id = _post_achievement(market)
    assert _kept(market, basalt) is None  # its candidates changed: the old list is not served
    # an achievement's list depends on the needs only: a new achievement leaves it valid
    assert _kept(market, ACHIEVEMENT, Kind.achievement) == achievements_before is not None
    again = warmer.run()
    assert again.complete and again.computed + again.skipped == total + 1
    assert again.skipped >= market.catalog.count(Kind.achievement) - 1  # only the new one made
    after = _kept(market, basalt)
    assert after is not None and new_id in after
    # a request now reads the kept list; it computes nothing
    monkeypatch.setattr(market.matcher, "match_listing", _fail)
    assert new_id in [m.id for m in market.matcher.match(Kind.need, basalt).matches]


def _fail(*_: object, **__: object) -> None:
    raise AssertionError("the kept list should have been read")


def test_another_process_reads_what_one_kept(seeded_market: Components) -> None:
    from service.composition import build_components

    market = seeded_market
    market.matcher.match(Kind.need, NEED)  # computed by a request and kept (read-through)
    market.matcher.kept.flush()  # the write happens after the answer, on a writer thread
    other = build_components(market.settings)  # a second worker process's parts
    try:
        other.matcher.match_listing = _fail  # type: ignore[method-assign]
        assert other.matcher.match(Kind.need, NEED).source.id == NEED
    finally:
        other.close()


def test_the_sweep_runs_without_a_page_view(seeded_market: Components, tmp_path: Path) -> None:
    market = seeded_market
    owner = make_user(market, Role.enterprise, "ent-upkeep")
    own(market, owner, Kind.need, NEED)
    with market.terms._sessions.begin() as session:  # its term ended yesterday
        yesterday = clock.today() - dt.timedelta(days=1)
        session.add(ListingTermRow(kind="need", listing_id=NEED, expires_on=yesterday))
    upkeep = Upkeep(market.upkeep.warmer, market.watcher, tmp_path / "upkeep.lock", 60)
    upkeep.step()  # what the serving process's background thread does every minute
    upkeep.stop()
    assert market.catalog.get(Kind.need, NEED).status is Status.withdrawn
    assert any("已过有效期" in n.title for n in market.inbox.items(owner.id))


def test_only_the_lock_holder_sweeps(seeded_market: Components, tmp_path: Path) -> None:
    lock = tmp_path / "upkeep.lock"
    first = Upkeep(seeded_market.upkeep.warmer, seeded_market.watcher, lock, 60)
    second = Upkeep(seeded_market.upkeep.warmer, seeded_market.watcher, lock, 60)
    try:
        assert first.leads() and not second.leads()
        first.stop()
        assert second.leads()  # the lock is free again when its holder stops
    finally:
        first.stop()
        second.stop()


def test_a_stage_change_reaches_both_owners_at_once(seeded_market: Components) -> None:
    market = seeded_market
    enterprise = make_user(market, Role.enterprise, "ent-stage")
    university = make_user(market, Role.university, "uni-stage")
    own(market, enterprise, Kind.need, NEED)
    own(market, university, Kind.achievement, ACHIEVEMENT)
    broker = make_user(market, Role.broker)
    pair = market.desk.recommend(NEED, ACHIEVEMENT, broker)
    market.desk.move(pair.id, Stage.contacted, broker)
    need = market.catalog.get(Kind.need, NEED).title
    achievement = market.catalog.get(Kind.achievement, ACHIEVEMENT).title
    for user in (enterprise, university):  # no sweep, no page view
        titles = [n.title for n in market.inbox.items(user.id)]
        assert f"「{need}」×「{achievement}」：经纪人推荐了对接" in titles
        assert f"「{need}」×「{achievement}」：经纪人已联系双方，对方的联系方式现在可见" in titles
    market.watcher.sweep_all(force=True)  # the sweep does not tell it twice
    assert len([n for n in market.inbox.items(enterprise.id) if "×" in n.title]) == 2


def test_common_needs_are_ranked_once_for_every_achievements_n(
    seeded_market: Components, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = seeded_market.common_needs
    calls: list[int] = []
    rank = groups.ranker.rank

    def counted(need_ids: list[str], limit: int = 10) -> object:
        calls.append(limit)
        return rank(need_ids, limit)

    monkeypatch.setattr(groups.ranker, "rank", counted)
    full = groups.list(achievements=20)
    ranked = len(calls)
    assert ranked >= 1
    for n in range(1, 20):
        cut = groups.list(achievements=n)
        assert len(calls) == ranked  # no ranking again
        for whole, part in zip(full.groups, cut.groups, strict=True):
            assert [a.id for a in part.achievements] == [a.id for a in whole.achievements][:n]


def test_techmatch_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["sweep"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "已检查 0 个账号的消息；到期下架 0 条信息。" in result.output


def test_a_refitted_calibration_is_not_served_from_older_kept_lists(
    seeded_market: Components,
) -> None:
    from service.matching.calibration import Calibrations
    from service.matching.matcher import Matcher

    m = seeded_market.matcher
    assert m.calibrations.variants  # the shipped calibration
    uncalibrated = Matcher(
        m.index, m.catalog, m.analyzer, m.encoder, m.taxonomy, m.settings, m.weights,
        terms=m.terms, calibrations=Calibrations({}),
    )  # fmt: skip
    assert uncalibrated.mark() != m.mark()  # same weights, other probabilities: another stamp

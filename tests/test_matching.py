from types import SimpleNamespace

import pytest

from indexer.base import Hit
from indexer.documents import passages
from service.composition import Components, build_components
from service.listings.schemas import Kind
from service.listings.taxonomy import get_taxonomy
from service.matching import features as f
from service.matching.fusion import best_possible, reciprocal_rank_fusion
from service.matching.matcher import NotPublishedError

TAXONOMY = get_taxonomy()


def need(**kw: object) -> SimpleNamespace:
    base = {
        "field": "materials.basalt_fiber",
        "required_maturity": "pilot",
        "cooperation_modes": ["license"],
        "budget_wan": 50.0,
        "region": "达州高新区",
    }
    return SimpleNamespace(**{**base, **kw})


def ach(**kw: object) -> SimpleNamespace:
    base = {
        "field": "materials.basalt_fiber",
        "maturity": "industrial",
        "transfer_modes": ["license", "transfer"],
        "price_wan": 40.0,
        "region": "达州高新区",
    }
    return SimpleNamespace(**{**base, **kw})


def test_rrf_orders_by_combined_rank() -> None:
    fused = reciprocal_rank_fusion(
        {"lexical": [Hit("a", 9), Hit("b", 5)], "dense": [Hit("b", 0.9), Hit("c", 0.8)]}, {}, 60
    )
    assert [x.id for x in fused] == ["b", "a", "c"]
    assert fused[0].ranks == {"lexical": 2, "dense": 1}
    assert best_possible(["lexical", "dense"], {}, 60) == pytest.approx(2 / 61)


def test_field_feature_levels() -> None:
    assert f.field_feature(need(), ach(), TAXONOMY).value == 1.0
    assert f.field_feature(need(), ach(field="materials.glass_fiber"), TAXONOMY).value == 0.5
    other = f.field_feature(need(), ach(field="agriculture.seed"), TAXONOMY)
    assert other.value == 0.0 and "领域不同" in (other.mismatch or "")


def test_maturity_feature() -> None:
    assert f.maturity_feature(need(), ach()).value == 1.0
    below = f.maturity_feature(need(), ach(maturity="small_scale"))
    assert below.value == 0.4 and below.mismatch == "成熟度小试低于需求要求的中试"
    assert f.maturity_feature(need(), ach(maturity="lab")).value == 0.0
    assert f.maturity_feature(need(required_maturity=None), ach(maturity="lab")).value == 1.0


def test_mode_feature() -> None:
    assert f.mode_feature(need(), ach()).value == 1.0
    assert f.mode_feature(need(cooperation_modes=[]), ach()).value == 0.5
    miss = f.mode_feature(need(cooperation_modes=["equity"]), ach())
    assert miss.value == 0.0 and "作价入股" in (miss.mismatch or "")


def test_money_feature_says_price_above_budget() -> None:
    assert f.money_feature(need(), ach()).value == 1.0
    over = f.money_feature(need(), ach(price_wan=80.0))
    assert over.mismatch == "价格80万高于预算50万" and over.value == 0.0
    assert f.money_feature(need(), ach(price_wan=70.0)).value == 0.4
    assert f.money_feature(need(budget_wan=None), ach()).note == "预算面议"


def test_region_tiers() -> None:
    assert f.region_feature(need(), ach(), TAXONOMY).value == 1.0
    assert f.region_feature(need(), ach(region="宣汉县"), TAXONOMY).value == 0.75
    assert f.region_feature(need(), ach(region="南充市"), TAXONOMY).value == 0.5
    assert f.region_feature(need(), ach(region="成都市"), TAXONOMY).value == 0.2


def test_need_to_achievements_explained(seeded_market: Components) -> None:
    result = seeded_market.matcher.match(Kind.need, "N2001", limit=5)
    assert result.source.id == "N2001" and not result.semantic and result.notice
    assert len(result.matches) == 5
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    top = result.matches[0]
    assert top.kind is Kind.achievement
    assert {c.name for c in top.components} == {
        "text",
        "bm25",  # weighted by the shipped weights; "cosine" needs a model
        "field",
        "maturity",
        "mode",
        "money",
        "region",
    }
    assert top.score == pytest.approx(sum(c.contribution for c in top.components), abs=1e-3)
    assert top.shared_terms and "lexical" in top.retrieval
    assert all(len(t) > 1 for t in top.shared_terms)  # no single characters in explanations


def test_achievement_to_needs(seeded_market: Components) -> None:
    result = seeded_market.matcher.match(Kind.achievement, "A2003", limit=3)
    assert all(m.kind is Kind.need for m in result.matches)
    assert "N2001" in [m.id for m in result.matches]


def test_drafts_are_never_matched(seeded_market: Components) -> None:
    seeded_market.catalog.patch(Kind.achievement, "A2003", {"status": "draft"})
    seeded_market.indexing.apply(
        Kind.achievement.value, seeded_market.catalog.get(Kind.achievement, "A2003")
    )
    ids = [m.id for m in seeded_market.matcher.match(Kind.need, "N2001", 50).matches]
    assert "A2003" not in ids
    with pytest.raises(NotPublishedError):
        seeded_market.matcher.match(Kind.achievement, "A2003")


def test_dense_path_with_tiny_model(seeded_home, tmp_path, tiny_model) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from tests.conftest import make_settings

    shutil.copytree(seeded_home, tmp_path / "h")
    market = build_components(make_settings(tmp_path / "h", embedding_model=str(tiny_model)))
    market.indexing.sync()
    assert market.indexing.vectors_usable()
    result = market.matcher.match(Kind.need, "N2001", limit=100)
    assert result.semantic and result.notice is None
    assert sum("dense" in m.retrieval for m in result.matches) >= 20
    assert any(set(m.retrieval) == {"lexical", "dense"} for m in result.matches)
    # the explanation quotes each match's passage closest to the need: its title or a sentence
    for match in result.matches[:5]:
        achievement = market.catalog.get(Kind.achievement, match.id)
        assert match.best_passage in passages(achievement)
    market.close()


def test_match_lists_are_cached_until_a_listing_changes(seeded_market: Components) -> None:
    from service.listings.schemas import AchievementIn

    matcher = seeded_market.matcher
    first = matcher.match(Kind.need, "N2001", limit=5)
    assert matcher.match(Kind.need, "N2001", limit=5) == first  # served from the cache
    top = seeded_market.catalog.get(Kind.achievement, first.matches[0].id)
    twin = top.model_dump(exclude={"id", "created_at", "updated_at"})
    twin["title"] = top.title + "（第二代）"
    created = seeded_market.listings.create(
        Kind.achievement, AchievementIn.model_validate(twin), None
    )
    again = matcher.match(Kind.need, "N2001", limit=5)  # a write anywhere: computed afresh
    assert created.id in [m.id for m in again.matches]


def test_shared_terms_are_content_words_only(seeded_market: Components) -> None:
    """Issue #12 saw 年、约、逸、一、种、不 among the shared terms: content words only."""
    import datetime as dt

    from indexer.documents import full_text
    from service.listings.schemas import Need

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    posted = Need(
        id="N-PREVIEW",
        title="我们厂玄武岩纤维拉丝一个班断几十次，产量上不去",
        description=(
            "我们厂有两条池窑拉丝线，一年要停炉约3次，每次都得把漏板摘下来上改一下。一个班断丝"
            "几十次，种种办法都试过了也不行，希望通过合作进行改进，可以按年付费。"
        ),
        enterprise="达州某玄武岩纤维公司",
        field="materials.basalt_fiber",
        region="达川区",
        created_at=now,
        updated_at=now,
    )
    analyzer = seeded_market.analyzer
    result = seeded_market.matcher.match_listing(Kind.need, posted, limit=10)
    terms = [t for m in result.matches for t in m.shared_terms]
    assert terms and "玄武岩纤维" in terms
    source = set(analyzer.content_words(full_text(posted)))
    for match in result.matches:
        other = set(
            analyzer.content_words(full_text(seeded_market.catalog.get(Kind.achievement, match.id)))
        )
        assert set(match.shared_terms) <= source & other
    junk = {"年", "约", "一", "种", "不", "一个", "一个班", "几十次", "我们", "每次", "通过",
            "进行", "可以", "上改", "摘下来", "上不去", "一下", "3", "3次"}  # fmt: skip
    assert not junk & set(terms), junk & set(terms)
    assert all(len(t) > 1 and not t.isdigit() for t in terms)

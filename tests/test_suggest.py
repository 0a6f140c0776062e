"""Field and keyword suggestions: on the seed, through the API, and their evaluation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.composition import Components
from service.listings.schemas import Kind
from service.listings.taxonomy import get_taxonomy
from service.suggest.evaluation import evaluate_suggestions, keyword_prf
from service.suggest.suggester import FieldClassifier, field_suggestions
from tests.support.app_client import AppClient

BASALT = (
    "玄武岩纤维复合筋用于桥面铺装",
    "公司承接农村公路桥梁维修，希望引入耐腐蚀的玄武岩纤维复合筋替代部分钢筋，"
    "需要拉伸强度不低于1000MPa的玄武岩纤维复合筋产品和施工工法。",
)
TEXTS = [
    (Kind.need, *BASALT, "materials"),
    (
        Kind.achievement,
        "丘陵山区小型履带拖拉机",
        "针对川东北丘陵山区坡地作业难题，研制了小型履带式拖拉机及配套旋耕机具，"
        "爬坡能力达25度，适合宜机化改造后的坡耕地。",
        "manufacturing",
    ),
    (
        Kind.need,
        "天然气净化厂脱硫工艺优化",
        "我公司天然气净化厂需要高效脱硫溶剂及硫磺回收工艺优化技术，降低尾气二氧化硫排放。",
        "resources_env",
    ),
    (
        Kind.achievement,
        "富硒绿茶加工工艺",
        "本成果开发了富硒绿茶的加工工艺，提高茶多酚含量，富硒绿茶品质稳定。",
        "agriculture",
    ),
]


@pytest.mark.parametrize(("kind", "title", "text", "top"), TEXTS)
def test_suggested_field_lands_in_the_right_top_field(
    seeded_market: Components, kind: Kind, title: str, text: str, top: str
) -> None:
    result = seeded_market.suggester.suggest(kind, text, title=title)
    first = result.fields[0]
    assert first.code.split(".")[0] == top
    assert first.label == get_taxonomy().label(first.code)
    assert 0 < first.confidence <= 1
    assert len({f.code for f in result.fields}) == len(result.fields) <= 3


def test_keywords_are_key_terms_canonical_and_deterministic(seeded_market: Components) -> None:
    analyzer = seeded_market.analyzer
    title, text = BASALT
    text += "本项目需要技术合作，我们提供相关技术支持。BFRP筋用量大。"
    first = seeded_market.suggester.suggest(Kind.need, text, title=title)
    again = seeded_market.suggester.suggest(Kind.need, text, title=title)
    assert first == again
    assert 0 < len(first.keywords) <= 8
    assert len(set(first.keywords)) == len(first.keywords)
    assert any("玄武岩纤维" in k for k in first.keywords)
    for keyword in first.keywords:
        assert analyzer.is_key_term(keyword), keyword
        assert keyword not in analyzer.synonyms, f"{keyword} is not canonical"
        assert len(keyword) >= 2
    assert not {"技术", "需要", "我们", "本项目", "1000mpa"} & set(first.keywords)


def test_keywords_are_never_fragments_numerals_or_set_phrases(seeded_market: Components) -> None:
    analyzer = seeded_market.analyzer
    title = "烘干炉温度上不去，零件要摘下来上改"
    text = (
        "我们厂的烘干炉冬天温度上不去，每次都得把零件摘下来上改一下再装回去，一个班要折腾"
        "几十次，温度上不去产量就上不去，工人心疼，老是返工。想找懂烘干炉加热和保温的团队。"
    )
    result = seeded_market.suggester.suggest(Kind.need, text, title=title)
    assert "烘干炉" in result.keywords
    junk = {"上改", "温度上不去", "上不去", "摘下来", "一个班", "几十次", "心疼", "老是", "每次"}
    assert not junk & set(result.keywords), result.keywords
    for keyword in result.keywords:  # each a content word, or two written together
        assert (
            keyword in analyzer.content_words(keyword) or len(analyzer.content_words(keyword)) == 2
        )


def test_synonyms_come_back_canonical(seeded_market: Components) -> None:
    written, canonical = next(iter(seeded_market.analyzer.synonyms.items()))
    result = seeded_market.suggester.suggest(Kind.need, f"{written}。{written}。{written}的应用")
    assert written not in result.keywords or written == canonical


def test_refits_when_the_catalog_changes(seeded_market: Components) -> None:
    suggester = seeded_market.suggester
    suggester.refit_interval = 0.0
    suggester.refresh()
    before = suggester.catalog_signature()
    listing = next(seeded_market.catalog.iter_all(Kind.need, published_only=True))
    seeded_market.catalog.patch(Kind.need, listing.id, {"status": "withdrawn"})
    suggester.refresh()
    assert suggester.catalog_signature() != before
    assert suggester._signature == suggester.catalog_signature()


def test_field_suggestions_prefer_the_top_field_when_unsure() -> None:
    taxonomy = get_taxonomy()
    unsure = [
        ("materials.basalt_fiber", 0.4),
        ("materials.glass_fiber", 0.35),
        ("agriculture", 0.25),
    ]
    shown = field_suggestions(unsure, taxonomy)
    assert [(f.code, f.confidence) for f in shown] == [("materials", 0.75), ("agriculture", 0.25)]
    sure = [("materials.basalt_fiber", 0.8), ("agriculture.seed", 0.2)]
    assert field_suggestions(sure, taxonomy)[0].code == "materials.basalt_fiber"


def test_classifier_with_one_class_or_none() -> None:
    assert FieldClassifier().fit([], []).ranked(["x"]) == []
    assert FieldClassifier().fit([["a"], ["b"]], ["x", "x"]).ranked(["a"]) == [("x", 1.0)]


def test_keyword_metrics_by_hand() -> None:
    # 2 of 4 suggestions are author keywords; 2 of 3 author keywords found.
    p, r, f1 = keyword_prf(
        ["玄武岩纤维", "ＢＦＲＰ", "桥面", "钢筋"], ["bfrp", "玄武岩纤维", "复合筋"]
    )
    assert (p, r) == (0.5, 2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # lenient: 复合筋 is contained in 玄武岩复合筋; 桥梁 matches nothing.
    p, r, _ = keyword_prf(["玄武岩复合筋", "桥梁"], ["复合筋", "纤维"], lenient=True)
    assert (p, r) == (0.5, 0.5)
    assert keyword_prf([], ["a"]) == (0.0, 0.0, 0.0)


def test_evaluate_suggestions_on_a_tiny_papers_file(
    seeded_market: Components, tmp_path: Path
) -> None:
    papers = []
    for n in range(4):
        papers.append(
            {
                "title": f"水稻品种{n}选育",
                "abstract": "水稻高产栽培与病害防治，水稻品种选育。",
                "keywords": ["水稻", "品种选育"],
                "category": "农学",
            }
        )
        papers.append(
            {
                "title": f"高血压患者{n}治疗",
                "abstract": "高血压患者的临床疗效观察，高血压治疗。",
                "keywords": ["高血压", "临床疗效"],
                "category": "医学",
            }
        )
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in papers), encoding="utf-8")
    report = evaluate_suggestions(
        path, seeded_market.catalog, seeded_market.analyzer, seeded_market.taxonomy
    )
    paper_field = report.fields[0]
    assert (paper_field.documents, paper_field.classes, paper_field.folds) == (8, 2, 4)
    assert paper_field.accuracy == 1.0
    assert paper_field.majority == 0.5
    assert {(f.dataset, f.level) for f in report.fields[1:]} == {
        ("catalog", "sub-field"),
        ("catalog", "top field"),
    }
    scores = {(k.dataset, k.at, k.matching): k for k in report.keywords}
    exact = scores[("csl-dev", "n_author", "exact")]
    assert 0 <= exact.precision <= scores[("csl-dev", "n_author", "lenient")].precision
    assert "| metric | value |" in report.markdown()
    assert len(report.rows()) == 3 * 3 + 3 * len(report.keywords)


@pytest.fixture()
async def client(seeded_market: Components) -> AsyncIterator[httpx.AsyncClient]:
    async with AppClient(create_app(parts=seeded_market)) as c:
        yield c


@pytest.mark.anyio
async def test_api_suggests_without_an_account(client: httpx.AsyncClient) -> None:
    title, text = BASALT
    response = await client.post(
        "/api/suggest", json={"kind": "need", "title": title, "text": text}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "need"
    assert body["fields"][0]["code"].startswith("materials")
    assert {"code", "label", "confidence"} <= set(body["fields"][0])
    assert 0 < len(body["keywords"]) <= 8


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "need", "title": "", "text": "  "}, "body"),
        ({"kind": "patent", "title": "玄武岩纤维"}, "kind"),
        ({"kind": "need", "title": "玄" * 101}, "title"),
        ({"kind": "need", "text": "玄" * 5001}, "text"),
        ({"kind": "need", "title": "玄武岩", "limit": 0}, "limit"),
    ],
)
async def test_api_rejects_bad_input_naming_the_field(
    client: httpx.AsyncClient, payload: dict[str, object], field: str
) -> None:
    response = await client.post("/api/suggest", json=payload)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert field in fields, response.json()

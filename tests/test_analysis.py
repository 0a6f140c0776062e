from indexer.analysis import Resources, get_analyzer, normalise


def test_normalise_full_width_case_and_space() -> None:
    assert normalise("ＣＢＦ　玄武岩\n\t纤维  ＡＢＣ１２３") == "cbf 玄武岩 纤维 abc123"


def test_domain_terms_stay_whole() -> None:
    analyzer = get_analyzer()
    for term in ("玄武岩纤维", "离心玻璃棉", "卤水提锂"):
        assert term in analyzer.tokens(f"本项目研究{term}的关键工艺")
        assert term in analyzer.words(f"本项目研究{term}的关键工艺")


def test_stop_words_and_punctuation_dropped() -> None:
    tokens = get_analyzer().tokens("我们的，技术！")
    assert "的" not in tokens and "，" not in tokens and "！" not in tokens


def test_synonyms_map_to_one_form() -> None:
    analyzer = get_analyzer()
    canonical = analyzer.synonyms["cbf"]
    assert canonical in analyzer.tokens("CBF 短切纱")
    assert ("cbf", canonical) in analyzer.expansions("CBF 短切纱")


def test_fingerprint_changes_with_resources(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("dictionary.txt", "synonyms.txt", "stopwords.txt", "boilerplate.txt"):
        (tmp_path / name).write_text("玄武岩纤维 100 n\n" if name == "dictionary.txt" else "")
    (tmp_path / "boilerplate.txt").write_text("技术\n")
    before = Resources.packaged(tmp_path).fingerprint()
    (tmp_path / "stopwords.txt").write_text("的\n")
    assert Resources.packaged(tmp_path).fingerprint() != before


# A need in an enterprise's own words, with the fragments, numerals and set phrases that plain
# segmentation lets through (issue #12: 上改、温度上不去、摘下来 were suggested as keywords).
COLLOQUIAL = (
    "我们厂的烘干炉冬天温度上不去，每次都得把零件摘下来上改一下再装回去，一个班要折腾几十次，"
    "工人心疼产量，老是返工。施工单位不愿用，筋到了工地也用不了。"
)


def test_content_words_drop_fragments_numerals_and_function_words() -> None:
    words = set(get_analyzer().content_words(COLLOQUIAL))
    assert {"烘干炉", "产量", "工人", "施工单位"} <= words
    junk = {"上改", "上不去", "温度上不去", "摘下来", "一个班", "几十次", "我们", "每次", "老是",
            "不愿用", "筋到", "用不了", "装回去", "心疼", "冬天", "一下"}  # fmt: skip
    assert not junk & words, junk & words
    assert all(len(w) > 1 for w in words)


def test_content_words_keep_domain_terms_and_english_terms() -> None:
    analyzer = get_analyzer()
    words = analyzer.content_words("高含硫天然气选择性脱硫复配MDEA溶剂，溶剂损耗3.5kg，回收率98%")
    assert {"高含硫天然气", "甲基二乙醇胺", "溶剂", "脱硫"} <= set(words)  # mdea: its synonym
    assert not {"3.5kg", "kg", "98%", "3.5"} & set(words)
    assert analyzer.known("玄武岩纤维") and analyzer.known("溶剂") and not analyzer.known("筋到")

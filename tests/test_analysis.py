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

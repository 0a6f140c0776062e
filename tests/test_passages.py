"""What the index embeds passage by passage: the title and the body's first sentences."""

from dataclasses import dataclass, field

from indexer.documents import INDEXED_SENTENCES, indexed_passages, passages, to_document


@dataclass
class Listing:
    title: str
    body: str
    id: str = "A1"
    keywords: list[str] = field(default_factory=list)
    extra_text: list[str] = field(default_factory=list)
    mode_codes: list[str] = field(default_factory=list)
    field: str = "materials.basalt_fiber"
    region: str | None = None
    money: float | None = None
    maturity_code: str | None = None
    is_published: bool = True


class Words:
    """An analyzer that splits on spaces (the tokens do not matter here)."""

    version = "words"

    def tokens(self, text: str) -> list[str]:
        return text.split()


BODY = (
    "玄武岩矿石成分波动大。好。本成果建立矿石分级方法；粘度预测误差≤6%。"
    "配料后拉丝窗口扩大。可提供技术许可。"
)


def test_the_title_and_the_first_sentences_are_indexed_in_order() -> None:
    listing = Listing("玄武岩配料技术", BODY)
    assert INDEXED_SENTENCES == 3
    assert indexed_passages(listing) == [
        "玄武岩配料技术",
        "玄武岩矿石成分波动大。",  # "好。" is shorter than a passage and is not counted
        "本成果建立矿石分级方法；",
        "粘度预测误差≤6%。",
    ]
    assert len(passages(listing)) == 6  # sentence alignment still reads every sentence


def test_a_short_body_keeps_every_sentence() -> None:
    listing = Listing("富硒茶加工", "绿茶杀青工艺。揉捻机组改造。")
    assert (
        indexed_passages(listing)
        == passages(listing)
        == ["富硒茶加工", "绿茶杀青工艺。", "揉捻机组改造。"]
    )


def test_the_index_document_carries_the_indexed_passages() -> None:
    listing = Listing("玄武岩配料技术", BODY)
    doc = to_document("achievement", listing, Words(), "model")  # type: ignore[arg-type]
    assert doc.passages == indexed_passages(listing)

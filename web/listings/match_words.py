"""A match's explanation in plain words: the tier with its percentage, and for each part of
the score that carries weight, what it means to an enterprise or a university.

The technical wording (BM25, cosine, weights and contributions) stays in the component's own
``label`` and ``note``, which only brokers and admins read, in a <details> block.
"""

from __future__ import annotations

from service.matching.calibration import tier_words
from service.matching.results import Component

PLAIN_LABELS = {"text": "整体相关", "bm25": "专业词吻合", "cosine": "意思相近"}
PLAIN_NOTES = {  # (from this value, the words), the first that applies
    "text": (
        (0.8, "在全部候选中最相关之列"),
        (0.5, "与对方的描述较为相关"),
        (0.0, "与对方的描述有一定关联"),
    ),
    "bm25": (
        (0.7, "双方用到的专业词大多相同"),
        (0.4, "双方用到部分相同的专业词"),
        (0.0, "双方共用的专业词不多"),
    ),
    "cosine": (
        (0.85, "双方说的是同一类问题与技术"),
        (0.8, "双方所说的意思相近"),
        (0.0, "双方所说的意思有些接近"),
    ),
}


MIN_WEIGHT = 0.01  # a part that moves the total by less than this gets no bar


def weighed(components: list[Component]) -> list[Component]:
    """The components that carry weight: only these get a bar."""
    return [c for c in components if c.weight >= MIN_WEIGHT]


def plain_label(component: Component) -> str:
    return PLAIN_LABELS.get(component.name, component.label)


def plain_note(component: Component) -> str:
    """What the component says, without scores or technical terms."""
    steps = PLAIN_NOTES.get(component.name)
    if steps is None:
        return component.note  # the structured features and bridges are plain already
    return next(words for start, words in steps if component.value >= start)


GLOBALS = {
    "tier_words": tier_words,
    "weighed": weighed,
    "plain_label": plain_label,
    "plain_note": plain_note,
}

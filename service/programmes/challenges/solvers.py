"""揭榜挂帅: which institutions are likely to solve a challenge, from their achievements'
calibrated match probabilities (``service/matching/calibration.py``).

An institution's score is its best achievement's probability, plus a quarter of its second's
and a sixteenth of its third's: one strong fit outranks any number of weak ones, and among
equally strong fits a second good achievement breaks the tie. Its fitting achievements (at
least a "possible" match) are listed, best first.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.matching.calibration import tier_words
from service.programmes.challenges.views import SolverCandidate
from service.programmes.common_needs.views import GroupMatch

DISCOUNT = 0.25  # each further achievement counts this much of the one before it
COUNTED = 3  # achievements that count in the score
FITTING = ("strong", "possible")


def solver_score(probabilities: Sequence[float]) -> float:
    """Best probability, then the next ones discounted (best first is assumed sorted here)."""
    ordered = sorted(probabilities, reverse=True)[:COUNTED]
    return round(sum(p * DISCOUNT**i for i, p in enumerate(ordered)), 4)


def rank_solvers(
    ranked: Sequence[GroupMatch], invited: set[str], limit: int = 10
) -> list[SolverCandidate]:
    """Institutions ranked by ``solver_score`` of their achievements' probabilities."""
    by_org: dict[str, list[GroupMatch]] = {}
    for match in ranked:
        by_org.setdefault(match.organisation, []).append(match)
    rows = []
    for org, matches in by_org.items():
        matches = sorted(matches, key=lambda m: (-(m.probability or 0.0), m.rank))
        score = solver_score([m.probability or 0.0 for m in matches])
        rows.append((score, org, matches))
    rows.sort(key=lambda r: (-r[0], r[1]))
    out = []
    for rank, (score, org, matches) in enumerate(rows[:limit], start=1):
        fitting = [m for m in matches if m.tier in FITTING] or matches[:1]
        best = matches[0]
        out.append(
            SolverCandidate(
                rank=rank,
                institution=org,
                score=score,
                probability=best.probability,
                tier=best.tier,
                achievements=fitting[:5],
                explanation=_explain(fitting, len(matches)),
                invited=org in invited,
            )
        )
    return out


def _explain(fitting: list[GroupMatch], found: int) -> str:
    parts = [f"《{m.title}》{tier_words(m.tier, m.probability)}" for m in fitting[:3]]
    if fitting[0].tier not in FITTING:
        return f"{found}项成果与榜单需求有关，但都不够相符；最接近的是" + parts[0]
    text = "最相符的成果：" + "；".join(parts)
    return text + (f"；另有{len(fitting) - 3}项相符" if len(fitting) > 3 else "")

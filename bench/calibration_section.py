"""Re-render the "Match probability" section of docs/quality.md from the shipped
``seed_data/calibration.json``, with the report's own code (``calibration_report.markdown``),
after ``techmatch tune --dev-only --out seed_data``; the rest of the page is left as it is
(the whole report, ``techmatch report``, takes over an hour on two cores).

    .venv/bin/python bench/calibration_section.py
"""

from __future__ import annotations

from pathlib import Path

from seed_data import SEED_DIR
from service.matching.calibration import load_calibrations
from service.quality import calibration_report

HEADING = "## Match probability: calibration (held-out)"
PAGE = Path(__file__).resolve().parents[1] / "docs" / "quality.md"


def main() -> None:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.index("\n## ", start + len(HEADING))
    folds = int((load_calibrations(SEED_DIR) or {}).meta.get("folds", 5))  # type: ignore[union-attr]
    body = calibration_report.markdown(load_calibrations(SEED_DIR), folds)
    PAGE.write_text(text[:start] + "\n".join([HEADING, "", *body]).rstrip() + "\n" + text[end:])
    print(f"{PAGE}: section re-rendered ({len(body)} lines)")


if __name__ == "__main__":
    main()

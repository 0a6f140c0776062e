"""Re-render sections of docs/quality.md with the report's own code, after a refit
(``techmatch tune --dev-only --out seed_data``), leaving the rest of the page as it is (the
whole report, ``techmatch report``, runs for an hour on two cores):

- "Match probability" from the shipped ``seed_data/calibration.json`` and "Notes" from
  ``service/quality/notes.py`` (instant);
- with ``--dev``, "Development set: ablation" measured again on a scratch market of the seed
  (every row of the report's ablation, about ten minutes on a quiet machine);
- with ``--terms``, "Terms" as ``techmatch terms`` measures it (precision on the labelled
  samples, agreement, the grouping's titles; about 15 s).

    .venv/bin/python bench/quality_sections.py [--dev] [--terms]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from seed_data import SEED_DIR
from service.composition import open_components, scratch_market
from service.config import get_settings
from service.matching.calibration import load_calibrations
from service.quality import calibration_report, dev_report
from service.quality.devset import load_devset
from service.quality.notes import NOTES

PAGE = Path(__file__).resolve().parents[1] / "docs" / "quality.md"
CALIBRATION = "## Match probability: calibration (held-out)"
DEV = "## Development set: ablation"
TERMS = "## Terms: what is shown as a technical term"
NOTES_HEADING = "## Notes: how to read these figures"
DEV_INTRO = 4  # the section's own paragraph, kept as written by the report


def replace(text: str, heading: str, body: list[str], keep: int = 0) -> str:
    """``text`` with the section under ``heading`` replaced by ``body`` (after ``keep`` lines
    of the old section, counting the blank line under the heading)."""
    start = text.index(heading)
    end = text.index("\n## ", start + len(heading))
    kept = text[start:end].split("\n")[: 1 + keep]
    return text[:start] + "\n".join([*kept, "", *body]).rstrip() + "\n" + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="measure and render the dev ablation")
    parser.add_argument("--terms", action="store_true", help="measure and render the terms")
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    calibrations = load_calibrations(SEED_DIR)
    folds = int(calibrations.meta.get("folds", 5)) if calibrations else 5
    text = replace(text, CALIBRATION, calibration_report.markdown(calibrations, folds))
    text = replace(text, NOTES_HEADING, NOTES.strip().split("\n")[2:])
    if args.dev:
        with open_components(get_settings()) as parent, scratch_market(parent) as market:
            parent.encoder.status  # loads the model  # noqa: B018
            found = dev_report.collect_dev(market, load_devset(SEED_DIR), folds)
        text = replace(text, DEV, dev_report.markdown(found), keep=DEV_INTRO)
    if args.terms:
        from service.cli.terms import terms_section

        with open_components(get_settings()) as parts:
            text = replace(text, TERMS, terms_section(parts))
    PAGE.write_text(text, encoding="utf-8")
    done = [
        "calibration",
        "notes",
        *(["dev ablation"] if args.dev else []),
        *(["terms"] if args.terms else []),
    ]
    print(f"{PAGE}: re-rendered {', '.join(done)}")


if __name__ == "__main__":
    main()

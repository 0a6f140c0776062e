"""``techmatch terms``: precision of the shown terms on the labelled samples, agreement with a
second labeller, and the common-need grouping figures (the "Terms" section of the report)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import typer

from service.cli.common import market

if TYPE_CHECKING:  # the command line imports the market only when a command opens it
    from service.composition import Components


FRESH = ("fresh sample 2", "fresh sample 3")  # the samples second-fresh.tsv labels


def register(app: typer.Typer) -> None:
    """Add the terms command to the ``techmatch`` app."""
    app.command("terms")(terms)


def terms_section(parts: Components, grouping: bool = True) -> list[str]:
    """The report's "Terms" section measured on ``parts`` (a market's components)."""
    from service.programmes.common_needs.grouping_eval import evaluate
    from service.quality import terms as quality

    directory = parts.seed_dir / "terms"
    samples = [
        ("criteria sample (rules written beside it)", directory / "labels.tsv"),
        ("held-out sample (shown terms; rules revised on it)", directory / "labels-heldout.tsv"),
        ("fresh sample 1 (blind; rules revised on it)", directory / "labels-fresh.tsv"),
        ("fresh sample 2 (blind; rules revised on it)", directory / "labels-fresh2.tsv"),
        ("fresh sample 3 (blind; rules revised on it)", directory / "labels-fresh3.tsv"),
        ("fresh sample 4 (blind; the dictionary audited since)", directory / "labels-fresh4.tsv"),
        ("fresh sample 5 (blind, after the rules were frozen)", directory / "labels-fresh5.tsv"),
    ]
    labelled = {name: quality.read_labels(path) for name, path in samples if path.exists()}
    extractor = parts.matcher.terms
    scores = [quality.precision(name, extractor, rows) for name, rows in labelled.items()]
    theirs: dict[str, int] = {}
    for second in sorted(directory.glob("second*.tsv")):  # second, -fresh (2, 3), -fresh4
        theirs |= quality.read_second(second)
    for name, rows in labelled.items():  # a sample the second labeller labelled whole
        if name.startswith("fresh") and all(x.term in theirs for x in rows):
            relabelled = [replace(x, label=theirs[x.term]) for x in rows]
            scores.append(quality.precision(f"{name}, second labeller", extractor, relabelled))
    everything = [row for rows in labelled.values() for row in rows]
    fresh = [row for name, rows in labelled.items() if name.startswith(FRESH) for row in rows]
    groups = [("all samples", everything), *labelled.items(), ("fresh samples 2 and 3", fresh)]
    agreements = [(name, quality.agreement(rows, theirs)) for name, rows in groups]
    found = [(name, agreed) for name, agreed in agreements if agreed is not None]
    summary = evaluate(parts.common_needs.grouper, parts.seed_dir).summary() if grouping else []
    return quality.markdown(scores, found, summary)


def terms(
    no_grouping: bool = typer.Option(False, "--no-grouping", help="skip the grouping figures"),
) -> None:
    """Term precision on the labelled samples, kappa, and the grouping figures (markdown)."""
    with market() as parts:
        typer.echo("\n".join(terms_section(parts, grouping=not no_grouping)))

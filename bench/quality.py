"""Extraction quality on annotated articles, one article per build, as the README reports it.

    python bench/quality.py [FOLDER ...]      # default: tests/articles/

Prints a Markdown table per folder (per article and overall, with and without the gazetteer),
measured with the same scorer as ``tiegraph eval`` (graph.evaluate).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from extract.pipeline import Extractor
from graph.api import evaluate


def table(folder: Path) -> str:
    rows = [
        "| article | entity F1 | relation P | relation R | relation F1 | roles | relation F1, no gazetteer |",
        "|---|---|---|---|---|---|---|",
    ]
    extractors = {True: Extractor.load(gazetteer=True), False: Extractor.load(gazetteer=False)}
    golds = sorted(folder.glob("*.json"))
    totals = {}
    for gold in golds:
        scores = {}
        for gaz, ex in extractors.items():
            scores[gaz] = evaluate([gold], inputs=[folder], extractor=ex, gazetteer=gaz)
        r, e = scores[True].relations, scores[True].entities
        rows.append(
            f"| {gold.stem} | {e.f1:.2f} | {r.precision:.2f} | {r.recall:.2f} | {r.f1:.2f} | "
            f"{r.roles_found}/{r.roles_total} | {scores[False].relations.f1:.2f} |"
        )
    for gaz, ex in extractors.items():
        totals[gaz] = evaluate(golds, inputs=[folder], extractor=ex, gazetteer=gaz)
    t, n = totals[True], totals[False]
    rows.append(
        f"| **all (micro)** | **{t.entities.f1:.2f}** | **{t.relations.precision:.2f}** | "
        f"**{t.relations.recall:.2f}** | **{t.relations.f1:.2f}** | "
        f"**{t.relations.roles_found}/{t.relations.roles_total}** | **{n.relations.f1:.2f}** |"
    )
    rows.append("")
    rows.append(
        f"Without the gazetteer: entity F1 {n.entities.f1:.2f} (P {n.entities.precision:.2f}, "
        f"R {n.entities.recall:.2f}), relation F1 {n.relations.f1:.2f}."
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("tests/articles")])
    for folder in parser.parse_args().folders:
        print(f"### {folder}\n")
        print(table(folder))
        print()


if __name__ == "__main__":
    main()

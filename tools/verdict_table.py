"""Rewrite the verdict table in README.md from the records under results/verdicts/.

The table sits between two marker lines in README.md (`BEGIN` and `END` below); everything
between them is replaced, nothing else is touched. It is the same table notebook 08 shows
(`rg.verdicts.claims_table`), followed by the overall count.

Before writing, every record is compared with the present code: its notebook's code cells
and the reading_group package (see `reading_group.fingerprints.freshness`). A missing or
stale record stops the rewrite, naming each notebook to run, unless --lenient.

    python tools/verdict_table.py            # what `make verdicts` runs
    python tools/verdict_table.py --check    # exit 1 when the README's table is not the records'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reading_group import atomic, fingerprints, verdicts
from reading_group.paths import project_root

BEGIN = "<!-- verdict-table: begin (written by `make verdicts` from results/verdicts/) -->"
END = "<!-- verdict-table: end -->"


def render(records: list[dict]) -> str:
    """The Markdown between the markers: the claims table and a line of counts."""
    if not records:
        return "No verdict records yet: run the notebooks in the standard profile (`make run`)."
    counts = verdicts.tally(records)
    total = sum(counts.values())
    summary = (f"{total} claims from {len(records)} notebooks: {counts['held']} held, "
               f"{counts['not held']} did not hold, {counts['inconclusive']} inconclusive, "
               f"{counts['not tested']} not tested at this scale. Held or not held needs the "
               f"estimate at least two standard errors from the threshold.")
    per_paper = verdicts.counts_table(records, by=verdicts.papers_of, label="paper")
    return (verdicts.claims_table(records).markdown() + "\n\n" + summary + "\n\n"
            + per_paper.markdown())


def block(text: str) -> str:
    """What stands between the markers of `text` (without the marker lines)."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"README.md needs exactly one pair of marker lines:\n{BEGIN}\n{END}")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def splice(text: str, table: str) -> str:
    """`text` with the part between the markers replaced by `table`."""
    block(text)  # checks the markers
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv=None) -> int:
    root = project_root()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", type=Path, default=root / "README.md")
    parser.add_argument("--records", type=Path, default=None,
                        help="directory of records (default: results/verdicts/, or RG_RESULTS_DIR)")
    parser.add_argument("--notebooks", type=Path, default=root / "notebooks")
    parser.add_argument("--package", type=Path, default=None,
                        help="the reading_group folder to fingerprint (default: this one)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when the README's table differs from "
                             "the records")
    parser.add_argument("--lenient", action="store_true",
                        help="write the table even from missing or stale records (warns)")
    args = parser.parse_args(argv)

    records = verdicts.load_records(args.records)
    text = args.readme.read_text(encoding="utf-8")
    table = render(records)
    if args.check:
        if block(text) != table:
            print(f"{args.readme.name}'s verdict table differs from the records: "
                  "run `make verdicts`.",
                  file=sys.stderr)
            return 1
        print(f"{args.readme.name}'s verdict table matches the {len(records)} records.")
        return 0

    statuses = fingerprints.freshness(records, args.notebooks, args.package)
    print(fingerprints.freshness_table(statuses))
    late = fingerprints.out_of_date_message(statuses)
    if late:
        print(f"Out of date:\n{late}", file=sys.stderr)
    if late and not args.lenient:
        print("README.md left as it was (--lenient writes it anyway).", file=sys.stderr)
        return 1
    new = splice(text, table)
    if new != text:
        atomic.write_text(args.readme, new)
    print(f"{args.readme.name}: verdict table of {len(records)} records "
          f"{'rewritten' if new != text else 'already up to date'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

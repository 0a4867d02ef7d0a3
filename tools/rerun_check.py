"""Run notebooks again in `standard` with another number of threads, and compare their
verdicts with the committed records, claim by claim: `make rerun-check`.

A verdict should belong to the claim, not to the run. The committed records were written by
`make run` on a two-core CPU, where PyTorch uses two threads (nothing in the series sets
the number; PyTorch takes one per core). Another number of threads sums floating-point
numbers in another order, so every trained weight and every timing moves a little; a
verdict that flips under that was never settled. So each notebook is executed again:

- in the ``standard`` profile (real CIFAR-10, as the records were), on the device the
  committed record names (``RG_DEVICE``; the CPU for every record so far, also on a machine
  with a GPU), with ``--threads`` threads, 1 by default (``OMP_NUM_THREADS`` and
  ``MKL_NUM_THREADS`` in the kernel's environment, which PyTorch reads when it starts; a
  last cell added to the copy prints ``torch.get_num_threads()`` to show that it took);
- the executed copy goes to ``build/rerun/<notebook>.ipynb`` (never over the committed
  notebook), its record to ``build/rerun/results/verdicts/`` (`RG_RESULTS_DIR`; never over
  ``results/``).

Then, for each notebook, a table: claim, the committed verdict and estimate ± SE, the
re-run's, and whether the verdicts are the same. The exit status is 1 when any verdict
differs, when a claim is in one record and not the other, when the re-run wrote no record
(a must-hold claim that fails stops the notebook before ``record.save()``; so does a
missing CIFAR-10, on whose synthetic stand-in no record is written), or when a notebook
has no committed record. Estimates are expected to move; only verdicts are compared.
A notebook that saves no record (the summary, 08) is skipped.

    python tools/rerun_check.py notebooks/00_convnets_and_data.ipynb   # `make rerun-check`
    python tools/rerun_check.py --threads 2 notebooks/02_*.ipynb
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from reading_group import atomic, fingerprints
from reading_group.paths import project_root, results_dir
from reading_group.tables import Table

DEFAULT_THREADS = 1
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
PROBE = "import torch\nprint('rerun-check threads:', torch.get_num_threads())"
SAME = "yes"


class Row(NamedTuple):
    """One claim of one notebook, as committed and as re-run. (A named tuple, not a
    dataclass: the tests load this script by its path, outside sys.modules.)"""

    id: str
    committed: str  # the verdict, or "" when the claim is absent
    committed_estimate: str
    rerun: str
    rerun_estimate: str
    same: str  # SAME, "NO", "missing in the re-run" or "not in the committed record"


def estimate(claim: dict | None) -> str:
    """A claim's evidence as ``estimate ± SE unit`` (``(exact)`` when the SE is 0)."""
    if claim is None:
        return ""
    if "evidence" not in claim:
        return "(no evidence stored)"  # a record written before claims carried evidence
    e = claim["evidence"]
    if e is None:
        return "no evidence: not tested"
    spread = f" ± {e['se']:.3g}" if e["se"] else " (exact)"
    return f"{e['estimate']:.4g}{spread} {e['unit']}".rstrip()


def compare(committed: dict, rerun: dict | None) -> list[Row]:
    """The claims of both records, the committed record's order first, then any claim only
    the re-run has; `rerun` None (no record written) makes every claim missing."""
    old = {c["id"]: c for c in committed["claims"]}
    new = {c["id"]: c for c in (rerun or {"claims": []})["claims"]}
    rows = []
    for cid in [*old, *(c for c in new if c not in old)]:
        a, b = old.get(cid), new.get(cid)
        if a is None:
            same = "not in the committed record"
        elif b is None:
            same = "missing in the re-run"
        else:
            same = SAME if a["verdict"] == b["verdict"] else "NO"
        rows.append(Row(cid, a["verdict"] if a else "", estimate(a),
                        b["verdict"] if b else "", estimate(b), same))
    return rows


def failures(rows: list[Row]) -> list[Row]:
    """The rows that fail the check: a different verdict, or a claim on one side only."""
    return [r for r in rows if r.same != SAME]


def table(stem: str, rows: list[Row], threads: int) -> Table:
    return Table(["claim", "committed", "estimate ± SE", f"re-run ({threads} thread"
                  f"{'' if threads == 1 else 's'})", "estimate ± SE", "same?"],
                 [[r.id, r.committed, r.committed_estimate, r.rerun, r.rerun_estimate, r.same]
                  for r in rows],
                 title=f"{stem}: committed record against the re-run")


@contextlib.contextmanager
def environment(**values: str | None):
    """`os.environ` with `values` set (None: removed), restored afterwards."""
    def apply(settings):
        for k, v in settings.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    saved = {k: os.environ.get(k) for k in values}
    try:
        apply(values)
        yield
    finally:
        apply(saved)


def rerun(notebook: Path, threads: int, out: Path,
          device: str = "cpu") -> tuple[dict | None, str, str | None]:
    """Execute `notebook` in standard on `device` with `threads` threads, the copy written to
    ``<out>/<name>.ipynb`` (even when a cell fails) and the record to
    ``<out>/results/verdicts/``. Returns (the record or None, the threads the kernel
    reported, the error or None)."""
    records = out / "results" / "verdicts"
    record_path = records / f"{notebook.stem}.json"
    record_path.unlink(missing_ok=True)  # a record left by an earlier re-run proves nothing
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(new_code_cell(PROBE, metadata={"tags": ["rerun-check"]}))
    error = None
    with environment(RG_PROFILE="standard", RG_PROGRESS="0", RG_RESULTS_DIR=str(out / "results"),
                     RG_DEVICE=device, RG_FAST_DEV_RUN=None, RG_DATASET=None,
                     **dict.fromkeys(THREAD_VARIABLES, str(threads))):
        try:
            NotebookClient(nb, timeout=None, kernel_name="python3",
                           resources={"metadata": {"path": str(notebook.parent)}}).execute()
        except Exception as err:  # a failing cell: keep what ran, report it
            error = str(err)
    atomic.write_text(out / notebook.name, nbformat.writes(nb) + "\n")
    reported = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    reported = reported.split("rerun-check threads:")[-1].strip() if reported else "unknown"
    record = json.loads(record_path.read_text()) if record_path.exists() else None
    return record, reported, error


def why_no_record(error: str | None) -> str:
    if error and "ClaimFailed" in error:
        return ("a must-hold claim did not hold in the re-run, which stopped the notebook "
                "before record.save(): a verdict flip")
    if error:
        return "a cell failed, which stopped the notebook before record.save()"
    return ("the notebook ran but wrote no record: is CIFAR-10 under data/ (`make data`)? "
            "On the synthetic stand-in no record is written")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"PyTorch threads in the re-run (default {DEFAULT_THREADS}; the "
                             "committed runs used one per core of a two-core CPU)")
    parser.add_argument("--out", type=Path, default=project_root() / "build" / "rerun",
                        help="where the executed copies and their records go "
                             "(default build/rerun)")
    parser.add_argument("--records", type=Path, default=None,
                        help="the committed records (default results/verdicts/)")
    args = parser.parse_args(argv)
    committed_dir = args.records or results_dir()
    if args.threads < 1:
        parser.error("--threads must be 1 or more")
    if args.out.resolve() in (project_root().resolve(), project_root().resolve() / "results"):
        parser.error("--out must not be the checkout or its results/")

    failed = []
    for notebook in args.notebooks:
        stem = notebook.stem
        if not fingerprints.saves_a_record(notebook):
            print(f"== {stem}: saves no verdict record, nothing to compare: skipped.\n")
            continue
        committed_path = committed_dir / f"{stem}.json"
        if not committed_path.exists():
            print(f"== {stem}: no committed record at {committed_path}.\n", file=sys.stderr)
            failed.append(stem)
            continue
        committed = json.loads(committed_path.read_text())
        device = committed.get("device") or "cpu"
        print(f"== {stem}: re-run in standard on {device} with {args.threads} thread(s) "
              f"-> {args.out / notebook.name}", flush=True)
        start = time.perf_counter()
        record, reported, error = rerun(notebook, args.threads, args.out, device)
        print(f"   {time.perf_counter() - start:.0f} s; threads in the kernel: {reported}",
              flush=True)
        if reported != str(args.threads):
            print(f"   warning: {args.threads} thread(s) asked for, the kernel reported "
                  f"{reported}", file=sys.stderr)
        if record is not None:
            for key, what in (("notebook_sha256", "notebook's code"),
                              ("package_sha256", "reading_group package")):
                if committed.get(key) != record.get(key):
                    print(f"   warning: the committed record was written by another version "
                          f"of the {what} than this re-run: a difference below may come from "
                          "the code, not the threads (run the notebook in standard first)",
                          file=sys.stderr)
        rows = compare(committed, record)
        print(table(stem, rows, args.threads))
        bad = failures(rows)
        if record is None:
            print(f"   no re-run record: {why_no_record(error)}.", file=sys.stderr)
            if error:
                print("   " + error.strip().splitlines()[-1], file=sys.stderr)
        if bad or record is None:
            failed.append(stem)
            print(f"{stem}: {len(bad)} of {len(rows)} claims differ or are missing.\n")
        else:
            print(f"{stem}: all {len(rows)} verdicts the same.\n")

    if failed:
        print(f"Re-run check FAILED for {', '.join(failed)}. The executed copies and records "
              f"are under {args.out}/.", file=sys.stderr)
        return 1
    print(f"Re-run check passed: the verdicts do not depend on the number of threads "
          f"({args.threads} against the committed run's).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

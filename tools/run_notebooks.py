"""Execute notebooks headless in a profile, one after another: what `make run` runs.

In the ``standard`` profile each notebook is written back in place, since the committed
notebooks are the ``standard`` runs (the tests check it). Writing back never leaves a
half-written notebook: the executed copy goes to a temporary file in the same folder,
which then replaces the notebook in one rename, so a full disk, a kill or an error leaves
the committed file as it was. A notebook that fails is not written at all.

In any other profile (``smoke``, ``paper``) the executed copies go to
``build/run/<profile>/`` and the committed notebooks are left alone, unless
``--in-place`` asks for them to be overwritten.

Each notebook's wall time, from the kernel's start to the end of its last cell, is printed,
and in ``smoke`` and ``standard`` merged into ``results/run-times/<profile>.json``
(`tools/run_times.py`, which writes the headers' "**Run time**" lines from these files;
``--no-times`` records nothing). A fast development run records no time.

    python tools/run_notebooks.py --profile standard notebooks/0*.ipynb
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from reading_group import atomic
from reading_group.paths import project_root
from reading_group.profiles import PROFILES, fast_dev_run

WRITES_IN_PLACE = "standard"


def sibling(name: str):
    """The script tools/<name>.py as a module (tools/ is a folder of scripts, not a package)."""
    path = Path(__file__).resolve().parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tools_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_times = sibling("run_times")


def destination(notebook: Path, profile: str, in_place: bool, out_dir: Path) -> Path:
    """Where the executed copy of `notebook` goes."""
    if in_place or profile == WRITES_IN_PLACE:
        return notebook
    return out_dir / profile / notebook.name


def write_notebook(nb, path: Path) -> None:
    """Write `nb` whole or not at all (`reading_group.atomic`): a kill or a full disk
    during the write leaves the committed notebook as it was."""
    atomic.write_text(path, nbformat.writes(nb) + "\n")


def execute(notebook: Path, profile: str, timeout: int | None = None):
    """The executed notebook (raises nbclient's CellExecutionError on a failing cell)."""
    os.environ["RG_PROFILE"] = profile
    os.environ["RG_PROGRESS"] = "0"  # a headless bar would store its first frame ("0%")
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", default=os.environ.get("RG_PROFILE") or WRITES_IN_PLACE,
                        choices=PROFILES)
    parser.add_argument("--in-place", action="store_true",
                        help="write back over the notebooks whatever the profile")
    parser.add_argument("--out", type=Path, default=project_root() / "build" / "run",
                        help="where copies go outside the standard profile (default build/run)")
    parser.add_argument("--no-times", action="store_true",
                        help="record no run time under results/run-times/")
    args = parser.parse_args(argv)
    record_times = (args.profile in run_times.RECORDED and not args.no_times
                    and not fast_dev_run())
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if record_times and cpus != 2:
        print(f"Note: this machine has {cpus} CPUs; the run times recorded under "
              f"{run_times.times_dir()} are shown as a two-core CPU's (--no-times records "
              "none).", flush=True)

    where = ("in place" if args.in_place or args.profile == WRITES_IN_PLACE
             else f"to {args.out / args.profile}/ (the committed notebooks are left alone)")
    print(f"Profile: {args.profile}; executed notebooks are written {where}.", flush=True)
    for notebook in args.notebooks:
        print(f"== {notebook} ({args.profile})", flush=True)
        start = time.perf_counter()
        try:
            nb = execute(notebook, args.profile)
        except Exception as err:  # any failure: report it and write nothing
            print(f"{notebook} failed; it was not written, and stays as it was.\n{err}",
                  file=sys.stderr)
            return 1
        seconds = time.perf_counter() - start  # kernel start included
        target = destination(notebook, args.profile, args.in_place, args.out)
        write_notebook(nb, target)
        print(f"   {seconds:.0f} s, written to {target}", flush=True)
        if record_times:
            run_times.record_time(args.profile, notebook.stem, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

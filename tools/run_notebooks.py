"""Execute notebooks headless in a profile, one after another: what `make run` runs.

In the ``standard`` profile each notebook is written back in place, since the committed
notebooks are the ``standard`` runs (the tests check it). Writing back never leaves a
half-written notebook: the executed copy goes to a temporary file in the same folder,
which then replaces the notebook in one rename, so a full disk, a kill or an error leaves
the committed file as it was. A notebook that fails is not written at all.

In any other profile (``smoke``, ``paper``) the executed copies go to
``build/run/<profile>/`` and the committed notebooks are left alone, unless
``--in-place`` asks for them to be overwritten.

    python tools/run_notebooks.py --profile standard notebooks/0*.ipynb
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from reading_group.paths import project_root
from reading_group.profiles import PROFILES

WRITES_IN_PLACE = "standard"


def destination(notebook: Path, profile: str, in_place: bool, out_dir: Path) -> Path:
    """Where the executed copy of `notebook` goes."""
    if in_place or profile == WRITES_IN_PLACE:
        return notebook
    return out_dir / profile / notebook.name


def write_atomically(nb, path: Path) -> None:
    """Write `nb` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.ipynb")
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
    args = parser.parse_args(argv)

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
        target = destination(notebook, args.profile, args.in_place, args.out)
        write_atomically(nb, target)
        print(f"   {time.perf_counter() - start:.0f} s, written to {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

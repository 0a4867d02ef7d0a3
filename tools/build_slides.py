"""Build a reveal.js slide show per notebook that opens without a network.

`make slides` runs this. Each notebook becomes ``<out>/<notebook>.slides.html`` (outputs
included), converted by nbconvert's SlidesExporter with the template in
tools/slides_template/reveal_offline/ (nbconvert's reveal template, loading reveal.js from
a folder beside the page). The folder is ``<out>/reveal.js/``: a copy of the reveal.js
that the Python package sphinx-revealjs ships inside its wheel (installed with the
project's `slides` extra), so no CDN is needed to show the slides. The same as::

    jupyter nbconvert --to slides --SlidesExporter.reveal_scroll=True \\
      --SlidesExporter.reveal_url_prefix=reveal.js \\
      --TemplateExporter.extra_template_basedirs=tools/slides_template \\
      --template reveal_offline --output-dir build/slides notebooks/*.ipynb

plus the copy of reveal.js. Without sphinx-revealjs the pages load reveal.js from its
CDN (unpkg.com), as nbconvert does, and this script says so; a page whose reveal.js does
not load shows a line of text saying why instead of a blank page.

    python tools/build_slides.py --out build/slides notebooks/*.ipynb
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools" / "slides_template"
TEMPLATE = "reveal_offline"
REVEAL_FOLDER = "reveal.js"  # the page's reveal_url_prefix, relative to the page
# reveal.js's own files that the page loads (nbconvert's reveal template and ours).
REVEAL_FILES = ("dist/reveal.js", "dist/reveal.css", "plugin/notes/notes.js")


def shipped_reveal_js() -> Path | None:
    """The reveal.js folder (holding dist/ and plugin/) inside the installed sphinx-revealjs
    package, or None. Found by its files, not by a path that changes between releases
    (static/revealjs4/ in 1.x and 2.x); the package is located without importing it,
    which would import Sphinx."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(list(spec.submodule_search_locations)[0])
    for reveal_js in sorted(package.rglob("dist/reveal.js")):
        folder = reveal_js.parent.parent
        if all((folder / name).is_file() for name in REVEAL_FILES):
            return folder
    return None


def copy_reveal_js(source: Path, destination: Path) -> None:
    """Copy reveal.js's dist/ and plugin/ (and its licence) to `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("dist", "plugin"):
        shutil.copytree(source / name, destination / name, dirs_exist_ok=True)
    for licence in source.glob("LICENSE*"):
        shutil.copy2(licence, destination / licence.name)


def exporter(reveal_url_prefix: str | None):
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_scroll = True
    if reveal_url_prefix:
        config.SlidesExporter.reveal_url_prefix = reveal_url_prefix
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    config.SlidesExporter.template_name = TEMPLATE
    return SlidesExporter(config=config)


def build(notebooks: list[Path], out: Path) -> list[Path]:
    """Write out/<notebook>.slides.html for each notebook and out/reveal.js/; return the
    pages written."""
    out.mkdir(parents=True, exist_ok=True)
    source = shipped_reveal_js()
    if source is None:
        print("sphinx-revealjs is not installed (`make install` installs it): the slides "
              "will load reveal.js from its CDN when a browser opens them.", file=sys.stderr)
        slides = exporter(None)
    else:
        copy_reveal_js(source, out / REVEAL_FOLDER)
        slides = exporter(REVEAL_FOLDER)
    pages = []
    for notebook in notebooks:
        body, _ = slides.from_filename(str(notebook))
        page = out / f"{Path(notebook).stem}.slides.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        print(f"{notebook} -> {page}")
    if source is not None:
        print(f"reveal.js copied from {source} to {out / REVEAL_FOLDER}")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    build(args.notebooks, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

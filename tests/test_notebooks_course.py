"""The series as a course: every notebook has the same frame, slide marks on every cell, a
lab version that runs with its solutions taken out, and the README's verdict table is the
records'.

Like tests/test_notebooks.py these check the notebooks themselves, so a notebook still
being written fails them until it is finished (the quick unit run,
`pytest tests -k "not test_notebooks"`, leaves both files out).
"""

import re
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool

from reading_group import fingerprints, verdicts

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RECORDS = ROOT / "results" / "verdicts"
# Summary notebooks gather the others' records (`rg.verdicts.load_records()`): they test no
# claim, so they save no record and set no exercises. Every other notebook must have both.
# Told apart by what their code does, not by number, so a new notebook needs no edit here.
SUMMARIES = [p for p in NOTEBOOKS if fingerprints.reads_records(p)]
CLAIM_NOTEBOOKS = [p for p in NOTEBOOKS if p not in SUMMARIES]
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}

mark_slides = load_tool("mark_slides")
make_labs = load_tool("make_labs")
verdict_table = load_tool("verdict_table")


def load(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def by_stem(paths):
    return pytest.mark.parametrize("path", paths, ids=lambda p: p.stem)


# --- the frame ---------------------------------------------------------------------------

@by_stem(NOTEBOOKS)
def test_header_gives_title_and_a_run_time_per_profile(path):
    header = load(path).cells[0]
    assert header.cell_type == "markdown"
    assert header.source.startswith(f"# {path.stem[:2]} — "), "the first cell is the title"
    run_time = re.search(r"\*\*Run time\*\*.*?(?:\n\n|\Z)", header.source, re.S)
    assert run_time, f"{path.name}: the header needs a **Run time** paragraph"
    text = run_time.group(0)
    assert "`paper`" in text, f"{path.name}: the run-time paragraph says nothing of `paper`"
    for profile in ("smoke", "standard"):
        measured = rf"`{profile}`[^`]{{0,80}}?\d[\d.,]*\s*(?:seconds|minutes|hours?|s|min)\b"
        assert re.search(measured, text), f"{path.name}: no measured run time for `{profile}`"


@by_stem(NOTEBOOKS)
def test_settings_cell_near_the_top_shows_every_profile(path):
    first = code_cells(load(path))[:3]
    settings = [c for c in first if "rg.settings(" in c.source]
    assert settings, f"{path.name}: no `S = rg.settings(...)` among the first three code cells"
    assert settings[0].source.rstrip().splitlines()[-1].strip() == "S", "display S at its end"


@by_stem(CLAIM_NOTEBOOKS)
def test_last_code_cell_saves_the_record_then_shows_the_table(path):
    lines = [ln.strip() for ln in code_cells(load(path))[-1].source.splitlines() if ln.strip()]
    assert "record.save()" in lines, f"{path.name}: the last code cell must call record.save()"
    assert lines[-1] == "record.table()", f"{path.name}: end with record.table()"
    assert lines.index("record.save()") < len(lines) - 1


@by_stem(CLAIM_NOTEBOOKS)
def test_exercises_with_solutions_and_checks(path):
    nb = load(path)
    starts = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
              and re.search(r"^## Try it yourself", c.source, re.M)]
    assert starts, f"{path.name}: no '## Try it yourself' section"
    exercises = [c for c in nb.cells[starts[0]:] if c.cell_type == "code"
                 and make_labs.BEGIN in c.source]
    assert exercises, f"{path.name}: no solution between {make_labs.BEGIN} and {make_labs.END}"
    for cell in code_cells(nb):
        _, count = make_labs.stub_solutions(cell.source)  # raises on unpaired markers
        if count:
            assert "rg.exercises.check(" in cell.source, f"{path.name}: a solution without a check"


@by_stem(SUMMARIES)
def test_summary_notebooks_have_no_record_or_exercises(path):
    nb = load(path)
    assert not fingerprints.saves_a_record(nb)
    assert not any(make_labs.BEGIN in c.source for c in nb.cells)


# --- slides ------------------------------------------------------------------------------

@by_stem(NOTEBOOKS)
def test_every_cell_is_marked_for_slides_by_the_rule(path):
    nb = load(path)
    expected = mark_slides.marks(nb)
    for i, cell in enumerate(nb.cells):
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        assert kind in SLIDE_TYPES, (f"{path.name}, cell {i}: no slide mark; "
                                     f"run .venv/bin/python tools/mark_slides.py")
        assert kind == expected[i], \
            f"{path.name}, cell {i}: {kind!r}, the rule says {expected[i]!r}"


def test_a_notebook_becomes_a_reveal_deck_with_a_section_per_slide():
    from nbconvert import SlidesExporter

    nb = load(NOTEBOOKS[0])
    kinds = [c.metadata.slideshow.slide_type for c in nb.cells]
    html, _ = SlidesExporter().from_notebook_node(nb)
    depth, sections = 0, {0: 0, 1: 0}
    for tag in re.findall(r"<section\b|</section>", html):
        if tag == "</section>":
            depth -= 1
        else:
            sections[depth] = sections.get(depth, 0) + 1
            depth += 1
    # one outer section per slide, and inside it one per sub-slide (the first included)
    assert sections == {0: kinds.count("slide"), 1: kinds.count("slide") + kinds.count("subslide")}
    assert "Reveal.initialize" in html
    assert re.search(r'"https://[^"]+/reveal\.js"', html), \
        "reveal.js is fetched by the browser at view time, not embedded while converting"


# --- labs --------------------------------------------------------------------------------

def test_lab_version_runs_through_and_its_checks_tell_stub_from_solution(monkeypatch, tmp_path):
    """The lab version of the first notebook, in smoke: every exercise reports "not done yet"; the
    same checks, run again with the notebook's own solutions, pass."""
    from nbclient import NotebookClient

    monkeypatch.setenv("RG_PROFILE", "smoke")
    monkeypatch.setenv("RG_PROGRESS", "0")
    path = CLAIM_NOTEBOOKS[0]  # the first notebook with exercises, today the quickest
    original = load(path)
    lab, _ = make_labs.lab_version(original, path.name)
    stubs = [i for i, c in enumerate(lab.cells) if "raise NotImplementedError()" in c.source]
    solved = [nbformat.from_dict(c) for c in original.cells if make_labs.BEGIN in c.source]
    assert stubs and len(stubs) == len(solved)
    lab.cells += solved
    NotebookClient(lab, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    def printed(cell):
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    for i in stubs:
        assert "not done yet" in printed(lab.cells[i]), printed(lab.cells[i])
    for cell in lab.cells[-len(solved):]:
        text = printed(cell)
        assert ": correct (" in text, text
        assert "not yet right" not in text and "not done" not in text, text


# --- the records and the README ----------------------------------------------------------

def test_readme_verdict_table_is_the_records():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = verdict_table.render(verdicts.load_records(RECORDS))
    assert verdict_table.block(readme) == expected, "run `make verdicts`"


@pytest.mark.parametrize("status", fingerprints.freshness(verdicts.load_records(RECORDS)),
                         ids=lambda f: f.notebook)
def test_each_record_comes_from_the_present_code_of_its_notebook_and_the_package(status):
    assert not status.out_of_date(), f"{fingerprints.FRESHNESS[status.status]}: {status.advice()}"


def test_there_is_a_summary_notebook_and_notebooks_with_claims():
    assert SUMMARIES and CLAIM_NOTEBOOKS

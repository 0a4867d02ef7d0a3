"""The course tools in tools/: slide marks, lab versions and the README's verdict table.

These run on small notebooks and READMEs made here; tests/test_notebooks_course.py applies
the same tools to the real notebooks.
"""

import json
import shutil

import nbformat
import pytest
from conftest import load_tool

from reading_group import fingerprints, verdicts

mark_slides = load_tool("mark_slides")
make_labs = load_tool("make_labs")
verdict_table = load_tool("verdict_table")


def make_notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(new(source))
    return nb


# --- slides ------------------------------------------------------------------------------

def test_slide_rule():
    nb = make_notebook(
        ("markdown", "Some words before any heading"),  # first cell: always a new slide
        ("markdown", "## Set-up"),
        ("code", "import torch"),
        ("code", "x = 1"),
        ("markdown", "### An explorer"),
        ("markdown", "prose"),
        ("code", "y = 2"),
        ("markdown", "  # Spaces before a title"),
        ("markdown", "#hashtag, not a heading"),
        ("markdown", "####### seven"),
    )
    assert mark_slides.marks(nb) == ["slide", "slide", "-", "subslide", "subslide", "subslide",
                                      "-", "slide", "subslide", "subslide"]


def test_marking_is_idempotent_and_touches_only_slide_metadata(tmp_path):
    nb = make_notebook(("markdown", "# 00 — title"), ("code", "print(1)"), ("code", "2"))
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells[1].execution_count = 1
    nb.cells[2].metadata["tags"] = ["keep-me"]
    path = tmp_path / "00_title.ipynb"
    nbformat.write(nb, path)
    assert mark_slides.main(["--check", str(path)]) == 1
    assert mark_slides.main([str(path)]) == 0
    first = path.read_text()
    assert mark_slides.main([str(path)]) == 0 and path.read_text() == first
    assert mark_slides.main(["--check", str(path)]) == 0
    marked = nbformat.read(path, as_version=4)
    assert [c.metadata.slideshow.slide_type for c in marked.cells] == ["slide", "-", "subslide"]
    assert marked.cells[1].outputs == nb.cells[1].outputs
    assert marked.cells[1].execution_count == 1
    assert marked.cells[2].metadata["tags"] == ["keep-me"]
    for cell in marked.cells:
        del cell.metadata["slideshow"]
    assert marked == nb


# --- labs --------------------------------------------------------------------------------

def test_stub_keeps_the_lines_around_the_solution_and_its_indent():
    source = ("def f(x):\n"
              "    \"\"\"Double x.\"\"\"\n"
              "    ### BEGIN SOLUTION\n"
              "    y = 2 * x\n"
              "    return y\n"
              "    ### END SOLUTION\n"
              "\n"
              "\n"
              "check(f)")
    stubbed, count = make_labs.stub_solutions(source)
    assert count == 1
    assert stubbed == ("def f(x):\n"
                       "    \"\"\"Double x.\"\"\"\n"
                       "    # YOUR CODE HERE\n"
                       "    raise NotImplementedError()\n"
                       "\n"
                       "\n"
                       "check(f)")
    namespace = {}
    exec(stubbed.replace("check(f)", ""), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_stub_handles_several_solutions_and_leaves_other_code_alone():
    source = ("a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n"
              "def g():\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION")
    stubbed, count = make_labs.stub_solutions(source)
    assert count == 2
    assert stubbed.splitlines() == ["a = 1", "# YOUR CODE HERE", "raise NotImplementedError()",
                                    "def g():", "        # YOUR CODE HERE",
                                    "        raise NotImplementedError()"]
    assert make_labs.stub_solutions("x = 1\n") == ("x = 1\n", 0)


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1",
    "x = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
])
def test_unpaired_solution_markers_are_an_error(source):
    with pytest.raises(make_labs.SolutionMarkersError):
        make_labs.stub_solutions(source)


def test_lab_version_clears_outputs_and_says_what_it_is(tmp_path):
    nb = make_notebook(("markdown", "# 00 — title"),
                       ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                "    ### END SOLUTION"),
                       ("markdown", "## After"))
    nb.metadata["widgets"] = {"state": {}}
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x\n")]
    nb.cells[1].execution_count = 3
    nb.cells[2].metadata["slideshow"] = {"slide_type": "slide"}
    source = tmp_path / "00_title.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "labs"
    assert make_labs.main([str(source), "--out", str(out)]) == 0
    lab = nbformat.read(out / "00_title.ipynb", as_version=4)
    nbformat.validate(lab)
    assert [c.cell_type for c in lab.cells] == ["markdown", "markdown", "code", "markdown"]
    note = lab.cells[1].source
    assert "Lab version" in note and "notebooks/00_title.ipynb" in note
    assert "raise NotImplementedError()" in lab.cells[2].source
    assert "return 1" not in lab.cells[2].source
    assert lab.cells[2].outputs == [] and lab.cells[2].execution_count is None
    assert lab.cells[3].metadata["slideshow"] == {"slide_type": "slide"}
    assert "widgets" not in lab.metadata
    assert nbformat.read(source, as_version=4) == nb  # the original is untouched


def test_a_notebook_without_solutions_is_copied_without_the_note():
    nb = make_notebook(("markdown", "# 08 — summary"), ("code", "print(1)"))
    lab, stubs = make_labs.lab_version(nb, "08_summary.ipynb")
    assert stubs == 0
    assert [c.source for c in lab.cells] == [c.source for c in nb.cells]


# --- the README's verdict table ----------------------------------------------------------

README = f"""# Title

Before.

{verdict_table.BEGIN}
an old table
{verdict_table.END}

After.
"""


def test_splice_replaces_only_what_stands_between_the_markers():
    new = verdict_table.splice(README, "| new |")
    assert verdict_table.block(new) == "| new |"
    assert new.replace("| new |", "an old table") == README
    assert verdict_table.splice(new, "| new |") == new


@pytest.mark.parametrize("text", [
    "no markers at all",
    f"{verdict_table.BEGIN}\nonly the first",
    f"{verdict_table.END}\nx\n{verdict_table.BEGIN}",
    README + README,
])
def test_markers_must_come_once_and_in_order(text):
    with pytest.raises(ValueError, match="marker"):
        verdict_table.splice(text, "x")


def setup_series(tmp_path, fingerprint="right", package=None):
    """A README, a notebook that saves a record, and its record.

    `fingerprint`: "right" gives the record the fingerprints of the notebook and of the
    package folder `package` (default: the real one), "none" gives it none, any other
    string is stored as both (a wrong fingerprint).
    """
    readme, records, notebooks = tmp_path / "README.md", tmp_path / "records", tmp_path / "nbs"
    records.mkdir()
    notebooks.mkdir()
    readme.write_text(README)
    nb = make_notebook(("code", "record.save()\nrecord.table()"))
    nbformat.write(nb, notebooks / "01_x.ipynb")
    if fingerprint == "right":
        shas = {"notebook_sha256": fingerprints.notebook_sha256(notebooks / "01_x.ipynb"),
                "package_sha256": fingerprints.package_sha256(package)}
    else:
        shas = {} if fingerprint == "none" else {
            "notebook_sha256": fingerprint, "package_sha256": fingerprint}
    (records / "01_x.json").write_text(json.dumps({
        "notebook": "01_x", "papers": ["alexnet"], "profile": "standard", "dataset": "cifar10",
        **shas,
        "claims": [{"id": "C01.1", "claim": "c", "paper": "p", "ours": "o", "verdict": "held",
                    "must_hold": True,
                    "evidence": verdicts.exact(3, 1, ">", "layers").as_dict()}]}))
    args = [f"--readme={readme}", f"--records={records}", f"--notebooks={notebooks}"]
    return args + ([f"--package={package}"] if package else []), readme


def test_make_verdicts_writes_the_table_from_current_records(tmp_path):
    args, readme = setup_series(tmp_path)
    assert verdict_table.main(args + ["--check"]) == 1
    assert verdict_table.main(args) == 0
    text = readme.read_text()
    table = verdict_table.block(text)
    assert "| C01.1 * | c | p | o | 3 (exact) layers (claim > 1) | held | 01_x |" in table
    assert "1 claims from 1 notebooks: 1 held, 0 did not hold, 0 inconclusive" in text
    assert "| AlexNet (2012) | 1 | 0 | 0 | 0 | 1 | 1 of 1 |" in table  # the count per paper
    assert text.endswith("After.\n") and text.startswith("# Title\n\nBefore.")
    assert verdict_table.main(args + ["--check"]) == 0


@pytest.mark.parametrize("fingerprint", ["0" * 64, "none"])
def test_make_verdicts_refuses_stale_or_unfingerprinted_records_unless_lenient(
        tmp_path, capsys, fingerprint):
    args, readme = setup_series(tmp_path, fingerprint)
    assert verdict_table.main(args) == 1
    assert "run notebooks/01_x.ipynb" in capsys.readouterr().err
    assert readme.read_text() == README
    assert verdict_table.main(args + ["--lenient"]) == 0
    assert "01_x" in verdict_table.block(readme.read_text())


@pytest.mark.parametrize("damage,why", [
    (lambda text: text.replace('"standard"', '"smoke"'), "profile 'smoke'"),
    (lambda text: text[:40], "not valid JSON"),  # cut short
])
def test_make_verdicts_refuses_a_broken_record_and_keeps_the_readme(tmp_path, capsys, damage,
                                                                     why):
    args, readme = setup_series(tmp_path)
    record = tmp_path / "records" / "01_x.json"
    record.write_text(damage(record.read_text()))
    try:  # the RecordError may stop the tool, or the tool may report it and exit 1
        code, message = verdict_table.main(args), capsys.readouterr().err
    except verdicts.RecordError as error:
        code, message = 1, str(error)
    assert code == 1
    assert "01_x.json" in message and why in message and "make run" in message
    assert readme.read_text() == README


def test_make_verdicts_refuses_after_any_change_to_a_copy_of_the_package(tmp_path, capsys):
    """The done-when of the code-move issue: edit one file of reading_group/ (here a copy of
    it) and `make verdicts` refuses, naming the notebook to re-run and why."""
    package = tmp_path / "reading_group"
    shutil.copytree(fingerprints.package_dir(), package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    args, readme = setup_series(tmp_path, "right", package)
    assert verdict_table.main(args) == 0
    before = readme.read_text()
    with open(package / "train.py", "a") as f:
        f.write("\n# one more comment\n")
    capsys.readouterr()
    assert verdict_table.main(args) == 1
    err = capsys.readouterr().err
    assert "01_x" in err and "the reading_group package changed" in err
    assert readme.read_text() == before

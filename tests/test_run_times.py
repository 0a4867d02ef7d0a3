"""The headers' run-time lines (tools/run_times.py, `make run-times`): the committed headers
agree with the stored times, the formatting, and a rewrite that touches one markdown line
of a notebook and nothing else. The recording side is in tests/test_run_notebooks.py."""

import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from reading_group import fingerprints

ROOT = Path(__file__).resolve().parent.parent
run_times = load_tool("run_times")

HEADER = """# 01 — Something

**Paper.** Somebody (2012).

{begin}
{line}
{end}
`paper` trains for days. Choose the profile with `RG_PROFILE`.

**After this notebook you can** read it."""


def header(line="**Run time** hand-typed and wrong."):
    return HEADER.format(begin=run_times.BEGIN, line=line, end=run_times.END)


def notebook(path, source=None):
    """A notebook with the header `source` and a code cell with an output."""
    code = new_code_cell("print(6 * 7)", execution_count=1,
                         outputs=[new_output("stream", name="stdout", text="42\n")])
    nb = new_notebook(cells=[new_markdown_cell(source or header()), code,
                             new_markdown_cell("## 1. More\n\n**Run time** is not here.")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def times(smoke=None, standard=None, stem="01_x"):
    return {"smoke": {} if smoke is None else {stem: smoke},
            "standard": {} if standard is None else {stem: standard}}


def check(*args):
    return run_times.main(["--check", "--docs", "/nonexistent/page.md", *map(str, args)])


# --- the committed tree ------------------------------------------------------------------

def test_every_header_agrees_with_the_stored_times(capsys):
    """Every notebook's header has the markers and the line the stored times give, and the
    table in docs/facilitating.md is theirs. Fix: `make run-times`."""
    code = run_times.main(["--check", "--times", str(ROOT / "results" / "run-times")])
    assert code == 0, capsys.readouterr().err


def test_make_run_ends_by_writing_the_headers():
    out = subprocess.run(["make", "-n", "--no-print-directory", "run"], cwd=ROOT,
                         capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    assert "tools/run_notebooks.py" in lines[0] and lines[-1].endswith("tools/run_times.py")
    out = subprocess.run(["make", "-n", "--no-print-directory", "run-times"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.stdout.strip().endswith("tools/run_times.py")


# --- formatting ----------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [
    (None, "not measured yet"), (0.3, "0 seconds"), (1.2, "1 second"), (35.2, "35 seconds"),
    (89.4, "89 seconds"), (89.6, "1.5 minutes"), (90, "1.5 minutes"), (588, "9.8 minutes"),
    (3600, "60.0 minutes"),
])
def test_seconds_below_90_then_minutes_with_one_decimal(seconds, text):
    assert run_times.format_seconds(seconds) == text


def test_the_line_names_both_profiles():
    assert run_times.line("01_x", times(35.2, 588)) == (
        "**Run time** on a two-core CPU with `make run`: `smoke` 35 seconds, "
        "`standard` 9.8 minutes.")
    assert run_times.line("01_x", times(smoke=12)) == (
        "**Run time** on a two-core CPU with `make run`: `smoke` 12 seconds, "
        "`standard` not measured yet.")
    assert run_times.line("02_y", times(12, 100)).count("not measured yet") == 2


# --- stored times ----------------------------------------------------------------------------

def test_times_are_merged_rounded_and_sorted(tmp_path):
    run_times.record_time("smoke", "02_y", 20.04, tmp_path)
    run_times.record_time("smoke", "01_x", 35.27, tmp_path)
    run_times.record_time("smoke", "02_y", 21.96, tmp_path)
    run_times.record_time("standard", "01_x", 588, tmp_path)
    assert (tmp_path / "smoke.json").read_text() == '{\n  "01_x": 35.3,\n  "02_y": 22.0\n}\n'
    assert run_times.load_times(tmp_path) == {"smoke": {"01_x": 35.3, "02_y": 22.0},
                                              "standard": {"01_x": 588.0}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smoke.json", "standard.json"]
    with pytest.raises(ValueError, match="paper"):
        run_times.record_time("paper", "01_x", 1, tmp_path)


def test_stored_times_live_beside_the_verdict_records(tmp_path, monkeypatch):
    monkeypatch.setenv("RG_RESULTS_DIR", str(tmp_path / "r"))
    assert run_times.times_dir() == tmp_path / "r" / "run-times"
    assert run_times.load_times() == {"smoke": {}, "standard": {}}


# --- the rewrite ---------------------------------------------------------------------------

def test_rewrite_changes_the_one_line_and_nothing_else(tmp_path):
    path = notebook(tmp_path / "01_x.ipynb")
    before = nbformat.read(path, as_version=4)
    sha = fingerprints.notebook_sha256(path)

    assert run_times.rewrite(path, times(35.2, 588)) is True
    after = nbformat.read(path, as_version=4)
    assert after.cells[0].source == header(run_times.line("01_x", times(35.2, 588)))
    assert after.cells[1:] == before.cells[1:]
    assert after.metadata == before.metadata
    assert fingerprints.notebook_sha256(path) == sha
    assert [p.name for p in tmp_path.iterdir()] == ["01_x.ipynb"]  # no temporary file left

    written = path.read_bytes()
    assert run_times.rewrite(path, times(35.2, 588)) is False
    assert path.read_bytes() == written


def test_check_names_a_header_that_disagrees_and_changes_nothing(tmp_path, capsys):
    path = notebook(tmp_path / "01_x.ipynb")
    run_times.record_time("smoke", "01_x", 35.2, tmp_path / "times")
    before = path.read_bytes()
    assert check("--times", tmp_path / "times", path) == 1
    err = capsys.readouterr().err
    assert "01_x.ipynb: the header says" in err and "`smoke` 35 seconds" in err
    assert "make run-times" in err
    assert path.read_bytes() == before

    assert run_times.main(["--times", str(tmp_path / "times"), "--docs", "/nonexistent",
                           str(path)]) == 0
    assert check("--times", tmp_path / "times", path) == 0
    run_times.record_time("standard", "01_x", 100, tmp_path / "times")
    assert check("--times", tmp_path / "times", path) == 1  # a new time: the header is stale


@pytest.mark.parametrize("source, problem", [
    ("# 01 — Something\n\n**Run time** typed by hand: `smoke` 5 seconds.", "marker"),
    (header() + "\n\n" + run_times.BEGIN + "\nagain\n" + run_times.END, "marker"),
])
def test_a_header_without_one_pair_of_markers_is_refused(tmp_path, capsys, source, problem):
    path = notebook(tmp_path / "01_x.ipynb", source)
    before = path.read_bytes()
    assert check("--times", tmp_path, path) == 1
    assert run_times.main(["--times", str(tmp_path), "--docs", "/nonexistent", str(path)]) == 1
    assert problem in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_header_that_is_not_markdown_is_refused(tmp_path, capsys):
    path = tmp_path / "01_x.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    assert check("--times", tmp_path, path) == 1
    assert "first cell must be the markdown header" in capsys.readouterr().err


def test_the_docs_table_is_written_and_checked(tmp_path, monkeypatch, capsys):
    nbs = tmp_path / "notebooks"
    for stem in ("00_a", "01_b"):
        notebook(nbs / f"{stem}.ipynb")
    monkeypatch.setattr(run_times, "notebooks_dir", lambda: nbs)
    docs = tmp_path / "page.md"
    docs.write_text(f"Before.\n\n{run_times.DOCS_BEGIN}\nold\n{run_times.DOCS_END}\n\nAfter.\n")
    for profile, stem, seconds in (("smoke", "00_a", 20), ("smoke", "01_b", 30),
                                   ("standard", "00_a", 600)):
        run_times.record_time(profile, stem, seconds, tmp_path / "times")
    args = ["--times", str(tmp_path / "times"), "--docs", str(docs)]

    assert run_times.main(["--check", *args]) == 1
    assert "page.md: the run-time table" in capsys.readouterr().err
    assert run_times.main(args) == 0
    text = docs.read_text()
    assert text.startswith("Before.\n\n") and text.endswith("\n\nAfter.\n")
    assert "| 00_a | 20 seconds | 10.0 minutes |" in text
    assert "| 01_b | 30 seconds | not measured yet |" in text
    assert "| all, one after another | 50 seconds | 10.0 minutes (1 not measured yet) |" in text
    assert run_times.main(["--check", *args]) == 0
    assert json.loads((tmp_path / "times" / "smoke.json").read_text()) == {"00_a": 20,
                                                                          "01_b": 30}

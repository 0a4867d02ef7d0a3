"""`make run` (tools/run_notebooks.py and the Makefile's profile): the profile named either
way, smoke and paper runs kept off the committed notebooks, no half-written notebook or
README after a failure, and each run's wall time stored for the headers (smoke and standard
only). Real kernels on tiny notebooks; `make -n` for the Makefile."""

import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool
from nbformat.v4 import new_code_cell, new_notebook

from reading_group import atomic

ROOT = Path(__file__).resolve().parent.parent
run_notebooks = load_tool("run_notebooks")
run_times = load_tool("run_times")
verdict_table = load_tool("verdict_table")


def tiny(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def make_dry_run(*args, **env):
    """`make -n run` with `env` added to a copy of this environment (RG_* cleared first)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RG_") and k != "PROFILE"}
    return subprocess.run(["make", "-n", "run", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True)


@pytest.mark.parametrize("args, env, profile", [
    ((), {}, "standard"),
    (("PROFILE=smoke",), {}, "smoke"),
    ((), {"RG_PROFILE": "smoke"}, "smoke"),
    ((), {"PROFILE": "paper"}, "paper"),
    (("PROFILE=smoke",), {"RG_PROFILE": "smoke"}, "smoke"),
])
def test_the_profile_can_be_named_either_way(args, env, profile):
    out = make_dry_run(*args, **env)
    assert out.returncode == 0, out.stderr
    assert f"run_notebooks.py --profile {profile} " in out.stdout


def test_two_different_profiles_are_refused_by_name():
    out = make_dry_run("PROFILE=smoke", RG_PROFILE="paper")
    assert out.returncode != 0
    assert "PROFILE=smoke and RG_PROFILE=paper name two profiles" in out.stderr


@pytest.mark.parametrize("profile, in_place, where", [
    ("standard", False, "in place"), ("smoke", False, "build"), ("paper", False, "build"),
    ("smoke", True, "in place"),
])
def test_only_standard_writes_back_unless_asked(tmp_path, profile, in_place, where):
    nb = tmp_path / "notebooks" / "01_x.ipynb"
    target = run_notebooks.destination(nb, profile, in_place, tmp_path / "build")
    assert target == (nb if where == "in place" else tmp_path / "build" / profile / nb.name)


def test_a_smoke_run_leaves_the_committed_notebook_alone(tmp_path, capsys):
    nb = tiny(tmp_path / "01_x.ipynb", "print(6 * 7)")
    before = nb.read_bytes()
    assert run_notebooks.main(["--profile", "smoke", "--out", str(tmp_path / "out"), str(nb)]) == 0
    assert nb.read_bytes() == before
    executed = nbformat.read(tmp_path / "out" / "smoke" / "01_x.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"
    assert "Profile: smoke" in capsys.readouterr().out
    # its wall time, kernel start included, went beside the (temporary) verdict records
    seconds = run_times.load_times()["smoke"]["01_x"]
    assert 0 < seconds < 120
    assert run_times.times_dir() == tmp_path / "rg-results" / "run-times"


def test_a_failing_notebook_is_not_written_and_nothing_is_left_behind(tmp_path, capsys):
    nb = tiny(tmp_path / "01_x.ipynb", "x = 1", "raise ValueError('broken on purpose')")
    before = nb.read_bytes()
    assert run_notebooks.main(["--profile", "standard", str(nb)]) == 1
    assert nb.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_x.ipynb"]
    assert "01_x.ipynb failed; it was not written" in capsys.readouterr().err


def test_an_interrupted_write_keeps_the_old_notebook(tmp_path, monkeypatch):
    nb = tiny(tmp_path / "01_x.ipynb", "x = 1")
    before = nb.read_bytes()

    real_write_text = Path.write_text

    def disk_full(self, text, *args, **kwargs):
        real_write_text(self, text[:11], *args, **kwargs)  # half a notebook, then a full disk
        raise OSError(28, "No space left on device")

    notebook = nbformat.read(nb, as_version=4)
    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run_notebooks.write_notebook(notebook, nb)
    monkeypatch.undo()
    assert nb.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_x.ipynb"]


def test_an_interrupted_readme_write_keeps_the_old_readme(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("old table\n")
    original_replace = os.replace

    def killed(src, dst):
        raise KeyboardInterrupt  # the write is done, the rename never happens

    monkeypatch.setattr(atomic.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(readme, "new table\n")
    monkeypatch.setattr(atomic.os, "replace", original_replace)
    assert readme.read_text() == "old table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    atomic.write_text(readme, "new table\n")
    assert readme.read_text() == "new table\n"


def fake_execute(seconds):
    """An `execute` that takes no kernel and `seconds` of the clock."""
    clock = iter([0.0, seconds])

    def execute(notebook, profile, timeout=None):
        return nbformat.read(notebook, as_version=4)

    return execute, lambda: next(clock)


@pytest.mark.parametrize("profile, args, env, recorded", [
    ("smoke", (), {}, True), ("standard", (), {}, True), ("paper", (), {}, False),
    ("smoke", ("--no-times",), {}, False), ("standard", (), {"RG_FAST_DEV_RUN": "1"}, False),
])
def test_wall_times_are_stored_for_smoke_and_standard_only(tmp_path, monkeypatch, profile,
                                                             args, env, recorded):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    nb = tiny(tmp_path / "03_z.ipynb", "x = 1")
    execute, clock = fake_execute(123.456)
    monkeypatch.setattr(run_notebooks, "execute", execute)
    monkeypatch.setattr(run_notebooks.time, "perf_counter", clock)
    assert run_notebooks.main(["--profile", profile, "--out", str(tmp_path / "out"), *args,
                               str(nb)]) == 0
    stored = run_times.load_times()
    assert stored.get(profile, {}) == ({"03_z": 123.5} if recorded else {})
    assert all(not t for p, t in stored.items() if p != profile)


def test_a_failing_notebook_stores_no_time(tmp_path, monkeypatch):
    nb = tiny(tmp_path / "01_x.ipynb", "x = 1")

    def broken(notebook, profile, timeout=None):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(run_notebooks, "execute", broken)
    assert run_notebooks.main(["--profile", "smoke", str(nb)]) == 1
    assert run_times.load_times() == {"smoke": {}, "standard": {}}

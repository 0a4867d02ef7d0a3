"""The optional packages (the `test` and `slides` extras of pyproject.toml) are installed by
both routes, and CI installs Chromium and runs the browser tests rather than skipping them."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def extras():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["optional-dependencies"]


def test_the_extras_name_playwright_and_a_package_that_ships_reveal_js():
    names = {name: " ".join(requirements) for name, requirements in extras().items()}
    assert "playwright" in names["test"]
    assert "sphinx-revealjs" in names["slides"]


def test_both_install_routes_install_the_extras():
    assert 'pip install -e ".[test,slides]"' in (ROOT / "Makefile").read_text()
    assert "- -e .[test,slides]" in (ROOT / "environment.yml").read_text()


def test_ci_installs_chromium_and_requires_the_browser_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y chromium" in ci
    assert "export RG_BROWSER=require" in ci


def test_jupyterlab_rise_is_installed_and_enabled_in_jupyterlab():
    """`make lab` offers live slides (README, "Presenting live"): the extension must be one
    that JupyterLab lists as enabled, not only a package on disk."""
    import subprocess
    import sys

    jupyter = Path(sys.executable).parent / "jupyter"
    listing = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True,
                             text=True, timeout=120)
    text = listing.stdout + listing.stderr
    line = next((row for row in text.splitlines() if "jupyterlab-rise" in row), "")
    assert "enabled" in line and "OK" in line, f"jupyterlab-rise not enabled:\n{text}"

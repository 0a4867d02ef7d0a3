"""The install files agree with each other, and the README's commands exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch", "jupyterlab_rise": "jupyterlab-rise"}


def pyproject_dependencies():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"]


def environment_dependencies():
    """The conda and pip entries of environment.yml, read without a YAML library."""
    text = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    entries = re.findall(r"^\s*-\s+(\S+)\s*$", text, flags=re.M)
    return [e for e in entries if not e.endswith(":") and not e.startswith("-")]


def name_of(requirement: str) -> str:
    name = re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0].lower()
    return CONDA_TO_PIP.get(name, name)


def test_environment_yml_names_the_same_packages_as_pyproject():
    pip_names = {name_of(r) for r in pyproject_dependencies()}
    conda_names = {name_of(r) for r in environment_dependencies()} - {"python", "pip"}
    assert pip_names == conda_names


def test_the_required_packages_are_declared():
    names = {name_of(r) for r in pyproject_dependencies()}
    assert {"torch", "torchvision", "jupyterlab", "matplotlib", "ipywidgets", "nbval", "tqdm",
            "numpy", "pytest"} <= names


def test_no_exact_pins():
    for requirement in pyproject_dependencies() + environment_dependencies():
        assert "==" not in requirement, requirement


def test_readme_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in ("lab", "test", "run"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
        assert f"make {target}" in readme, target


def test_ci_runs_the_readme_test_command():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert "make test" in commands

"""`pip install .` gives the whole library and the `attribution` command (pyproject.toml).

Building a wheel in a test is too slow; these check what the build reads: the packages setuptools
finds, the package data that carries every SQL file, the dependency list and the console script.
"""
from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT.get("tool", {}).get("setuptools", {})


def _found_packages() -> set[str]:
    find = SETUPTOOLS.get("packages", {}).get("find", {})
    return set(find_packages(str(ROOT), include=find.get("include", ["*"]), exclude=find.get("exclude", ())))


def test_every_library_package_and_nothing_else_is_declared():
    packages = {".".join(p.relative_to(ROOT).parts[:-1]) for p in (ROOT / "attribution").rglob("__init__.py")}
    found = _found_packages()
    assert "attribution.engine" in packages and "attribution.store" in packages
    assert found == packages
    # the app, its pages and the tests are not installed as top-level packages
    assert not {"ui", "app_pages", "tests", "bench"} & {p.split(".")[0] for p in found}


def test_every_non_python_file_of_the_library_is_package_data():
    wanted = {p for p in (ROOT / "attribution").rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}}
    assert any(p.suffix == ".sql" for p in wanted)
    covered: set[Path] = set()
    for package, patterns in SETUPTOOLS.get("package-data", {}).items():
        assert package in _found_packages(), f"package data for {package}, which is not installed"
        folder = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            covered.update(p for p in folder.glob(pattern) if p.is_file())
    assert sorted(str(p.relative_to(ROOT)) for p in wanted - covered) == []


def test_dependencies_are_read_from_requirements_txt():
    project = PYPROJECT["project"]
    assert "dependencies" in project.get("dynamic", []) and "dependencies" not in project
    assert SETUPTOOLS["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    # setuptools reads plain requirement lines only: no '-r', '-e' or '--option' lines
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    assert [ln for ln in lines if ln.startswith("-")] == []
    assert "duckdb" in {ln.split(">")[0].split("<")[0].split("=")[0].strip() for ln in lines if ln}


def test_the_console_script_runs_the_cli(capsys):
    target = PYPROJECT["project"]["scripts"]["attribution"]
    module, _, name = target.partition(":")
    main = getattr(importlib.import_module(module), name)
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    # the CLI's own subcommands and the API's, which `python -m attribution` registers too
    for command in ("simulate", "run", "ihc", "serve", "api-key"):
        assert command in out

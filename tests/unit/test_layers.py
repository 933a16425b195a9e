"""The layers import downward only, the library never imports streamlit or ui/, pages hold no SQL."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "attribution"
# Bottom to top: a package may import itself and the packages before it, never one after it.
LAYERS = ["errors", "defaults", "safe_text", "store", "journeys", "ingest", "engine", "models", "uncertainty", "mmm",
          "budget", "identity", "reports", "simulate", "ihc", "cli", "api"]
# The package root re-exports the public API and __main__ runs the CLI: both sit on top.
TOP = {"__init__", "__main__"}


def _imports(path: Path) -> set[str]:
    """Every module name imported anywhere in ``path`` (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _layer(module: str) -> str | None:
    """The layer of ``attribution.<layer>...`` (None for names outside the library)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "attribution" and len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    stray = sorted(str(p.relative_to(ROOT)) for p in LIBRARY.rglob("*.py")
                   if p.relative_to(LIBRARY).parts[0].removesuffix(".py") not in set(LAYERS) | TOP)
    assert stray == [], "put these modules in a layer folder and list the layer in LAYERS"


def test_layers_import_downward_only():
    upward = []
    for path in LIBRARY.rglob("*.py"):
        own = path.relative_to(LIBRARY).parts[0].removesuffix(".py")
        if own in TOP:
            continue
        for name in _imports(path):
            other = _layer(name)
            if other in LAYERS and LAYERS.index(other) > LAYERS.index(own):
                upward.append(f"{path.relative_to(ROOT)} ({own}) imports {name} ({other})")
    assert sorted(set(upward)) == []


def test_library_never_imports_streamlit_or_ui():
    offenders = {str(p.relative_to(ROOT)): sorted({n.split(".")[0] for n in _imports(p)} & {"streamlit", "ui"})
                 for p in LIBRARY.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_ui_and_pages_reach_the_engine_only_through_its_interface():
    # The app opens datasets through ui/state.py; everything else reads the engine-neutral Dataset.
    allowed = {"ui/state.py", "ui/data_upload.py", "ui/identity_section.py"}
    offenders = []
    for path in [*(ROOT / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        rel = str(path.relative_to(ROOT))
        engine = {n for n in _imports(path) if n.startswith(("attribution.engine.duckdb", "attribution.store"))}
        if engine and rel not in allowed:
            offenders.append(f"{rel}: {sorted(engine)}")
    assert offenders == []


# a select list with SQL punctuation, a select with a SQL clause after its table, or a DML/DDL statement
SQL_STATEMENT = re.compile(r"\bselect\s+\S.*?[,*(.].*?\bfrom\s+\S+"
                           r"|\bselect\s+\w+\s+from\s+\S+\s+(where|group|order|limit|join)\b"
                           r"|\b(insert\s+into|delete\s+from|create\s+(or\s+replace\s+)?table|drop\s+table)\b",
                           re.IGNORECASE | re.DOTALL)


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_pages_hold_no_sql():
    offenders = {str(p.relative_to(ROOT)): [s for s in _string_constants(p) if SQL_STATEMENT.search(s)]
                 for p in [*(ROOT / "pages").glob("*.py"), ROOT / "app.py"]}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_sql_check_sees_sql():
    # guards the check above against a pattern that matches nothing
    assert SQL_STATEMENT.search("select channel, count(*) from touches group by 1")
    assert SQL_STATEMENT.search("SELECT user_id FROM ds.touchpoints WHERE ts > $start")
    assert SQL_STATEMENT.search("create table t as select 1")
    assert not SQL_STATEMENT.search("Select a model from the list")


def test_no_page_shadows_a_package():
    top_level = {p.stem for p in ROOT.iterdir()} | {"attribution", "ui", "streamlit", "pandas", "plotly"}
    assert {p.stem for p in (ROOT / "pages").glob("*.py")} & top_level == set()

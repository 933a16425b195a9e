"""The library never imports streamlit or ui/, and pages never hold SQL (DESIGN §2)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_library_never_imports_streamlit_or_ui():
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & {"streamlit", "ui"})
                 for p in (ROOT / "attribution").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_page_shadows_a_package():
    top_level = {p.stem for p in ROOT.iterdir()} | {"attribution", "ui", "streamlit", "pandas", "plotly"}
    assert {p.stem for p in (ROOT / "pages").glob("*.py")} & top_level == set()

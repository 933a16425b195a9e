"""The design document lives in the repository and every pointer into it resolves."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
SOURCES = [p for folder in ("attribution", "ui", "app_pages", "bench", "tests") for p in (ROOT / folder).rglob("*.py")]


def _sections() -> set[str]:
    return set(re.findall(r"^## (\d+)\. ", ARCHITECTURE.read_text(encoding="utf-8"), flags=re.M))


def test_every_reference_points_to_a_section_of_the_architecture_document():
    sections = _sections()
    assert {"1", "2", "3", "4", "5", "6", "7", "8"} <= sections
    dangling = [f"{p.relative_to(ROOT)}: §{n}" for p in SOURCES
                for n in re.findall(r"architecture\.md §(\d+)", p.read_text(encoding="utf-8")) if n not in sections]
    assert dangling == []


def test_no_reference_to_a_document_outside_the_repository():
    # written as two strings so that this file does not match itself
    outside = "DESIGN" + " §"
    assert [str(p.relative_to(ROOT)) for p in SOURCES if outside in p.read_text(encoding="utf-8")] == []


def test_the_readme_links_the_architecture_document():
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")

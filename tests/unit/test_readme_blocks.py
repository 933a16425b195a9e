"""Every fenced ```python and ```bash / ```sh / ```shell block of README.md runs as written.

The blocks run in README order in one fresh folder that holds the built-in sample as ``data/`` (as
the repository root does), so a block can read the sample or the files an earlier block wrote (the
``python -m attribution simulate --out sim/`` of the Command line section). The library is on
``PYTHONPATH``, as after ``pip install .``. Python blocks run as scripts, shell blocks with
``bash -e``; each must exit 0 and pass its check in ``readme_checks.CHECKS``, which recomputes what
it prints or writes from the input files.

A block that cannot run here (it installs packages, starts a server, needs Docker, a hosted API or
Spark's Java) is marked on the line before its fence::

    <!-- readme-test: skip (why) -->

and is reported as skipped with that reason; any other block that fails fails its test. Spark's
block is skipped (a Spark session on the two-year sample takes minutes on a shared two-core
machine); tests/unit/engine runs the same calls on Spark against DuckDB.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import readme_checks  # noqa: E402  (the checks module sits beside this file)

# every test of this file reads the one run of all blocks: keep them on one xdist worker
pytestmark = pytest.mark.xdist_group("readme_blocks")

RUNNERS = {"python": "python", "bash": "bash", "sh": "bash", "shell": "bash"}
FENCE = re.compile(r"^```(\S*)\s*$")
MARKER = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
SKIP = re.compile(r"^skip \((.+)\)$")
TIMEOUT_S = 300


@dataclass(frozen=True)
class Block:
    line: int          # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None   # the marker's reason, or None

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.lang}"


def readme_blocks(text: str) -> list[Block]:
    """Fenced blocks in the runnable languages, with the skip reason of a marker just above them.

    Raises ValueError for a marker that is not ``skip (reason)`` or is not on the line just before
    an opening fence, and for an unclosed fence, so a misplaced marker never silently runs a block.
    """
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        marker = MARKER.match(lines[i])
        if marker:
            if not SKIP.match(marker.group(1)):
                raise ValueError(f"README line {i + 1}: write the marker as 'readme-test: skip (why)'")
            if i + 1 >= len(lines) or not FENCE.match(lines[i + 1]) or not FENCE.match(lines[i + 1]).group(1):
                raise ValueError(f"README line {i + 1}: a readme-test marker must sit just above an opening fence")
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("```")), None)
        if end is None:
            raise ValueError(f"README line {i + 1}: the fence is never closed")
        lang = fence.group(1).lower()
        if lang in RUNNERS:
            above = MARKER.match(lines[i - 1]) if i > 0 else None
            blocks.append(Block(i + 1, lang, "\n".join(lines[i + 1:end]) + "\n",
                                SKIP.match(above.group(1)).group(1) if above else None))
        i = end + 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def _check_for(block: Block):
    """The one check whose key occurs in the block (None when none does)."""
    found = [key for key in readme_checks.CHECKS if key in block.code]
    assert len(found) <= 1, f"README line {block.line}: several checks match: {found}"
    return found[0] if found else None


def _run(block: Block, cwd: Path, env: dict) -> dict:
    """Run one block in ``cwd``; exit code, output, time, and whether the block itself finished."""
    key = _check_for(block)
    script = cwd / f"readme_block_{block.line}.{'py' if block.lang == 'python' else 'sh'}"
    script.write_text(block.code, encoding="utf-8")
    if block.lang == "python":
        # the block, then (in the same process, on its names) its check
        driver = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import readme_checks; "
                  f"readme_checks.run_python_block({script.name!r}, {key!r})")
        command = [sys.executable, "-c", driver]
    else:
        command = ["bash", "-e", "-o", "pipefail", script.name]
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"rc": -1, "out": "", "err": f"timed out after {TIMEOUT_S} s", "seconds": TIMEOUT_S,
                "block_done": False}
    out, done, _ = proc.stdout.partition(readme_checks.DONE)
    res = {"rc": proc.returncode, "out": out, "err": proc.stderr, "seconds": time.perf_counter() - start,
           "block_done": block.lang != "python" or bool(done)}
    if block.lang != "python" and proc.returncode == 0 and key is not None:
        # a shell block's check reads the folder now, before later blocks change it
        try:
            readme_checks.CHECKS[key](None, cwd, out)
        except AssertionError as exc:
            res["check_error"] = f"AssertionError: {exc}"
    return res


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[int, dict]:
    """Run every unmarked block once, in README order, in one folder; line -> result."""
    cwd = tmp_path_factory.mktemp("readme")
    (cwd / "data").symlink_to(ROOT / "data", target_is_directory=True)
    # the library importable from anywhere, as after `pip install .`
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONDONTWRITEBYTECODE": "1"}
    results = {b.line: _run(b, cwd, env) for b in BLOCKS if b.skip is None}
    skipped = [b for b in BLOCKS if b.skip]
    print(f"\nREADME blocks: {len(BLOCKS)}, ran {len(results)} in {sum(r['seconds'] for r in results.values()):.1f} s ("
          + ", ".join(f"line {n} {r['seconds']:.1f} s" for n, r in results.items()) + f"), skipped {len(skipped)}: "
          + "; ".join(f"line {b.line} ({b.skip})" for b in skipped))
    return results


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_block_runs_as_written(block: Block, ran):
    if block.skip:
        pytest.skip(f"README line {block.line}: {block.skip}")
    res = ran[block.line]
    where = f"README line {block.line} ({block.lang})"
    if res["rc"] != 0 and not res["block_done"]:
        pytest.fail(f"{where} exited {res['rc']}:\n{res['err'][-3000:]}")
    assert res["rc"] == 0, f"{where} ran, but its check failed:\n{res['err'][-3000:]}"
    assert "check_error" not in res, f"{where} ran, but its check failed: {res['check_error']}"


def test_every_runnable_block_has_a_check_and_every_check_a_block():
    runnable = [b for b in BLOCKS if b.skip is None]
    unchecked = [b.id for b in runnable if _check_for(b) is None]
    assert unchecked == [], "add a check to tests/unit/readme_checks.py CHECKS for these README blocks"
    stale = [key for key in readme_checks.CHECKS if not any(key in b.code for b in runnable)]
    assert stale == [], "these checks match no runnable README block"


def test_blocks_are_found_and_markers_are_read():
    text = README.read_text(encoding="utf-8")
    fences = re.findall(r"^```(python|bash|sh|shell)\s*$", text, flags=re.M)
    assert len(BLOCKS) == len(fences) and {"python", "bash"} <= {b.lang for b in BLOCKS}
    assert len([b for b in BLOCKS if b.skip]) == text.count("<!-- readme-test: skip (")
    # the parser refuses a marker that is not right above a fence, or that is not a skip
    with pytest.raises(ValueError, match="just above an opening fence"):
        readme_blocks("<!-- readme-test: skip (x) -->\n\n```bash\necho\n```\n")
    with pytest.raises(ValueError, match="skip \\(why\\)"):
        readme_blocks("<!-- readme-test: run -->\n```bash\necho\n```\n")
    parsed = readme_blocks("<!-- readme-test: skip (a server) -->\n```sh\nserve\n```\n```text\nx\n```\n```python\n1\n```\n")
    assert [(b.lang, b.code, b.skip) for b in parsed] == [("sh", "serve\n", "a server"), ("python", "1\n", None)]


def test_a_failing_block_is_reported_as_failing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert _run(Block(1, "bash", "true\nfalse\necho never\n", None), tmp_path, env)["rc"] == 1
    undefined = _run(Block(2, "python", "print(df)\n", None), tmp_path, env)
    assert undefined["rc"] == 1 and not undefined["block_done"] and "NameError" in undefined["err"]
    fine = _run(Block(3, "python", "print(6 * 7)\n", None), tmp_path, env)
    assert (fine["rc"], fine["out"].strip(), fine["block_done"]) == (0, "42", True)

"""pyspark is optional: the library imports without it, and engine="spark" says what to install."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

BLOCK_PYSPARK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("blocked for the test")
sys.meta_path.insert(0, Block())
import attribution as at
assert not any(m.startswith("pyspark") for m in sys.modules)
try:
    at.load(touchpoints="tp.csv", conversions="conv.csv", engine="spark")
except at.AttributionError as exc:
    print("ERROR:", exc)
"""


def test_library_imports_without_pyspark_and_explains_the_spark_engine():
    done = subprocess.run([sys.executable, "-c", BLOCK_PYSPARK], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install -r requirements-spark.txt" in done.stdout
    assert "openjdk-17-jre-headless" in done.stdout


def test_an_unknown_engine_is_refused():
    import pytest

    import attribution as at

    with pytest.raises(at.DataValidationError, match="engine must be one of duckdb, spark"):
        at.load(touchpoints="tp.csv", conversions="conv.csv", engine="polars")

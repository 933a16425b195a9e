"""Shared test fixtures."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ATTRIBUTION_SHARED", ROOT.parent / "shared"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test when it is absent (a user's clone has no ../shared)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"{path} not present (development-only reference data)")
    return path


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the test session (2 cores, few shuffle partitions, no UI),
    or skip when pyspark or Java is missing (install: pip install -r requirements-spark.txt;
    apt-get install openjdk-17-jre-headless)."""
    import shutil

    pytest.importorskip("pyspark", reason="pyspark not installed (pip install -r requirements-spark.txt)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java not installed (apt-get install openjdk-17-jre-headless): Spark cannot start")
    from attribution.engine.spark_session import spark_session

    session = spark_session(master="local[2]", conf={
        "spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2", "spark.ui.enabled": "false",
        "spark.sql.adaptive.enabled": "true", "spark.driver.memory": "1g"})
    yield session
    session.stop()

"""The Spark session the Spark engine runs on, and the clear error when Spark is not installed.

``pyspark`` is an optional extra (``requirements-spark.txt``): importing the library never imports
it; only ``engine="spark"`` does, through :func:`pyspark_modules`.

Session rules:

- a session passed in (``spark=``) is used as is, except that its SQL time zone is set to UTC: the
  journey rules compare wall-clock timestamps, and both engines read them as UTC;
- otherwise the active session is reused, or one is created with master ``master`` (else the
  ``SPARK_MASTER`` environment variable, else ``local[*]``) and the ``conf`` pairs.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from attribution.errors import AttributionError

DEFAULT_MASTER = "local[*]"
APP_NAME = "attribution"


class EngineUnavailableError(AttributionError):
    """The chosen engine cannot run here (a missing package or Java); the message says what to install."""


def pyspark_modules():
    """``(pyspark.sql, pyspark.sql.functions, pyspark.sql.window)``, or a clear error without pyspark."""
    try:
        import pyspark.sql as sql
        import pyspark.sql.functions as functions
        import pyspark.sql.window as window
    except ImportError as exc:
        raise EngineUnavailableError(
            "engine='spark' needs pyspark 4 and Java 17: pip install -r requirements-spark.txt "
            "(and e.g. apt-get install openjdk-17-jre-headless); or use the default engine='duckdb'") from exc
    return sql, functions, window


def spark_session(spark=None, *, master: str | None = None, conf: Mapping[str, str] | None = None):
    """The SparkSession to run on (see the module docstring for which one)."""
    sql, _, _ = pyspark_modules()
    if spark is None:
        spark = sql.SparkSession.getActiveSession()
    if spark is None:
        builder = sql.SparkSession.builder.appName(APP_NAME).master(
            master or os.environ.get("SPARK_MASTER") or DEFAULT_MASTER)
        # progress bars would interleave with our own output; a conf pair can turn them back on
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        for key, value in (conf or {}).items():
            builder = builder.config(str(key), str(value))
        try:
            spark = builder.getOrCreate()
        except Exception as exc:  # the JVM failed to start: say why in our terms
            raise EngineUnavailableError(
                f"Spark could not start ({type(exc).__name__}: {exc}). It needs Java 17 on the PATH "
                "(apt-get install openjdk-17-jre-headless) and a reachable master "
                f"({master or os.environ.get('SPARK_MASTER') or DEFAULT_MASTER})") from exc
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    return spark


def parse_conf(pairs) -> dict[str, str]:
    """``["k=v", ...]`` (the CLI's ``--spark-conf``) as a dict; an item without ``=`` is an error."""
    out = {}
    for pair in pairs or ():
        key, sep, value = str(pair).partition("=")
        if not sep or not key.strip():
            raise AttributionError(f"--spark-conf expects key=value, e.g. spark.driver.memory=4g; got {pair!r}")
        out[key.strip()] = value.strip()
    return out

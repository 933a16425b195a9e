"""``run --engine spark`` writes the same files with the same numbers as the default engine."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from attribution.cli import main


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_spark_run_equals_the_duckdb_run(sim_files, tmp_path, spark):
    common = ["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
              "--spend", str(sim_files["spend"]), "--models", "linear,time_decay,markov,w_shaped,ihc",
              "--lookback-days", "14", "--freq", "week", "--quiet",
              # intervals of touch-reading models and a global model's dated channel report run in Spark too
              "--bootstrap", "6", "--seed", "4", "--report-model", "markov"]
    assert main([*common, "--out", str(tmp_path / "duck")]) == 0
    assert main([*common, "--out", str(tmp_path / "spark"), "--engine", "spark",
                 "--spark-conf", "spark.sql.shuffle.partitions=4"]) == 0
    names = sorted(p.name for p in (tmp_path / "duck").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "spark").iterdir())
    for name in ("model_comparison.csv", "channel_report.csv", "channel_report_by_week.csv"):
        duck, spark_out = _csv(tmp_path / "duck" / name), _csv(tmp_path / "spark" / name)
        numbers = list(duck.select_dtypes(include="number").columns)
        text = [c for c in duck.columns if c not in numbers]
        assert duck[text].equals(spark_out[text]), name
        np.testing.assert_allclose(spark_out[numbers].to_numpy(float), duck[numbers].to_numpy(float),
                                   rtol=1e-9, atol=1e-9, equal_nan=True)
    assert _csv(tmp_path / "spark" / "model_comparison.csv")["ci_low"].notna().all()
    # the full report has the same sections on both engines, and no part of it is missing on Spark
    duck_html, spark_html = ((tmp_path / d / "report.html").read_text(encoding="utf-8") for d in ("duck", "spark"))
    sections = re.findall(r'<section id="([^"]+)">', duck_html)
    assert sections == re.findall(r'<section id="([^"]+)">', spark_html)
    assert {"summary", "settings", "models", "channels"} <= set(sections)
    assert '<p class="warning">' not in spark_html   # no model, interval or channel report failed


def test_bad_spark_conf_exits_2(sim_files, tmp_path, capsys):
    args = ["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
            "--engine", "spark", "--spark-conf", "no-equals-sign", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 2
    assert "key=value" in capsys.readouterr().err

"""`python -m attribution run`: outputs, journey flags, exit codes, hostile channel names."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from attribution.cli import build_parser, main
from attribution.cli.options import journey_settings, parse_params
from attribution.engine.load import load
from attribution.errors import DataValidationError, ModelError
from attribution.journeys.settings import JourneySettings
from attribution.models import compare, run_model, supported_models

ROOT = Path(__file__).resolve().parents[3]


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_run_writes_every_model_and_the_report(sim_files, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
            "--spend", str(sim_files["spend"]), "--stage", "purchase", "--lookback-days", "14", "--out", str(out),
            "--quiet"]
    assert main(args) == 0
    assert "models on" in capsys.readouterr().out
    results = _csv(out / "model_comparison.csv")
    # the same library calls give the same numbers (the CLI adds no arithmetic of its own)
    ds = load(touchpoints=str(sim_files["touchpoints"]), conversions=str(sim_files["conversions"]))
    data = ds.journeys(JourneySettings(stage="purchase", lookback_days=14))
    expected = compare(data)
    assert list(dict.fromkeys(results["model"])) == supported_models(data)
    merged = results.merge(expected, on=["model", "channel"], suffixes=("", "_lib"))
    assert len(merged) == len(expected)
    assert (merged["conversions"] - merged["conversions_lib"]).abs().max() < 1e-9
    # invariants: each model credits every counted conversion once (those without a touch in the 14-day
    # window on "(no touch)": the simulator's baseline purchases and users reached only before it), shares
    # sum to 1, nothing negative
    totals = results.groupby("model")[["conversions", "share"]].sum()
    assert data.stats.conversions_without_touches > 0
    assert data.stats.conversions_counted == data.total_conversions + data.stats.conversions_without_touches
    assert totals["conversions"].to_numpy() == pytest.approx(data.stats.conversions_counted)
    # shares are written to 4 decimals: each channel's is off by at most 5e-5, so a model's sum by n × 5e-5
    n_channels = results.groupby("model")["channel"].nunique().max()
    assert totals["share"].to_numpy() == pytest.approx(1.0, abs=n_channels * 5e-5)
    assert (results["conversions"] >= -1e-12).all()
    wide = _csv(out / "credit_conversions.csv")
    assert list(wide.columns) == ["channel", *supported_models(data)]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script src=" not in html and "Dataset summary" in html and "Model comparison" in html


def test_channel_report_agrees_with_the_model_and_the_spend_file(sim_files, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
                 "--spend", str(sim_files["spend"]), "--models", "linear,first_touch", "--freq", "week",
                 "--out", str(out), "--no-report", "--quiet"]) == 0
    credit = _csv(out / "model_comparison.csv")
    linear = credit[credit["model"] == "linear"].set_index("channel")["conversions"]
    report = _csv(out / "channel_report.csv").set_index("channel")
    assert (report["model"] == "linear").all()
    assert report["conversions"].drop("Total").to_dict() == pytest.approx(linear.to_dict())
    total = report.loc["Total"]
    assert total["conversions"] == pytest.approx(linear.sum())
    assert total["spend"] == pytest.approx(pd.read_csv(sim_files["spend"])["spend"].sum())  # no date range given
    assert total["roas"] == pytest.approx(total["revenue"] / total["spend"], abs=5e-5)  # 4 decimals
    assert total["cpa"] == pytest.approx(total["spend"] / total["conversions"], abs=0.005)  # to the cent
    assert total["spend"] == round(total["spend"], 2) and "is_total" in report.columns and report.loc["Total", "is_total"]
    weekly = _csv(out / "channel_report_by_week.csv")
    by_channel = weekly[weekly["channel"] != "Total"].groupby("channel")["conversions"].sum()
    assert by_channel.to_dict() == pytest.approx(linear.to_dict())


def test_journey_flags_map_onto_settings():
    parser = build_parser()
    args = parser.parse_args(["run", "--out", "x", "--start", "2024-02-01", "--end", "2024-02-29",
                              "--lookback-days", "none", "--max-touches", "5", "--stage", "lead", "--first-only",
                              "--no-reset", "--no-non-converting", "--transform", "unique", "--exclude", "Direct",
                              "--exclude", "Email"])
    assert journey_settings(args) == JourneySettings(
        reset_on_conversion=False, lookback_days=None, max_touches=5, stage="lead", first_only=True,
        include_non_converting=False, start=date(2024, 2, 1), end=date(2024, 2, 29), transform="unique",
        exclude_channels=("Direct", "Email"))
    defaults = journey_settings(parser.parse_args(["run", "--out", "x"]))
    assert defaults == JourneySettings()


def test_groups_file_groups_channels_and_their_spend(sim_files, tmp_path, capsys):
    channels = sorted(pd.read_csv(sim_files["spend"])["channel"].unique())
    paid = [c for c in channels if c.lower().startswith("paid")]
    assert len(paid) >= 2  # the simulator's Paid Search and Paid Social
    rules = tmp_path / "groups.csv"
    rules.write_text("group,pattern,column,match\nPaid media,paid,channel,starts_with\n", encoding="utf-8")
    base = ["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
            "--spend", str(sim_files["spend"]), "--models", "last_touch", "--no-report", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "raw")]) == 0
    assert main([*base, "--groups", str(rules), "--out", str(tmp_path / "grouped")]) == 0
    raw = _csv(tmp_path / "raw" / "channel_report.csv").set_index("channel")
    grouped = _csv(tmp_path / "grouped" / "channel_report.csv").set_index("channel")
    assert "Paid media" in grouped.index and not set(paid) & set(grouped.index)
    for column in ("conversions", "spend"):
        assert grouped.loc["Paid media", column] == pytest.approx(raw.loc[paid, column].sum())
    assert grouped.loc["Total", "spend"] == pytest.approx(raw.loc["Total", "spend"])
    # a bad rules file stops before loading, with one line naming file and row
    rules.write_text("group,pattern,match\nPaid media,(,regex\n", encoding="utf-8")
    capsys.readouterr()
    assert main([*base, "--groups", str(rules), "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "groups.csv, row 1" in err and "not a valid regular expression" in err


def test_params_are_typed_like_their_defaults():
    params = parse_params(["markov.order=2", "time_decay.half_life_days=3.5",
                           "last_non_direct.direct_channels=Direct, Brand"])
    assert params == {"markov": {"order": 2}, "time_decay": {"half_life_days": 3.5},
                      "last_non_direct": {"direct_channels": ("Direct", "Brand")}}
    with pytest.raises(ModelError, match="valid: "):
        parse_params(["markov.nope=1"])
    with pytest.raises(ModelError, match="not a valid int"):
        parse_params(["markov.order=two"])
    with pytest.raises(DataValidationError, match="MODEL.NAME=VALUE"):
        parse_params(["order=2"])


def test_date_range_keeps_only_conversions_in_it(sim_files, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
                 "--models", "last_touch", "--start", "2024-01-10", "--end", "2024-01-20", "--out", str(out),
                 "--no-report", "--quiet"]) == 0
    credit = _csv(out / "model_comparison.csv").set_index("channel")["conversions"]
    # every conversion dated 10..20 January is counted; last touch credits each converting journey
    # once, and the rest (no touch of the same user in the 30 days before, after the user's previous
    # conversion, which the reset rule ends journeys at) sit on the "(no touch)" row. From the files:
    tp = pd.read_csv(sim_files["touchpoints"], parse_dates=["ts"])
    conv = pd.read_csv(sim_files["conversions"], parse_dates=["ts"]).sort_values(["user_id", "ts"])
    conv["previous"] = conv.groupby("user_id")["ts"].shift(1)
    in_range = conv[(conv["ts"].dt.date >= date(2024, 1, 10)) & (conv["ts"].dt.date <= date(2024, 1, 20))]
    pairs = in_range.merge(tp[["user_id", "ts"]], on="user_id", suffixes=("", "_touch"))
    window = (pairs["ts_touch"] <= pairs["ts"]) & (pairs["ts_touch"] >= pairs["ts"] - pd.Timedelta(days=30))
    after_previous = pairs["previous"].isna() | (pairs["ts_touch"] > pairs["previous"])
    with_touch = pairs[window & after_previous].drop_duplicates(["user_id", "ts"]).shape[0]
    assert 0 < with_touch < len(in_range)
    assert credit.sum() == pytest.approx(len(in_range))
    assert credit["(no touch)"] == pytest.approx(len(in_range) - with_touch)
    assert credit.drop("(no touch)").sum() == pytest.approx(with_touch)
    assert not (out / "report.html").exists()


def test_load_warnings_are_printed_with_the_cli_advice_and_the_advice_works(tmp_path, capsys):
    # IHC journeys whose conversion flag sits in a column the loader does not guess: j1 converted, j2 did not
    rows = "conversion_id,session_id,timestamp,channel_label,zz_flag\n" \
           "j1,a,2021-06-01 10:00:00,x,0\nj1,b,2021-06-02 10:00:00,y,1\nj2,c,2021-06-03 10:00:00,x,0\n"
    (tmp_path / "cj.csv").write_text(rows, encoding="utf-8")
    base = ["run", "--ihc-journeys", str(tmp_path / "cj.csv"), "--models", "linear", "--no-report"]
    assert main([*base, "--out", str(tmp_path / "guessed")]) == 0
    err = capsys.readouterr().err
    assert ("warning: no session is flagged as a conversion (a conversion column); every one of the 2 journeys "
            "was treated as converted") in err
    assert "--map ihc_journeys.conversion=COLUMN" in err and "ihc_all_converted" not in err
    assert _csv(tmp_path / "guessed" / "model_comparison.csv")["conversions"].sum() == pytest.approx(2)
    assert main([*base, "--map", "ihc_journeys.conversion=zz_flag", "--out", str(tmp_path / "mapped")]) == 0
    assert "warning:" not in capsys.readouterr().err
    assert _csv(tmp_path / "mapped" / "model_comparison.csv")["conversions"].sum() == pytest.approx(1)


def test_missing_file_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(tmp_path / "nope.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: touchpoints file not found: {tmp_path / 'nope.csv'}"]
    assert not out.exists()


def test_bad_arguments_exit_2(sim_files, tmp_path, capsys):
    base = ["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
            "--out", str(tmp_path / "out"), "--quiet"]
    assert main([*base, "--models", "linear,nonsense"]) == 2
    assert "unknown model 'nonsense'" in capsys.readouterr().err
    assert main([*base, "--param", "markov.order=high"]) == 2
    assert "not a valid int" in capsys.readouterr().err
    assert main(["run", "--out", str(tmp_path / "out")]) == 2
    assert "no input file" in capsys.readouterr().err
    assert main([*base, "--report-model", "nonsense"]) == 2
    assert "unknown model 'nonsense'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse: a malformed date
        main([*base, "--start", "01/02/2024"])
    assert exc.value.code == 2
    assert "is not a date like 2024-01-31" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_failing_model_exits_3_and_keeps_the_others(sim_files, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
                 "--models", "linear,time_decay", "--param", "time_decay.half_life_days=0", "--out", str(out),
                 "--quiet"])
    assert code == 3
    assert "warning: model time_decay failed: time_decay needs half_life_days > 0" in capsys.readouterr().err
    assert set(_csv(out / "model_comparison.csv")["model"]) == {"linear"}
    assert "Time decay could not run" in (out / "report.html").read_text(encoding="utf-8")


def test_bootstrap_adds_intervals(sim_files, tmp_path):
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions", str(sim_files["conversions"]),
                 "--models", "linear,markov", "--param", "markov.order=2", "--bootstrap", "20", "--level", "0.8",
                 "--out", str(out), "--quiet"]) == 0
    frame = _csv(out / "model_comparison.csv")
    assert {"ci_low", "ci_high", "revenue_ci_low", "revenue_ci_high"} <= set(frame.columns)
    assert (frame["ci_low"] <= frame["ci_high"]).all() and (frame["ci_low"] >= 0).all()
    # conversions without a touch make no journey, so no replicate moves them: a zero-width interval
    no_touch = frame[frame["channel"] == "(no touch)"]
    assert len(no_touch) == 2 and (no_touch["conversions"] > 0).all()
    assert (no_touch["ci_low"] == no_touch["conversions"]).all() and (no_touch["ci_high"] == no_touch["conversions"]).all()
    # the point estimates are the full-data credit, so they equal a run without --bootstrap
    ds = load(touchpoints=str(sim_files["touchpoints"]), conversions=str(sim_files["conversions"]))
    markov = run_model("markov", ds.journeys(JourneySettings()), order=2).set_index("channel")["conversions"]
    got = frame[frame["model"] == "markov"].set_index("channel")["conversions"]
    assert got.to_dict() == pytest.approx(markov.to_dict())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Conversions with 80% bootstrap intervals" in html and "No confidence intervals" not in html


def test_aggregated_paths_run_the_path_models(tmp_path):
    # 2 conversions on a > b (linear: a 1, b 1), 1 on b (b 1); 3 journeys on a that did not convert
    (tmp_path / "paths.csv").write_text("path;total_conversions;total_conversion_value;total_null\n"
                                        "a > b;2;20;0\nb;1;5;0\na;0;0;3\n")
    out = tmp_path / "out"
    assert main(["run", "--paths", str(tmp_path / "paths.csv"), "--out", str(out), "--quiet"]) == 0
    frame = _csv(out / "model_comparison.csv")
    assert "time_decay" not in set(frame["model"])
    linear = frame[frame["model"] == "linear"].set_index("channel")
    assert linear["conversions"].to_dict() == pytest.approx({"a": 1.0, "b": 2.0})
    assert linear["revenue"].to_dict() == pytest.approx({"a": 10.0, "b": 15.0})
    assert main(["run", "--paths", str(tmp_path / "paths.csv"), "--freq", "day", "--out", str(tmp_path / "o2"),
                 "--quiet"]) == 2
    assert not (tmp_path / "o2").exists()


def test_converting_only_paths_skip_the_logistic_model_with_a_note(tmp_path, capsys):
    # every journey converted: a regression on conversion has nothing to contrast, so by default it
    # is skipped (not tried and failed, which exited 3); asked for by name it is refused up front
    (tmp_path / "paths.csv").write_text("path;total_conversions;total_conversion_value;total_null\n"
                                        "a > b;2;20;0\nb;1;5;0\n")
    out = tmp_path / "out"
    assert main(["run", "--paths", str(tmp_path / "paths.csv"), "--out", str(out), "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "skipping logistic: Logistic regression needs journeys that did not convert" in err
    frame = _csv(out / "model_comparison.csv")
    assert "logistic" not in set(frame["model"]) and {"linear", "markov"} <= set(frame["model"])
    assert main(["run", "--paths", str(tmp_path / "paths.csv"), "--models", "linear,logistic",
                 "--out", str(tmp_path / "o2"), "--quiet"]) == 2
    assert "needs journeys that did not convert" in capsys.readouterr().err


def test_hostile_channel_is_neutralised_in_csv_and_escaped_in_report(hostile_files, tmp_path):
    tp, conv = hostile_files
    out = tmp_path / "out"
    assert main(["run", "--touchpoints", str(tp), "--conversions", str(conv), "--models", "linear,last_touch",
                 "--out", str(out), "--quiet"]) == 0
    raw = (out / "model_comparison.csv").read_text(encoding="utf-8-sig")
    assert '"\'=HYPERLINK(""x"")"' in raw  # the CSV cell is '=HYPERLINK("x"): text, not a formula
    assert '"=HYPERLINK' not in raw
    frame = _csv(out / "model_comparison.csv")
    linear = frame[frame["model"] == "linear"].set_index("channel")["conversions"].to_dict()
    # u1: half to each of its two channels; u2: all to Email; u3: half each
    assert linear == pytest.approx({"'=HYPERLINK(\"x\")": 1.0, "Email": 1.5, "<b>bold</b>": 0.5})
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "=HYPERLINK(&quot;x&quot;)" in html


def test_module_entry_point_and_help(capsys):
    done = subprocess.run([sys.executable, "-m", "attribution", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert all(name in done.stdout for name in ("run", "ihc", "simulate"))
    for cmd in ("run", "ihc", "simulate"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert f"usage: python -m attribution {cmd}" in capsys.readouterr().out


def test_a_failed_channel_report_is_not_counted_as_a_failed_model(sim_files, tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise ModelError("this report cannot be built")

    monkeypatch.setattr("attribution.cli.run._channel_report", refuse)
    out = tmp_path / "out"
    code = main(["run", "--touchpoints", str(sim_files["touchpoints"]), "--conversions",
                 str(sim_files["conversions"]), "--models", "first_touch,last_touch", "--out", str(out),
                 "--no-report", "--quiet"])
    captured = capsys.readouterr()
    assert code == 3  # partial: the report is missing
    assert captured.out.startswith("2 of 2 models on ")
    assert "linear (channel report) failed: this report cannot be built" in captured.err
    assert not (out / "channel_report.csv").exists() and (out / "model_comparison.csv").exists()

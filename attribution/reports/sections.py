"""The standard sections of the full report, each built from plain inputs, and the report itself.

Sections are optional and added by name (:data:`SECTION_BUILDERS`, in report order): ``summary``,
``settings``, ``models``, ``channels``, ``mmm``, ``budget``. Give the parts you have::

    html = full_report(summary={"name": "Shop", "summary": ds.summary()},
                       models={"results": compare(j)}, budget={"plan": plan})

A section whose inputs cannot be used (e.g. a media-mix result without ``channel_summary``) is
replaced by a short note saying why, so exporting a report never fails because of one part.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import pandas as pd

from attribution.errors import AttributionError
from attribution.models.registry import MODEL_SPECS
from attribution.models.summary import credit_table
from attribution.reports import figures
from attribution.reports.channel_report import SPEND_SOURCES, ChannelReport
from attribution.reports.html import Chart, Facts, Section, Table, Text, build_report

_SETTING_LABELS = {
    "start": "Conversions from", "end": "Conversions to", "lookback_days": "Lookback window (days)",
    "max_touches": "Keep at most the last N touches", "stage": "Conversion stage",
    "first_only": "Only each user's first conversion", "include_non_converting": "Non-converting journeys",
    "reset_on_conversion": "New journey after each conversion", "transform": "Path transform",
    "exclude_channels": "Excluded channels", "channel_rules": "Channel grouping rules",
}


def model_label(name: str) -> str:
    """Display label of a registered model name (other strings are returned unchanged)."""
    spec = MODEL_SPECS.get(name)
    return spec.label if spec else name


def summary_section(name: str, summary: Mapping[str, Any], activity: pd.DataFrame | None = None) -> Section:
    """The dataset's headline numbers (``Dataset.summary()``) and, with ``activity``
    (``Dataset.daily_activity()``), a chart of conversions per day."""
    if "touchpoints" in summary:
        spend = summary.get("spend") if summary.get("spend") is not None else summary.get("touch_cost")
        facts = {"Users": summary.get("users"), "Touchpoints": summary.get("touchpoints"),
                 "Conversions": summary.get("conversions"), "Revenue": summary.get("revenue"),
                 "Spend": spend, "Channels": summary.get("channels"),
                 "From": summary.get("first_date"), "To": summary.get("last_date")}
    else:
        facts = {"Unique paths": summary.get("unique_paths"), "Conversions": summary.get("conversions"),
                 "Revenue": summary.get("revenue"), "Non-converting journeys": summary.get("non_conversions"),
                 "Channels": summary.get("channels")}
    blocks: list = [Text(f"Dataset: {name}"), Facts(facts)]
    if activity is not None and len(activity):
        blocks.append(Chart(figures.daily_trend(activity, "conversions", "Conversions per day")))
    return Section("summary", "Dataset summary", tuple(blocks))


def _setting_value(key: str, value: Any) -> str:
    if key == "lookback_days" and value is None:
        return "unlimited"
    if key == "max_touches" and value is None:
        return "all touches"
    if key == "stage" and value is None:
        return "all conversions"
    if key in ("start", "end") and value is None:
        return "first date" if key == "start" else "last date"
    if key == "include_non_converting":
        return "included" if value else "left out"
    if key in ("exclude_channels", "channel_rules"):
        items = [f"{r['group']} ← {r['column']} {r['match']} {r['pattern']!r}" if isinstance(r, Mapping) else str(r)
                 for r in value or ()]
        return "; ".join(items) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def settings_section(settings: Any = None, params: Mapping[str, Mapping[str, Any]] | None = None,
                     models: Sequence[str] = (), has_touches: bool = True) -> Section:
    """The journey rules (a ``JourneySettings`` or a dict of its fields) and non-default model
    parameters, as tables."""
    rules = asdict(settings) if is_dataclass(settings) else dict(settings or {})
    if not has_touches:
        rules = {k: v for k, v in rules.items() if k in ("transform", "exclude_channels")}
    order = [k for k in _SETTING_LABELS if k in rules] + [k for k in rules if k not in _SETTING_LABELS]
    rows = [{"rule": _SETTING_LABELS.get(k, k), "value": _setting_value(k, rules[k])} for k in order]
    blocks: list = [Table(pd.DataFrame(rows, columns=["rule", "value"]))]
    if models:
        blocks.append(Text("Models: " + ", ".join(model_label(m) for m in models)))
    param_rows = [{"model": model_label(m), "parameter": k, "value": _setting_value(k, v)}
                  for m, p in (params or {}).items() for k, v in p.items()]
    if param_rows:
        blocks.append(Table(pd.DataFrame(param_rows), caption="Model parameters that differ from the defaults"))
    else:
        blocks.append(Text("Every model ran with its default parameters.", "note"))
    return Section("settings", "Journey settings", tuple(blocks))


def models_section(results: pd.DataFrame, failures: Mapping[str, str] | None = None,
                   level: float | None = None) -> Section:
    """Every model's credit per channel (with bootstrap intervals when ``results`` has the
    ``ci_low``/``ci_high`` columns, at confidence ``level`` when given), as tables and charts;
    ``failures`` lists models that could not run."""
    blocks: list = []
    for name, message in (failures or {}).items():
        blocks.append(Text(f"{model_label(name)} could not run: {message}", "warning"))
    if results is None or results.empty:
        blocks.append(Text("No model results.", "note"))
        return Section("models", "Model comparison", tuple(blocks))
    data = results.assign(model=results["model"].map(model_label))
    first = data[data["model"] == data["model"].iloc[0]]
    blocks.append(Text(f"{first['conversions'].sum():,.1f} conversions and {first['revenue'].sum():,.2f} revenue "
                       f"credited across {data['channel'].nunique()} channels by {data['model'].nunique()} models."))
    has_ci = "ci_low" in data.columns and data["ci_low"].notna().any()
    columns = ["model", "channel", "conversions", *(c for c in ("ci_low", "ci_high") if c in data),
               "revenue", *(c for c in ("revenue_ci_low", "revenue_ci_high") if c in data), "share",
               *(c for c in ("share_ci_low", "share_ci_high") if c in data)]
    wide = credit_table(data, "conversions")
    blocks.append(Table(wide, caption="Attributed conversions per channel (columns: models)"))
    blocks.append(Chart(figures.grouped_bars(data, "conversions", "Conversions by channel and model")))
    if has_ci:
        what = f"{level:.0%} bootstrap intervals" if level is not None else "bootstrap intervals"
        blocks.append(Chart(figures.bars_with_intervals(data, "conversions", f"Conversions with {what}")))
    else:
        blocks.append(Text("No confidence intervals: run with bootstrap replicates to add them.", "note"))
    blocks.append(Chart(figures.heatmap(credit_table(data, "share"), title="Share of credit")))
    blocks.append(Table(data[columns], caption="All results (long format"
                        + (", with confidence intervals)" if has_ci else ")")))
    return Section("models", "Model comparison", tuple(blocks))


def channels_section(report: ChannelReport) -> Section:
    """The whole-range channel report (``build_channel_report(..., freq=None)``) with a Total row:
    spend, attributed conversions and revenue, CPA and ROAS per channel, and where spend came from."""
    blocks: list = [Text(f"Credit from the {model_label(report.model)} model; spend from "
                         f"{SPEND_SOURCES.get(report.spend_source, report.spend_source)}.")]
    report = report.with_totals().table
    blocks.append(Table(report.drop(columns=[c for c in ("model",) if c in report.columns])))
    rows = report[report["channel"] != "Total"] if "channel" in report.columns else report
    for metric, label in (("roas", "ROAS (revenue per unit of spend)"), ("cpa", "CPA (cost per conversion)")):
        if metric in rows.columns and rows[metric].notna().any():
            blocks.append(Chart(figures.channel_bars(rows.dropna(subset=[metric]), metric, label, label)))
    return Section("channels", "Channel report", tuple(blocks))


def mmm_section(fit: Any) -> Section:
    """A fitted media-mix model (``attribution.mmm.fit`` result): fit diagnostics and per-channel
    contribution, ROAS and marginal ROAS."""
    summary = fit.channel_summary
    diag = dict(getattr(fit, "diagnostics", {}) or {})
    facts = {label: diag[key] for key, label in (("r2", "R²"), ("adj_r2", "Adjusted R²"), ("nrmse", "NRMSE"),
                                                 ("mape", "MAPE"), ("durbin_watson", "Durbin–Watson"),
                                                 ("n_obs", "Periods")) if key in diag}
    if isinstance(facts.get("MAPE"), float):
        facts["MAPE"] = f"{facts['MAPE']:.1%}"  # a fraction of the outcome
    blocks: list = [Facts(facts)] if facts else []
    spec = [getattr(fit, a, None) for a in ("adstock", "saturation", "freq")]
    if all(spec):
        blocks.append(Text(f"{spec[0]} adstock, {spec[1]} saturation, {spec[2]} data."))
    blocks.append(Table(summary))
    if "roas" in summary.columns:
        blocks.append(Chart(figures.channel_bars(summary, "roas", "ROAS per channel (media-mix model)", "ROAS")))
    return Section("mmm", "Media-mix model", tuple(blocks))


def budget_section(plan: Any, note: str = "") -> Section:
    """A budget plan (``attribution.budget.optimize`` result, or its ``allocation`` table): totals,
    current and recommended spend per channel with the expected response."""
    blocks: list = [Text(note)] if note else []
    allocation = plan.allocation if hasattr(plan, "allocation") else plan
    totals = getattr(plan, "totals", None)
    if totals:
        labels = {"current_spend": "Current spend", "recommended_spend": "Recommended spend",
                  "current_response": "Current response", "recommended_response": "Expected response",
                  "lift": "Lift", "lift_pct": "Lift %", "periods": "Periods"}
        facts = {label: totals[key] for key, label in labels.items() if key in totals}
        if isinstance(facts.get("Lift %"), float) and not pd.isna(facts["Lift %"]):
            facts["Lift %"] = f"{facts['Lift %']:+.1f}%"  # already in percent of the current response
        blocks.append(Facts(facts))
        low, high = totals.get("lift_ci_low"), totals.get("lift_ci_high")
        if isinstance(low, float) and isinstance(high, float) and not (pd.isna(low) or pd.isna(high)):
            blocks.append(Text(f"Lift interval from the model's bootstrap: {low:,.2f} to {high:,.2f}.", "note"))
    blocks.append(Table(allocation, formats={"change_pct": "{:+.1f}%"} if totals else {}))
    if {"channel", "current_spend", "recommended_spend"} <= set(allocation.columns):
        blocks.append(Chart(figures.spend_comparison(allocation, "Current and recommended spend")))
    return Section("budget", "Budget optimiser", tuple(blocks))


SECTION_BUILDERS: dict[str, Callable[..., Section]] = {
    "summary": summary_section, "settings": settings_section, "models": models_section,
    "channels": channels_section, "mmm": mmm_section, "budget": budget_section,
}
_TITLES = {"summary": "Dataset summary", "settings": "Journey settings", "models": "Model comparison",
           "channels": "Channel report", "mmm": "Media-mix model", "budget": "Budget optimiser"}


def report_sections(**parts: Mapping[str, Any] | None) -> list[Section]:
    """Build the sections whose inputs are given, in report order.

    Each keyword is a section name of :data:`SECTION_BUILDERS` and its value the keyword arguments
    of that builder; None or a missing name leaves the section out. A part whose inputs do not fit
    becomes a section with a note instead of raising.
    """
    unknown = set(parts) - set(SECTION_BUILDERS)
    if unknown:
        raise ValueError(f"unknown report section(s) {sorted(unknown)}; valid: {', '.join(SECTION_BUILDERS)}")
    sections = []
    for name, builder in SECTION_BUILDERS.items():
        if parts.get(name) is None:
            continue
        try:
            sections.append(builder(**parts[name]))
        except (AttributionError, AttributeError, KeyError, TypeError, ValueError) as exc:
            # a report is an export: one unusable part must not cost the user the rest
            sections.append(Section(name, _TITLES[name], (Text(
                f"This section could not be included: {type(exc).__name__}: {exc}", "warning"),)))
    return sections


def full_report(*, title: str = "Attribution report", subtitle: str = "", **parts: Mapping[str, Any] | None) -> str:
    """The self-contained HTML report of the given parts (see :func:`report_sections`)."""
    return build_report(report_sections(**parts), title=title, subtitle=subtitle)


def dataset_report(ds: Any, *, settings: Any = None, results: pd.DataFrame | None = None,
                   failures: Mapping[str, str] | None = None, params: Mapping[str, Mapping] | None = None,
                   channel_report: ChannelReport | None = None, mmm: Any = None, budget: pd.DataFrame | None = None,
                   title: str | None = None, level: float | None = None) -> str:
    """The full report of a loaded dataset (:class:`~attribution.engine.duckdb_dataset.Dataset`): its summary and
    daily trend, the journey settings, the model comparison (``level``: the confidence level of its
    intervals, when ``results`` has them) and, when given, the channel report (a
    :class:`~attribution.reports.channel_report.ChannelReport` with ``freq=None``), media-mix fit
    and budget plan."""
    models = list(dict.fromkeys(results["model"])) if results is not None and len(results) else []
    return full_report(
        title=title or f"Attribution report: {ds.name}",
        subtitle="Attributed conversions and revenue per channel under several models",
        summary={"name": ds.name, "summary": ds.summary(), "activity": ds.daily_activity()},
        settings={"settings": settings, "params": params, "models": models, "has_touches": ds.has_touches},
        models={"results": results, "failures": failures, "level": level}
        if results is not None or failures else None,
        channels={"report": channel_report} if channel_report is not None else None,
        mmm={"fit": mmm} if mmm is not None else None,
        budget={"plan": budget} if budget is not None else None)

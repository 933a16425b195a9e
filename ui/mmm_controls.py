"""Controls of the media-mix page: the data source, the model settings and fitting with progress.

The latest fit belongs to the dataset that was current when it was made (even a fit of an uploaded
wide CSV): it lives in ``st.session_state["mmm_fits"][fingerprint]`` (see :func:`ui.state.per_dataset`)
as ``{"result": MMMResult, "spec": FitSpec, "frame": the checked input table}``; the budget page
and the HTML report read it through :func:`latest_fit`, so another dataset never shows it.
"""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from attribution.defaults import CONVERSION_STAGE, MMM_HOLDOUT_SHARE
from attribution.engine.base import Dataset
from attribution.errors import AttributionError
from attribution.mmm import DEFAULT_MAX_LAG, infer_freq
from attribution.mmm.fit_spec import (
    ADSTOCK_LABELS,
    AUTO,
    AUTO_LABEL,
    DEFAULT_N_BOOT,
    FREQ_LABELS,
    PERIOD_UNITS,
    SATURATION_LABELS,
    TREND_LABELS,
    FitSpec,
    MMMInput,
    default_fourier,
)
from attribution.mmm.wide_csv import guess_wide_roles
from ui import cache, cache_mmm, mmm_lift, state
from ui.text import plain, plural

FITS_KEY = "mmm_fits"
SOURCES = ("Current dataset (spend + conversions)", "Upload a wide CSV")
ALL_STAGES = "All conversions"


def _dataset_input(ds: Dataset) -> MMMInput | None:
    # the forms picked further down (kept in the session) decide how many parameters a fit needs
    # (automatic forms are sized as the default pair, geometric + logistic)
    adstock, saturation = st.session_state.get("mmm_adstock", AUTO), st.session_state.get("mmm_saturation", AUTO)
    suggested, note = cache_mmm.suggest_freq(ds, "geometric" if adstock == AUTO else adstock,
                                             "logistic" if saturation == AUTO else saturation)
    stages = cache.stages(ds)
    left, mid, right = st.columns(3)
    freq = left.radio("Granularity", list(FREQ_LABELS), index=list(FREQ_LABELS).index(suggested), format_func=FREQ_LABELS.get,
                      horizontal=True, key="mmm_freq")
    target = mid.radio("Outcome", ["revenue", "conversions"], format_func=str.capitalize, horizontal=True,
                       key="mmm_target")
    options = [ALL_STAGES, *stages]
    stage = right.selectbox("Conversion stage", options, key="mmm_stage",
                            index=options.index(CONVERSION_STAGE if CONVERSION_STAGE in options else ALL_STAGES))
    if note and freq == suggested:
        st.caption(f"Daily granularity chosen: {note}.")
    stage = None if stage == ALL_STAGES else stage
    try:
        frame = cache_mmm.dataset_frame(ds, freq, target, stage)
    except AttributionError as err:
        st.error(plain(err))
        return None
    found = [c for c in frame.columns if c not in ("date", "y")]
    channels = st.multiselect("Channels (spend per channel from the spend table)", found, default=found,
                              key="mmm_channels")
    label = f"{ds.name} · {FREQ_LABELS[freq].lower()} {target}" + (f" ({stage})" if stage else "")
    return _checked(frame[["date", "y", *channels]], f"{ds.fingerprint}|{freq}|{target}|{stage}", label,
                    "date", "y", target, channels, [])


def _upload_input() -> MMMInput | None:
    upload = st.file_uploader("Wide CSV: one row per day or week", type=["csv", "txt", "tsv"], key="mmm_upload",
                              help="Columns: a date, the outcome (e.g. revenue), one spend column per "
                                   "channel, and optional controls (events, prices, confounders).")
    if upload is None:
        st.info("Upload a CSV with one row per day or week: a **date** column, the **outcome** (revenue, "
                "sales or conversions), **one spend column per channel**, and optional **controls** such "
                "as events, prices or a confounder that drives both spend and sales.")
        return None
    data = upload.getvalue()
    try:
        raw = cache_mmm.read_upload(data, upload.name)
    except AttributionError as err:
        st.error(plain(err))
        return None
    key = cache_mmm.upload_key(data)
    with st.expander(f"Preview of {plain(upload.name)} ({len(raw):,} rows, {raw.shape[1]} columns)"):
        st.dataframe(raw.head(8), hide_index=True)
    guess, cols = guess_wide_roles(raw), list(raw.columns)
    a, b = st.columns(2)
    date = a.selectbox("Date column", cols, index=cols.index(guess["date"]) if guess["date"] else 0,
                       key=f"mmm_date_{key}")
    rest = [c for c in cols if c != date]
    target = b.selectbox("Outcome column", rest, key=f"mmm_y_{key}",
                         index=rest.index(guess["target"]) if guess["target"] in rest else 0)
    rest = [c for c in rest if c != target]
    channels = st.multiselect("Spend columns (one per channel)", rest, key=f"mmm_x_{key}",
                              default=[c for c in guess["channels"] if c in rest])
    controls = st.multiselect("Controls (events, prices, confounders; entered linearly)",
                              [c for c in rest if c not in channels], key=f"mmm_z_{key}",
                              default=[c for c in guess["controls"] if c in rest and c not in channels])
    return _checked(raw, key, upload.name, date, target, target, channels, controls)


def _checked(frame, key, label, date, target, target_label, channels, controls) -> MMMInput | None:
    if not channels:
        st.info("Pick at least one spend column as a channel.")
        return None
    try:
        clean = cache_mmm.prepare(frame, key, date, target, tuple(channels), tuple(controls))
        freq = infer_freq(clean[date], date)
    except AttributionError as err:
        st.error(plain(err))
        return None
    st.caption(f"{len(clean):,} {FREQ_LABELS[freq].lower()} periods from {clean[date].min():%Y-%m-%d} to "
               f"{clean[date].max():%Y-%m-%d}; {plural(len(channels), 'channel')}, "
               f"{plural(len(controls), 'control')}.")
    return MMMInput(clean, key, label, date, target, target_label, tuple(channels), tuple(controls), freq)


def data_source(ds: Dataset | None) -> MMMInput | None:
    """Choose the data (current dataset aggregated per day/week, or an uploaded wide CSV) and its
    column roles; returns the checked input, or None after saying what is missing."""
    reason = ("No dataset is loaded: load one on the **Data** page, or upload a wide CSV below." if ds is None
              else cache_mmm.unavailable_reason(ds))
    if reason:
        st.info(reason)
    source = st.radio("Data", SOURCES, index=1 if reason else 0, horizontal=True, key="mmm_source")
    if source == SOURCES[0]:
        return None if reason else _dataset_input(ds)
    return _upload_input()


def model_settings(inp: MMMInput) -> FitSpec | None:
    """Adstock and saturation forms, hold-out, the advanced fit settings and lift tests for ``inp``
    (None, after an error box, while the lift-test table has a bad row)."""
    a, b, c = st.columns(3)
    adstocks, saturations = {AUTO: AUTO_LABEL, **ADSTOCK_LABELS}, {AUTO: AUTO_LABEL, **SATURATION_LABELS}
    adstock = a.selectbox("Adstock (carry-over)", list(adstocks), format_func=adstocks.get, key="mmm_adstock",
                          help="Automatic: the adstock and saturation pair with the lowest BIC among the "
                               "usual candidates (the comparison is shown with the results).")
    saturation = b.selectbox("Saturation (diminishing returns)", list(saturations), format_func=saturations.get,
                             key="mmm_saturation")
    holdout = c.slider("Hold-out (latest periods kept out of the fit)", 0, 40, round(MMM_HOLDOUT_SHARE * 100), 5,
                       format="%d%%", key="mmm_holdout",
                       help="The latest periods, kept out of the fit to measure its forecast error (10 % by "
                            "default, as in the library and the API); 0 fits every period.")
    with st.expander("Advanced fit settings"):
        d, e, f = st.columns(3)
        # keyed on the data: their defaults depend on its length and granularity
        fourier = d.number_input("Yearly seasonality (Fourier pairs)", 0, 6, default_fourier(inp.frame, inp.date),
                                 key=f"mmm_fourier_{inp.source_key}", help="Default 0 for less than a year of data.")
        auto_lag = e.checkbox("Choose the carry-over window automatically", True, key=f"mmm_auto_lag_{inp.freq}",
                              help="Lowest BIC among 4, 8, 13 weeks (daily: 7, 14, 30 days).")
        lag = e.number_input(f"Carry-over window ({PERIOD_UNITS[inp.freq]}s)", 1, 60, DEFAULT_MAX_LAG[inp.freq],
                             key=f"mmm_lag_{inp.freq}", help="How many periods a spend can still act.",
                             disabled=auto_lag)
        n_boot = f.number_input("Bootstrap replicates (for intervals)", 0, 1000, DEFAULT_N_BOOT, 10, key="mmm_boot",
                                help="More replicates give steadier intervals and take longer; 0 = none.")
        trend = d.selectbox("Trend (piecewise-linear)", list(TREND_LABELS), format_func=TREND_LABELS.get, key="mmm_trend",
                            help="Automatic: the number of straight segments with the lowest BIC, so a curved "
                                 "baseline is followed by the trend rather than credited to media.")
        n_starts = e.number_input("Random starts of the fit", 1, 30, 5, key="mmm_starts")
    lift = mmm_lift.lift_tests_input(inp.channels, inp.source_key)
    if lift is None:
        return None
    return FitSpec(inp.source_key, inp.label, inp.target_label, inp.date, inp.target, inp.channels, inp.controls,
                   inp.freq, adstock, saturation, holdout / 100, int(fourier), trend,
                   AUTO if auto_lag else int(lag), int(n_boot), int(n_starts), lift)


def run_fit(frame: pd.DataFrame, spec: FitSpec) -> bool:
    """Fit with a status box and keep the result in session state; False (after an error box) on failure."""
    what = f"{len(spec.channels)} channels, {spec.n_starts} starts" + (
        f", then {spec.n_boot} bootstrap refits for the intervals" if spec.n_boot else "")
    with st.status(f"Fitting the media-mix model ({what})…", expanded=False) as box:
        t0 = time.perf_counter()
        try:
            result = cache_mmm.fit(frame, spec.source_key, spec.fit_kwargs())
        except AttributionError as err:
            box.update(label="The model could not be fitted", state="error")
            st.error(plain(err))
            return False
        box.update(label=f"Model fitted in {time.perf_counter() - t0:,.1f} s", state="complete")
    state.per_dataset(FITS_KEY).update(result=result, spec=spec, frame=frame)
    return True


def latest_fit():
    """``(result, spec, frame)`` of this session's latest fit on the current dataset, or ``(None, None, None)``."""
    fit = state.per_dataset(FITS_KEY)
    return fit.get("result"), fit.get("spec"), fit.get("frame")


def default_spec(ds: Dataset) -> tuple[pd.DataFrame, FitSpec] | None:
    """Input and spec of a default fit on the dataset's spend and revenue (weekly when there are enough
    weeks, else daily); None after an info box when the dataset cannot be used."""
    reason = cache_mmm.unavailable_reason(ds)
    if reason:
        st.info(reason + " Go to the **Media mix** page to fit a model on an uploaded file.")
        return None
    freq, _ = cache_mmm.suggest_freq(ds)
    try:
        frame = cache_mmm.dataset_frame(ds, freq, "revenue", None)
        target = "revenue"
    except AttributionError:
        frame, target = cache_mmm.dataset_frame(ds, freq, "conversions", None), "conversions"
    channels = tuple(c for c in frame.columns if c not in ("date", "y"))
    spec = FitSpec(f"{ds.fingerprint}|{freq}|{target}|None", f"{ds.name} · {FREQ_LABELS[freq].lower()} {target}", target,
                   "date", "y", channels, (), freq, n_fourier=default_fourier(frame, "date"),
                   n_boot=DEFAULT_N_BOOT)
    return frame, spec

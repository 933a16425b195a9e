"""Lift tests on the media-mix page: enter or upload experiments, and see calibrated vs uncalibrated ROAS."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.errors import AttributionError
from attribution.mmm import MMMResult
from attribution.mmm.lift import LIFT_COLUMNS, calibration_table, check_lift_tests
from ui import cache_mmm
from ui.downloads import csv_download
from ui.text import plain

NUM = st.column_config.NumberColumn
LIFT_HELP = ("One row per experiment on one channel: spend per period before the test (x), the change in spend "
             "per period during it (delta_x; negative for a cut or a go-dark test), the measured change in the "
             "outcome per period (delta_y) and its standard error (sigma). The fit treats each as a measurement "
             "of the channel's response curve (steady state), weighed by its precision.")


def lift_tests_input(channels: tuple[str, ...], key: str) -> tuple[tuple, ...] | None:
    """An editable table (or a CSV upload) of lift tests; the checked rows, ``()`` for none, None if invalid."""
    with st.expander("Calibrate with experiments (lift tests)"):
        st.caption(LIFT_HELP)
        upload = st.file_uploader("Or upload a CSV with columns " + ", ".join(LIFT_COLUMNS), type=["csv"],
                                  key=f"mmm_lift_upload_{key}")
        start = pd.DataFrame({c: pd.Series(dtype="object" if c == "channel" else "float64") for c in LIFT_COLUMNS})
        if upload is not None:
            try:
                start = cache_mmm.read_upload(upload.getvalue(), upload.name)
            except AttributionError as err:
                st.error(plain(err))
                return None
        config = {"channel": st.column_config.SelectboxColumn("Channel", options=list(channels), required=True),
                  "x": NUM("Spend per period before (x)", min_value=0.0, format="%,.2f"),
                  "delta_x": NUM("Change in spend (delta_x)", format="%,.2f"),
                  "delta_y": NUM("Measured change in outcome (delta_y)", format="%,.3f"),
                  "sigma": NUM("Standard error (sigma)", min_value=0.0, format="%,.3f")}
        edited = st.data_editor(start, num_rows="dynamic", hide_index=True, column_config=config,
                                key=f"mmm_lift_{key}_{upload.file_id if upload is not None else 'typed'}")
        filled = edited.dropna(how="all")
        if filled.empty:
            return ()
        try:
            checked = check_lift_tests(filled, channels)
        except AttributionError as err:
            st.error(plain(err))
            return None
        st.caption(f"{len(checked):,} lift test{'s' if len(checked) != 1 else ''} will calibrate the fit.")
        return tuple(tuple(r) for r in checked.itertuples(index=False, name=None))


def calibration_view(res: MMMResult, uncalibrated: MMMResult) -> None:
    """Each test against the calibrated curve, and ROAS without and with the tests side by side."""
    tests = res.diagnostics.get("lift_tests")
    if tests is None:
        return
    st.markdown("**Calibration with lift tests**")
    table = calibration_table(res.channel_summary, uncalibrated.channel_summary)
    level = f"{res.ci_level:.0%}"
    st.dataframe(table, hide_index=True, column_config={
        "channel": "Channel", "roas_uncalibrated": NUM("ROAS without tests", format="%.2f"),
        "roas_uncalibrated_ci_low": NUM(f"low ({level})", format="%.2f"),
        "roas_uncalibrated_ci_high": NUM(f"high ({level})", format="%.2f"),
        "roas_calibrated": NUM("ROAS with tests", format="%.2f"),
        "roas_calibrated_ci_low": NUM(f"low ({level}) ", format="%.2f"),
        "roas_calibrated_ci_high": NUM(f"high ({level}) ", format="%.2f"),
        "change": NUM("Change", format="percent"), "width_change": NUM("Interval width change", format="percent")})
    csv_download(table, "mmm_calibration.csv", key="dl_mmm_calibration")
    st.dataframe(tests, hide_index=True, column_config={
        "channel": "Channel", "x": NUM("x", format="%,.2f"), "delta_x": NUM("delta_x", format="%,.2f"),
        "delta_y": NUM("Measured delta_y", format="%,.3f"), "sigma": NUM("sigma", format="%,.3f"),
        "predicted_delta_y": NUM("Model's delta_y", format="%,.3f"),
        "z": NUM("z", format="%.2f", help="(model - measured) / sigma; beyond about ±2 the model and the test disagree")})
    far = tests[tests["z"].abs() > 2]
    if len(far):
        st.warning(f"{len(far)} test(s) disagree with the calibrated model by more than 2 standard errors: the "
                   "history pulls the other way (a missing control such as a confounder, or a test run under "
                   "unusual conditions). Check the test and the controls before trusting either number.")

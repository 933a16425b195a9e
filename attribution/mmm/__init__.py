"""Media-mix model: adstock + saturation regression of an outcome on spend per channel.

Quick start::

    from attribution import mmm
    df = mmm.mmm_frame(ds, freq="W")   # from a loaded dataset, or any wide table of your own
    res = mmm.fit(df, date="date", target="y", channels=["tv", "search"], controls=["price"], n_boot=200)
    res.channel_summary          # spend, contribution, share, roas, marginal_roas (+ CIs)
    res.response_curves()        # steady-state response per channel
"""
from __future__ import annotations

from attribution.mmm.dataset_input import mmm_frame
from attribution.mmm.inputs import aggregate_for_mmm, infer_freq, prepare_wide
from attribution.mmm.model import DEFAULT_MAX_LAG, SATURATION_FORM_WARNING, compare_saturation, fit
from attribution.mmm.result import MMMResult
from attribution.mmm.simulate import SimulatedMMM, simulate_mmm
from attribution.mmm.transforms import (
    ADSTOCK_SPECS,
    SATURATION_SPECS,
    AdstockSpec,
    SaturationSpec,
    adstock_spec,
    media_param_count,
    param_specs,
    saturation_spec,
)

WARNING = SATURATION_FORM_WARNING

__all__ = [
    "ADSTOCK_SPECS", "DEFAULT_MAX_LAG", "SATURATION_SPECS", "AdstockSpec", "MMMResult", "SATURATION_FORM_WARNING",
    "SaturationSpec", "SimulatedMMM", "WARNING", "adstock_spec", "aggregate_for_mmm", "compare_saturation", "fit",
    "infer_freq", "media_param_count", "mmm_frame", "param_specs", "prepare_wide", "saturation_spec", "simulate_mmm",
]

"""Simulated marketing data with a known ground truth, and the built-in sample dataset.

:func:`simulate` makes users, touchpoints, conversions with funnel stages, daily spend and the true
incremental effect of every channel; :mod:`attribution.simulate.sample` finds the shipped sample.
"""
from __future__ import annotations

from attribution.simulate.generate import (
    SAMPLE_DAYS,
    SAMPLE_SEED,
    SAMPLE_USERS,
    SimulatedData,
    sample_paths,
    simulate,
    write_csvs,
)
from attribution.simulate.sample import SAMPLE_DIR, SAMPLE_NAME, sample_inputs, sample_truth

__all__ = ["SAMPLE_DAYS", "SAMPLE_DIR", "SAMPLE_NAME", "SAMPLE_SEED", "SAMPLE_USERS", "SimulatedData", "sample_inputs",
           "sample_paths", "sample_truth", "simulate", "write_csvs"]

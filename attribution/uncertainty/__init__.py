"""Uncertainty and validation (docs/architecture.md §6): bootstrap intervals for every model, model agreement,
predictive checks and errors against a known ground truth."""
from __future__ import annotations

from attribution.uncertainty.agreement import model_difference, rank_correlation
from attribution.uncertainty.bootstrap import BootstrapDraws, bootstrap, bootstrap_draws, summarise
from attribution.uncertainty.predictive import predictive_checks
from attribution.uncertainty.truth import read_truth, truth_errors

__all__ = ["BootstrapDraws", "bootstrap", "bootstrap_draws", "model_difference", "predictive_checks",
           "rank_correlation", "read_truth", "summarise", "truth_errors"]

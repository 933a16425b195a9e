"""The defaults the library, the app, the CLI and the API share (stated in README "Defaults" and in
``python -m attribution --help``). Each is used by reference wherever it applies, so they cannot drift.

- :data:`CONVERSION_STAGE` ``None``: every conversion ends a journey ("All conversions"), so the
  credited conversions are the rows of the conversions file (GA4's attribution reports also start
  from all key events). Pick a stage to attribute one funnel step; earlier stages then become
  milestones of its journeys.
- :data:`INTERVAL_LEVEL` ``0.95``: the level of every percentile interval: the attribution
  bootstrap, logistic coefficients, the media-mix bootstrap and the budget plan's lift.
- :data:`MMM_HOLDOUT_SHARE` ``0.1``: the latest 10 % of periods are kept out of the media-mix fit
  and forecast, so every fit shows its forecast error (hold-out MAPE) next to its in-sample fit;
  ``holdout_share=0`` fits every period.
- :data:`BUDGET_PCT_BOUNDS` ``(-0.5, 0.5)``: the budget optimiser keeps each channel within
  ±50 % of its current spend per period unless told otherwise, since far outside the spend the
  model has seen its response curves are extrapolation; ``pct_bounds=None`` lifts the bound
  (a plan that then leaves the spend seen carries a warning).
"""
from __future__ import annotations

CONVERSION_STAGE: str | None = None
INTERVAL_LEVEL = 0.95
MMM_HOLDOUT_SHARE = 0.1
BUDGET_PCT_BOUNDS = (-0.5, 0.5)


def describe() -> str:
    """The defaults as plain-text lines, one per default (for ``--help`` and the README)."""
    low, high = BUDGET_PCT_BOUNDS
    rows = [("conversion stage", "every conversion (pick one with --stage)"),
            ("interval level", f"{INTERVAL_LEVEL:.0%} (attribution bootstrap, media-mix intervals, budget lift)"),
            ("media-mix hold-out", f"the latest {MMM_HOLDOUT_SHARE:.0%} of periods (its forecast error is shown)"),
            ("budget bounds", f"{low:+.0%} to {high:+.0%} of each channel's current spend per period")]
    return "\n".join(f"  {name:<20}{value}" for name, value in rows)

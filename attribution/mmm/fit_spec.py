"""What one media-mix fit is: the checked input table with its column roles, and every setting.

The Media mix page, the Budget optimiser and the HTML report share these so a fit is named and
cached by one key, and the page's defaults are stated once: automatic adstock, saturation,
carry-over window and trend (each chosen by lowest BIC), the shared hold-out share, two yearly
Fourier pairs with a year of history or more (none on shorter series), 100 bootstrap refits for the
intervals and 5 random starts. The label tables name each choice for people.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import pandas as pd

from attribution.defaults import MMM_HOLDOUT_SHARE
from attribution.mmm.transforms import ADSTOCK_SPECS, SATURATION_SPECS

AUTO = "auto"
AUTO_LABEL = "Automatic (lowest BIC)"
FREQ_LABELS = {"W": "Weekly", "D": "Daily"}
PERIOD_UNITS = {"W": "week", "D": "day"}
ADSTOCK_LABELS = {name: spec.label for name, spec in ADSTOCK_SPECS.items()}
SATURATION_LABELS = {name: spec.label for name, spec in SATURATION_SPECS.items()}
#: trend choices: the number of straight segments of the piecewise-linear trend (0: a constant level)
TREND_LABELS = {AUTO: AUTO_LABEL, 0: "None (constant level)", 1: "Straight line", 2: "2 segments",
                3: "3 segments", 4: "4 segments", 6: "6 segments"}
DEFAULT_N_BOOT = 100
DEFAULT_N_STARTS = 5


def default_fourier(frame: pd.DataFrame, date: str) -> int:
    """Two yearly Fourier pairs with a year of history or more (364 days from first to last date);
    none on shorter series, where a yearly wave fitted to a few months would extrapolate badly into
    the hold-out."""
    return 2 if (frame[date].max() - frame[date].min()).days >= 364 else 0


@dataclass(frozen=True)
class MMMInput:
    """The checked wide table the model sees and what its columns mean (``freq`` "W" or "D";
    ``source_key`` names the data, ``label`` says it to people)."""

    frame: pd.DataFrame
    source_key: str
    label: str
    date: str
    target: str
    target_label: str
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    freq: str


@dataclass(frozen=True)
class FitSpec:
    """Everything that defines one fit (hashable: the cache key and the budget page's identity).

    ``lift_tests`` are rows ``(channel, x, delta_x, delta_y, sigma)`` (a tuple, so the spec stays
    hashable); the fit turns them into its lift-test table.
    """

    source_key: str
    label: str
    target_label: str
    date: str
    target: str
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    freq: str
    adstock: str = AUTO
    saturation: str = AUTO
    holdout_share: float = MMM_HOLDOUT_SHARE
    n_fourier: int = 2
    trend: int | str = AUTO
    max_lag: int | str = AUTO
    n_boot: int = DEFAULT_N_BOOT
    n_starts: int = DEFAULT_N_STARTS
    lift_tests: tuple[tuple, ...] = ()

    def fit_kwargs(self, calibrated: bool = True) -> dict:
        """Keyword arguments of :func:`attribution.mmm.fit` (lift tests stay a tuple of rows);
        ``calibrated=False`` leaves the lift tests out."""
        keep = ("date", "target", "channels", "controls", "adstock", "saturation", "holdout_share", "n_fourier",
                "trend", "max_lag", "n_boot", "n_starts")
        out = {k: v for k, v in asdict(self).items() if k in keep}
        if calibrated and self.lift_tests:
            out["lift_tests"] = self.lift_tests
        return out

    def key(self) -> str:
        """A string naming this fit (the cache key of derived results)."""
        return repr(sorted(asdict(self).items()))

    @property
    def short_key(self) -> str:
        """A 10-character hash of :meth:`key` (for widget keys that must change with the fit)."""
        return hashlib.sha1(self.key().encode()).hexdigest()[:10]

    @property
    def unit(self) -> str:
        """``week`` or ``day``."""
        return PERIOD_UNITS[self.freq]

"""Simulated media-mix data with known adstock, saturation and effects (for tests and demos)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.mmm.design import YEAR_DAYS
from attribution.mmm.transforms import adstock_spec, apply_weights, param_specs, saturation_spec

ParamsArg = Mapping[str, float] | Mapping[str, Mapping[str, float]] | None


@dataclass(frozen=True)
class SimulatedMMM:
    """Simulated data and the truth behind it.

    ``data``: ``date, y, <channel>...`` (+ ``z`` with a confounder); ``contributions``: tidy ``date,
    component, value`` (baseline, trend, seasonality, ``z``, each channel); ``params``: ``channel, param, value`` (adstock, saturation and
    ``beta`` in outcome units); ``roas``, ``share`` and ``marginal_roas`` per channel (marginal ROAS
    of the steady-state response at the mean spend); ``spend_scale``: max spend per channel (the
    saturation parameters act on spend divided by it).
    """

    data: pd.DataFrame
    contributions: pd.DataFrame
    params: pd.DataFrame
    roas: dict[str, float]
    share: dict[str, float]
    marginal_roas: dict[str, float]
    spend_scale: dict[str, float]
    freq: str
    adstock: str
    saturation: str
    max_lag: int

    def truth_table(self) -> pd.DataFrame:
        """The truth as :func:`attribution.mmm.truth.compare_with_truth` takes it: one row per period and
        channel with ``date, channel, spend, incremental_revenue`` (the channel's simulated contribution),
        so a fit with a hold-out is compared with the truth over the periods it fitted."""
        contrib = self.contributions.set_index(["date", "component"])["value"]
        return pd.concat([pd.DataFrame({"date": self.data["date"], "channel": ch, "spend": self.data[ch].to_numpy(),
                                        "incremental_revenue": contrib.xs(ch, level="component").to_numpy()})
                          for ch in self.roas], ignore_index=True)


def _per_channel(arg: ParamsArg, channels: Sequence[str], name: str, defaults: dict[str, list[float]]):
    out = {}
    for i, ch in enumerate(channels):
        if arg is None:
            out[ch] = {p: v[i % len(v)] for p, v in defaults.items()}
        elif ch in arg and isinstance(arg[ch], Mapping):
            out[ch] = dict(arg[ch])
        elif all(not isinstance(v, Mapping) for v in arg.values()):
            out[ch] = dict(arg)
        else:
            raise ModelError(f"{name} has no entry for channel {ch!r}")
    return out


def _spend(rng: np.random.Generator, n: int, level: float, off_share: float) -> np.ndarray:
    # Smooth log-normal spend with occasional dark periods: enough variation to identify saturation.
    z = np.zeros(n)
    for t in range(n):
        z[t] = (0.6 * z[t - 1] if t else 0.0) + rng.normal(0.0, 0.45)
    x = level * np.exp(z)
    x[rng.random(n) < off_share] = 0.0
    return np.round(x, 2)


def simulate_mmm(n_periods: int = 156, channels: Sequence[str] = ("tv", "search", "social"), *,
                 adstock: str = "geometric", adstock_params: ParamsArg = None,
                 saturation: str = "logistic", saturation_params: ParamsArg = None,
                 betas: Mapping[str, float] | None = None, max_lag: int | None = None,
                 intercept: float = 5000.0, trend: float = 500.0, seasonality: float = 400.0,
                 noise: float = 0.03, seed: int = 0, freq: str = "W",
                 start: str = "2021-01-04", confounder: float = 0.0, curve: float = 0.0) -> SimulatedMMM:
    """Simulate ``y = intercept + trend + seasonality + sum_c beta_c sat_c(adstock_c(x_c / max x_c)) + noise``.

    Parameters
    ----------
    n_periods : number of days or weeks.
    channels : channel names.
    adstock_params, saturation_params : ``{channel: {param: value}}`` or one ``{param: value}`` for
        all channels; defaults spread over plausible values.
    betas : effect at full saturation, in outcome units, per channel.
    intercept, trend, seasonality : baseline level, rise over the whole range, yearly amplitude.
    noise : standard deviation of the Gaussian noise as a share of the mean noiseless outcome.
    seed : random seed (spend paths and noise).
    freq : ``"W"`` or ``"D"``; ``max_lag`` defaults to 8 weeks or 30 days.
    curve : height of a curved part of the trend, ``curve * s**2`` with ``s`` running from 0 to 1 (flat
        at first, then rising faster): a straight-line trend cannot follow it.
    confounder : effect on ``y`` of one standard deviation of a demand series ``z`` (a standardised
        AR(1), column ``z`` of ``data``) that also drives the first channel's spend (multiplied by
        ``exp(0.5 z)``), as marketers spend more when demand is high. 0 (default): no ``z``. Fitting
        without ``z`` as a control credits the first channel with part of ``z``'s effect.
    """
    if freq not in ("W", "D"):
        raise ModelError(f"freq must be 'W' or 'D' (got {freq!r})")
    channels = list(channels)
    lag = int(max_lag or (8 if freq == "W" else 30))
    ad_names = [p.name for p in param_specs(adstock, lag)]
    sat_names = [p.name for p in param_specs(saturation, lag)]
    ad_defaults = {"alpha": [0.6, 0.3, 0.45, 0.15], "theta": [1.0, 0.0, 2.0], "shape": [1.2, 0.8],
                   "scale": [2.0, 1.0, 3.0]}
    sat_defaults = {"lam": [2.5, 4.0, 1.5, 3.0], "k": [0.4, 0.25, 0.6], "s": [1.5, 1.0, 2.0]}
    ad = _per_channel(adstock_params, channels, "adstock_params", {p: ad_defaults[p] for p in ad_names})
    sat = _per_channel(saturation_params, channels, "saturation_params", {p: sat_defaults[p] for p in sat_names})
    beta = dict(betas) if betas is not None else {ch: 1500.0 * (1 + i % 3) / 2 for i, ch in enumerate(channels)}
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_periods, freq=f"{7 if freq == 'W' else 1}D")
    levels = [1000.0 * (1 + 2 * (i % 4)) for i in range(len(channels))]
    x = np.column_stack([_spend(rng, n_periods, lv, 0.15 if i % 2 else 0.0) for i, lv in enumerate(levels)])
    z = None
    if confounder:
        z = np.zeros(n_periods)
        for t in range(1, n_periods):
            z[t] = 0.8 * z[t - 1] + rng.normal(0.0, 1.0)
        z = (z - z.mean()) / (z.std() or 1.0)
        x[:, 0] = np.round(x[:, 0] * np.exp(0.5 * z), 2)
    scale = np.where(x.max(axis=0) > 0, x.max(axis=0), 1.0)
    media = np.empty_like(x)
    for j, ch in enumerate(channels):
        w = adstock_spec(adstock).weights(*[ad[ch][p] for p in ad_names], lag)
        media[:, j] = beta[ch] * saturation_spec(saturation).function(apply_weights(x[:, j] / scale[j], w),
                                                           *[sat[ch][p] for p in sat_names])
    phase = 2 * np.pi * (dates - dates[0]).days.to_numpy(dtype="float64") / YEAR_DAYS
    parts = {"baseline": np.full(n_periods, intercept),
             "trend": trend * np.arange(n_periods) / max(n_periods - 1, 1)
             + curve * (np.arange(n_periods) / max(n_periods - 1, 1)) ** 2,
             "seasonality": seasonality * np.sin(phase)}
    if z is not None:
        parts["z"] = confounder * z
    clean = sum(parts.values()) + media.sum(axis=1)
    y = clean + rng.normal(0.0, noise * abs(clean.mean()), n_periods)
    data = pd.DataFrame({"date": dates, "y": y, **{ch: x[:, j] for j, ch in enumerate(channels)}})
    if z is not None:
        data["z"] = z
    parts.update({ch: media[:, j] for j, ch in enumerate(channels)})
    contrib = pd.concat([pd.DataFrame({"date": dates, "component": k, "value": v}) for k, v in parts.items()],
                        ignore_index=True)
    totals = media.sum(axis=0)
    rows = [(ch, p, v) for ch in channels for p, v in [*ad[ch].items(), *sat[ch].items(), ("beta", beta[ch])]]
    mean_x = x.mean(axis=0)
    mroas = {ch: float(beta[ch] * saturation_spec(saturation).derivative(mean_x[j] / scale[j],
                                                                      *[sat[ch][p] for p in sat_names]) / scale[j])
             for j, ch in enumerate(channels)}
    return SimulatedMMM(
        data=data, contributions=contrib, params=pd.DataFrame(rows, columns=["channel", "param", "value"]),
        roas={ch: float(totals[j] / x[:, j].sum()) for j, ch in enumerate(channels)},
        share={ch: float(totals[j] / totals.sum()) for j, ch in enumerate(channels)},
        marginal_roas=mroas, spend_scale={ch: float(scale[j]) for j, ch in enumerate(channels)},
        freq=freq, adstock=adstock, saturation=saturation, max_lag=lag)

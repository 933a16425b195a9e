"""The fitted media-mix model: tables, diagnostics and steady-state response curves."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attribution.defaults import INTERVAL_LEVEL
from attribution.errors import ModelError
from attribution.mmm.transforms import adstock_spec, param_specs, saturation_spec

ChannelParams = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class MMMResult:
    """Result of :func:`attribution.mmm.fit`.

    Attributes
    ----------
    params : ``channel, param, value`` (+ ``ci_low, ci_high`` when bootstrapped). Media channels carry
        their adstock and saturation parameters and ``beta`` (outcome units at full saturation);
        ``baseline/intercept``, ``trend/slope`` (rise over the whole range), ``seasonality/sin_k,cos_k``
        and ``<control>/coef`` (outcome per unit of the control) describe the baseline.
    fitted : ``date, actual, fitted, residual, is_holdout``, one row per period.
    contributions : tidy ``date, component, value`` (+ CIs); components ``baseline``, ``trend``,
        ``seasonality``, each control and each channel; they add up to ``fitted``.
    channel_summary : ``channel, spend, spend_per_period, contribution, share, roas, marginal_roas``
        over the fit range (hold-out excluded), plus ``<column>_ci_low/_ci_high`` for contribution,
        share, roas and marginal_roas when bootstrapped. ``share`` is the share of the media
        contribution; ``marginal_roas`` is the slope of the steady-state response at the mean spend.
    diagnostics : dict: ``r2, adj_r2, nrmse, mape`` (fit rows; nrmse = RMSE / range of y, mape as a
        fraction), ``durbin_watson``, ``holdout_mape, holdout_nrmse`` (NaN without hold-out),
        ``n_obs, n_holdout, n_params, aic, bic, freq, converged, n_boot, boot_failures, roas_prior_sd``,
        and ``warnings``: plain-language sentences about what makes the fit doubtful (baseline level
        held at zero or below zero in some periods, a parameter at the limit of its range, a channel
        whose effect is a near-constant the data cannot tell from the baseline); empty when none.
    channels, controls, adstock, saturation, max_lag, freq : the model specification.
    spend_scale : per channel, the largest per-period spend on the fit range; saturation parameters
        act on spend divided by it.
    current_spend : per channel, the mean spend per period over the fit range.
    channel_params : per channel ``{param: value}`` of the point estimate (incl. ``beta``).
    boot_params : one ``channel_params``-shaped mapping per bootstrap replicate (empty tuple without
        bootstrap), each channel's also holding the replicate's ``max_lag`` (replicates choose the lag
        again); pass one to :meth:`response` to evaluate a plan under that replicate.
    ci_level : level of the percentile intervals.
    """

    params: pd.DataFrame
    fitted: pd.DataFrame
    contributions: pd.DataFrame
    channel_summary: pd.DataFrame
    diagnostics: dict
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    adstock: str
    saturation: str
    max_lag: int
    freq: str
    spend_scale: dict[str, float]
    current_spend: dict[str, float]
    channel_params: dict[str, dict[str, float]]
    boot_params: tuple[dict[str, dict[str, float]], ...] = field(default=())
    ci_level: float = INTERVAL_LEVEL

    def _params(self, channel: str, params: ChannelParams | None) -> tuple[float, list[float]]:
        if channel not in self.channel_params:
            raise ModelError(f"unknown channel {channel!r}; the model has: {', '.join(self.channels)}")
        p = (params if params is not None else self.channel_params)[channel]
        names = [s.name for s in param_specs(self.saturation, self.max_lag)]
        return float(p["beta"]), [float(p[n]) for n in names]

    def response(self, channel: str, spend_per_period, params: ChannelParams | None = None) -> np.ndarray:
        """Steady-state outcome per period from spending ``spend_per_period`` every period on ``channel``.

        Carry-over is included: adstock weights sum to 1, so the long-run response to a constant
        spend ``s`` is ``beta * saturation(s / spend_scale)``. ``params`` (e.g. one of
        :attr:`boot_params`) replaces the point estimate.
        """
        beta, sat = self._params(channel, params)
        s = np.asarray(spend_per_period, dtype="float64") / self.spend_scale[channel]
        return beta * saturation_spec(self.saturation).function(s, *sat)

    def marginal_response(self, channel: str, spend_per_period, params: ChannelParams | None = None) -> np.ndarray:
        """Derivative of :meth:`response` with respect to spend (the marginal ROAS at that spend)."""
        beta, sat = self._params(channel, params)
        scale = self.spend_scale[channel]
        s = np.asarray(spend_per_period, dtype="float64") / scale
        return beta * saturation_spec(self.saturation).derivative(s, *sat) / scale

    def response_curves(self, n_points: int = 50, max_multiple: float = 2.0) -> pd.DataFrame:
        """``channel, spend, response, marginal`` on a grid from 0 to ``max_multiple`` x current spend.

        With a bootstrap, ``response_ci_low`` and ``response_ci_high`` are added. A channel with no
        current spend uses its largest historical spend as the reference.
        """
        frames = []
        lo_q, hi_q = 50 * (1 - self.ci_level), 50 * (1 + self.ci_level)
        for ch in self.channels:
            ref = self.current_spend[ch] or self.spend_scale[ch]
            spend = np.linspace(0.0, max_multiple * ref, n_points)
            out = pd.DataFrame({"channel": ch, "spend": spend, "response": self.response(ch, spend),
                                "marginal": self.marginal_response(ch, spend)})
            if self.boot_params:
                draws = np.array([self.response(ch, spend, b) for b in self.boot_params])
                out["response_ci_low"] = np.percentile(draws, lo_q, axis=0)
                out["response_ci_high"] = np.percentile(draws, hi_q, axis=0)
            frames.append(out)
        return pd.concat(frames, ignore_index=True)

    def adstock_weights(self) -> pd.DataFrame:
        """``channel, lag, weight``: share of a period's spend effect felt ``lag`` periods later."""
        names = [s.name for s in param_specs(self.adstock, self.max_lag)]
        frames = []
        for ch in self.channels:
            w = adstock_spec(self.adstock).weights(*[self.channel_params[ch][n] for n in names], self.max_lag)
            frames.append(pd.DataFrame({"channel": ch, "lag": np.arange(self.max_lag), "weight": w}))
        return pd.concat(frames, ignore_index=True)

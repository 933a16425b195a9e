"""Keep the media-mix fit identifiable, and say in plain words when it is not.

An always-on channel (one whose spend never drops near zero) shows the data only the upper part of
its response curve. The level the curve has already reached at the lowest spend is then a constant
that the intercept could carry equally well: only the curve's shape below the observed range, which
no data supports, decides how much of it goes to media. Left free, a saturation parameter can make
the curve flat over everything observed (logistic ``lam`` at its cap, a half-saturation point far
below the lowest spend) and turn the channel into a second intercept with a huge coefficient and an
absurd ROAS. :func:`saturation_bounds` rules out those curves from the spend data alone;
:func:`fit_warnings` reports what remains doubtful about a fitted model.
"""
from __future__ import annotations

import numpy as np

from attribution.mmm.transforms import ParamSpec

#: Quantile of a channel's scaled spend (zeros included) taken as its "smallest typical spend".
LOW_SPEND_QUANTILE = 0.10
#: A channel whose contribution moves less than this share of its mean between its 10th and 90th
#: percentile periods is reported as indistinguishable from the baseline.
FLAT_RESPONSE_SPREAD = 0.10
# Limits worth a warning: (parameter, side) -> what it means. The other ends are harmless answers
# (no carry-over: alpha = 0; a straight-line response over the observed spend: small lam, large k).
_LIMIT_MEANING = {
    ("alpha", "upper"): "carry-over as long as the model allows",
    ("theta", "upper"): "peak effect as late as the model allows",
    ("scale", "upper"): "carry-over as long as the model allows",
    ("shape", "lower"): "carry-over shape at its limit",
    ("shape", "upper"): "carry-over shape at its limit",
    ("lam", "upper"): "saturating as fast as the model allows",
    ("k", "lower"): "saturating as fast as the model allows",
    ("s", "lower"): "response shape at its limit",
    ("s", "upper"): "an S-curve as sharp as the model allows",
}


def low_spend(spend_scaled: np.ndarray, quantile: float = LOW_SPEND_QUANTILE) -> np.ndarray:
    """Per channel, the ``quantile`` of spend / max spend over the fit rows, zeros included.

    It is 0 for a channel that is dark in at least that share of periods: the foot of its curve is
    then observed (spend off vs on) and no extra bound is needed.
    """
    return np.quantile(np.asarray(spend_scaled, dtype="float64"), quantile, axis=0)


def saturation_bounds(saturation: str, specs: tuple[ParamSpec, ...],
                      x_low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel bounds ``(lower, upper)``, each ``(C, P)``, of the saturation parameters ``specs``.

    The rule is the same for every form: **at the smallest typical spend** ``x_low`` (scaled spend,
    see :func:`low_spend`) **the curve may have reached at most half of its ceiling**, so the
    observed spend range covers at least the upper half of the response and the curve cannot be
    flat over it. That gives

    - Hill and Michaelis–Menten: half-saturation point ``k >= x_low``;
    - logistic ``tanh(lam x / 2)``: it is half-way at ``lam x = ln 3``, so ``lam <= ln 3 / x_low``
      (at that cap the elasticity at ``x_low`` is still 0.82, i.e. the curve is nearly straight
      below the observed range).

    This is a conservative, data-derived limit rather than a prior: it keeps the unobservable part
    of the curve (from zero up to the lowest spend) close to proportional instead of letting it
    absorb the baseline. The registered bounds (:func:`attribution.mmm.transforms.param_specs`) still
    apply; a channel with ``x_low == 0`` keeps them unchanged.
    """
    x_low = np.asarray(x_low, dtype="float64")
    lower = np.tile([s.low for s in specs], (x_low.size, 1)).astype("float64")
    upper = np.tile([s.high for s in specs], (x_low.size, 1)).astype("float64")
    for j, spec in enumerate(specs):
        if spec.name == "k" and saturation in ("hill", "michaelis_menten"):
            lower[:, j] = np.minimum(np.maximum(lower[:, j], x_low), upper[:, j])
        elif spec.name == "lam" and saturation == "logistic":
            with np.errstate(divide="ignore"):
                cap = np.where(x_low > 0, np.log(3.0) / np.where(x_low > 0, x_low, 1.0), np.inf)
            upper[:, j] = np.maximum(np.minimum(upper[:, j], cap), lower[:, j] + 1e-6)
    return lower, upper


def _at_bound(value: float, low: float, high: float) -> str | None:
    tol = 1e-3 * max(high - low, 1e-12)
    if value <= low + tol:
        return "lower"
    if value >= high - tol:
        return "upper"
    return None


def bound_warnings(channels: tuple[str, ...], names: list[str], theta: np.ndarray, beta: np.ndarray,
                   lower: np.ndarray, upper: np.ndarray) -> list[str]:
    """One sentence listing the parameters of channels with an effect that sit at a limit that matters.

    A parameter at such a limit means the data would push it further: the fitted curve or
    carry-over is then shaped by the limit, not by the data. Empty list when there is none.
    """
    parts = []
    for c, ch in enumerate(channels):
        if beta[c] <= 0:
            continue
        hits = []
        for j, name in enumerate(names):
            side = _at_bound(theta[c, j], lower[c, j], upper[c, j])
            meaning = _LIMIT_MEANING.get((name, side or ""))
            if meaning:
                hits.append(f"{name} = {theta[c, j]:.3g} ({meaning})")
        if hits:
            parts.append(f"{ch}: {', '.join(hits)}")
    if not parts:
        return []
    return [f"Parameters at the limit of their range — {'; '.join(parts)}. The data would push them further, so "
            "these channels' response curves and ROAS rest partly on the limits rather than on the data."]


def baseline_warnings(intercept: float, non_media: np.ndarray, held: bool, relaxed: dict | None = None) -> list[str]:
    """Sentences about a baseline held at zero or below zero.

    ``non_media`` is everything but media (level, trend, seasonality, events, controls) per fitted
    period; ``held``: the fit holds the baseline level at 0 at a knot of the trend line. ``relaxed``
    (``where``: knot dates held at 0, ``media`` and ``media_free``: media credit with the constraint
    and with a free baseline) says which way the constraint moved media credit. Holding the level
    up at 0 where the free fit wants it below raises the baseline, so media usually gets *less*
    credit than a free fit would give it; the sentence states the measured direction, never a guess.
    """
    out = []
    if held:
        where = f" (at {', '.join(relaxed['where'])})" if relaxed and relaxed.get("where") else ""
        text = (f"The baseline level is held at its lower limit of 0{where}: left free, the fit would push it "
                "below zero.")
        if relaxed and relaxed["media"] > 0:
            change = relaxed["media_free"] / relaxed["media"] - 1
            if abs(change) < 0.01:
                text += " Without the limit media credit would be about the same, so the limit does not move it."
            else:
                way = "understated" if change > 0 else "overstated"
                text += (f" Without the limit media would be credited {abs(change):.0%} "
                         f"{'more' if change > 0 else 'less'}, so media credit may be {way} here; a more flexible "
                         "trend, controls for what else drives the outcome or a longer history help.")
        out.append(text)
    if non_media.sum() < 0:
        out.append("Everything but media (baseline, trend, seasonality and controls) adds up to less than zero: "
                   "the model credits media with more than the whole outcome, so contributions and ROAS are "
                   "not credible. Try another saturation form, fewer channels, weekly data or a longer history.")
    elif (non_media < 0).any():
        n = int((non_media < 0).sum())
        out.append(f"The baseline (everything but media) is below zero in {n} of {non_media.size} fitted periods "
                   f"(lowest {non_media.min():,.4g}, intercept {intercept:,.4g}): there the model credits media "
                   "with more than the whole outcome. Treat contributions in those periods with care.")
    return out


def flat_response_warnings(channels: tuple[str, ...], media: np.ndarray,
                           spread: float = FLAT_RESPONSE_SPREAD) -> list[str]:
    """Channels whose fitted contribution (``media``: periods x channels) hardly varies.

    Such a contribution is a constant level that the data cannot tell apart from the intercept:
    either the spend barely changes or the fitted curve is flat over the spend that was observed.
    """
    out = []
    for c, ch in enumerate(channels):
        col = media[:, c]
        mean = col.mean()
        if mean <= 0:
            continue
        lo, hi = np.quantile(col, [0.1, 0.9])
        if (hi - lo) < spread * mean:
            out.append(f"{ch}: its fitted effect barely changes between low- and high-spend periods "
                       f"({(hi - lo) / mean:.1%} of its mean), so it acts as a constant the data cannot tell apart "
                       "from the baseline; its contribution and ROAS are not identified.")
    return out

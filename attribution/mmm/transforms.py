"""Adstock (carry-over) and saturation (diminishing returns) transforms for the media-mix model.

All functions are pure and vectorised. Adstock runs along axis 0 (time) of a 1-D series or a 2-D
``(time, channel)`` array; a parameter may be a scalar or one value per column. Adstock weights are
normalised to sum to 1, so a constant spend ``x`` has the steady-state adstock ``x`` and the
long-run response to it is ``saturation(x)``. Periods before the first row count as zero spend.

References: Jin et al. (2017), "Bayesian methods for media mix modeling with carryover and shape
effects" (geometric and delayed adstock, Hill saturation); Robyn (Weibull adstock); pymc-marketing
(logistic saturation).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from attribution.errors import ModelError

ArrayLike = float | np.ndarray


def _lags(max_lag: int) -> np.ndarray:
    if int(max_lag) < 1:
        raise ModelError(f"max_lag must be at least 1 (got {max_lag}); it is the number of adstock weights")
    return np.arange(int(max_lag), dtype="float64")


def _normalise(w: np.ndarray) -> np.ndarray:
    total = w.sum(axis=-1, keepdims=True)
    # A weight vector that underflows to zero (extreme parameters) falls back to "no carry-over".
    safe = np.where(total > 0, total, 1.0)
    out = w / safe
    if np.any(total <= 0):
        out = np.where(total > 0, out, np.eye(1, w.shape[-1])[0])
    return out


def geometric_weights(alpha: ArrayLike, max_lag: int) -> np.ndarray:
    """Geometric adstock weights ``alpha**l / sum(alpha**l)`` for lags ``l = 0 .. max_lag-1``.

    Returns shape ``(L,)`` for a scalar ``alpha`` and ``(C, L)`` for one ``alpha`` per channel.
    """
    a = np.asarray(alpha, dtype="float64")[..., None]
    return _normalise(a ** _lags(max_lag))


def delayed_weights(alpha: ArrayLike, theta: ArrayLike, max_lag: int) -> np.ndarray:
    """Delayed adstock weights ``alpha**((l - theta)**2)``, normalised; the peak sits at lag ``theta``."""
    a = np.asarray(alpha, dtype="float64")[..., None]
    t = np.asarray(theta, dtype="float64")[..., None]
    return _normalise(a ** ((_lags(max_lag) - t) ** 2))


def weibull_cdf_weights(shape: ArrayLike, scale: ArrayLike, max_lag: int) -> np.ndarray:
    """Weibull survival-curve weights ``exp(-(t/scale)**shape)`` at ``t = l + 1``, normalised.

    The share of an ad's effect still alive after ``t`` periods (Robyn's "Weibull CDF" adstock).
    """
    k = np.asarray(shape, dtype="float64")[..., None]
    lam = np.asarray(scale, dtype="float64")[..., None]
    t = _lags(max_lag) + 1.0
    return _normalise(np.exp(-((t / lam) ** k)))


def weibull_pdf_weights(shape: ArrayLike, scale: ArrayLike, max_lag: int) -> np.ndarray:
    """Weibull density weights ``(t/scale)**(shape-1) * exp(-(t/scale)**shape)`` at ``t = l + 1``, normalised.

    Lag ``l`` is evaluated at ``t = l + 1`` so the density is finite at lag 0 when ``shape < 1``; with
    ``shape > 1`` the effect peaks after a delay.
    """
    k = np.asarray(shape, dtype="float64")[..., None]
    lam = np.asarray(scale, dtype="float64")[..., None]
    z = (_lags(max_lag) + 1.0) / lam
    return _normalise(z ** (k - 1.0) * np.exp(-(z ** k)))


def apply_weights(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Convolve ``x`` along axis 0 with lag weights: ``out[t] = sum_l w[l] * x[t - l]``.

    ``x`` is ``(T,)`` with weights ``(L,)``, or ``(T, C)`` with weights ``(L,)`` or ``(C, L)``.
    """
    x = np.asarray(x, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    lag_w = w.T if w.ndim == 2 else w  # (L,) or (L, C)
    out = np.zeros_like(x)
    for lag in range(min(lag_w.shape[0], x.shape[0])):
        out[lag:] += lag_w[lag] * x[: x.shape[0] - lag]
    return out


def logistic_saturation(x: ArrayLike, lam: ArrayLike) -> np.ndarray:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))``: 0 at 0, tends to 1, concave for x >= 0."""
    # Equal to tanh(lam x / 2), which is the numerically stable form.
    return np.tanh(0.5 * np.asarray(lam, dtype="float64") * np.asarray(x, dtype="float64"))


def hill_saturation(x: ArrayLike, k: ArrayLike, s: ArrayLike) -> np.ndarray:
    """Hill saturation ``x**s / (x**s + k**s)``: half-saturation at ``x = k``, S-shaped when ``s > 1``."""
    xs = np.maximum(np.asarray(x, dtype="float64"), 0.0) ** s
    return xs / (xs + np.asarray(k, dtype="float64") ** s)


def michaelis_menten_saturation(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    """Michaelis–Menten saturation ``x / (k + x)``: half-saturation at ``x = k``, concave."""
    x = np.maximum(np.asarray(x, dtype="float64"), 0.0)
    return x / (np.asarray(k, dtype="float64") + x)


def logistic_derivative(x: ArrayLike, lam: ArrayLike) -> np.ndarray:
    """d/dx of :func:`logistic_saturation`: ``lam/2 * (1 - tanh(lam x / 2)**2)``."""
    lam = np.asarray(lam, dtype="float64")
    return 0.5 * lam * (1.0 - logistic_saturation(x, lam) ** 2)


def hill_derivative(x: ArrayLike, k: ArrayLike, s: ArrayLike) -> np.ndarray:
    """d/dx of :func:`hill_saturation`: ``s k**s x**(s-1) / (x**s + k**s)**2``."""
    x = np.maximum(np.asarray(x, dtype="float64"), 1e-300)
    ks = np.asarray(k, dtype="float64") ** s
    xs = x ** s
    return s * ks * xs / x / (xs + ks) ** 2


def michaelis_menten_derivative(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    """d/dx of :func:`michaelis_menten_saturation`: ``k / (k + x)**2``."""
    k = np.asarray(k, dtype="float64")
    return k / (k + np.maximum(np.asarray(x, dtype="float64"), 0.0)) ** 2


@dataclass(frozen=True)
class ParamSpec:
    """One nonlinear parameter: name, fitting bounds and the default starting value.

    ``high=None`` means "depends on max_lag" (resolved by :func:`param_specs`).
    """

    name: str
    low: float
    high: float | None
    init: float | None


@dataclass(frozen=True)
class AdstockSpec:
    """Everything one adstock (carry-over) form is: its weights, its parameters and a label.

    ``weights(*params, max_lag)`` returns the normalised lag weights, ``(L,)`` for scalar
    parameters and ``(C, L)`` for one value per channel; :meth:`apply` convolves spend with them.
    """

    name: str
    label: str
    weights: Callable[..., np.ndarray]
    params: tuple[ParamSpec, ...]

    def apply(self, x: np.ndarray, *params: ArrayLike, max_lag: int = 8) -> np.ndarray:
        """Adstocked ``x`` (see :func:`apply_weights`)."""
        return apply_weights(x, self.weights(*params, max_lag))


@dataclass(frozen=True)
class SaturationSpec:
    """Everything one saturation (diminishing returns) form is: curve, slope, parameters and a label.

    ``function(x, *params)`` is 0 at 0, increasing, with ceiling 1; ``derivative`` is its slope in ``x``.
    """

    name: str
    label: str
    function: Callable[..., np.ndarray]
    derivative: Callable[..., np.ndarray]
    params: tuple[ParamSpec, ...]


# Bounds keep every form identifiable on spend scaled to [0, 1]: saturation points far outside the
# observed range cannot be told apart from a straight line. ``high=None``: depends on max_lag.
ADSTOCK_SPECS: dict[str, AdstockSpec] = {s.name: s for s in (
    AdstockSpec("geometric", "Geometric (fades by a constant rate)", geometric_weights,
                (ParamSpec("alpha", 0.0, 0.95, 0.4),)),
    AdstockSpec("delayed", "Delayed (peaks after a lag)", delayed_weights,
                (ParamSpec("alpha", 0.01, 0.95, 0.4), ParamSpec("theta", 0.0, None, 1.0))),
    AdstockSpec("weibull_cdf", "Weibull CDF (flexible decay)", weibull_cdf_weights,
                (ParamSpec("shape", 0.1, 10.0, 1.0), ParamSpec("scale", 0.1, None, 2.0))),
    AdstockSpec("weibull_pdf", "Weibull PDF (can peak after a lag)", weibull_pdf_weights,
                (ParamSpec("shape", 0.1, 10.0, 1.5), ParamSpec("scale", 0.1, None, 2.0))),
)}
SATURATION_SPECS: dict[str, SaturationSpec] = {s.name: s for s in (
    SaturationSpec("logistic", "Logistic", logistic_saturation, logistic_derivative,
                   (ParamSpec("lam", 0.05, 30.0, 2.0),)),
    SaturationSpec("hill", "Hill (S-shaped)", hill_saturation, hill_derivative,
                   (ParamSpec("k", 0.02, 3.0, 0.5), ParamSpec("s", 0.5, 5.0, 1.5))),
    SaturationSpec("michaelis_menten", "Michaelis–Menten", michaelis_menten_saturation,
                   michaelis_menten_derivative, (ParamSpec("k", 0.02, 10.0, 0.5),)),
)}


def _lookup(registry: dict, name: str, kind: str):
    try:
        return registry[name]
    except KeyError:
        raise ModelError(f"unknown {kind} {name!r}; choose one of: {', '.join(sorted(registry))}") from None


def adstock_spec(name: str) -> AdstockSpec:
    """The adstock form registered under ``name`` (the error lists the valid names)."""
    return _lookup(ADSTOCK_SPECS, name, "adstock")


def saturation_spec(name: str) -> SaturationSpec:
    """The saturation form registered under ``name`` (the error lists the valid names)."""
    return _lookup(SATURATION_SPECS, name, "saturation")


def param_specs(name: str, max_lag: int) -> tuple[ParamSpec, ...]:
    """Nonlinear parameters of a registered adstock or saturation, bounds resolved for ``max_lag``."""
    spec = ADSTOCK_SPECS.get(name) or SATURATION_SPECS.get(name)
    if spec is None:
        _lookup({**ADSTOCK_SPECS, **SATURATION_SPECS}, name, "transform")
    out = []
    for p in spec.params:
        high = p.high if p.high is not None else (max_lag - 1.0 if p.name == "theta" else float(max_lag))
        high = max(high, p.low + 1e-6)
        init = min(max(p.init, p.low), high)
        out.append(ParamSpec(p.name, p.low, high, init))
    return tuple(out)


def media_param_count(adstock: str, saturation: str) -> int:
    """Parameters fitted per channel: the adstock's and the saturation's, plus the coefficient ``beta``."""
    return len(adstock_spec(adstock).params) + len(saturation_spec(saturation).params) + 1

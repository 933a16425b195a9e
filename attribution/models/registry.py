"""The one registry of attribution models, and the API that runs them.

Every model is a function ``f(data, *, param=default, ...) -> DataFrame`` returning the tidy frame
``model, channel, conversions, revenue, share`` (one row per channel; conversions sum to the total
conversions, revenue to the total revenue, share to 1). ``data`` is a
:class:`~attribution.journeys.data.Journeys` or :class:`~attribution.journeys.data.PathData`.
Models register themselves with :func:`register`, which records everything a model is on one
:class:`ModelSpec` in :data:`MODEL_SPECS` (function, label, parameters, per-touch rule, bootstrap
strategy); :data:`MODELS` is the same registry seen as name -> function.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData

CREDIT_COLUMNS = ["model", "channel", "conversions", "revenue", "share"]


# The inputs a per-touch weight may read, with their meaning. Every engine that computes weights
# provides them under these names, one row per touch of a converting journey.
TOUCH_INPUTS: Mapping[str, str] = {
    "journey_id": "the journey (conversion) the touch belongs to; weights sum to 1 within it",
    "position": "1-based order of the touch in its journey (1 = first, n_touches = last)",
    "n_touches": "number of touches in the journey",
    "channel": "channel name of the touch",
    "ts": "timestamp of the touch",
    "conversion_ts": "timestamp of the journey's conversion",
    "hours_to_conversion": "hours from the touch to its conversion (>= 0)",
    "hours_since_previous": "hours since the user's previous session; null for the user's first",
    "milestone": "funnel stage the touch created (e.g. lead, opportunity), or null",
    "holder_engagement": "true when the session kept the customer engaged (holder flag)",
    "closer_engagement": "true when the session showed buying intent (closer flag)",
}
# Inputs every touches table has; the others are optional touch columns a rule reads when present.
STRUCTURAL_INPUTS = ("journey_id", "position", "n_touches", "channel")


@dataclass(frozen=True)
class TouchRule:
    """How a rule-based model splits one conversion over the touches of its journey.

    The definition is engine-neutral: a weight depends only on the touches of the same journey,
    through the named ``inputs`` (see :data:`TOUCH_INPUTS`), and the weights of a journey are >= 0
    and sum to 1. ``formula`` states the rule; ``weights`` is its reference implementation,
    ``weights(table, **params) -> ndarray`` over a :class:`~attribution.models.touch_table.TouchTable`
    (one value per touch, journeys numbered by ``table.group``). It takes exactly the model's
    parameters. Another engine hands whole journeys to :meth:`weigh` (e.g. per partition of journeys)
    instead of re-implementing the formula.
    """

    weights: Callable[..., np.ndarray]
    inputs: tuple[str, ...]
    formula: str

    def __post_init__(self) -> None:
        unknown = [c for c in self.inputs if c not in TOUCH_INPUTS]
        if unknown:
            raise ModelError(f"touch rule {self.weights.__name__} reads unknown input(s) {', '.join(unknown)}; "
                             f"known: {', '.join(TOUCH_INPUTS)}")
        if not self.formula.strip():
            raise ModelError(f"touch rule {self.weights.__name__} needs its formula written out")

    @property
    def columns(self) -> tuple[str, ...]:
        """The optional touch columns the rule reads (copied into ``TouchTable.extra``)."""
        return tuple(c for c in self.inputs if c not in STRUCTURAL_INPUTS)

    def reads_touches(self, data: PathData) -> bool:
        """True when ``data`` has touches carrying a value in one of the rule's optional columns."""
        if not self.columns or not data.has_touches:
            return False
        return any(data.touch_column_has_values(c) for c in self.columns)

    def weigh(self, touches: pd.DataFrame, **params) -> np.ndarray:
        """Weights for a frame of whole journeys, aligned with its rows.

        ``touches`` holds ``journey_id``, ``position`` (1..k within each journey) and ``channel``
        for every touch of each journey it names, plus those of the rule's optional columns the
        data has. Journeys must not be split between calls: the weights of a journey sum to 1.
        """
        from attribution.models.touch_table import table_from_touches

        return self.weights(table_from_touches(touches, self.columns), **params)


@dataclass(frozen=True)
class LocalCredit:
    """Bootstrap strategy: a journey's credit depends only on that journey.

    A replicate's channel credit is then its resampled counts times the credit of one conversion
    on each unique path (or each journey), computed once. The per-path credit comes from
    ``path_rule`` when given, else from the model's touch rule (on the unique paths); when the model
    reads touch data (it needs touches, or its rule's optional columns have values) journeys are
    resampled and multiplied by the model's exact per-journey credit, which needs a touch rule.
    """

    path_rule: TouchRule | None = None


@dataclass(frozen=True)
class FastRefit:
    """Bootstrap strategy: the model is refitted per replicate by a dedicated estimator.

    ``estimator`` is ``"module:Class"`` of a class in :mod:`attribution.uncertainty` (the layer
    above the models, so it is named, not imported): ``Class(base, **params)`` builds the refit
    once and ``Class.supports(**params)`` (optional) says which parameters it covers; parameters
    it does not cover are refitted by running the model per replicate.
    """

    estimator: str

    def __post_init__(self) -> None:
        module, _, cls = self.estimator.partition(":")
        if not module.startswith("attribution.uncertainty.") or not cls:
            raise ModelError(f"fast refit {self.estimator!r} must be 'attribution.uncertainty.<module>:<Class>'")


@dataclass(frozen=True)
class ModelRefit:
    """Bootstrap strategy: run the model on each replicate's resampled paths (exact, slowest)."""


BootstrapStrategy = LocalCredit | FastRefit | ModelRefit
LOCAL_CREDIT = LocalCredit()
MODEL_REFIT = ModelRefit()


@dataclass(frozen=True)
class ModelSpec:
    """Everything the library, the app and the API know about one registered model.

    ``func`` computes the tidy credit frame; ``label`` and ``description`` are for people;
    ``needs_touches`` says whether it runs on aggregated paths, ``needs_non_converting`` whether it
    needs journeys that did not convert (a regression on conversion); ``defaults`` are its
    keyword-only parameters. ``touch_rule`` is its exact per-touch weight (None for a global model, whose
    per-journey credit is raked to its channel totals); ``bootstrap`` is how replicates are
    computed. :func:`register` checks the pieces fit together, so a model cannot silently miss one.
    """

    name: str
    func: Callable[..., pd.DataFrame]
    label: str
    description: str
    needs_touches: bool
    touch_rule: TouchRule | None
    bootstrap: BootstrapStrategy
    defaults: Mapping[str, object] = field(default_factory=dict)
    needs_non_converting: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """Optional touch columns the model reads (besides journey, position and channel)."""
        return self.touch_rule.columns if self.touch_rule is not None else ()

    def reads_touches(self, data: PathData) -> bool:
        """True when the model's result on ``data`` depends on touch data, not only on the paths."""
        if not data.has_touches:
            return False
        return self.needs_touches or (self.touch_rule is not None and self.touch_rule.reads_touches(data))


MODEL_SPECS: dict[str, ModelSpec] = {}


class _ModelFunctions(Mapping[str, Callable[..., pd.DataFrame]]):
    """Read-only view of :data:`MODEL_SPECS` as name -> model function (registration order)."""

    def __getitem__(self, name: str) -> Callable[..., pd.DataFrame]:
        return MODEL_SPECS[name].func

    def __iter__(self):
        return iter(MODEL_SPECS)

    def __len__(self) -> int:
        return len(MODEL_SPECS)

    def __repr__(self) -> str:
        return f"MODELS({', '.join(MODEL_SPECS)})"


MODELS: Mapping[str, Callable[..., pd.DataFrame]] = _ModelFunctions()


def _keyword_defaults(func: Callable) -> dict[str, object]:
    return {p.name: p.default for p in inspect.signature(func).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _check_spec(spec: ModelSpec) -> None:
    """Raise when a piece of the spec is missing or does not fit the others."""
    name = spec.name
    if not spec.label.strip() or not spec.description.strip():
        raise ModelError(f"model {name!r} needs a label and a description")
    if spec.touch_rule is not None and not isinstance(spec.touch_rule, TouchRule):
        raise ModelError(f"model {name!r}: touch_rule must be a TouchRule or None")
    if not isinstance(spec.bootstrap, LocalCredit | FastRefit | ModelRefit):
        raise ModelError(f"model {name!r}: bootstrap must be LocalCredit, FastRefit or ModelRefit, "
                         f"got {spec.bootstrap!r}")
    rules = [r for r in (spec.touch_rule, getattr(spec.bootstrap, "path_rule", None)) if r is not None]
    for rule in rules:
        if _keyword_defaults(rule.weights) != dict(spec.defaults):
            raise ModelError(f"model {name!r}: its rule {rule.weights.__name__} must take exactly the model's "
                             f"parameters {dict(spec.defaults)}, got {_keyword_defaults(rule.weights)}")
    if isinstance(spec.bootstrap, LocalCredit) and not rules:
        raise ModelError(f"model {name!r}: LocalCredit bootstrap needs a touch_rule or a path_rule")
    if spec.needs_touches and (spec.touch_rule is None or not isinstance(spec.bootstrap, LocalCredit)):
        raise ModelError(f"model {name!r} needs touches, so its bootstrap resamples journeys: "
                         "it needs a touch_rule and the LocalCredit bootstrap")


def register(name: str, *, label: str, description: str, needs_touches: bool,
             touch_rule: TouchRule | None, bootstrap: BootstrapStrategy, needs_non_converting: bool = False):
    """Decorator: add a model function to :data:`MODEL_SPECS` under ``name``.

    Its keyword-only parameters (with their defaults) become the model's parameters. Every piece
    is required (``touch_rule=None`` declares a global model); :class:`ModelError` when the pieces
    do not fit (see :class:`ModelSpec`).
    """

    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in MODEL_SPECS:
            raise RuntimeError(f"model {name!r} registered twice")
        spec = ModelSpec(name, func, label, description, needs_touches, touch_rule, bootstrap,
                         _keyword_defaults(func), needs_non_converting)
        _check_spec(spec)
        MODEL_SPECS[name] = spec
        return func

    return decorate


def tidy_credit(model: str, conversions: Mapping[str, float] | pd.Series,
                revenue: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """Build the standard output frame from per-channel conversion and revenue credit."""
    conv = pd.Series(conversions, dtype="float64")
    rev = pd.Series(revenue, dtype="float64").reindex(conv.index.union(pd.Index(revenue.keys())))
    conv = conv.reindex(rev.index).fillna(0.0)
    rev = rev.fillna(0.0)
    total = conv.sum()
    share = conv / total if total > 0 else conv * 0.0
    out = pd.DataFrame({"model": model, "channel": conv.index.astype(str), "conversions": conv.to_numpy(),
                        "revenue": rev.to_numpy(), "share": share.to_numpy()})
    return out.sort_values("channel", ignore_index=True)


def model_spec(name: str) -> ModelSpec:
    """Look up a model; the error lists the valid names."""
    try:
        return MODEL_SPECS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}") from None


def check_params(name: str, params: Mapping[str, object]) -> ModelSpec:
    """The model's spec, after checking that it accepts every parameter in ``params``."""
    spec = model_spec(name)
    unknown = set(params) - set(spec.defaults)
    if unknown:
        raise ModelError(f"{name} has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"valid: {', '.join(spec.defaults) or 'none'}")
    return spec


def supported_models(data: PathData) -> list[str]:
    """Names of the models that can run on ``data``: those :func:`unsupported_reason` has no reason
    against (time-based ones need touches, the logistic regression non-converting journeys)."""
    return [n for n in MODEL_SPECS if unsupported_reason(n, data) is None]


def unsupported_reason(name: str, data: PathData) -> str | None:
    """Why ``name`` cannot run on ``data``, or None if it can.

    Rules: a model that ``needs_touches`` cannot run on aggregated paths; one that
    ``needs_non_converting`` cannot run when no journey is non-converting (nulls sum to 0).
    """
    spec = model_spec(name)
    if spec.needs_touches and not data.has_touches:
        return (f"{spec.label} needs touch timestamps; aggregated paths have none. "
                "Load touchpoints and conversions (or an event log) to use it.")
    if spec.needs_non_converting and float(data.paths["nulls"].sum()) <= 0:
        return (f"{spec.label} needs journeys that did not convert, and every journey here converted. "
                "Include non-converting journeys (journey settings), or load paths with non-converting "
                "counts (total_null) to use it.")
    return None


def run_model(name: str, data: PathData, **params) -> pd.DataFrame:
    """Run one registered model on journeys or aggregated paths and return its tidy frame.

    Conversions without a touch (see :class:`~attribution.journeys.data.JourneyStats`) are added
    as one row on ``data.settings.no_touch_channel`` (:func:`attribution.models.no_touch.add_no_touch_row`),
    so the channel totals equal the counted conversions.
    """
    from attribution.models.no_touch import add_no_touch_row

    spec = model_spec(name)
    reason = unsupported_reason(name, data)
    if reason:
        raise ModelError(reason)
    check_params(name, params)
    if spec.touch_rule is not None and not data.touches_on_driver and spec.reads_touches(data):
        return add_no_touch_row(_engine_rule_credit(spec, data, params), data)
    return add_no_touch_row(spec.func(data, **params), data)


def _engine_rule_credit(spec: ModelSpec, data: PathData, params: Mapping[str, object]) -> pd.DataFrame:
    """A rule model's credit on journeys whose touches stay in their engine (Spark)."""
    sums = engine_weight_sums(spec, data, params)
    if not len(sums):
        return empty_credit(spec.name)
    channels = pd.Index(data.channels)
    conversions = pd.Series(sums["conversions"].to_numpy(), index=sums["channel"]).reindex(channels, fill_value=0.0)
    revenue = pd.Series(sums["revenue"].to_numpy(), index=sums["channel"]).reindex(channels, fill_value=0.0)
    return tidy_credit(spec.name, conversions, revenue)


def engine_weigher(spec: ModelSpec, data: PathData,
                   params: Mapping[str, object]) -> Callable[[pd.DataFrame], np.ndarray]:
    """The rule's ``weigh`` with ``params``, for the engine that holds the touches (Spark) to run on
    whole journeys. It first runs on one journey here, so bad parameters or data raise our error
    before a distributed job starts; a model without a touch rule raises :class:`ModelError`."""
    if spec.touch_rule is None:
        raise ModelError(f"{spec.label} has no per-touch rule, so it cannot be dated or summed where the touches "
                         "are (Spark); use a rule-based model (e.g. linear) or build the journeys with DuckDB")
    weigh = functools.partial(spec.touch_rule.weigh, **params)
    sample = data.converting_sample()
    if len(sample):
        weigh(sample)
    return weigh


def engine_weight_sums(spec: ModelSpec, data: PathData, params: Mapping[str, object],
                       by_date: str | None = None) -> pd.DataFrame:
    """A rule model's credit summed per channel (and per ``by_date`` date: "conversion" or
    "touch") by the engine that holds the touches (``data.weight_sums``, see :func:`engine_weigher`)."""
    return data.weight_sums(engine_weigher(spec, data, params), spec.touch_rule.columns, by_date=by_date)


def params_for(name: str, params: Mapping[str, object]) -> dict[str, object]:
    """The subset of ``params`` that model ``name`` accepts."""
    accepted = model_spec(name).defaults
    return {k: v for k, v in params.items() if k in accepted}


def compare(data: PathData, models: Iterable[str] | None = None, **params) -> pd.DataFrame:
    """Run several models (default: all the data supports) and stack their tidy frames.

    Shared ``params`` go to every model that accepts them (e.g. ``seed``, ``direct_channels``).
    """
    names = list(models) if models is not None else supported_models(data)
    frames = [run_model(n, data, **params_for(n, params)) for n in names]
    if not frames:
        return pd.DataFrame(columns=CREDIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def empty_credit(model: str) -> pd.DataFrame:
    """The tidy frame for data with no conversions."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("conversions", "revenue", "share")
                                      else "str") for c in CREDIT_COLUMNS}).assign(model=model)


def safe_share(values: np.ndarray) -> np.ndarray:
    """values / values.sum(), or zeros when the sum is zero."""
    total = float(np.sum(values))
    return values / total if total > 0 else np.zeros_like(values, dtype=float)

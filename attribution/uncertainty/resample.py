"""Bootstrap replicates as resampled counts per unique path (and, when needed, per journey).

The resampling unit is the journey. A replicate gives every journey a Poisson(1) weight (the
Poisson bootstrap), so the number of journeys on a unique path that converted becomes
Poisson(observed conversions) and, independently, the non-converting ones Poisson(observed nulls).
Two ways to draw the same distribution:

- **path mode** (aggregated paths, or journeys when every model reads only paths): draw those two
  Poisson counts per unique path directly; a path's revenue is scaled by resampled / observed
  conversions (within-path spread of order values is unknown here, so revenue intervals are
  slightly too narrow when order values vary a lot);
- **journey mode** (touch-level models on journeys): draw Poisson(1) per journey, sum by path;
  revenue is then the exact sum of the resampled journeys' revenue. Path models and touch-level
  models of one run see the same draws, so differences between them are paired.

Each replicate has its own random stream spawned from ``seed``: replicate b is the same whatever
``n_boot`` or chunking, so results are reproducible and a run with more replicates extends one
with fewer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import pdtr  # the Poisson CDF (scipy.stats would also load scipy.optimize)

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.path_arrays import EncodedPaths, encode_paths, pair_lookup, path_hashes

# Poisson(1) by inverse CDF: P(X > 30) is ~1e-34, so the table is exact in double precision.
_POISSON1_CDF = pdtr(np.arange(31), 1.0)


@dataclass(frozen=True)
class Chunk:
    """Counts of ``k`` replicates, one column each: per row of ``paths`` (P, k), journey weights (J, k).

    ``journey_weights`` is None in path mode.
    """

    conversions: np.ndarray
    revenue: np.ndarray
    nulls: np.ndarray
    journey_weights: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Replicates in the chunk."""
        return self.conversions.shape[1]


@dataclass(eq=False)
class BaseData:
    """The data being bootstrapped, with structures every estimator shares (built once, lazily)."""

    data: PathData
    channels: np.ndarray = field(init=False)
    _enc: EncodedPaths | None = field(default=None, init=False, repr=False)
    _rows: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.channels = np.asarray(self.data.channels, dtype=object)

    @property
    def enc(self) -> EncodedPaths:
        """The encoded unique paths (empty paths left out; channel codes index ``channels``)."""
        if self._enc is None:
            self._enc = encode_paths(self.data.paths)
        return self._enc

    @property
    def rows(self) -> np.ndarray:
        """For each path of :attr:`enc`, its row number in ``data.paths``."""
        if self._rows is None:
            lengths = np.fromiter(map(len, self.data.paths["path"]), dtype=np.int64, count=len(self.data.paths))
            self._rows = np.flatnonzero(lengths > 0)
        return self._rows

    def channel_index(self, names) -> np.ndarray:
        """Positions of channel names in :attr:`channels` (-1 for a name not among them)."""
        return pd.Index(self.channels).get_indexer(pd.Index(np.asarray(names, dtype=object)))

    def channel_codes(self, column: pd.Series) -> np.ndarray:
        """:meth:`channel_index` of a long column, looking up each distinct name once."""
        codes, names = pd.factorize(column)
        return np.where(codes >= 0, self.channel_index(names)[codes], -1)


def observed_counts(data: PathData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conversions, revenue and nulls per row of ``data.paths`` (missing values as 0)."""
    return tuple(data.paths[c].to_numpy(dtype=float, na_value=0.0) for c in ("conversions", "revenue", "nulls"))


class Resampler:
    """Draws replicate counts for ``data``; ``journeys=True`` resamples journeys (needs touches)."""

    def __init__(self, base: BaseData, *, journeys: bool = False) -> None:
        self.base = base
        self.conversions, self.revenue, self.nulls = observed_counts(base.data)
        with np.errstate(divide="ignore", invalid="ignore"):
            self._revenue_per_conversion = np.where(self.conversions > 0, self.revenue / self.conversions, 0.0)
        self._fixed_revenue = np.where(self.conversions > 0, 0.0, self.revenue)
        self.journeys: JourneyIndex | None = journey_index(base) if journeys else None
        if self.journeys is None:
            self._conv_sampler = PoissonSampler(self.conversions)
            self._null_sampler = PoissonSampler(self.nulls)

    def draw(self, seeds: list[np.random.SeedSequence]) -> Chunk:
        """Counts of one replicate per seed."""
        if self.journeys is not None:
            return self._draw_journeys(seeds)
        conv = np.zeros((len(self.conversions), len(seeds)))
        nulls = np.zeros_like(conv)
        for i, seq in enumerate(seeds):
            rng = np.random.default_rng(seq)
            self._conv_sampler.draw(rng, conv[:, i])
            self._null_sampler.draw(rng, nulls[:, i])
        revenue = conv * self._revenue_per_conversion[:, None] + self._fixed_revenue[:, None]
        return Chunk(conv, revenue, nulls)

    def _draw_journeys(self, seeds: list[np.random.SeedSequence]) -> Chunk:
        index = self.journeys
        weights = np.empty((index.n_journeys, len(seeds)))
        for i, seq in enumerate(seeds):
            u = np.random.default_rng(seq).random(index.n_journeys)
            weights[:, i] = np.searchsorted(_POISSON1_CDF, u, side="right")
        return Chunk(index.to_paths_conv @ weights, index.to_paths_revenue @ weights,
                     index.to_paths_null @ weights, weights)


class PoissonSampler:
    """Poisson(mean) for a fixed vector of means, fast when few distinct small means repeat.

    Path counts are mostly small integers shared by many paths. Each distinct mean up to
    ``SMALL`` gets an inverse-CDF table; the tables are stored one after another, table j shifted
    by 2j, so one ``searchsorted`` of (2j + uniform) draws every such path at once. Other means use
    numpy's Poisson sampler; zero means give 0.
    """

    SMALL = 30.0
    MAX_TABLE_ENTRIES = 2_000_000

    def __init__(self, means: np.ndarray) -> None:
        self.means = means
        nonzero = np.flatnonzero(means > 0)
        values, group = np.unique(means[nonzero], return_inverse=True)
        sizes = (values + 12 * np.sqrt(values) + 25).astype(np.int64)
        small = (values <= self.SMALL) & (np.cumsum(sizes) <= self.MAX_TABLE_ENTRIES)
        tables = [2.0 * j + pdtr(np.arange(sizes[v]), values[v]) for j, v in enumerate(np.flatnonzero(small))]
        self.table = np.concatenate(tables) if tables else np.zeros(0)
        table_of_value = np.cumsum(small) - 1
        starts = np.concatenate([[0], np.cumsum(sizes[small])])
        in_table = small[group]
        self.tabled = nonzero[in_table]
        self.shift = 2.0 * table_of_value[group[in_table]]
        self.start = starts[table_of_value[group[in_table]]]
        self.large = nonzero[~in_table]

    def draw(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Write one draw per mean into ``out`` (zeros where the mean is 0)."""
        if len(self.tabled):
            u = rng.random(len(self.tabled))
            out[self.tabled] = np.searchsorted(self.table, self.shift + u, side="right") - self.start
        if len(self.large):
            out[self.large] = rng.poisson(self.means[self.large])


@dataclass(frozen=True)
class JourneyIndex:
    """Journeys of a touches table and the unique path (row of ``paths``) each one took."""

    journey_ids: np.ndarray           # sorted
    to_paths_conv: sp.csr_matrix      # (P, J): 1 where journey j converted on path row p
    to_paths_revenue: sp.csr_matrix   # (P, J): journey revenue where it converted
    to_paths_null: sp.csr_matrix      # (P, J): 1 where journey j did not convert

    @property
    def n_journeys(self) -> int:
        """Number of journeys."""
        return len(self.journey_ids)

    def positions(self, journey_ids) -> np.ndarray:
        """Positions of journey ids in :attr:`journey_ids`."""
        return np.searchsorted(self.journey_ids, np.asarray(journey_ids))


def journey_index(base: BaseData) -> JourneyIndex:
    """Match every journey to its unique path (row of ``paths``), in journey order.

    Journeys on this machine are matched by hashing their channel sequences; journeys whose
    touches stay in their engine (Spark) are matched there (``data.journey_order()``: one path row,
    conversion flag and revenue per journey, in the order DuckDB numbers journeys), so both
    engines draw the same weights for the same journeys from one seed.
    """
    data = base.data
    if not data.has_touches:
        raise ModelError("resampling journeys needs built journeys (a touches table)")
    if data.touches_on_driver:
        ids, row, converted, revenue = _driver_journeys(base)
    else:
        order = data.journey_order()
        row = order["path_row"].to_numpy(dtype=np.int64)
        converted = order["converted"].to_numpy(dtype=bool)
        revenue = np.where(converted, order["revenue"].to_numpy(dtype=float), 0.0)
        ids = np.arange(len(order), dtype=np.int64)
    conv_obs, _, null_obs = observed_counts(data)
    n_paths = len(conv_obs)
    if (row < 0).any() or not (np.allclose(np.bincount(row, weights=converted, minlength=n_paths), conv_obs)
                               and np.allclose(np.bincount(row, weights=~converted, minlength=n_paths), null_obs)):
        raise ModelError("the touches table and the paths of these journeys disagree; rebuild the journeys")
    cols = np.arange(len(ids))

    def to_paths(values: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((values, (row, cols)), shape=(n_paths, len(ids)))

    return JourneyIndex(ids, to_paths(converted.astype(float)), to_paths(revenue),
                        to_paths((~converted).astype(float)))


def _driver_journeys(base: BaseData) -> tuple[np.ndarray, ...]:
    """Sorted journey ids and, per journey, its path row (-1 if not found), conversion flag and
    revenue (0 when not converted), from the touches table on this machine."""
    touches = base.data.touches
    jid = touches["journey_id"].to_numpy()
    position = touches["position"].to_numpy(dtype=np.int64)
    order = np.lexsort((position, jid))
    jid = jid[order]
    start = np.flatnonzero(np.r_[True, jid[1:] != jid[:-1]]) if len(jid) else np.zeros(0, dtype=np.int64)
    codes = base.channel_codes(touches["channel"]).astype(np.int32)[order]
    lengths = np.diff(np.r_[start, len(jid)])
    converted = touches["converted"].to_numpy(dtype=bool, na_value=False)[order][start]
    revenue = np.where(converted, touches["revenue"].to_numpy(dtype=float, na_value=0.0)[order][start], 0.0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    journeys = EncodedPaths(base.channels, codes, offsets, converted.astype(float), revenue,
                            (~converted).astype(float))
    q1, q2 = path_hashes(journeys)
    k1, k2 = path_hashes(base.enc)
    found = pair_lookup(k1, k2, q1, q2)
    row = np.where(found >= 0, base.rows[np.maximum(found, 0)], -1)
    return jid[start], row, converted, revenue


def replicate_seeds(seed: int, n_boot: int) -> list[np.random.SeedSequence]:
    """One independent seed sequence per replicate, all derived from ``seed``."""
    return np.random.SeedSequence(seed).spawn(n_boot)

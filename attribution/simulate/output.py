"""Turn the simulator's arrays into the canonical tables (docs/architecture.md §3) and write them to files."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from attribution.errors import DataValidationError
from attribution.simulate.funnel import STAGES
from attribution.simulate.media import INTERACTIONS, ChannelSpec, stream
from attribution.simulate.touches import CLICK

SECONDS_PER_DAY = 86_400
FORMATS = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}
TABLES = ("touchpoints", "conversions", "spend", "truth", "daily_truth")
SEQUENTIAL_IDS = ("session_id", "conversion_id", "user_id")  # sorted strings: DELTA_BYTE_ARRAY
SORTED_TIMES = ("ts",)  # nearly increasing within a file (users arrive in order): DELTA_BINARY_PACKED


def _ids(prefix: str, n: int) -> pa.Array:
    """``prefix`` + zero-padded 0..n-1, e.g. u00042 (sorts like the numbers)."""
    width = len(str(max(n - 1, 0)))
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _labels(codes: np.ndarray, names: list[str]) -> pa.Array:
    return pc.take(pa.array(names, type=pa.string()), pa.array(codes.astype(np.int32)))


def _timestamps(start: np.datetime64, seconds: np.ndarray) -> pa.Array:
    base = start.astype("datetime64[s]").astype(np.int64)
    return pa.array(base + seconds, type=pa.timestamp("s")).cast(pa.timestamp("us"))


def touch_frame(touches: dict[str, np.ndarray], specs: tuple[ChannelSpec, ...], spend: np.ndarray,
                start: np.datetime64, n_users: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The ``touchpoints`` table, sorted by user and time, with per-touch cost.

    A paid channel's daily spend is split equally over that day's touches of the channel, so touch
    costs add up to the spend table. Also returns touch and click counts per channel and day.
    """
    days = spend.shape[1]
    sec = np.floor(touches["t"] * SECONDS_PER_DAY).astype(np.int64)
    # One int64 key (user, second) sorts much faster than a lexsort on two columns.
    order = np.argsort(touches["user"].astype(np.int64) * (days * SECONDS_PER_DAY + 1) + sec, kind="stable")
    sec = sec[order]
    t = {k: v[order] for k, v in touches.items()}
    ch = t["channel"].astype(np.int64)
    key = ch * days + sec // SECONDS_PER_DAY
    counts = np.bincount(key, minlength=len(specs) * days)
    clicks = np.bincount(key, weights=t["interaction"] == CLICK, minlength=len(specs) * days)
    cost = np.round(spend.ravel()[key] / counts[key], 4)
    campaigns = [c for s in specs for c in s.campaigns]
    offset = np.cumsum([0] + [len(s.campaigns) for s in specs])[:-1]
    table = pa.table({
        "user_id": pc.take(_ids("u", n_users), pa.array(t["user"])),
        "ts": _timestamps(start, sec),
        "channel": _labels(ch, [s.name for s in specs]),
        "campaign": _labels(offset[ch] + t["campaign"], campaigns),
        "cost": cost,
        "session_id": _ids("s", len(sec)),
        "interaction": _labels(t["interaction"], list(INTERACTIONS)),
        "holder_engagement": t["holder"],
        "closer_engagement": t["closer"],
    })
    shape = (len(specs), days)
    return table.to_pandas(), counts.reshape(shape), clicks.reshape(shape).astype(np.int64)


def conversion_frame(events: dict[str, np.ndarray], start: np.datetime64, n_users: int) -> pd.DataFrame:
    """The ``conversions`` table: one row per stage reached, sorted by user and time."""
    sec = np.floor(events["t"] * SECONDS_PER_DAY).astype(np.int64)
    order = np.lexsort((events["stage"], sec, events["user"]))
    return pa.table({
        "user_id": pc.take(_ids("u", n_users), pa.array(events["user"][order])),
        "ts": _timestamps(start, sec[order]),
        "revenue": events["revenue"][order].astype(float),
        "conversion_id": _ids("c", len(order)),
        "stage": _labels(events["stage"][order], list(STAGES)),
    }).to_pandas()


def spend_frame(specs: tuple[ChannelSpec, ...], dates: pd.DatetimeIndex, spend: np.ndarray,
                counts: np.ndarray, clicks: np.ndarray, seed: int) -> pd.DataFrame:
    """The ``spend`` table: date, channel, spend, impressions, clicks for every paid channel and day.

    Impression channels report every touch as an impression; click channels report impressions as
    clicks divided by a noisy click-through rate.
    """
    rows = []
    for c, s in enumerate(specs):
        if not s.paid:
            continue
        if s.interaction == "impression":
            impressions = counts[c]
        else:
            ctr = s.ctr * np.exp(stream(seed, f"{s.name} ctr").normal(0.0, 0.1, len(dates)))
            impressions = np.maximum(np.round(clicks[c] / ctr), clicks[c])
        rows.append(pd.DataFrame({"date": dates, "channel": s.name, "spend": spend[c],
                                  "impressions": impressions.astype(np.int64),
                                  "clicks": clicks[c].astype(np.int64)}))
    if not rows:
        return pd.DataFrame({"date": pd.DatetimeIndex([], dtype="datetime64[us]"),
                             "channel": pd.Series([], dtype="str"), "spend": np.zeros(0),
                             "impressions": np.zeros(0, np.int64), "clicks": np.zeros(0, np.int64)})
    out = pd.concat(rows, ignore_index=True)
    out["date"] = out["date"].astype("datetime64[us]")
    return out


def _arrow(df: pd.DataFrame, csv: bool) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    for name in table.column_names:
        if name == "date":
            table = table.set_column(table.schema.get_field_index(name), name, table[name].cast(pa.date32()))
        elif csv and pa.types.is_timestamp(table[name].type):
            # Whole seconds: CSV shows 2024-01-01 09:30:00 rather than trailing microseconds.
            table = table.set_column(table.schema.get_field_index(name), name,
                                     table[name].cast(pa.timestamp("s")))
    return table


def _write_csv(table: pa.Table, path: Path, compress: bool) -> None:
    # Unquoted values read best; fall back to quoting when a value needs it (e.g. a comma in a name).
    for style in ("none", "needed"):
        try:
            if compress:
                # Level 3: about 5x faster than pyarrow's gzip stream for ~15 % larger files.
                with gzip.open(path, "wb", compresslevel=3) as sink:
                    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style=style))
            else:
                pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style=style))
            return
        except pa.ArrowInvalid:
            if style == "needed":
                raise


def write_tables(frames: dict[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv") -> dict[str, Path]:
    """Write each frame to ``out_dir/<name><ext>``; returns name → path.

    ``fmt`` is ``csv``, ``csv.gz`` or ``parquet`` (zstd). Dates are written as DATE, timestamps as
    TIMESTAMP, so DuckDB and pandas read the types back.
    """
    if fmt not in FORMATS:
        raise DataValidationError(f"unknown format {fmt!r}: use one of {sorted(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in frames.items():
        path = out / f"{name}{FORMATS[fmt]}"
        table = _arrow(df, csv=fmt != "parquet")
        if fmt == "parquet":
            # Sequential ids share prefixes and sorted times differ little from the previous row: delta
            # encodings store them in a few bytes each (the sample's touchpoints shrink by about a fifth).
            encoding = {**{c: "DELTA_BYTE_ARRAY" for c in SEQUENTIAL_IDS if c in table.column_names},
                        **{c: "DELTA_BINARY_PACKED" for c in SORTED_TIMES if c in table.column_names}}
            pq.write_table(table, path, compression="zstd",
                           use_dictionary=[c for c in table.column_names if c not in encoding],
                           column_encoding=encoding or None)
        else:
            _write_csv(table, path, compress=fmt == "csv.gz")
        paths[name] = path
    return paths

"""Benchmark: match 1 M offline interactions against 100 k customers (target ≤ 30 s).

Phones appear in mixed formats (E.164, national, 0044, "(0)", parentheses, dashes, extensions),
e-mails with random case and padding; some ids are unknown, some phones shared, some invalid.

    python bench/bench_identity.py [--customers 100000] [--interactions 1000000] [--seed 0]
"""
from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from attribution.identity import InteractionFile, MatchOptions, match_interactions
except ModuleNotFoundError:  # run from a checkout without installing
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from attribution.identity import InteractionFile, MatchOptions, match_interactions

# (national significant prefix, random digits): ranges that are valid UK numbers.
_RANGES = [("207", 7), ("203", 7), ("208", 7), ("161", 7), ("7400", 6), ("7500", 6), ("7800", 6), ("7900", 6)]
# Callers who are not customers get numbers from other ranges, so they cannot hit a customer by chance.
_STRANGER_RANGES = [("141", 7), ("7600", 6)]


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return np.char.zfill(rng.integers(0, 10**width, n).astype(str), width)


def _numbers(rng: np.random.Generator, n: int, ranges: list[tuple[str, int]] = _RANGES) -> np.ndarray:
    """n national significant numbers (without country code or trunk 0)."""
    which = rng.integers(0, len(ranges), n)
    out = np.empty(n, dtype=object)
    for i, (prefix, width) in enumerate(ranges):
        mask = which == i
        out[mask] = np.char.add(prefix, _digits(rng, int(mask.sum()), width))
    return out


def _format(rng: np.random.Generator, nsn: np.ndarray) -> np.ndarray:
    """Write each number in one of several human formats."""
    s = pd.Series(nsn, dtype="str")
    a, b, c = s.str.slice(0, 3), s.str.slice(3, 6), s.str.slice(6)
    styles = [
        "+44 " + a + " " + b + " " + c, "0" + a + " " + b + " " + c, "(0" + a + ") " + b + "-" + c,
        "0044 " + a + " " + b + " " + c, "+44 (0)" + a + " " + b + c, "+44" + s, "0" + s,
        "0" + a + "-" + b + "-" + c + " x" + pd.Series(rng.integers(1, 999, len(s)).astype(str)),
        "0" + a + "." + b + "." + c + " ext. 12",
    ]
    pick = rng.integers(0, len(styles), len(s))
    out = styles[0].copy()
    for i, st in enumerate(styles[1:], start=1):
        out[pick == i] = st[pick == i]
    return out.to_numpy(dtype=object)


def make_data(n_customers: int, n_interactions: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic customers (up to 4 phones, up to 2 e-mails) and interactions pointing at them.

    Interactions carry ``true_customer`` (the customer the row was generated from; None for
    strangers and junk) so the bench can count wrong matches.
    """
    rng = np.random.default_rng(seed)
    ids = np.char.add("C", np.char.zfill(np.arange(n_customers).astype(str), 7))
    nsn = [_numbers(rng, n_customers) for _ in range(4)]
    shared = rng.random(n_customers) < 0.02                      # households sharing a phone
    nsn[0][shared] = nsn[0][rng.integers(0, n_customers, int(shared.sum()))]
    n_phones = rng.choice([1, 2, 3, 4], n_customers, p=[0.5, 0.3, 0.15, 0.05])
    email = np.char.add(np.char.add("user", np.arange(n_customers).astype(str)), "@example.com").astype(object)
    email2 = np.char.add(np.char.add("alt", np.arange(n_customers).astype(str)), "@mail.co.uk").astype(object)
    customers = pd.DataFrame({"customer_id": ids})
    for k in range(4):
        col = _format(rng, nsn[k])
        col[n_phones <= k] = None
        customers[f"phone_{k + 1}"] = pd.Series(col, dtype="str")
    # 1% carry an invalid number in their first empty slot (interactions never use it)
    bad = (rng.random(n_customers) < 0.01) & (n_phones < 4)
    for k in range(1, 4):
        customers.loc[bad & (n_phones == k), f"phone_{k + 1}"] = "12345"
    customers["email_1"] = pd.Series(email, dtype="str")
    customers["email_2"] = pd.Series(np.where(rng.random(n_customers) < 0.3, email2, None), dtype="str")
    customers["segment"] = rng.choice(["a", "b", "c"], n_customers)

    who = rng.integers(0, n_customers, n_interactions)
    kind = rng.choice(["id", "phone", "email", "stranger", "junk"], n_interactions,
                      p=[0.3, 0.42, 0.22, 0.05, 0.01])
    slot = np.minimum(rng.integers(0, 4, n_interactions), n_phones[who] - 1)
    phone = np.full(n_interactions, None, dtype=object)
    for k in range(4):
        m = (kind == "phone") & (slot == k)
        phone[m] = _format(rng, nsn[k][who[m]])
    m = kind == "stranger"
    phone[m] = _format(rng, _numbers(rng, int(m.sum()), _STRANGER_RANGES))
    phone[kind == "junk"] = "n/a"
    mail = np.full(n_interactions, None, dtype=object)
    m = kind == "email"
    mail[m] = pd.Series(email[who[m]]).str.upper().to_numpy() + np.where(rng.random(m.sum()) < 0.5, " ", "")
    cid = np.where(kind == "id", ids[who], None)
    unknown = (kind == "id") & (rng.random(n_interactions) < 0.05)
    cid[unknown] = "X" + cid[unknown].astype(str)
    start = np.datetime64("2024-01-01T00:00:00")
    ts = start + rng.integers(0, 366 * 86400, n_interactions).astype("timedelta64[s]")
    truth = np.where(np.isin(kind, ["id", "phone", "email"]) & ~unknown, ids[who], None)
    interactions = pd.DataFrame({
        "interaction_id": np.arange(n_interactions), "true_customer": pd.Series(truth, dtype="str"),
        "timestamp": pd.Series(np.datetime_as_string(ts), dtype="str"),
        "channel": rng.choice(["Phone", "Email", "Web form"], n_interactions, p=[0.5, 0.3, 0.2]),
        "customer_id": pd.Series(cid, dtype="str"), "phone": pd.Series(phone, dtype="str"),
        "email": pd.Series(mail, dtype="str"), "campaign": rng.choice(["spring", "summer", "autumn"], n_interactions),
    })
    return customers, interactions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--interactions", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    customers, interactions = make_data(args.customers, args.interactions, args.seed)
    t1, c1 = time.perf_counter(), time.process_time()
    result = match_interactions(customers, InteractionFile(interactions, "interactions.csv"),
                                options=MatchOptions(region="GB"))
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"generated {len(customers):,} customers, {len(interactions):,} interactions in {t1 - t0:.1f} s")
    # CPU time as well: on a shared machine the wall clock also measures the neighbours.
    print(f"match_interactions: {t2 - t1:.1f} s wall, {c2 - c1:.1f} s CPU (target <= 30 s); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(result.summary.to_string(index=False))
    tp = result.touchpoints
    wrong = int((tp["user_id"] != tp["true_customer"]).sum())
    print(f"matched rows given to the wrong customer: {wrong:,} of {len(tp):,}")
    print(f"touchpoints {len(result.touchpoints):,}, issues {len(result.issues):,}, "
          f"customer issues {len(result.customer_issues):,}")


if __name__ == "__main__":
    main()

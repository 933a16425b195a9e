"""Regenerate channelattribution_markov.csv (run with a Python that has ChannelAttribution 2.2.5).

ChannelAttribution is GPL and not a dependency: install it in a scratch venv outside the repo
(``python -m venv /tmp/ca && /tmp/ca/bin/pip install channelattribution``) and run
``/tmp/ca/bin/python tests/unit/models/reference/make_channelattribution_markov.py DATA.csv``
where DATA.csv is ChannelAttribution's example Data.csv (``;``-separated).

Writes, per channel, ChannelAttribution's order-1 ``markov_model`` result with seed 0
(conversions, value, removal effects on conversions and on value) plus the standard deviation of
each over seeds 0-9: the simulation noise the reference test allows for.
"""
from __future__ import annotations

import sys
from pathlib import Path

import ChannelAttribution as ca
import pandas as pd

SEEDS = range(10)


def run(data: pd.DataFrame, seed: int) -> pd.DataFrame:
    res = ca.markov_model(data, "path", "total_conversions", var_value="total_conversion_value",
                          var_null="total_null", order=1, out_more=True, sep=">", seed=seed,
                          verbose=False, flg_pro=False)
    out = res["result"].merge(res["removal_effects"], on="channel_name")
    return out.rename(columns={"channel_name": "channel", "total_conversions": "conversions",
                               "total_conversion_value": "value",
                               "removal_effects_conversion": "removal_effect",
                               "removal_effects_conversion_value": "value_removal_effect"}).set_index("channel")


def main(source: str) -> None:
    data = pd.read_csv(source, sep=";")
    runs = [run(data, s) for s in SEEDS]
    first = runs[0]
    stacked = pd.concat(runs, keys=list(SEEDS))
    sd = stacked.groupby(level="channel").std(ddof=1).add_suffix("_sd")
    out = first.join(sd).sort_index().reset_index()
    target = Path(__file__).with_name("channelattribution_markov.csv")
    out.to_csv(target, index=False, float_format="%.8g")
    print(out.to_string())


if __name__ == "__main__":
    main(sys.argv[1])

"""Small generated inputs for the CLI tests (written once per module)."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.simulate import simulate, write_csvs


@pytest.fixture(scope="module")
def sim_files(tmp_path_factory):
    """Touchpoints, conversions and spend CSVs of 600 simulated users over 40 days."""
    out = tmp_path_factory.mktemp("sim")
    return write_csvs(simulate(n_users=600, days=40, seed=11), out)


@pytest.fixture
def hostile_files(tmp_path):
    """A tiny dataset whose channel names would run as a formula or as HTML if not neutralised.

    Journeys (one conversion each, 10.0 revenue):
      u1: =HYPERLINK("x") -> Email          u2: Email          u3: <b>bold</b> -> =HYPERLINK("x")
    """
    hyper, bold = '=HYPERLINK("x")', "<b>bold</b>"
    tp = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3", "u3"],
                       "ts": ["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 10:00", "2024-01-04 10:00",
                              "2024-01-05 10:00"],
                       "channel": [hyper, "Email", "Email", bold, hyper]})
    conv = pd.DataFrame({"user_id": ["u1", "u2", "u3"],
                         "ts": ["2024-01-02 12:00", "2024-01-03 12:00", "2024-01-05 12:00"],
                         "revenue": [10.0, 10.0, 10.0]})
    tp.to_csv(tmp_path / "tp.csv", index=False)
    conv.to_csv(tmp_path / "conv.csv", index=False)
    return tmp_path / "tp.csv", tmp_path / "conv.csv"

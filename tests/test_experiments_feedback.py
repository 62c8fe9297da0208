"""Tests of mlkit.experiments.feedback_loop_simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.experiments import (
    FEEDBACK_COLUMNS,
    FeedbackLoop,
    feedback_loop_simulation,
)
from mlkit.experiments._feedback import PRIOR_IMPRESSIONS, _spearman
from mlkit.experiments._stats import gini


def _last(loop: FeedbackLoop) -> pd.DataFrame:
    t = loop.to_frame()
    return t[t["round"] == loop.rounds].set_index("exploration")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_without_exploration_the_loop_degenerates(seed):
    loop = feedback_loop_simulation(rounds=15, random_state=seed)
    last = _last(loop)
    closed, open_ = last.loc[0.0], last.loc[0.1]
    assert closed["coverage"] < 0.2
    assert closed["exposure_gini"] > 0.9
    assert closed["best_items_shown"] < 0.5
    assert closed["estimated_vs_true_rank_correlation"] < 0.4
    # Exploration shows the whole catalogue and learns what it is worth.
    assert open_["coverage"] > 0.95
    assert open_["best_items_shown"] == 1.0
    assert open_["estimated_vs_true_rank_correlation"] > (
        closed["estimated_vs_true_rank_correlation"] + 0.3
    )
    assert open_["exposure_gini"] < closed["exposure_gini"]


def test_items_never_shown_keep_the_prior_and_good_ones_are_missed():
    loop = feedback_loop_simulation(rounds=10, exploration=(0.0,), random_state=0)
    items = loop.items
    never = items[items["impressions"] == 0]
    prior = items["true_appeal"].mean()
    assert np.allclose(never["estimate"], prior)
    assert (never["clicks"] == 0).all()
    # Among the items never shown are items more appealing than all those shown.
    shown = items[items["impressions"] > 0]
    assert never["true_appeal"].max() > shown["true_appeal"].max()
    expected = (shown["clicks"] + PRIOR_IMPRESSIONS * prior) / (
        shown["impressions"] + PRIOR_IMPRESSIONS
    )
    assert np.allclose(shown["estimate"], expected)


def test_metrics_equal_their_definitions():
    loop = feedback_loop_simulation(n_items=60, n_users=100, rounds=4, random_state=2)
    last = _last(loop)
    for exploration, items in loop.items.groupby("exploration"):
        row = last.loc[exploration]
        assert row["coverage"] == (items["impressions"] > 0).mean()
        assert row["exposure_gini"] == pytest.approx(gini(items["impressions"]))
        rho = spearmanr(items["estimate"], items["true_appeal"]).statistic
        assert row["estimated_vs_true_rank_correlation"] == pytest.approx(
            rho, abs=1e-12
        )
        assert items["impressions"].sum() == 4 * 100 * loop.slots
    x = np.array([3.0, 1.0, 1.0, 2.0, 5.0])
    y = np.array([1.0, 2.0, 2.0, 2.0, 4.0])
    assert _spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert np.isnan(_spearman(np.ones(4), np.arange(4.0)))


def test_table_shape_and_ranges():
    loop = feedback_loop_simulation(rounds=6, exploration=(0.0, 0.05, 0.3))
    table = loop.to_frame()
    assert tuple(table.columns) == FEEDBACK_COLUMNS
    assert len(table) == 18
    assert table["round"].tolist() == list(range(1, 7)) * 3
    assert table["exploration"].unique().tolist() == [0.0, 0.05, 0.3]
    for column in ("coverage", "exposure_gini", "click_through", "best_items_shown"):
        assert table[column].between(0, 1).all()
    for _, group in table.groupby("exploration"):
        assert group["coverage"].is_monotonic_increasing
    coverage = _last(loop)["coverage"]
    assert coverage.loc[0.3] >= coverage.loc[0.05] >= coverage.loc[0.0]


def test_seeded_and_shared_catalogue():
    a = feedback_loop_simulation(rounds=5, random_state=9)
    b = feedback_loop_simulation(rounds=5, random_state=9)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    c = feedback_loop_simulation(rounds=5, random_state=10)
    assert not a.to_frame().equals(c.to_frame())
    appeal = a.items.groupby("exploration")["true_appeal"].apply(np.asarray)
    np.testing.assert_array_equal(appeal.iloc[0], appeal.iloc[1])
    # A rate's rows do not depend on the other rates compared.
    alone = feedback_loop_simulation(rounds=5, exploration=(0.1,), random_state=9)
    together = a.to_frame()
    pd.testing.assert_frame_equal(
        alone.to_frame(),
        together[together["exploration"] == 0.1].reset_index(drop=True),
    )


def test_feedback_faces():
    loop = feedback_loop_simulation(rounds=5)
    assert isinstance(loop, FeedbackLoop)
    spec = loop.chart().to_dict()
    assert len(spec["concat"]) == 4
    fields = [panel["encoding"]["y"]["field"] for panel in spec["concat"]]
    assert fields == [
        "coverage",
        "exposure_gini",
        "estimated_vs_true_rank_correlation",
        "click_through",
    ]
    assert spec["concat"][0]["encoding"]["color"]["scale"]["domain"] == [
        "no exploration",
        "exploration 0.1",
    ]
    text = loop.explain()
    assert "Chapter 8" in text
    assert "positional" in text or "position" in text
    assert repr(loop).startswith("<FeedbackLoop: Without exploration")
    html = loop._repr_html_()
    assert "<table" in html
    assert "First 20" not in html  # the first, middle and last rounds only
    assert loop._display_frame()["round"].unique().tolist() == [1, 3, 5]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"exploration": (0.0, 1.5)}, MlkitValueError, "'exploration' must be shares"),
        ({"exploration": ()}, MlkitValueError, "'exploration' must be shares"),
        ({"exploration": ("a",)}, MlkitTypeError, "'exploration' must be shares"),
        ({"slots": 300}, MlkitValueError, "'slots' \\(300\\) must be at most"),
        ({"n_items": 1}, MlkitValueError, "'n_items' must be an int"),
        ({"rounds": 0}, MlkitValueError, "'rounds' must be an int"),
        ({"n_users": 2.5}, MlkitTypeError, "'n_users' must be an int"),
    ],
)
def test_feedback_refuses_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        feedback_loop_simulation(**kwargs)
    assert "Hint:" in str(info.value)

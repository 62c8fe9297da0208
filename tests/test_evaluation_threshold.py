"""Tests for mlkit.evaluation.cost_threshold: the decision threshold of least cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import ThresholdChoice, cost_threshold, expected_cost
from mlkit.evaluation._threshold import MAX_CURVE_ROWS


def _data(n: int = 400, seed: int = 0, decimals: int | None = 2):
    """Labels drawn from their scores, so that the scores are calibrated."""
    rng = np.random.default_rng(seed)
    score = rng.beta(0.7, 2.0, size=n)
    if decimals is not None:
        score = score.round(decimals)  # ties, which a sort must handle
    y = (rng.uniform(size=n) < score).astype(int)
    return y, score


def _brute(y, score, threshold, cost_fp, cost_fn):
    return expected_cost(
        y, (score >= threshold).astype(int), cost_fp=cost_fp, cost_fn=cost_fn
    )


def test_costs_equal_a_loop_over_thresholds():
    y, score = _data()
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=7)
    curve = choice.curve
    # Every distinct score, and one above the highest that flags nothing.
    assert curve["threshold"].tolist()[:-1] == np.unique(score).tolist()
    assert curve["threshold"].iloc[-1] > score.max()
    for row in curve.itertuples():
        flagged = score >= row.threshold
        assert row.cost == pytest.approx(_brute(y, score, row.threshold, 1, 7))
        assert row.fp == np.sum(flagged & (y == 0))
        assert row.fn == np.sum(~flagged & (y == 1))
        assert row.flagged == pytest.approx(flagged.mean())
    assert curve["threshold"].is_monotonic_increasing


def test_the_chosen_threshold_is_the_minimiser():
    y, score = _data(seed=1)
    choice = cost_threshold(y, score, cost_fp=2, cost_fn=5)
    assert choice.cost == pytest.approx(choice.curve["cost"].min())
    assert choice.cost == pytest.approx(_brute(y, score, choice.threshold, 2, 5))
    # No threshold at all, on a fine grid, does better than the candidates.
    grid = np.linspace(0, 1.01, 2000)
    assert min(_brute(y, score, t, 2, 5) for t in grid) >= choice.cost - 1e-12


def test_reference_costs_at_half_and_at_the_theoretical_threshold():
    y, score = _data(seed=2)
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=3)
    assert choice.theoretical_threshold == pytest.approx(0.25)
    assert choice.cost_at_half == pytest.approx(_brute(y, score, 0.5, 1, 3))
    assert choice.cost_at_theoretical == pytest.approx(_brute(y, score, 0.25, 1, 3))
    assert choice.cost <= min(choice.cost_at_half, choice.cost_at_theoretical)
    choices = choice.choices.set_index("choice")
    assert choices["threshold"].tolist() == [choice.threshold, 0.5, 0.25]
    assert choices["cost"].tolist() == pytest.approx(
        [choice.cost, choice.cost_at_half, choice.cost_at_theoretical]
    )
    at_half = score >= 0.5
    assert choices.loc["0.5 (predict)", "fp"] == np.sum(at_half & (y == 0))
    assert choices.loc["0.5 (predict)", "fn"] == np.sum(~at_half & (y == 1))
    assert choices.loc["0.5 (predict)", "flagged"] == pytest.approx(at_half.mean())
    assert choice.n == len(y)
    assert choice.prevalence == pytest.approx(y.mean())


def test_equal_costs_and_calibrated_scores_give_about_one_half():
    rng = np.random.default_rng(3)
    score = rng.uniform(size=20_000)
    y = rng.uniform(size=20_000) < score
    choice = cost_threshold(y, score, cost_fp=4, cost_fn=4, positive_label=True)
    assert choice.theoretical_threshold == 0.5
    assert abs(choice.threshold - 0.5) < 0.03


def test_unequal_costs_move_the_threshold_to_the_cost_ratio():
    rng = np.random.default_rng(4)
    score = rng.uniform(size=20_000)
    y = (rng.uniform(size=20_000) < score).astype(int)
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=9)
    assert abs(choice.threshold - 0.1) < 0.03
    assert choice.cost < choice.cost_at_half


def test_a_given_grid_is_used_as_the_candidates():
    y, score = _data(seed=5, decimals=None)
    grid = [0.9, 0.1, 0.5, 0.3, 0.3]
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=2, thresholds=grid)
    assert choice.curve["threshold"].tolist() == [0.1, 0.3, 0.5, 0.9]
    for row in choice.curve.itertuples():
        assert row.cost == pytest.approx(_brute(y, score, row.threshold, 1, 2))
    assert choice.threshold in grid


@pytest.mark.parametrize("kind", ["list", "array", "series"])
def test_inputs_of_every_type_and_string_labels(kind):
    y, score = _data(seed=6)
    labels = np.where(y == 1, "spam", "ham")
    as_type = {
        "list": list,
        "array": np.asarray,
        "series": lambda v: pd.Series(v, index=np.arange(len(v)) * 3),
    }[kind]
    y_in, score_in = as_type(labels), as_type(score)
    kept = (pd.Series(labels).copy(), pd.Series(score).copy())
    choice = cost_threshold(y_in, score_in, cost_fp=1, cost_fn=7, positive_label="spam")
    reference = cost_threshold(y, score, cost_fp=1, cost_fn=7)
    assert choice.threshold == reference.threshold
    assert choice.cost == pytest.approx(reference.cost)
    pd.testing.assert_series_equal(pd.Series(list(y_in)), kept[0])
    pd.testing.assert_series_equal(pd.Series(list(score_in)), kept[1])


def test_ties_in_cost_go_to_the_candidate_nearest_the_theoretical_threshold():
    # Flagging at 0.3 or at 0.9 costs the same here; 0.3 is nearer 0.5.
    choice = cost_threshold(
        ["ham", "spam", "spam", "ham"],
        [0.2, 0.9, 0.3, 0.6],
        cost_fp=1,
        cost_fn=1,
        positive_label="spam",
    )
    assert (choice.threshold, choice.cost) == (0.3, 0.25)


def test_the_table_is_bounded_and_keeps_the_chosen_threshold():
    y, score = _data(n=5000, seed=7, decimals=None)
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=5)
    assert len(choice.curve) == 5001
    table = choice.to_frame()
    assert len(table) <= MAX_CURVE_ROWS
    assert list(table.columns) == ["threshold", "flagged", "fp", "fn", "cost"]
    assert choice.threshold in table["threshold"].tolist()
    assert table["threshold"].iloc[0] == choice.curve["threshold"].iloc[0]
    assert table["threshold"].iloc[-1] == choice.curve["threshold"].iloc[-1]
    assert table["threshold"].is_monotonic_increasing
    small = cost_threshold([0, 1, 1], [0.2, 0.4, 0.9], cost_fp=1, cost_fn=1)
    pd.testing.assert_frame_equal(small.to_frame(), small.curve)


def test_chart_marks_the_three_thresholds():
    y, score = _data(seed=8)
    choice = cost_threshold(y, score, cost_fp=1, cost_fn=4)
    spec = choice.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "rule"]
    assert spec["layer"][0]["encoding"]["x"]["field"] == "threshold"
    assert spec["layer"][0]["encoding"]["y"]["field"] == "cost"
    marks = spec["layer"][1]["encoding"]["color"]["scale"]["domain"]
    assert len(marks) == 3
    assert "0.5 (predict)" in marks
    html = choice._repr_html_()
    assert "Decision threshold of least cost" in html
    assert "validation set" in html


def test_explain_says_why_and_warns_about_the_test_set():
    y, score = _data(seed=9)
    text = cost_threshold(y, score, cost_fp=1, cost_fn=4).explain()
    assert "not 0.5" in text
    assert "validation set" in text
    assert "Chapter 6" in text
    equal = cost_threshold(y, score, cost_fp=1, cost_fn=1).explain()
    assert "equal costs" in equal.lower()
    assert repr(cost_threshold(y, score, cost_fp=1, cost_fn=4)).startswith(
        "<ThresholdChoice: The threshold of least expected cost"
    )
    assert isinstance(cost_threshold(y, score, cost_fp=1, cost_fn=4), ThresholdChoice)


@pytest.mark.parametrize(
    ("y_true", "y_score", "kwargs", "error", "match"),
    [
        (
            [0, 1, 1],
            [0.2, 1.3, 0.5],
            {},
            MlkitValueError,
            "'y_score' must be probabilities",
        ),
        ([0, 1, 1], [0.2, -0.1, 0.5], {}, MlkitValueError, "in \\[0, 1\\]"),
        (
            [0, 1, 1],
            [0.2, np.nan, 0.5],
            {},
            MlkitValueError,
            "'y_score' must be probabilities",
        ),
        ([0, 1, 1], ["a", "b", "c"], {}, MlkitTypeError, "'y_score' must hold numbers"),
        ([0, 1, 1], [0.2, 0.5], {}, MlkitValueError, "'y_score' has 2 values"),
        ([1, 1, 1], [0.2, 0.3, 0.5], {}, MlkitValueError, "single class"),
        ([0, 1, 2], [0.2, 0.3, 0.5], {}, MlkitValueError, "two classes"),
        ([0, 1, None], [0.2, 0.3, 0.5], {}, MlkitValueError, "missing label"),
        ([], [], {}, MlkitValueError, "'y_true' is empty"),
        (["a", "b"], [0.2, 0.3], {}, MlkitValueError, "'positive_label' is 1"),
        ([0, 1], [0.2, 0.3], {"cost_fp": 0}, MlkitValueError, "'cost_fp' must be"),
        ([0, 1], [0.2, 0.3], {"cost_fn": -2}, MlkitValueError, "'cost_fn' must be"),
        ([0, 1], [0.2, 0.3], {"cost_fn": True}, MlkitTypeError, "'cost_fn' must be"),
        ([0, 1], [0.2, 0.3], {"thresholds": []}, MlkitValueError, "'thresholds'"),
        ([0, 1], [0.2, 0.3], {"thresholds": [0.1, np.nan]}, MlkitValueError, "finite"),
    ],
)
def test_bad_inputs_are_refused_with_a_hint(y_true, y_score, kwargs, error, match):
    arguments = {"cost_fp": 1, "cost_fn": 2, **kwargs}
    with pytest.raises(error, match=match) as info:
        cost_threshold(y_true, y_score, **arguments)
    assert "\nHint: " in str(info.value)


@pytest.mark.parametrize("thresholds", [[True, False], [0.2 + 0j, 0.5]])
def test_thresholds_that_are_not_real_numbers_are_refused(thresholds):
    with pytest.raises(MlkitValueError, match="'thresholds' must be one or more"):
        cost_threshold([0, 1], [0.2, 0.3], cost_fp=1, cost_fn=1, thresholds=thresholds)


@pytest.mark.parametrize("cost", [1e301, np.inf])
def test_costs_beyond_1e300_are_refused_rather_than_overflowing(cost):
    from mlkit.evaluation import threshold_report

    with pytest.raises(MlkitValueError, match=r"'cost_fn' must be a number in \(0, "):
        cost_threshold([0, 1, 1], [0.2, 0.3, 0.9], cost_fp=1, cost_fn=cost)
    with pytest.raises(MlkitValueError, match=r"'cost_fn' must be a number in \(0, "):
        threshold_report(
            [0, 1, 1], [0.2, 0.3, 0.9], threshold=0.5, cost_fp=1, cost_fn=cost
        )
    choice = cost_threshold([0, 1, 0], [0.2, 0.3, 0.9], cost_fp=1e300, cost_fn=1e300)
    assert choice.cost == pytest.approx(1e300 / 3)


def test_a_report_on_scores_wider_than_the_float_range_has_a_finite_curve():
    from mlkit.evaluation import threshold_report

    report = threshold_report(
        [0, 1, 0, 1], [-1.7e308, 1.7e308, 0.0, 1.0], threshold=0.5
    )
    grid = report.curve["threshold"].to_numpy()
    assert np.isfinite(grid).all()
    assert grid[0] == -1.7e308
    assert grid[-1] == 1.7e308
    assert (np.diff(grid) > 0).all()
    assert (report.tp, report.fp, report.fn, report.tn) == (2, 0, 0, 2)

"""Tests of mlkit.experiments' continual learning: simulate_retraining, champion_challenger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Perceptron, Ridge, SGDClassifier
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    roc_auc_score,
    root_mean_squared_error,
)
from statsmodels.stats.contingency_tables import mcnemar

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.design import DesignLog
from mlkit.evaluation import score
from mlkit.experiments._retraining import (
    CHAMPION_COLUMNS,
    FRESHNESS_COLUMNS,
    SIMULATION_COLUMNS,
    SUMMARY_COLUMNS,
    ChampionChallenger,
    RetrainingSimulation,
    _mcnemar,
    _metric,
    _paired_bootstrap,
    _response,
    champion_challenger,
    simulate_retraining,
)
from mlkit.models import ladder


def _stream(seed: int, *, step: float, periods: int = 8, rows: int = 250):
    """Three features; the label's boundary turns by ``step`` radians each period."""
    rng = np.random.default_rng(seed)
    period = np.repeat(np.arange(periods), rows)
    X = pd.DataFrame(rng.normal(size=(len(period), 3)), columns=["a", "b", "c"])
    angle = period * step
    logit = 3 * (X["a"] * np.cos(angle) + X["b"] * np.sin(angle))
    y = pd.Series((rng.random(len(period)) < 1 / (1 + np.exp(-logit))).astype(int))
    return X, y, pd.Series(period, name="month")


DRIFT = np.pi / 10  # 18 degrees a period
SEEDS = (0, 1, 2)


def _rows(table, strategy, cadence):
    """The rows of one strategy; cadence None is "never retrain"."""
    same = table["cadence"].isna() if cadence is None else table["cadence"] == cadence
    return table[(table["strategy"] == strategy) & same.fillna(False)]


# --------------------------------------------------------------------------- metrics


def _draws(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(k, n))


@pytest.mark.parametrize(
    ("metric", "reference"),
    [
        ("roc_auc", roc_auc_score),
        ("pr_auc", average_precision_score),
        ("accuracy", accuracy_score),
        ("f1", f1_score),
        ("macro_f1", lambda y, p: f1_score(y, p, average="macro")),
        ("log_loss", lambda y, p: log_loss(y, p, labels=[0, 1])),
    ],
)
def test_metric_on_resampled_rows_equals_scikit_learn(metric, reference):
    X, y, _period = _stream(3, step=0.0, periods=2, rows=150)
    model = LogisticRegression().fit(X[:150], y[:150])
    Xt, yt = X[150:], y[150:].to_numpy()
    response = _response(model, Xt, yt, metric)
    idx = _draws(len(yt), 20, 0)
    counts = np.stack([np.bincount(i, minlength=len(yt)) for i in idx])
    ours = _metric(metric, yt, response, counts)
    for b, rows in enumerate(idx):
        if metric in ("roc_auc", "pr_auc"):
            given = model.predict_proba(Xt)[:, 1][rows]
        elif metric == "log_loss":
            given = model.predict_proba(Xt)[rows]
        else:
            given = model.predict(Xt)[rows]
        assert ours[b] == pytest.approx(reference(yt[rows], given), abs=1e-12)
    # Unweighted, as mlkit.evaluation.score computes it.
    assert _metric(metric, yt, response)[0] == pytest.approx(
        score(model, Xt, yt, metric), abs=1e-12
    )


@pytest.mark.parametrize(
    ("metric", "reference"),
    [("mae", mean_absolute_error), ("rmse", root_mean_squared_error)],
)
def test_regression_metric_on_resampled_rows_equals_scikit_learn(metric, reference):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y = X @ [1.0, -2.0] + rng.normal(size=300)
    model = Ridge().fit(X[:200], y[:200])
    yt = y[200:]
    response = _response(model, X[200:], yt, metric)
    idx = _draws(len(yt), 10, 1)
    counts = np.stack([np.bincount(i, minlength=len(yt)) for i in idx])
    ours = _metric(metric, yt, response, counts)
    predicted = model.predict(X[200:])
    for b, rows in enumerate(idx):
        assert ours[b] == pytest.approx(reference(yt[rows], predicted[rows]), rel=1e-12)
    assert _metric(metric, yt, response)[0] == pytest.approx(
        score(model, X[200:], yt, metric), rel=1e-12
    )


def test_multiclass_metrics_equal_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = np.argmax(X + rng.normal(scale=0.8, size=X.shape), axis=1)
    model = LogisticRegression().fit(X[:200], y[:200])
    Xt, yt = X[200:], y[200:]
    for metric in ("log_loss", "accuracy", "macro_f1"):
        value = _metric(metric, yt, _response(model, Xt, yt, metric))[0]
        assert value == pytest.approx(score(model, Xt, yt, metric), abs=1e-12)


def test_mcnemar_equals_statsmodels():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.random(60) < rng.uniform(0.5, 0.9)
        b = rng.random(60) < rng.uniform(0.5, 0.9)
        table = [[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]
        expected = mcnemar(table, exact=True).pvalue
        assert _mcnemar(a.astype(float), b.astype(float)) == pytest.approx(
            expected, abs=1e-12
        )


def test_paired_bootstrap_equals_a_plain_loop():
    X, y, _ = _stream(0, step=DRIFT, periods=3, rows=200)
    a = LogisticRegression().fit(X[:200], y[:200])
    b = LogisticRegression().fit(X[200:400], y[200:400])
    Xt, yt = X[400:], y[400:].to_numpy()
    sa, sb = a.predict_proba(Xt)[:, 1], b.predict_proba(Xt)[:, 1]
    ours = _paired_bootstrap(
        "roc_auc",
        yt,
        _response(a, Xt, yt, "roc_auc"),
        _response(b, Xt, yt, "roc_auc"),
        120,
        np.random.default_rng(5),
    )
    idx = np.random.default_rng(5).integers(0, len(yt), size=(120, len(yt)))
    loop = [roc_auc_score(yt[r], sb[r]) - roc_auc_score(yt[r], sa[r]) for r in idx]
    np.testing.assert_allclose(ours, loop, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- simulation


@pytest.fixture(scope="module")
def drifting():
    return {
        seed: simulate_retraining(
            *_stream(seed, step=DRIFT),
            make_model=LogisticRegression,
            task="binary",
            window=2,
            random_state=seed,
        )
        for seed in SEEDS
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_under_drift_fresher_models_win(drifting, seed):
    sim = drifting[seed]
    summary = sim.to_frame().set_index("label")["mean_value"]
    assert summary["retrain every period"] > summary["never retrain"] + 0.1
    assert (
        summary["retrain every period"]
        > summary["retrain every 2 periods"]
        > summary["retrain every 4 periods"]
        > summary["never retrain"]
    )
    assert summary["incremental updates"] > summary["never retrain"] + 0.1
    fresh = sim.freshness.set_index("staleness")
    assert fresh.loc[1, "gap"] == 0
    assert fresh.loc[2, "gap"] < 0
    assert fresh.loc[3, "gap"] < fresh.loc[2, "gap"]
    assert sim.loss_per_period > 0.01
    text = sim.explain()
    assert "retrain every period" in text
    assert "chapter 9" in text
    assert f"{summary['never retrain']:.3f}" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_stationary_stream_cadences_tie(seed):
    sim = simulate_retraining(
        *_stream(seed, step=0.0),
        make_model=LogisticRegression,
        task="binary",
        window=1,
        random_state=seed,
    )
    values = sim.to_frame()["mean_value"]
    assert values.max() - values.min() < 0.01
    assert abs(sim.loss_per_period) < 0.005
    assert sim.freshness["gap"].abs().max() < 0.03


def test_table_layout_and_bookkeeping():
    X, y, period = _stream(0, step=DRIFT, periods=6, rows=100)
    sim = simulate_retraining(
        X, y, period, make_model=LogisticRegression, task="binary", cadences=(2, None)
    )
    assert isinstance(sim, RetrainingSimulation)
    t = sim.table
    assert tuple(t.columns) == SIMULATION_COLUMNS
    assert str(t["cadence"].dtype) == "Int64"
    every2 = _rows(t, "stateless", 2)
    assert every2["period"].tolist() == [1, 2, 3, 4, 5]
    assert every2["staleness"].tolist() == [1, 2, 1, 2, 1]
    # All history: trained through periods 0, 0, 2, 2, 4.
    assert every2["train_rows"].tolist() == [100, 100, 300, 300, 500]
    assert (every2["fit_seconds"].to_numpy()[[1, 3]] == 0).all()
    never = _rows(t, "stateless", None)
    assert never["staleness"].tolist() == [1, 2, 3, 4, 5]
    assert never["train_rows"].tolist() == [100] * 5
    stateful = _rows(t, "stateful", 1)
    assert stateful["staleness"].tolist() == [1] * 5
    assert stateful["train_rows"].tolist() == [100, 200, 300, 400, 500]
    summary = sim.to_frame()
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["retrains"].tolist() == [2, 0, 4]
    assert summary["label"].tolist() == [
        "retrain every 2 periods",
        "never retrain",
        "incremental updates",
    ]
    assert tuple(sim.freshness.columns) == FRESHNESS_COLUMNS
    assert sim.periods == tuple(range(6))


def test_values_are_the_scores_of_the_models_in_service():
    X, y, period = _stream(1, step=DRIFT, periods=4, rows=150)
    sim = simulate_retraining(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        cadences=(1, None),
        window=1,
        metric="accuracy",
    )
    t = sim.table
    first = LogisticRegression().fit(X[period == 0], y[period == 0])
    third = LogisticRegression().fit(X[period == 2], y[period == 2])
    never, every = _rows(t, "stateless", None), _rows(t, "stateless", 1)
    assert never["value"].iloc[-1] == pytest.approx(
        score(first, X[period == 3], y[period == 3], "accuracy")
    )
    assert every["value"].iloc[-1] == pytest.approx(
        score(third, X[period == 3], y[period == 3], "accuracy")
    )


def test_deterministic_and_seeded():
    data = _stream(4, step=DRIFT, periods=5, rows=120)
    run = [
        simulate_retraining(
            *data, make_model=LogisticRegression, task="binary", random_state=7
        ).table.drop(columns="fit_seconds")
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(run[0], run[1])
    other = simulate_retraining(
        *data, make_model=LogisticRegression, task="binary", random_state=8
    ).table
    stateful = other["strategy"] == "stateful"
    assert not np.allclose(
        other.loc[stateful, "value"], run[0].loc[stateful, "value"], atol=0, rtol=0
    )


@pytest.mark.parametrize("kind", ["int", "timestamp", "string"])
def test_periods_of_any_sortable_type_and_any_row_order(kind):
    X, y, period = _stream(2, step=DRIFT, periods=5, rows=100)
    base = simulate_retraining(
        X, y, period, make_model=LogisticRegression, task="binary", cadences=(1, None)
    )
    labels = {
        "int": period * 10,
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(period * 7, unit="D"),
        "string": "2024-0" + (period + 1).astype(str),
    }[kind]
    shuffled = np.random.default_rng(0).permutation(len(X))
    sim = simulate_retraining(
        X.iloc[shuffled],
        y.iloc[shuffled].to_numpy(),
        labels.iloc[shuffled].to_numpy(),
        make_model=LogisticRegression,
        task="binary",
        cadences=(1, None),
    )
    # Rows of a period in another order give another SGD path, but the same
    # stateless models (LogisticRegression's solution does not depend on order).
    stateless = sim.table["strategy"] == "stateless"
    np.testing.assert_allclose(
        sim.table.loc[stateless, "value"], base.table.loc[stateless, "value"], atol=1e-6
    )
    assert list(sim.table.loc[stateless, "period"][:4]) == list(
        pd.Series(labels.unique()[1:5])
    )
    spec = sim.chart().to_dict()
    assert (
        spec["hconcat"][0]["encoding"]["x"]["type"]
        == {
            "int": "quantitative",
            "timestamp": "temporal",
            "string": "ordinal",
        }[kind]
    )


def test_inputs_are_not_modified():
    X, y, period = _stream(0, step=DRIFT, periods=4, rows=100)
    copies = X.copy(), y.copy(), period.copy()
    simulate_retraining(X, y, period, make_model=LogisticRegression, task="binary")
    champion_challenger(
        X, y, period, make_model=LogisticRegression, task="binary", n_bootstrap=50
    )
    pd.testing.assert_frame_equal(X, copies[0])
    pd.testing.assert_series_equal(y, copies[1])
    pd.testing.assert_series_equal(period, copies[2])


def test_regression_and_numpy_inputs():
    rng = np.random.default_rng(0)
    week = np.repeat(np.arange(6), 100)
    X = rng.normal(size=(600, 3))
    y = X @ [1.0, 2.0, 0.0] + week * X[:, 2] + rng.normal(size=600)
    sim = simulate_retraining(
        X, y, week, make_model=Ridge, task="regression", window=2, cadences=(1, None)
    )
    assert sim.metric == "mae"
    assert not sim.higher_is_better
    summary = sim.to_frame().set_index("label")["mean_value"]
    assert summary["retrain every period"] < summary["never retrain"]
    assert sim.loss_per_period > 0
    assert "lower is better" in sim.explain()


def test_pipeline_preprocessor_feeds_the_incremental_model():
    rng = np.random.default_rng(0)
    n = 900
    month = np.repeat(np.arange(3), 300)
    X = pd.DataFrame(
        {"age": rng.integers(18, 80, n), "plan": rng.choice(["a", "b", "c"], n)}
    )
    y = ((X["age"] > 45) | (X["plan"] == "c")).astype(int)
    models = ladder("binary", {"age": "integer", "plan": "category"}, random_state=0)
    sim = simulate_retraining(
        X,
        y,
        month,
        make_model=lambda: ladder(
            "binary", {"age": "integer", "plan": "category"}, random_state=0
        )["tree"],
        make_incremental=lambda: Perceptron(random_state=0),
        task="binary",
        cadences=(1,),
    )
    assert "preprocess" in dict(models["tree"].steps)
    assert sim.table["value"].notna().all()
    assert sim.to_frame().set_index("strategy").loc["stateful", "mean_value"] > 0.8


def test_multiclass_runs_with_its_default_metric():
    rng = np.random.default_rng(0)
    period = np.repeat(np.arange(3), 200)
    X = rng.normal(size=(600, 3))
    y = np.argmax(X + rng.normal(scale=0.5, size=X.shape), axis=1)
    sim = simulate_retraining(
        X, y, period, make_model=LogisticRegression, task="multiclass", cadences=(1,)
    )
    assert sim.metric == "log_loss"
    assert sim.table["value"].between(0, 2).all()


def test_rich_display_and_chart():
    X, y, period = _stream(0, step=DRIFT, periods=4, rows=100)
    sim = simulate_retraining(
        X, y, period, make_model=LogisticRegression, task="binary"
    )
    spec = sim.chart().to_dict()
    assert len(spec["hconcat"]) == 2
    assert spec["hconcat"][0]["mark"]["type"] == "line"
    assert spec["hconcat"][1]["layer"][0]["encoding"]["x"]["field"] == "staleness"
    html = sim._repr_html_()
    assert "how often to retrain" in html
    assert repr(sim).startswith("<RetrainingSimulation: Replayed 3 periods")


class _NoPartialFit:
    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"y": [0, 1]}, MlkitValueError, "'y' has 2 values, but 'X' has 400 rows"),
        ({"periods": [0] * 3}, MlkitValueError, "'periods' has 3 values"),
        ({"periods": [5] * 400}, MlkitValueError, "single period"),
        ({"periods": [0] * 399 + [None]}, MlkitValueError, "'periods' has 1 missing"),
        ({"metric": "auc"}, MlkitValueError, "'metric' must be one of"),
        ({"metric": "mae"}, MlkitValueError, "for a binary task"),
        ({"task": "ranking"}, MlkitValueError, "'task' must be one of"),
        ({"make_model": LogisticRegression()}, MlkitTypeError, "'make_model' must be"),
        ({"make_model": lambda: "model"}, MlkitTypeError, "has no fit"),
        ({"make_incremental": _NoPartialFit}, MlkitTypeError, "no partial_fit"),
        (
            {"make_incremental": Perceptron, "metric": "log_loss"},
            MlkitTypeError,
            "needs the model's predict_proba",
        ),
        ({"cadences": (0, None)}, MlkitValueError, "'cadences' must hold ints"),
        ({"cadences": 2}, MlkitTypeError, "'cadences' must hold ints"),
        ({"window": 0}, MlkitValueError, "'window' must be None or an int"),
        ({"random_state": "seed"}, MlkitTypeError, "'random_state'"),
    ],
)
def test_simulation_refuses_bad_input(kwargs, error, match):
    X, y, period = _stream(0, step=0.0, periods=2, rows=200)
    arguments = {
        "X": X,
        "y": y,
        "periods": period,
        "make_model": LogisticRegression,
        "task": "binary",
        **kwargs,
    }
    with pytest.raises(error, match=match) as info:
        simulate_retraining(
            arguments.pop("X"),
            arguments.pop("y"),
            arguments.pop("periods"),
            **arguments,
        )
    assert "\nHint: " in str(info.value)


def test_single_class_training_rows_are_refused():
    X, y, period = _stream(0, step=0.0, periods=3, rows=100)
    y = y.copy()
    y[period == 1] = 1
    with pytest.raises(MlkitValueError, match="single class") as info:
        simulate_retraining(
            X, y, period, make_model=LogisticRegression, task="binary", window=1
        )
    assert "Hint: " in str(info.value)


# --------------------------------------------------------------------------- champion


@pytest.mark.parametrize("seed", SEEDS)
def test_challengers_are_promoted_under_drift(seed):
    loop = champion_challenger(
        *_stream(seed, step=DRIFT),
        make_model=LogisticRegression,
        task="binary",
        train_window=1,
        n_bootstrap=300,
        random_state=seed,
    )
    assert isinstance(loop, ChampionChallenger)
    t = loop.table
    assert tuple(t.columns) == CHAMPION_COLUMNS
    tested = t.dropna(subset=["difference"])
    assert len(tested) == len(t) - 1  # the first period has no challenger
    assert len(loop.promotions) >= len(tested) - 1
    assert t["deployed_value"].mean() > t["first_champion_value"].mean() + 0.1
    np.testing.assert_array_equal(t["deployed_value"], t["champion_value"])
    # A promoted challenger serves from the next period on.
    for i in np.flatnonzero(t["decision"] == "promoted"):
        if i + 1 < len(t):
            assert t["champion"].iloc[i + 1] == t["challenger"].iloc[i]
    text = loop.explain()
    assert f"{len(loop.promotions)} of {len(tested)} challengers" in text


def test_false_promotions_are_rare_on_a_stationary_stream():
    promoted = 0
    for seed in SEEDS:
        loop = champion_challenger(
            *_stream(seed, step=0.0),
            make_model=LogisticRegression,
            task="binary",
            min_improvement=0.01,
            n_bootstrap=300,
            random_state=seed,
        )
        promoted += len(loop.promotions)
    assert promoted <= 1


def _loop_interval(y, a, b, n_bootstrap, rng, alpha, minimum, metric):
    n = len(y)
    idx = rng.integers(0, n, size=(n_bootstrap, n))
    draws = []
    for rows in idx:
        if metric == "roc_auc":
            if len(np.unique(y[rows])) < 2:
                continue
            draws.append(
                roc_auc_score(y[rows], b[rows]) - roc_auc_score(y[rows], a[rows])
            )
        else:  # mae: lower is better, so the improvement is champion minus challenger
            draws.append(
                mean_absolute_error(y[rows], a[rows])
                - mean_absolute_error(y[rows], b[rows])
            )
    draws = np.array(draws)
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return low, high, (1 + np.sum(draws <= minimum)) / (1 + len(draws))


def test_bootstrap_interval_equals_a_plain_loop():
    X, y, period = _stream(6, step=DRIFT, periods=4, rows=150)
    loop = champion_challenger(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        train_window=1,
        alpha=0.1,
        min_improvement=0.002,
        n_bootstrap=100,
        random_state=11,
    )
    rng = np.random.default_rng(11)
    champion = LogisticRegression().fit(X[period == 0], y[period == 0])
    for p in (2, 3):
        challenger = LogisticRegression().fit(X[period == p - 1], y[period == p - 1])
        Xt, yt = X[period == p], y[period == p].to_numpy()
        a = champion.decision_function(Xt)
        b = challenger.decision_function(Xt)
        low, high, p_value = _loop_interval(yt, a, b, 100, rng, 0.1, 0.002, "roc_auc")
        row = loop.table.set_index("period").loc[p]
        assert row["low"] == pytest.approx(low, abs=1e-12)
        assert row["high"] == pytest.approx(high, abs=1e-12)
        assert row["p_value"] == pytest.approx(p_value, abs=1e-12)
        assert row["difference"] == pytest.approx(
            roc_auc_score(yt, b) - roc_auc_score(yt, a), abs=1e-12
        )
        assert (row["decision"] == "promoted") == (low > 0.002)
        if row["decision"] == "promoted":
            champion = challenger


def test_regression_interval_equals_a_plain_loop():
    rng = np.random.default_rng(0)
    week = np.repeat(np.arange(3), 120)
    X = rng.normal(size=(360, 2))
    y = X @ [1.0, 1.0] + 2 * week * X[:, 1] + rng.normal(size=360)
    loop = champion_challenger(
        X, y, week, make_model=Ridge, task="regression", n_bootstrap=150, random_state=3
    )
    champion = Ridge().fit(X[week == 0], y[week == 0])
    challenger = Ridge().fit(X[week <= 1], y[week <= 1])
    Xt, yt = X[week == 2], y[week == 2]
    low, high, p_value = _loop_interval(
        yt,
        champion.predict(Xt),
        challenger.predict(Xt),
        150,
        np.random.default_rng(3),
        0.05,
        0.0,
        "mae",
    )
    row = loop.table.iloc[1]
    assert loop.metric == "mae"
    assert (row["low"], row["high"], row["p_value"]) == pytest.approx(
        (low, high, p_value), abs=1e-12
    )
    assert row["difference"] == pytest.approx(
        mean_absolute_error(yt, champion.predict(Xt))
        - mean_absolute_error(yt, challenger.predict(Xt))
    )


def test_accuracy_gets_mcnemar():
    X, y, period = _stream(0, step=DRIFT, periods=3, rows=200)
    loop = champion_challenger(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        metric="accuracy",
        n_bootstrap=100,
    )
    champion = LogisticRegression().fit(X[period == 0], y[period == 0])
    challenger = LogisticRegression().fit(X[period <= 1], y[period <= 1])
    Xt, yt = X[period == 2], y[period == 2]
    a, b = champion.predict(Xt) == yt, challenger.predict(Xt) == yt
    table = [[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]
    assert loop.table["mcnemar_p_value"].iloc[1] == pytest.approx(
        mcnemar(table, exact=True).pvalue, abs=1e-12
    )
    assert np.isnan(loop.table["mcnemar_p_value"].iloc[0])


def test_design_log_receives_experiments_and_decisions(tmp_path):
    X, y, period = _stream(0, step=DRIFT, periods=4, rows=150)
    period = pd.Timestamp("2024-01-01") + pd.to_timedelta(period * 31, unit="D")
    log = DesignLog("stream", run_dir=tmp_path)
    loop = champion_challenger(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        train_window=1,
        n_bootstrap=100,
        log=log,
    )
    runs = log.experiments(stage="continual_learning")
    assert runs["name"].tolist() == ["challenger.2024-03-03", "challenger.2024-04-03"]
    assert loop.table["challenger"].tolist()[1:] == runs["name"].tolist()
    for column in ("champion", "challenger", "difference", "low", "high", "p_value"):
        np.testing.assert_allclose(
            runs[column],
            loop.table[
                column
                if column not in ("champion", "challenger")
                else f"{column}_value"
            ].iloc[1:],
            rtol=1e-12,
        )
    assert runs["model"].str.contains("LogisticRegression").all()
    history = log.to_frame(history=True)
    steps = history[history["key"] == "retraining.promotion"]
    assert len(steps) == 2
    assert steps["stage"].eq("continual_learning").all()
    expected = [
        "promote" if d == "promoted" else "keep" for d in loop.table["decision"][1:]
    ]
    assert steps["choice"].tolist() == expected
    latest = log.get("retraining.promotion")
    assert latest.evidence["promotions"] == [str(p) for p in loop.promotions]
    assert "lower bound" in latest.rationale


def test_an_iteration_override_is_acted_on(tmp_path):
    X, y, period = _stream(0, step=DRIFT, periods=4, rows=150)
    log = DesignLog.start(
        "stream", run_dir=tmp_path, overrides={"retraining.promotion": "keep"}
    )
    loop = champion_challenger(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        n_bootstrap=100,
        log=log,
    )
    assert loop.promotions == []
    assert log.get("retraining.promotion").source == "override"


def test_champion_is_deterministic_and_charts():
    data = _stream(1, step=DRIFT, periods=4, rows=120)
    runs = [
        champion_challenger(
            *data,
            make_model=LogisticRegression,
            task="binary",
            n_bootstrap=100,
            random_state=4,
        )
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0].table, runs[1].table)
    spec = runs[0].chart().to_dict()
    assert len(spec["vconcat"]) == 2
    top, bottom = spec["vconcat"]
    assert [layer["mark"]["type"] for layer in top["layer"]] == ["line", "rule"]
    assert [layer["mark"]["type"] for layer in bottom["layer"]] == [
        "rule",
        "point",
        "rule",
    ]
    assert "<h4" in runs[0]._repr_html_()
    assert repr(runs[0]).startswith("<ChampionChallenger: ")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 0.5}, MlkitValueError, "'alpha' must be a number in"),
        ({"alpha": "0.05"}, MlkitTypeError, "'alpha'"),
        ({"n_bootstrap": 0}, MlkitValueError, "'n_bootstrap' must be an int"),
        ({"min_improvement": float("nan")}, MlkitValueError, "'min_improvement'"),
        ({"train_window": 1.5}, MlkitTypeError, "'train_window'"),
        ({"log": "runs"}, MlkitTypeError, "'log' must be a mlkit.design.DesignLog"),
        ({"metric": "rmse"}, MlkitValueError, "for a binary task"),
        ({"make_model": None}, MlkitTypeError, "'make_model' must be a callable"),
    ],
)
def test_champion_refuses_bad_input(kwargs, error, match):
    X, y, period = _stream(0, step=0.0, periods=2, rows=100)
    with pytest.raises(error, match=match) as info:
        champion_challenger(
            X,
            y,
            period,
            **{"make_model": LogisticRegression, "task": "binary", **kwargs},
        )
    assert "\nHint: " in str(info.value)


def test_sgd_incremental_default_for_non_pipeline_models():
    X, y, period = _stream(0, step=DRIFT, periods=4, rows=150)
    sim = simulate_retraining(
        X,
        y,
        period,
        make_model=LogisticRegression,
        task="binary",
        cadences=(),
        make_incremental=lambda: SGDClassifier(loss="log_loss", random_state=0),
    )
    assert sim.table["strategy"].unique().tolist() == ["stateful"]
    assert sim.table["value"].gt(0.7).all()


def test_text_labels_and_a_period_of_one_class():
    X, y, period = _stream(5, step=DRIFT, periods=5, rows=150)
    y = y.copy()
    y[period == 2] = 0  # no positive in period 2: its ROC-AUC is undefined
    text = pd.Series(np.where(y == 1, "stay", "churn"))
    sims = [
        simulate_retraining(
            X,
            labels,
            period,
            make_model=LogisticRegression,
            task="binary",
            cadences=(1, None),
        )
        for labels in (y, text)
    ]
    # "stay" is the larger label, so it is the positive class, as 1 is.
    pd.testing.assert_frame_equal(
        sims[0].table.drop(columns="fit_seconds"),
        sims[1].table.drop(columns="fit_seconds"),
    )
    values = sims[1].table.set_index("period")["value"]
    assert values.loc[2].isna().all()
    assert values.drop(index=2).notna().all()
    loop = champion_challenger(
        X, text, period, make_model=LogisticRegression, task="binary", n_bootstrap=50
    )
    row = loop.table.set_index("period").loc[2]
    assert np.isnan(row["low"])
    assert np.isnan(row["p_value"])
    assert row["decision"] == "kept champion"


def test_default_sgd_regressor_stays_stable_on_many_features():
    rng = np.random.default_rng(0)
    week = np.repeat(np.arange(4), 200)
    X = rng.normal(size=(800, 300))
    y = X[:, 0] + 2 * X[:, 1] + rng.normal(size=800)
    sim = simulate_retraining(
        X, y, week, make_model=Ridge, task="regression", cadences=(None,)
    )
    stateful = _rows(sim.table, "stateful", 1)["value"]
    never = _rows(sim.table, "stateless", None)["value"]
    # A constant step of 0.01 would diverge here (errors in the hundreds).
    assert stateful.max() < 2 * never.max()


def test_two_periods_leave_no_challenger_to_test():
    X, y, period = _stream(0, step=0.0, periods=2, rows=100)
    loop = champion_challenger(
        X, y, period, make_model=LogisticRegression, task="binary"
    )
    assert loop.table["challenger"].isna().all()
    assert loop.promotions == []
    assert loop.explain().startswith("No challenger was tested")
    assert loop.chart().to_dict()["vconcat"]


def test_an_ensemble_lends_its_first_member_encoder_to_the_incremental_model():
    # The ladder's "averaging" wraps a voting model in a one-step Pipeline: its
    # members encode the raw columns, the ensemble itself has no encoding step.
    rng = np.random.default_rng(0)
    n = 900
    month = np.repeat(np.arange(3), 300)
    X = pd.DataFrame(
        {"age": rng.integers(18, 80, n), "plan": rng.choice(["a", "b", "c"], n)}
    )
    y = ((X["age"] > 45) | (X["plan"] == "c")).astype(int)
    kinds = {"age": "integer", "plan": "category"}
    averaging = ladder("binary", kinds, random_state=0)["averaging"]
    assert "preprocess" not in dict(averaging.steps)
    sim = simulate_retraining(
        X,
        y,
        month,
        make_model=lambda: ladder("binary", kinds, random_state=0)["averaging"],
        task="binary",
        cadences=(1,),
        random_state=0,
    )
    assert sim.table["value"].notna().all()
    assert sim.to_frame().set_index("strategy").loc["stateful", "mean_value"] > 0.8

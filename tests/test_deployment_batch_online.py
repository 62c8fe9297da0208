"""Tests of mlkit.deployment.batch_vs_online, on series where the answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.deployment import BATCH_ONLINE_COLUMNS, BatchVsOnline, batch_vs_online
from mlkit.evaluation import score

# A Thursday: 1970-01-01 was one too, so weekly runs start on it.
START = "2024-01-04"


def _drifting(hours: int = 24 * 35, seed: int = 0):
    """Hourly demand driven by a temperature that wanders: staleness must hurt."""
    rng = np.random.default_rng(seed)
    time = pd.date_range(START, periods=hours, freq="h")
    temp = np.cumsum(rng.normal(scale=0.8, size=hours))
    hour = time.hour.to_numpy()
    X = pd.DataFrame({"time": time, "hour": hour, "temp": temp})
    y = 5 * temp + np.sin(hour / 24 * 2 * np.pi) * 3 + rng.normal(size=hours)
    model = LinearRegression().fit(
        X[["hour", "temp"]].assign(hour=np.sin(hour / 24 * 2 * np.pi)), y
    )
    # The model sees sin(hour) through the column "hour" itself.
    X["hour"] = np.sin(hour / 24 * 2 * np.pi)
    return model, X, y


def _static(days: int = 21, seed: int = 0):
    """Stations whose level never changes, seen every hour from the first run."""
    rng = np.random.default_rng(seed)
    time = pd.date_range(START, periods=24 * days, freq="h")
    stations = {"a": 10.0, "b": 20.0, "c": 35.0}
    frames = [
        pd.DataFrame({"time": time, "station": s, "level": v, "hour": time.hour})
        for s, v in stations.items()
    ]
    X = pd.concat(frames, ignore_index=True).sample(frac=1, random_state=1)
    X = X.reset_index(drop=True)
    y = X["level"] + 4 * (X["hour"] >= 12) + rng.normal(scale=0.5, size=len(X))
    model = LinearRegression().fit(
        X[["level", "hour"]].assign(hour=(X["hour"] >= 12).astype(float)), y
    )
    X["hour"] = (X["hour"] >= 12).astype(float)
    return model, X, y


def _naive(model, X, y, *, time, entity, known, step, features):
    """Predictions as a batch job run every `step` would serve them, row by row."""
    predictions = np.full(len(X), np.nan)
    ages = []
    for i in range(len(X)):
        run = X[time].iloc[i].floor(step)
        same = X[entity] == X[entity].iloc[i] if entity else np.ones(len(X), bool)
        earlier = np.flatnonzero(same & (X[time] <= run).to_numpy())
        if len(earlier) == 0:
            continue
        times = X[time].to_numpy()[earlier]
        source = earlier[np.flatnonzero(times == times.max())[-1]]
        row = X[features].iloc[[source]].copy()
        for column in known:
            row[column] = X[column].iloc[i]
        predictions[i] = model.predict(row)[0]
        ages.append((X[time].iloc[i] - X[time].iloc[source]) / pd.Timedelta(hours=1))
    missing = np.isnan(predictions)
    predictions[missing] = predictions[~missing].mean()
    return predictions, np.array(ages), missing.mean()


def test_staleness_hurts_a_feature_that_changes():
    model, X, y = _drifting()
    before = X.copy()
    result = batch_vs_online(
        model,
        X,
        y,
        time="time",
        known_in_advance=["hour"],
        intervals=("1h", "1D", "7D"),
    )
    assert isinstance(result, BatchVsOnline)
    table = result.to_frame()
    assert tuple(table.columns) == BATCH_ONLINE_COLUMNS
    assert table["mode"].tolist() == ["online", "batch", "batch", "batch"]
    assert table["refresh_every"].tolist() == ["per request", "1h", "1D", "7D"]
    assert table["refresh_hours"].tolist() == [0.0, 1.0, 24.0, 168.0]
    assert result.metric == "mae"
    assert not result.higher_is_better
    online = table["value"].iloc[0]
    assert online == pytest.approx(
        score(model, X[["hour", "temp"]], y, "mae"), abs=1e-12
    )
    # Hourly rows at the top of the hour: a run every hour serves fresh features.
    assert table["change"].iloc[1] == 0
    assert table["median_staleness_hours"].iloc[1] == 0
    # Daily and weekly runs serve older temperatures: the error grows.
    assert 0 < table["change"].iloc[2] < table["change"].iloc[3]
    assert table["median_staleness_hours"].tolist()[2:] == [11.5, 83.5]
    assert table["p95_staleness_hours"].iloc[2] == np.percentile(
        np.tile(np.arange(24), 35), 95
    )
    assert (table["share_without_precomputed"] == 0).all()
    days = (X["time"].max() - X["time"].min()) / pd.Timedelta(days=1)
    assert table["predictions_per_day"].tolist() == pytest.approx(
        [len(X) / days, 24, 1, 1 / 7]
    )
    assert result.n_entities == 1
    pd.testing.assert_frame_equal(X, before)


def test_the_batch_predictions_match_a_row_by_row_reference():
    model, X, y = _drifting(24 * 10)
    X = X.iloc[5:].reset_index(drop=True)  # the first run sees no row yet
    y = y[5:]
    result = batch_vs_online(
        model, X, y, time="time", known_in_advance=["hour"], intervals=("1D",)
    )
    predictions, ages, share = _naive(
        model,
        X,
        y,
        time="time",
        entity=None,
        known=["hour"],
        step="1D",
        features=["hour", "temp"],
    )
    row = result.to_frame().iloc[1]
    assert row["value"] == pytest.approx(np.mean(np.abs(y - predictions)), abs=1e-12)
    assert row["median_staleness_hours"] == np.median(ages)
    assert row["p95_staleness_hours"] == pytest.approx(np.percentile(ages, 95))
    assert row["share_without_precomputed"] == share == 19 / len(X)


def test_features_that_never_change_cost_nothing_to_precompute():
    model, X, y = _static()
    result = batch_vs_online(
        model,
        X,
        y,
        time="time",
        entity="station",
        known_in_advance=["hour"],
        intervals=("1h", "1D", "7D"),
    )
    table = result.to_frame()
    assert (table["change"] == 0).all()
    assert (table["share_without_precomputed"] == 0).all()
    assert table["median_staleness_hours"].tolist() == [0.0, 0.0, 11.5, 83.5]
    assert result.n_entities == 3
    assert table["predictions_per_day"].tolist()[1:] == pytest.approx([72, 3, 3 / 7])
    # Without saying that the half of the day is known in advance, the batch
    # serves the half of the day of its last run, and loses.
    stale = batch_vs_online(
        model, X, y, time="time", entity="station", intervals=("1D",)
    )
    assert stale.to_frame()["change"].iloc[1] > 1


def test_entities_seen_after_a_run_fall_back_and_are_counted():
    model, X, y = _static(days=3)
    late = X["station"] == "c"
    X.loc[late, "time"] = X.loc[late, "time"] + pd.Timedelta(minutes=30)
    result = batch_vs_online(
        model,
        X,
        y,
        time="time",
        entity="station",
        known_in_advance=["hour"],
        intervals=("1D",),
    )
    predictions, ages, share = _naive(
        model,
        X,
        y,
        time="time",
        entity="station",
        known=["hour"],
        step="1D",
        features=["level", "hour"],
    )
    row = result.to_frame().iloc[1]
    # Station c's first day has no run after its first row: 24 rows of 216.
    assert row["share_without_precomputed"] == share == 24 / len(X)
    assert row["value"] == pytest.approx(np.mean(np.abs(y - predictions)), abs=1e-12)
    assert row["median_staleness_hours"] == np.median(ages)


def test_a_classifier_is_scored_on_its_probabilities():
    rng = np.random.default_rng(1)
    time = pd.date_range(START, periods=3000, freq="20min")
    user = rng.choice(list("abcdef"), 3000)
    level = pd.Series(rng.normal(size=3000)).groupby(user).cumsum().to_numpy()
    X = pd.DataFrame({"time": time, "user": user, "level": level})
    y = (level + rng.normal(scale=0.5, size=3000) > 0).astype(int)
    model = LogisticRegression().fit(X[["level"]], y)
    result = batch_vs_online(model, X, y, time="time", entity="user")
    table = result.to_frame()
    assert result.metric == "roc_auc"
    assert table["value"].iloc[0] == pytest.approx(
        score(model, X[["level"]], y, "roc_auc"), abs=1e-12
    )
    assert table["value"].is_monotonic_decreasing
    assert (table["change"].iloc[1:] < 0).all()
    accuracy = batch_vs_online(
        model, X, y, time="time", entity="user", metric="accuracy"
    )
    assert accuracy.to_frame()["value"].iloc[0] == pytest.approx(
        score(model, X[["level"]], y, "accuracy")
    )
    logloss = batch_vs_online(
        model, X, y, time="time", entity="user", metric="log_loss"
    )
    assert logloss.to_frame()["value"].iloc[0] == pytest.approx(
        score(model, X[["level"]], y, "log_loss")
    )


def test_the_chart_and_the_explanation():
    model, X, y = _drifting(24 * 14)
    result = batch_vs_online(model, X, y, time="time", known_in_advance=["hour"])
    spec = result.chart().to_dict()
    line = spec["layer"][0]
    assert line["mark"]["type"] == "line"
    assert line["encoding"]["x"]["field"] == "refresh_hours"
    assert line["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["layer"][2]["mark"]["type"] == "rule"
    assert spec["layer"][2]["mark"]["strokeDash"] == [4, 3]
    text = result.explain()
    assert "every 7D" in text
    assert "Known in advance" in text
    assert "Chapter 7" in text


def test_bad_arguments_are_refused():
    model, X, y = _drifting(24 * 3)
    with pytest.raises(MlkitTypeError, match="'time' 'hour' must hold datetimes"):
        batch_vs_online(model, X, y, time="hour")
    with pytest.raises(MlkitValueError, match="'time' names 'when'"):
        batch_vs_online(model, X, y, time="when")
    with pytest.raises(MlkitValueError, match="'entity' names 'user'"):
        batch_vs_online(model, X, y, time="time", entity="user")
    with pytest.raises(MlkitValueError, match=r"fixed durations .* got 'MS'"):
        batch_vs_online(model, X, y, time="time", intervals=("1D", "MS"))
    with pytest.raises(MlkitValueError, match="got '-1h'"):
        batch_vs_online(model, X, y, time="time", intervals=("-1h",))
    with pytest.raises(MlkitValueError, match="'intervals' is empty"):
        batch_vs_online(model, X, y, time="time", intervals=())
    with pytest.raises(MlkitTypeError, match=r"intervals=\('1D',\)"):
        batch_vs_online(model, X, y, time="time", intervals="1D")
    with pytest.raises(MlkitValueError, match="'known_in_advance' names 'time'"):
        batch_vs_online(model, X, y, time="time", known_in_advance=["time"])
    with pytest.raises(MlkitTypeError, match=r"known_in_advance=\['hour'\]"):
        batch_vs_online(model, X, y, time="time", known_in_advance="hour")
    with pytest.raises(MlkitValueError, match="'metric' must be one of"):
        batch_vs_online(model, X, y, time="time", metric="r2")
    with pytest.raises(MlkitValueError, match="'y' has 71 values"):
        batch_vs_online(model, X, y[1:], time="time")
    with pytest.raises(MlkitValueError, match="'X' has no rows"):
        batch_vs_online(model, X.head(0), y[:0], time="time")
    with pytest.raises(MlkitValueError, match="'X' lacks 'temp'"):
        batch_vs_online(model, X.drop(columns="temp"), y, time="time")
    missing = X.assign(time=X["time"].where(X.index != 3))
    with pytest.raises(MlkitValueError, match="1 missing time"):
        batch_vs_online(model, missing, y, time="time")
    with pytest.raises(MlkitValueError, match="not fitted"):
        batch_vs_online(LinearRegression(), X, y, time="time")


def test_a_model_that_predicts_classes_is_refused():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "time": pd.date_range(START, periods=90, freq="h"),
            "x": rng.normal(size=90),
        }
    )
    y = rng.choice(["a", "b", "c"], 90)
    model = DecisionTreeClassifier(max_depth=2).fit(X[["x"]], y)
    with pytest.raises(
        MlkitValueError, match="DecisionTreeClassifier predicts classes"
    ):
        batch_vs_online(model, X, y, time="time")

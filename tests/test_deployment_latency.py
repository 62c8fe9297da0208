"""Tests of mlkit.deployment.latency_profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.deployment import LATENCY_COLUMNS, LatencyProfile, latency_profile
from mlkit.models import ladder


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "amount": rng.exponential(100, n),
            "age": rng.integers(18, 80, n),
            "plan": rng.choice(["free", "pro"], n),
        }
    )
    y = (np.log1p(X["amount"]) + rng.normal(size=n) > 4.5).astype(int)
    kinds = {"amount": "numeric", "age": "integer", "plan": "category"}
    model = ladder("binary", kinds, log_columns=["amount"], random_state=0)["tree"]
    return model.fit(X, y), X.assign(target=y)


def test_the_profile_has_its_structure_and_invariants(fitted):
    model, X = fitted
    before = X.copy()
    profile = latency_profile(
        model, X, batch_sizes=(100, 1, 10), n_requests=30, repeats=3
    )
    assert isinstance(profile, LatencyProfile)
    table = profile.to_frame()
    assert tuple(table.columns) == LATENCY_COLUMNS
    assert table["mode"].tolist() == ["online", "batch", "batch", "batch"]
    assert table["batch_size"].tolist() == [1, 1, 10, 100]
    assert set(profile.online) == {"p50_ms", "p95_ms", "p99_ms", "mean_ms"}
    o = profile.online
    assert 0 < o["p50_ms"] <= o["p95_ms"] <= o["p99_ms"]
    assert o["p99_ms"] <= profile.latencies_ms.max()
    assert len(profile.latencies_ms) == 30
    assert o["p50_ms"] == pytest.approx(np.median(profile.latencies_ms))
    assert o["mean_ms"] == pytest.approx(profile.latencies_ms.mean())
    np.testing.assert_allclose(
        table["ms_per_row"], table["ms_per_batch"] / table["batch_size"]
    )
    np.testing.assert_allclose(
        table["rows_per_second"], 1000 * table["batch_size"] / table["ms_per_batch"]
    )
    assert (table["ms_per_batch"] > 0).all()
    assert profile.size_bytes == len(sio.dumps(model))
    assert profile.model == "DecisionTreeClassifier"
    assert profile.n_rows == len(X)
    assert profile.notes == ()
    # The target column is not a feature: it is left out, and X is not changed.
    pd.testing.assert_frame_equal(X, before)


def test_batch_sizes_larger_than_x_are_capped_and_said_so(fitted):
    model, X = fitted
    profile = latency_profile(
        model, X.head(50), batch_sizes=(10, 100, 1000), n_requests=5, repeats=1
    )
    assert profile.to_frame()["batch_size"].tolist() == [1, 10, 50]
    assert profile.notes == (
        "Batch size 100 is capped at the 50 rows of X.",
        "Batch size 1,000 is capped at the 50 rows of X.",
    )
    assert "capped" in profile.explain()


def test_within_checks_the_p99_against_a_budget(fitted):
    model, X = fitted
    profile = latency_profile(model, X, batch_sizes=(10,), n_requests=10, repeats=1)
    assert profile.within(60_000)
    assert not profile.within(1e-9)
    assert profile.within(profile.online["p99_ms"])
    for bad in (0, -5, "10", True):
        with pytest.raises(MlkitValueError, match="'budget_ms' must be a positive"):
            profile.within(bad)


def test_the_chart_has_two_panels_with_a_log_axis(fitted):
    model, X = fitted
    profile = latency_profile(model, X, batch_sizes=(1, 10), n_requests=10, repeats=1)
    spec = profile.chart().to_dict()
    assert len(spec["hconcat"]) == 2
    bars, throughput = spec["hconcat"]
    assert bars["layer"][0]["mark"]["type"] == "bar"
    assert bars["layer"][0]["encoding"]["y"]["field"] == "ms"
    line = throughput["layer"][0]
    assert line["encoding"]["x"]["field"] == "batch_size"
    assert line["encoding"]["x"]["scale"]["type"] == "log"
    assert line["encoding"]["y"]["field"] == "rows_per_second"
    text = profile.explain()
    assert "p99" in text
    assert "Chapter 7" in text
    assert repr(profile).startswith("<LatencyProfile: DecisionTreeClassifier answers")
    assert "<table" in profile._repr_html_()


def test_the_rows_drawn_depend_on_the_seed_only(fitted):
    model, X = fitted
    a = latency_profile(model, X, batch_sizes=(5,), n_requests=8, repeats=1)
    b = latency_profile(model, X, batch_sizes=(5,), n_requests=8, repeats=1)
    assert a.to_frame()["batch_size"].tolist() == b.to_frame()["batch_size"].tolist()
    assert a.size_bytes == b.size_bytes


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_sizes": (0, 10)}, MlkitValueError, "positive ints"),
        ({"batch_sizes": (-1,)}, MlkitValueError, "positive ints"),
        ({"batch_sizes": ()}, MlkitValueError, "at least one size"),
        ({"batch_sizes": "10"}, MlkitTypeError, "a sequence of ints"),
        ({"batch_sizes": (1.5,)}, MlkitTypeError, "ints"),
        (
            {"n_requests": 0},
            MlkitValueError,
            "'n_requests' must be an integer of at least 1",
        ),
        (
            {"n_requests": 2.5},
            MlkitTypeError,
            "'n_requests' must be an integer of at least 1",
        ),
        ({"repeats": 0}, MlkitValueError, "'repeats' must be an integer of at least 1"),
    ],
)
def test_bad_options_are_refused_with_a_hint(fitted, kwargs, error, message):
    model, X = fitted
    with pytest.raises(error, match=message) as raised:
        latency_profile(model, X, **kwargs)
    assert "\nHint: " in str(raised.value)


def test_bad_data_and_models_are_refused(fitted):
    model, X = fitted
    with pytest.raises(MlkitValueError, match="'X' has no rows"):
        latency_profile(model, X.head(0))
    with pytest.raises(MlkitValueError, match=r"'X' lacks 'age'.*\nHint: did you mean"):
        latency_profile(model, X.rename(columns={"age": "agee"}))
    with pytest.raises(MlkitTypeError, match="'X' must be a pandas DataFrame"):
        latency_profile(model, X.to_numpy())
    with pytest.raises(MlkitValueError, match="not fitted"):
        latency_profile(LogisticRegression(), X)

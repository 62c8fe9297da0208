"""Generated input for mlkit.fairness: group_metrics, reweighing, compare_mitigations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from mlkit import fairness
from mlkit._exceptions import MlkitWarning
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
    without_times,
)

GROUPS = np.array(["a", "b", "Zoë", "青"], dtype=object)
#: Column kinds a sensitive feature is made of, without missing values.
CLEAN_KINDS = ("category", "bool", "int")
RATES = fairness.INTERVAL_METRICS


def rarely(data, one_in=10):
    """True about once in ``one_in`` draws: hypothesis leans to the low end of a range."""
    return data.draw(st.integers(0, one_in - 1)) == one_in - 1


def size(data, high=60):
    """Rows: mostly 1 to ``high``, now and then the edges (0 to 3)."""
    return gen.rows(data) if rarely(data, 5) else data.draw(st.integers(1, high))


def sensitive(data, n):
    """Sensitive features: one column of any container, or a frame of one to three."""
    kind = data.draw(
        st.sampled_from(["column", "column", "frame", "nasty", "mapping", "bad"])
    )
    if kind == "bad":
        # Shapes and names that must be refused.
        bad = data.draw(st.sampled_from(["none", "text", "cube", "reserved", "long"]))
        if bad == "none":
            return None
        if bad == "text":
            return "sex"
        if bad == "cube":
            return np.zeros((n, 2, 2))
        if bad == "reserved":
            return pd.DataFrame({"count": np.resize(["a", "b"], n)})
        return np.resize(["a", "b"], n + 1)
    if kind == "mapping":
        return {"âge": np.resize([20, 40], n), "sexe": np.resize(["f", "m", "x"], n)}
    if kind == "column":
        k = data.draw(st.integers(1, len(GROUPS)))
        codes = data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
        values = GROUPS[np.asarray(codes, dtype=int)] if n else GROUPS[:0]
        if data.draw(st.booleans()):
            values = np.asarray(codes, dtype=int)
        return gen.container(data, values)
    if kind == "frame":
        return gen.frame(data, n, kinds=CLEAN_KINDS, max_columns=2)
    # Any kind: missing values, dates, floats of every size, all-NaN columns.
    return gen.frame(data, n, max_columns=3)


def group_labels(data, n):
    """``y_true`` and ``y_pred`` of two classes, and the positive label."""
    classes = data.draw(st.sampled_from([(0, 1), ("no", "yes"), (False, True)]))
    y_true = gen.labels(data, n, classes=classes)
    y_pred = gen.labels(data, n, classes=classes)
    if rarely(data, 20):
        y_pred = gen.labels(data, n, classes=(0, 1, 2))
    positive = classes[-1] if not rarely(data) else data.draw(st.sampled_from(classes))
    return y_true, y_pred, positive


@fuzzes("mlkit.fairness.group_metrics")
@given(st.data())
@fuzz_settings(25)
def test_group_metrics(data):
    n = size(data)
    y_true, y_pred, positive = group_labels(data, n)
    features = sensitive(data, n)
    options = {}
    if data.draw(st.booleans()):
        options["y_prob"] = gen.container(data, gen.probabilities(data, n))
    if data.draw(st.booleans()):
        options["n_bootstrap"] = data.draw(
            st.sampled_from([-1, 2.5, "10"]) if rarely(data) else st.integers(1, 40)
        )
        options["random_state"] = gen.random_state(data)
    if rarely(data, 5):
        options["confidence"] = data.draw(st.sampled_from([0.5, 0.99, 0.0, 1, "0.9"]))
    if rarely(data, 5):
        options["min_group_size"] = data.draw(st.sampled_from([0, 5, -1, 1.5]))

    def check(result):
        by_group = result.by_group
        has_columns(by_group, fairness.GROUP_METRICS)
        assert by_group["count"].sum() == n == result.n_rows
        for column in RATES:
            in_unit_interval(*by_group[column], result.overall[column])
        # The overall base and selection rates are the groups' weighted means.
        weights = by_group["count"].to_numpy()
        filled = weights > 0
        for rate in ("base_rate", "selection_rate"):
            mean = np.dot(weights[filled], by_group[rate].to_numpy()[filled]) / n
            assert abs(mean - result.overall[rate]) < 1e-9
        selected = np.mean(np.asarray(y_pred, dtype=object) == positive)
        assert abs(result.overall["selection_rate"] - selected) < 1e-12
        gaps = result.disparities()
        assert list(gaps.index) == list(fairness.DISPARITIES)
        in_unit_interval(*gaps)
        if "y_prob" in options:
            in_unit_interval(*by_group["ece"], result.overall["ece"])
        if result.intervals is not None:
            for rate in RATES:
                low = result.intervals[f"{rate}_low"].to_numpy()
                high = result.intervals[f"{rate}_high"].to_numpy()
                assert not (low > high + 1e-12).any()
                in_unit_interval(*low, *high)
        has_columns(result.disparity_intervals(), ["value", "low", "high"])

    with warnings.catch_warnings():
        # Small groups and undefined rates are warned about, as documented.
        warnings.simplefilter("ignore", MlkitWarning)
        call(
            "mlkit.fairness.group_metrics",
            fairness.group_metrics,
            gen.container(data, y_true),
            gen.container(data, y_pred),
            sensitive_features=features,
            positive_label=positive,
            check=check,
            **options,
        )


@fuzzes("mlkit.fairness.reweighing")
@given(st.data())
@fuzz_settings(60)
def test_reweighing(data):
    n = size(data)
    y = gen.labels(data, n)
    if rarely(data, 20) and n:
        y = y.astype(object)
        y[0] = None
    features = sensitive(data, n)

    if isinstance(features, dict):
        features = pd.DataFrame(features)  # reweighing takes columns, not mappings

    def check(weights):
        assert isinstance(weights, np.ndarray)
        assert weights.shape == (n,)
        assert np.isfinite(weights).all()
        assert (weights > 0).all()
        # Weighted, the label has the same distribution in every group that has
        # every label: the definition of reweighing.
        frame = features if isinstance(features, pd.DataFrame) else None
        if frame is None:
            group = pd.Series(np.asarray(features, dtype=object)).astype(str)
        else:
            group = frame.astype(str).agg("|".join, axis=1).reset_index(drop=True)
        label = pd.Series(np.asarray(y, dtype=object)).astype(str)
        table = pd.crosstab(group, label, values=weights, aggfunc="sum").fillna(0)
        full = (pd.crosstab(group, label) > 0).all(axis=1)
        if full.any():
            shares = table[full].div(table[full].sum(axis=1), axis=0)
            overall = label.value_counts(normalize=True).reindex(table.columns)
            np.testing.assert_allclose(
                shares.to_numpy(),
                np.broadcast_to(overall.to_numpy(), shares.shape),
                atol=1e-9,
            )
        if full.all():
            assert abs(weights.sum() - n) < 1e-9 * max(n, 1)

    call(
        "mlkit.fairness.reweighing",
        fairness.reweighing,
        gen.container(data, y),
        features,
        check=check,
    )


def mitigation_data(data, n, columns):
    """Features, 0/1 labels with both classes in each group, and two groups."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    X = pd.DataFrame(rng.normal(size=(n, len(columns))), columns=list(columns))
    group = pd.Series(np.resize(["a", "Zoë"], n), name="groupe")
    y = np.resize([0, 0, 1, 1], n)
    if rarely(data, 8):
        y[group.to_numpy() == "a"] = 1  # a group with one class only
    return X, y, group


@fuzzes("mlkit.fairness.compare_mitigations")
@given(st.data())
@fuzz_settings(5)
def test_compare_mitigations(data):
    columns = data.draw(
        st.lists(st.sampled_from(gen.NAMES), min_size=1, max_size=2, unique=True)
    )
    n_train = data.draw(st.sampled_from([40, 24, 48, 8]))
    n_test = data.draw(st.sampled_from([20, 12, 1]))
    X_train, y_train, g_train = mitigation_data(data, n_train, columns)
    X_test, y_test, g_test = mitigation_data(data, n_test, columns)
    if rarely(data, 8):
        X_train.iloc[0, 0] = np.nan  # the model cannot fit on it
    if rarely(data, 8):
        y_train = np.zeros(n_train, dtype=int)  # one class only
    methods = data.draw(
        st.sampled_from(
            [
                list(fairness.METHODS),
                ["threshold_optimizer", "none"],
                ["reweighing", "exponentiated_gradient"],
            ]
        )
    )
    if rarely(data, 8):
        methods = ["none", "magic"]
    costs = {}
    if data.draw(st.booleans()):
        costs = {"cost_fp": -1.0 if rarely(data, 8) else 5.0, "cost_fn": 1.0}
    max_iter = 0 if rarely(data, 8) else data.draw(st.sampled_from([2, 3]))

    def check(result):
        table = result.table
        assert table["method"].tolist() == list(dict.fromkeys(methods))
        has_columns(
            table, ["stage", "accuracy", "selection_rate", *fairness.DISPARITIES]
        )
        in_unit_interval(*table["accuracy"], *table["selection_rate"])
        for name in fairness.DISPARITIES:
            in_unit_interval(*table[name])
        assert set(result.results) == set(methods)
        for method, metrics in result.results.items():
            assert metrics.n_rows == n_test, method
        if costs:
            assert (table["expected_cost"] >= 0).all()

    call(
        "mlkit.fairness.compare_mitigations",
        fairness.compare_mitigations,
        LogisticRegression(),
        X_train,
        gen.container(data, y_train, kinds=["ndarray", "series", "list"]),
        X_test,
        y_test,
        sensitive_train=g_train,
        sensitive_test=g_test,
        constraint=data.draw(st.sampled_from(["equalized_odds", "demographic_parity"])),
        methods=methods,
        max_iter=max_iter,
        random_state=0,
        deterministic=without_times,
        check=check,
        **costs,
    )

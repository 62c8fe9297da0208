"""Generated input for mlkit.widgets: the explorers, built and moved from code."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlkit import widgets
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes, in_unit_interval


@pytest.fixture(autouse=True)
def _static(monkeypatch):
    # Headless, as the notebooks run by the tests: the static table and chart.
    monkeypatch.setenv(widgets.STATIC_ENV, "static")


def update_of(explorer):
    """``explorer.update`` with its controls as the named parameters.

    ``Explorer.update(**values)`` takes the controls by name; the harness reads the
    parameters a refusal may name from the signature, so the controls are written
    into it.
    """

    def update(**values):
        return explorer.update(**values)

    update.__signature__ = inspect.Signature(
        [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY)
            for n in explorer.controls
        ]
    )
    update.__name__ = f"{type(explorer).__name__}.update"
    return update


def move(data, name, explorer, values):
    """Move one or two controls to generated values, through the harness."""
    result = call(name, update_of(explorer), **values)
    if result is not None:
        assert explorer.result is result
        explorer.static_html()
        repr(explorer)
    return result


@fuzzes("mlkit.widgets.widgets_available")
@given(st.data())
@fuzz_settings(3)
def test_widgets_available(data):
    call(
        "mlkit.widgets.widgets_available",
        widgets.widgets_available,
        check=lambda available: available is False,
    )


THRESHOLDS = st.one_of(
    st.floats(0, 1),
    st.sampled_from([-0.5, 2.0, np.nan, "0.5", None, True, np.float32(0.3)]),
)


@pytest.mark.filterwarnings("ignore::mlkit.fairness.SmallGroupWarning")
@pytest.mark.filterwarnings("ignore::mlkit.fairness.UndefinedRateWarning")
@fuzzes("mlkit.widgets.ThresholdExplorer")
@given(st.data())
@fuzz_settings(15)
def test_threshold_explorer(data):
    # One problem at most per call, so that most explorers are built and moved.
    problem = data.draw(
        st.sampled_from(
            [None] * 10
            + ["rows", "labels", "score", "costs", "label", "sensitive", "threshold"]
        )
    )
    n = gen.rows(data, 0 if problem == "rows" else 2, 50)
    y = gen.binary_labels(data, n)
    if problem == "labels":
        y = gen.labels(data, n)
    elif n >= 2:
        y[:2] = [0, 1]  # both classes
    if data.draw(st.booleans()):
        score = gen.probabilities(data, n, nasty=problem == "score")
    else:
        score = gen.floats(data, n, nasty=problem == "score")
    costs = data.draw(st.sampled_from([(None, None), (1.0, 4.0), (5, 1)]))
    if problem == "costs":
        costs = data.draw(st.sampled_from([(-1, 1), ("1", 2), (1, np.nan)]))
    positive_label = data.draw(st.sampled_from([1, 0]))
    if problem == "label":
        positive_label = data.draw(st.sampled_from(["zz", 2, None]))
    sensitive = None
    if data.draw(st.booleans()) or problem == "sensitive":
        groups = gen.labels(data, n, classes=("a", "b", "c"))
        if problem == "sensitive":
            groups = groups[: max(0, n - 1)]  # one row short
        sensitive = gen.container(
            data, groups, kinds=["list", "ndarray", "series", "category"]
        )
    threshold = data.draw(st.one_of(st.none(), st.floats(0, 1)))
    if problem == "threshold":
        threshold = data.draw(THRESHOLDS)
    explorer = call(
        "mlkit.widgets.ThresholdExplorer",
        widgets.ThresholdExplorer,
        gen.container(data, y),
        gen.container(data, score),
        cost_fp=costs[0],
        cost_fn=costs[1],
        positive_label=positive_label,
        sensitive_features=sensitive,
        threshold=threshold,
        unit=data.draw(st.sampled_from([None, "USD", "€"])),
    )
    if explorer is None:
        return
    in_unit_interval(explorer.result.precision, explorer.result.recall)
    for _ in range(data.draw(st.integers(1, 3))):
        control = explorer.controls["threshold"]
        value = data.draw(st.one_of(st.floats(control.low, control.high), THRESHOLDS))
        move(data, "mlkit.widgets.ThresholdExplorer", explorer, {"threshold": value})


@fuzzes("mlkit.widgets.CalibrationExplorer")
@given(st.data())
@fuzz_settings(30)
def test_calibration_explorer(data):
    # One problem at most per call, so that most explorers are built and moved.
    problem = data.draw(
        st.sampled_from(
            [None] * 10
            + ["rows", "labels", "prob", "calibrated", "n_bins", "strategy", "label"]
        )
    )
    n = gen.rows(data, 0 if problem == "rows" else 2, 50)
    classes = data.draw(st.sampled_from([(0, 1), ("no", "yes")]))
    y = gen.labels(data, n, classes=classes)
    if problem != "labels" and n >= 2:
        y[:2] = classes  # both classes
    prob = gen.probabilities(data, n, nasty=problem == "prob")
    after = data.draw(st.sampled_from(["none", "one", "dict"]))
    if problem == "calibrated":
        after = data.draw(st.sampled_from(["empty", "short", "bad key"]))
    calibrated = {
        "none": None,
        "one": gen.probabilities(data, n, nasty=False),
        "dict": {
            "isotonic": gen.probabilities(data, n, nasty=False),
            "sigmoid": gen.probabilities(data, n, nasty=False),
        },
        "empty": {},
        "short": gen.probabilities(data, max(0, n - 1)),
        "bad key": {3: gen.probabilities(data, n)},
    }[after]
    n_bins = data.draw(st.integers(5, 50))
    if problem == "n_bins":
        n_bins = data.draw(st.sampled_from([4, 51, 10.0, "10"]))
    strategy = data.draw(st.sampled_from(["uniform", "quantile"]))
    if problem == "strategy":
        strategy = "equal"
    # Text labels need positive_label; 0/1 labels default to 1.
    positive_label = data.draw(st.sampled_from([None, classes[1]]))
    if classes != (0, 1):
        positive_label = classes[1]
    if problem == "label":
        positive_label = data.draw(st.sampled_from(["zz", None]))
    explorer = call(
        "mlkit.widgets.CalibrationExplorer",
        widgets.CalibrationExplorer,
        gen.container(data, y),
        gen.container(data, prob),
        y_prob_calibrated=calibrated,
        n_bins=n_bins,
        strategy=strategy,
        positive_label=positive_label,
    )
    if explorer is None:
        return
    for _ in range(data.draw(st.integers(1, 3))):
        spoil = data.draw(
            st.sampled_from([None] * 4 + ["n_bins", "strategy", "method"])
        )
        values = {"n_bins": data.draw(st.integers(5, 50))}
        if spoil == "n_bins":
            values["n_bins"] = data.draw(st.sampled_from([0, 100, 7.5, None]))
        if data.draw(st.booleans()) or spoil == "strategy":
            values["strategy"] = (
                "nope"
                if spoil == "strategy"
                else data.draw(st.sampled_from(["uniform", "quantile"]))
            )
        if "method" in explorer.controls and (
            data.draw(st.booleans()) or spoil == "method"
        ):
            values["method"] = (
                "nope"
                if spoil == "method"
                else data.draw(st.sampled_from(list(explorer.methods)))
            )
        move(data, "mlkit.widgets.CalibrationExplorer", explorer, values)


@fuzzes("mlkit.widgets.DriftExplorer")
@given(st.data())
@fuzz_settings(30)
def test_drift_explorer(data):
    n_ref = gen.rows(data, 5, 40) if data.draw(st.integers(0, 4)) else 0
    reference = gen.frame(data, n_ref, max_columns=3)
    n_cur = gen.rows(data, 5, 40) if data.draw(st.integers(0, 4)) else 1
    current = gen.frame(data, n_cur, max_columns=3)
    if data.draw(st.integers(0, 3)):  # the same columns, as a monitored model's inputs
        current = gen.frame(data, n_cur, kinds=gen.KINDS, min_columns=1, max_columns=1)
        current = current.set_axis([reference.columns[0]], axis=1)
        for c in reference.columns[1:]:
            current[c] = gen.column(
                data, n_cur, data.draw(st.sampled_from(gen.KINDS))
            ).to_numpy()
    window_column = None
    if data.draw(st.booleans()) and n_cur:
        current["week"] = np.arange(n_cur) // max(1, n_cur // 3)
        window_column = data.draw(st.sampled_from(["week", "week", "nope"]))
    explorer = call(
        "mlkit.widgets.DriftExplorer",
        widgets.DriftExplorer,
        reference,
        current,
        window_column=window_column,
        columns=data.draw(
            st.sampled_from([None, None, list(reference.columns[:1]), [], "nope"])
        ),
        window=data.draw(st.sampled_from([None, None, None, "nope"])),
        alpha=data.draw(st.sampled_from([0.05, 0.05, 0.05, 0.01, 1.5, "0.05"])),
        bins=data.draw(st.sampled_from([20, 5, 10, 0])),
    )
    if explorer is None:
        return
    for _ in range(data.draw(st.integers(1, 3))):
        values = {}
        if data.draw(st.booleans()):
            values["window"] = data.draw(st.sampled_from([*explorer.windows, "nope"]))
        values["column"] = data.draw(
            st.sampled_from([*explorer.controls["column"].options, "nope", None])
        )
        result = move(data, "mlkit.widgets.DriftExplorer", explorer, values)
        if result is not None:
            in_unit_interval(result.p_value)


RULES = st.sampled_from(
    ["free|win", "win", "hello", "x > 0", "", "((", "🙂", "âge < 30"]
)


@fuzzes("mlkit.widgets.LFWorkbench")
@given(st.data())
@fuzz_settings(30)
def test_lf_workbench(data):
    from mlkit.labeling import keyword_lf

    n = gen.rows(data, 0, 40)
    df = gen.frame(data, n, max_columns=3)
    words = np.array(["free money", "win now", "hello", "", "Zoë"], dtype=object)
    df["text"] = words[np.arange(n) % len(words)] if n else words[:0]
    lfs = data.draw(
        st.sampled_from(
            [
                None,
                [],
                "lf",
                [keyword_lf("free", 1, column="text")],
                [keyword_lf("hello", 0, column="text")],
            ]
        )
    )
    y = gen.labels(data, n, classes=(0, 1)) if data.draw(st.booleans()) else None
    explorer = call(
        "mlkit.widgets.LFWorkbench",
        widgets.LFWorkbench,
        lfs,
        df,
        None if y is None else gen.container(data, y),
        text_column=data.draw(st.sampled_from(["text", "text", None, "nope"])),
        classes=data.draw(
            st.sampled_from([None, None, None, [0, 1], [0, 1, 2], ["a"], []])
        ),
        rule=data.draw(RULES),
        label=data.draw(st.sampled_from([None, None, None, 0, 1, 5])),
    )
    if explorer is None:
        return
    for _ in range(data.draw(st.integers(1, 3))):
        values = {"rule": data.draw(st.one_of(RULES, st.sampled_from([3, None])))}
        if data.draw(st.booleans()):
            values["label"] = data.draw(
                st.sampled_from([*explorer.controls["label"].options, 9])
            )
        result = move(data, "mlkit.widgets.LFWorkbench", explorer, values)
        if result is not None:
            in_unit_interval(result.label_coverage, result.label_conflict)


@fuzzes("mlkit.widgets.SliceExplorer")
@given(st.data())
@fuzz_settings(25)
def test_slice_explorer(data):
    n = gen.rows(data, 0, 60)
    df = gen.frame(data, n, max_columns=3)
    task = data.draw(st.sampled_from(["class", "class", "regression"]))
    if task == "class":
        y_true = gen.binary_labels(data, n)
        y_pred = gen.binary_labels(data, n)
        metric = data.draw(
            st.sampled_from(["error_rate", "accuracy", "log_loss", "brier", "nope"])
        )
        y_score = gen.probabilities(data, n) if data.draw(st.booleans()) else None
    else:
        y_true = gen.floats(data, n, nasty=False)
        y_pred = gen.floats(data, n, nasty=data.draw(st.booleans()))
        metric = data.draw(st.sampled_from(["mae", "bias", "squared_error", "rmse"]))
        y_score = None
    explorer = call(
        "mlkit.widgets.SliceExplorer",
        widgets.SliceExplorer,
        df,
        gen.container(data, y_true, kinds=["ndarray", "list", "series"]),
        gen.container(data, y_pred, kinds=["ndarray", "list", "series"]),
        columns=data.draw(
            st.sampled_from([None, None, list(df.columns[:1]), "nope", []])
        ),
        metric=metric,
        y_score=y_score,
        min_support=data.draw(st.sampled_from([0.02, 0.02, 0.1, 0.0, 2.0])),
        max_features=data.draw(st.sampled_from([1, 2, 2, 3])),
        bins=data.draw(st.sampled_from([5, 5, 2, 0])),
    )
    if explorer is None:
        return
    for _ in range(data.draw(st.integers(1, 2))):
        values = {}
        if data.draw(st.booleans()):
            options = explorer.controls["columns"].options
            values["columns"] = data.draw(
                st.one_of(
                    st.lists(st.sampled_from(options), min_size=1, max_size=2),
                    st.sampled_from([[], ["nope"]]),
                )
            )
        values["min_support"] = data.draw(
            st.one_of(st.floats(0.005, 0.25), st.sampled_from([0.0, 0.5]))
        )
        if data.draw(st.booleans()):
            values["max_features"] = data.draw(st.sampled_from([1, 2, 3]))
        if data.draw(st.booleans()):
            values["metric"] = data.draw(
                st.sampled_from([*explorer.controls["metric"].options, "nope"])
            )
        move(data, "mlkit.widgets.SliceExplorer", explorer, values)


def test_update_refuses_an_unknown_control():
    rng = np.random.default_rng(0)
    explorer = widgets.ThresholdExplorer(rng.integers(0, 2, 20), rng.uniform(size=20))
    with pytest.raises(ValueError, match="'threshold'"):
        explorer.update(treshold=0.3)

"""Generated input for the four statistics on tables of other engines: group_metrics,
slice_metrics, reliability and drift_report on polars, pyarrow, DuckDB and Dask.

Each call returns what the pandas path returns for the same rows, or refuses with an
mlkit error. The counts are reported under the function's name with "(engines)".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from mlkit import calibration, evaluation, fairness, monitoring
from mlkit._exceptions import MlkitWarning
from mlkit.evaluation import _slices
from tests._engine_tables import ENGINES, on_engine
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes

ENGINE = st.sampled_from(ENGINES)
CLASSES = st.sampled_from([(0, 1), ("no", "yes"), (False, True)])
#: Columns that group rows: text with missing values, categories, numbers, flags.
GROUP_KINDS = ("str", "category", "int", "bool", "Int64")
#: Columns a drift report compares: every kind (datetimes are refused by both paths).
DRIFT_KINDS = gen.KINDS
TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


def rarely(data, one_in=10):
    """True about once in ``one_in`` draws."""
    return data.draw(st.integers(0, one_in - 1)) == one_in - 1


def size(data):
    """Rows: mostly 1 to 80, now and then none."""
    return 0 if rarely(data, 15) else data.draw(st.integers(1, 80))


def spoiled(data, name):
    """Now and then, a name that is not a column of the table, or not a name."""
    if not rarely(data, 8):
        return name
    return data.draw(st.sampled_from(["no such column", 3, [], None]))


def same_frames(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, **TOLERANCE)


@fuzzes("mlkit.fairness.group_metrics")
@given(st.data())
@fuzz_settings(50)
def test_group_metrics_on_engine_tables(data):
    n = size(data)
    classes = data.draw(CLASSES)
    df = pd.DataFrame(
        {
            "label": gen.labels(data, n, classes=classes),
            "decision": gen.labels(data, n, classes=classes),
            "group": gen.column(data, n, data.draw(st.sampled_from(GROUP_KINDS))),
            "region": gen.column(data, n, data.draw(st.sampled_from(GROUP_KINDS))),
        }
    )
    options = {"positive_label": classes[1], "min_group_size": 0}
    if data.draw(st.booleans()):
        df["score"] = gen.probabilities(data, n)
        options["y_prob"] = "score"
    features = data.draw(st.sampled_from(["group", ["group", "region"]]))
    table = on_engine(df, data.draw(ENGINE))

    def check(result):
        expected = fairness.group_metrics(
            "label", "decision", sensitive_features=features, data=df, **options
        )
        same_frames(result.by_group, expected.by_group)
        pd.testing.assert_series_equal(result.overall, expected.overall, **TOLERANCE)

    with warnings.catch_warnings():
        # Small groups and undefined rates are warned about, as documented.
        warnings.simplefilter("ignore", MlkitWarning)
        call(
            "mlkit.fairness.group_metrics (engines)",
            fairness.group_metrics,
            spoiled(data, "label"),
            "decision",
            sensitive_features=spoiled(data, features),
            data=table,
            check=check,
            **options,
        )


@fuzzes("mlkit.evaluation.slice_metrics")
@given(st.data())
@fuzz_settings(50)
def test_slice_metrics_on_engine_tables(data):
    n = size(data)
    regression = data.draw(st.booleans())
    if regression:
        # Now and then a NaN, an infinity or an extreme value among the truths.
        truth = gen.floats(data, n, nasty=rarely(data, 4))
        decision = gen.floats(data, n, nasty=False)
        metrics = data.draw(
            st.lists(st.sampled_from(_slices.REGRESSION_METRICS), min_size=1)
        )
        options = {"n_bootstrap": 0}
    else:
        classes = data.draw(CLASSES)
        truth = gen.labels(data, n, classes=classes)
        decision = gen.labels(data, n, classes=classes)
        metrics = data.draw(st.lists(st.sampled_from(_slices.CELL_METRICS), min_size=1))
        # Without a random_state, the bootstrap (1,000 draws by default) differs
        # from call to call: a seed, or none.
        options = {"positive_label": classes[1], "n_bootstrap": 0}
        if data.draw(st.booleans()):
            options["n_bootstrap"] = data.draw(st.integers(1, 30))
            options["random_state"] = gen.random_state(data)
    df = pd.DataFrame(
        {
            "truth": truth,
            "decision": decision,
            "group": gen.column(data, n, data.draw(st.sampled_from(GROUP_KINDS))),
            "region": gen.column(data, n, data.draw(st.sampled_from(GROUP_KINDS))),
        }
    )
    slices = data.draw(st.sampled_from(["group", ["group", "region"]]))
    table = on_engine(df, data.draw(ENGINE))

    def check(result):
        expected = evaluation.slice_metrics(
            "truth",
            "decision",
            slices=slices,
            metrics=metrics,
            min_count=1,
            data=df,
            **options,
        )
        same_frames(result.by_slice, expected.by_slice)
        pd.testing.assert_series_equal(result.overall, expected.overall, **TOLERANCE)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MlkitWarning)
        call(
            "mlkit.evaluation.slice_metrics (engines)",
            evaluation.slice_metrics,
            "truth",
            spoiled(data, "decision"),
            slices=spoiled(data, slices),
            metrics=metrics,
            min_count=1,
            data=table,
            check=check,
            **options,
        )


@fuzzes("mlkit.calibration.reliability")
@given(st.data())
@fuzz_settings(50)
def test_reliability_on_engine_tables(data):
    n = size(data)
    classes = data.draw(st.sampled_from([(0, 1), ("no", "yes"), (0, 1, 2)]))
    df = pd.DataFrame({"label": gen.labels(data, n, classes=classes)})
    options = {
        "n_bins": data.draw(st.integers(1, 20)),
        "strategy": data.draw(st.sampled_from(["uniform", "quantile"])),
    }
    if len(classes) == 2:
        df["score"] = gen.probabilities(data, n)
        prob = "score"
        options["positive_label"] = classes[1]
    else:  # one column of probabilities per class, each row summing to one
        raw = np.abs(gen.floats(data, n * 3, nasty=False).reshape(n, 3)) + 1e-3
        raw /= raw.sum(axis=1, keepdims=True)
        prob = ["p0", "p1", "p2"]
        df[prob] = raw
        options["classes"] = list(classes)
    table = on_engine(df, data.draw(ENGINE))

    def check(result):
        expected = calibration.reliability("label", prob, data=df, **options)
        same_frames(result.table, expected.table)
        for name in ("ece", "mce", "brier"):
            np.testing.assert_allclose(
                getattr(result, name), getattr(expected, name), **TOLERANCE
            )

    call(
        "mlkit.calibration.reliability (engines)",
        calibration.reliability,
        "label",
        spoiled(data, prob),
        data=table,
        check=check,
        **options,
    )


@fuzzes("mlkit.monitoring.drift_report")
@given(st.data())
@fuzz_settings(50)
def test_drift_report_on_engine_tables(data):
    names = data.draw(
        st.lists(st.sampled_from(gen.NAMES), min_size=1, max_size=4, unique=True)
    )
    kinds = {name: data.draw(st.sampled_from(DRIFT_KINDS)) for name in names}
    reference, current = (
        pd.DataFrame({name: gen.column(data, n, kind) for name, kind in kinds.items()})
        for n in (size(data), size(data))
    )
    # One side or both on an engine; the other may stay a pandas frame.
    sides = data.draw(st.sampled_from(["reference", "current", "both"]))
    ref = reference if sides == "current" else on_engine(reference, data.draw(ENGINE))
    cur = current if sides == "reference" else on_engine(current, data.draw(ENGINE))
    columns = None if data.draw(st.booleans()) else spoiled(data, names[:2])

    def check(result):
        expected = monitoring.drift_report(reference, current, columns=columns)
        got, want = result.table, expected.table
        assert list(got["column"]) == list(want["column"])
        assert list(got["kind"]) == list(want["kind"])
        sketched = got["column"].isin(list(result.ks_error))
        # A sketched KS statistic lies at most its bound below the exact one.
        gap = want["statistic"] - got["statistic"]
        bound = got["column"].map(result.ks_error).astype(float)
        assert (
            (gap[sketched] >= -1e-12) & (gap[sketched] <= bound[sketched] + 1e-12)
        ).all()
        exact = [
            "statistic",
            "p_value",
            "psi",
            "wasserstein",
            "n_reference",
            "n_current",
        ]
        exact += ["missing_reference", "missing_current", "missing_p_value"]
        exact = [c for c in exact if c in want]
        same_frames(got.loc[~sketched, exact], want.loc[~sketched, exact])

    call(
        "mlkit.monitoring.drift_report (engines)",
        monitoring.drift_report,
        ref,
        cur,
        columns=columns,
        check=check,
    )

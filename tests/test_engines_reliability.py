"""reliability on tables of polars, pyarrow, DuckDB and Dask: the pandas numbers."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.calibration import (
    ENGINE_QUANTILE_ERROR,
    _edges,
    _engine_quantile_edges,
    reliability,
)
from tests._engine_tables import ENGINES, on_engine

RANKING = ["polars", "polars-lazy", "pyarrow", "duckdb"]  # quantile bins
RTOL = 1e-9
CLASSES = ["cat", "dog", "fox"]
MATRIX = ["p_cat", "p_dog", "p_fox"]


def assert_same(got, expected) -> None:
    """Every number of two results: counts and bins exactly, the rest within RTOL."""
    for attribute in (
        "n_samples",
        "n_bins",
        "strategy",
        "multiclass",
        "positive_label",
        "classes",
    ):
        assert getattr(got, attribute) == getattr(expected, attribute), attribute
    a, b = got.table, expected.table
    assert list(a.columns) == list(b.columns)
    assert a["count"].dtype == b["count"].dtype == np.int64
    np.testing.assert_array_equal(a["bin"], b["bin"])
    np.testing.assert_array_equal(a["count"], b["count"])
    numbers = ["lower", "upper", "mean_predicted", "observed_frequency"]
    np.testing.assert_allclose(a[numbers], b[numbers], rtol=RTOL, atol=0)
    for metric in ("ece", "mce", "brier", "classwise_ece"):
        np.testing.assert_allclose(
            getattr(got, metric), getattr(expected, metric), rtol=RTOL, atol=0
        )
    assert list(got.class_ece.index) == list(expected.class_ece.index)
    np.testing.assert_allclose(got.class_ece, expected.class_ece, rtol=RTOL, atol=0)


def binary_log(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Labels of several kinds, and probabilities with values on the edges."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n) ** 1.5
    # Exactly on uniform edges of 15 and 10 bins, and at 0 and 1.
    p[:60] = np.linspace(0, 1, 16)[rng.integers(0, 16, 60)]
    p[60:100] = np.linspace(0, 1, 11)[rng.integers(0, 11, 40)]
    p[100:110] = [0, 0, 1, 1, 0, 1, 0.5, 0.5, 0.25, 0.75]
    y = (rng.uniform(size=n) < p).astype(np.int64)
    return pd.DataFrame(
        {
            "y": y,
            "yes": np.where(y == 1, "yes", "no"),
            "flag": y == 1,
            "sign": np.where(y == 1, 1, -1),
            "p": p,
            "p32": p.astype(np.float32),
            "p_no": 1 - p,
        }
    )


def multiclass_log(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Three classes as text, and a matrix with ties for the top label."""
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet([1.0, 2.0, 1.0], size=n)
    proba[:50] = [0.4, 0.4, 0.2]  # a tie: the first column is the top label
    proba[50:80] = [0.2, 0.4, 0.4]
    proba[80:90] = [1.0, 0.0, 0.0]
    truth = (proba.cumsum(axis=1) < rng.uniform(size=(n, 1))).sum(axis=1)
    frame = pd.DataFrame(proba, columns=MATRIX)
    frame.insert(0, "animal", np.array(CLASSES)[np.minimum(truth, 2)])
    return frame


@pytest.fixture(scope="module")
def binary() -> pd.DataFrame:
    return binary_log()


@pytest.fixture(scope="module")
def multi() -> pd.DataFrame:
    return multiclass_log()


# --------------------------------------------------------------------------- equal to pandas


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("true", "prob", "options"),
    [
        ("y", "p", {}),
        ("y", "p", {"n_bins": 10}),
        ("y", "p", {"n_bins": 1}),
        ("y", "p32", {"n_bins": 7}),
        ("yes", "p", {"positive_label": "yes"}),
        ("yes", "p_no", {"positive_label": "no", "n_bins": 10}),
        ("flag", "p", {}),
        ("sign", "p", {}),
        ("y", ["p_no", "p"], {}),
        ("yes", ["p_no", "p"], {"classes": ["no", "yes"]}),
        ("yes", ["p_no", "p"], {"classes": ["no", "yes"], "positive_label": "no"}),
    ],
)
def test_binary_equals_pandas(binary, engine, true, prob, options):
    expected = reliability(true, prob, data=binary, **options)
    got = reliability(true, prob, data=on_engine(binary, engine), **options)
    assert_same(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_single_class_equals_pandas(binary, engine):
    """Every row negative, or every row of a class that is not the positive one."""
    negatives = binary[binary["y"] == 0]
    for true, options in [("y", {}), ("yes", {"positive_label": "yes"})]:
        expected = reliability(true, "p", data=negatives, **options)
        got = reliability(true, "p", data=on_engine(negatives, engine), **options)
        assert_same(got, expected)
        assert got.classes == ((0,) if true == "y" else ("no",))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n_bins", [15, 4])
def test_multiclass_equals_pandas(multi, engine, n_bins):
    expected = reliability("animal", MATRIX, n_bins=n_bins, data=multi)
    got = reliability("animal", MATRIX, n_bins=n_bins, data=on_engine(multi, engine))
    assert_same(got, expected)
    assert got.multiclass
    assert got.classes == tuple(CLASSES)


@pytest.mark.parametrize("engine", ENGINES)
def test_number_labels_equal_pandas(multi, engine):
    """Labels as numbers, and the classes as an array in another order."""
    data = multi.assign(code=multi["animal"].map({"cat": 10, "dog": 20, "fox": 30}))
    for options in ({}, {"classes": np.array([30, 10, 20])}):
        prob = MATRIX if not options else ["p_fox", "p_cat", "p_dog"]
        expected = reliability("code", prob, data=data, **options)
        got = reliability("code", prob, data=on_engine(data, engine), **options)
        assert_same(got, expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_class_never_seen_equals_pandas(multi, engine):
    """A column whose class no row has: given by 'classes', measured all the same."""
    rows = multi[multi["animal"] != "dog"]
    options = {"classes": CLASSES}
    expected = reliability("animal", MATRIX, data=rows, **options)
    got = reliability("animal", MATRIX, data=on_engine(rows, engine), **options)
    assert_same(got, expected)
    assert got.class_ece.index.tolist() == CLASSES


@pytest.mark.parametrize("engine", RANKING)
@pytest.mark.parametrize("n_bins", [15, 10, 3, 1])
def test_quantile_equals_pandas(binary, multi, engine, n_bins):
    options = {"strategy": "quantile", "n_bins": n_bins}
    for data, true, prob, extra in [
        (binary, "y", "p", {}),
        (binary, "yes", ["p_no", "p"], {"positive_label": "yes"}),
        (multi, "animal", MATRIX, {}),
    ]:
        expected = reliability(true, prob, data=data, **options, **extra)
        got = reliability(true, prob, data=on_engine(data, engine), **options, **extra)
        assert_same(got, expected)


@pytest.mark.parametrize("engine", RANKING)
def test_quantile_edges_are_those_of_numpy(engine):
    """The edges equal np.percentile's to the last bit: ties, and (n - 1) a
    multiple of the bins, where the interpolation lands on an order statistic."""
    import narwhals as nw

    from mlkit._engines import lazy

    rng = np.random.default_rng(5)
    for n in (1, 2, 16, 31, 100, 151, 1000, 1501, 4999):
        p = rng.uniform(size=n) ** 3
        p[: n // 3] = np.round(p[: n // 3], 2)
        table = lazy(on_engine(pd.DataFrame({"p": p}), engine), "data")
        for n_bins in (15, 10, 7, 3):
            (edges,) = _engine_quantile_edges(table, [nw.col("p")], n_bins)
            np.testing.assert_array_equal(edges, _edges(p, n_bins, "quantile"))


@pytest.mark.parametrize("engine", ENGINES)
def test_pandas_data_equals_values(binary, multi, engine):
    """The pandas data= path is the values path, and the tables are left alone."""
    before = binary.copy()
    assert_same(
        reliability("yes", "p", positive_label="yes", data=binary),
        reliability(binary["yes"], binary["p"].to_numpy(), positive_label="yes"),
    )
    assert_same(
        reliability("animal", MATRIX, strategy="quantile", data=multi),
        reliability(multi["animal"], multi[MATRIX].to_numpy(), strategy="quantile"),
    )
    table = on_engine(binary, engine)
    reliability("y", "p", data=table)
    pd.testing.assert_frame_equal(binary, before)


# --------------------------------------------------------------------------- refused as by pandas


def same_error(data, engine, **arguments):
    """Both paths raise the same mlkit error; its message, with hint, is returned."""
    with pytest.raises((MlkitValueError, MlkitTypeError)) as expected:
        reliability(data=data, **arguments)
    with pytest.raises(expected.type) as got:
        reliability(data=on_engine(data, engine), **arguments)
    assert "\nHint: " in str(got.value)
    return str(got.value), str(expected.value)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("spoil", "arguments", "named"),
    [
        ("nan", {"y_true": "y", "y_prob": "p"}, "y_prob"),
        ("outside", {"y_true": "y", "y_prob": "p"}, "y_prob"),
        ("nan and outside", {"y_true": "y", "y_prob": "p"}, "y_prob"),
        ("missing label", {"y_true": "yes", "y_prob": "p"}, "y_true"),
        ("missing number label", {"y_true": "yf", "y_prob": "p"}, "y_true"),
        ("three labels", {"y_true": "three", "y_prob": "p"}, "y_true"),
        ("labels", {"y_true": "yes", "y_prob": "p"}, "positive_label"),
        ("positive", {"y_true": "yes", "y_prob": "p", "positive_label": 2}, None),
        ("classes", {"y_true": "y", "y_prob": "p", "classes": [0, 1]}, "classes"),
        ("text", {"y_true": "y", "y_prob": "yes"}, "y_prob"),
        ("empty", {"y_true": "y", "y_prob": "p"}, "y_prob"),
    ],
)
def test_binary_refused_as_pandas(binary, engine, spoil, arguments, named):
    data = binary.head(400).copy()
    data["yf"] = data["y"].astype(float)
    data["three"] = np.arange(len(data)) % 3
    if spoil.startswith("nan"):
        data.loc[[3, 50, 51], "p"] = np.nan
    if spoil.endswith("outside"):
        data.loc[[7, 9], "p"] = [1.5, -0.25]
    if spoil == "missing label":
        data.loc[[4, 5], "yes"] = None
    if spoil == "missing number label":
        data.loc[[4, 5, 6], "yf"] = np.nan
    if spoil == "empty":
        data = data.head(0)
    message, expected = same_error(data, engine, **arguments)
    if spoil == "text":  # numpy's reason, or the column's type
        message, expected = message.split(" (")[0], expected.split(" (")[0]
    assert message == expected
    if named:
        assert f"'{named}'" in message


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("spoil", "arguments", "named"),
    [
        ("row sums", {}, "y_prob"),
        ("nan", {}, "y_prob"),
        ("unknown label", {"classes": ["cat", "dog", "owl"]}, "y_true"),
        ("classes", {"classes": ["cat", "dog"]}, "classes"),
        ("positive_label", {"positive_label": "cat"}, "positive_label"),
        ("too few labels", {}, "classes"),
    ],
)
def test_multiclass_refused_as_pandas(multi, engine, spoil, arguments, named):
    data = multi.head(300).copy()
    if spoil == "row sums":
        data.loc[[1, 2], "p_cat"] += 0.3
    if spoil == "nan":
        data.loc[[1], "p_dog"] = np.nan
    if spoil == "too few labels":
        data = data[data["animal"] != "fox"]
    message, expected = same_error(
        data, engine, y_true="animal", y_prob=MATRIX, **arguments
    )
    assert message == expected
    assert f"'{named}'" in message


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_names_are_refused(binary, engine):
    table = on_engine(binary, engine)
    with pytest.raises(MlkitValueError, match=r"'y_prob' names 'p_n0'.*\nHint: did"):
        reliability("y", "p_n0", data=table)
    with pytest.raises(MlkitValueError, match=r"'y_true' names 'why'.*\nHint: "):
        reliability("why", "p", data=table)
    with pytest.raises(
        MlkitTypeError, match=r"(?s)'y_true' must name a column.*\nHint: "
    ):
        reliability(["y"], "p", data=table)
    for y_true, y_prob, named in [(None, "p", "y_true"), ("y", None, "y_prob")]:
        with pytest.raises(
            MlkitTypeError, match=rf"(?s)with 'data', '{named}' must name a column"
        ):
            reliability(y_true, y_prob, data=table)
    with pytest.raises(
        MlkitTypeError, match=r"(?s)'y_prob' must name a column.*\nHint: "
    ):
        reliability("y", binary["p"].to_numpy(), data=table)
    with pytest.raises(MlkitValueError, match=r"'n_bins'.*\nHint: "):
        reliability("y", "p", n_bins=0, data=table)
    with pytest.raises(MlkitValueError, match=r"'strategy'.*\nHint: "):
        reliability("y", "p", strategy="equal", data=table)


def test_dask_refuses_quantile_bins(binary):
    table = on_engine(binary, "dask")
    with pytest.raises(MlkitValueError) as error:
        reliability("y", "p", strategy="quantile", data=table)
    message = str(error.value)
    assert message.startswith(ENGINE_QUANTILE_ERROR)
    assert "'strategy'" in message
    assert re.search(r"\nHint: use strategy='uniform'", message)


def test_import_stays_light():
    """The engines are imported only when a table of theirs is passed (pandas
    itself may import pyarrow)."""
    code = (
        "import sys, mlkit.calibration; "
        "print(sorted(m for m in ('narwhals', 'polars', 'dask', 'duckdb') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("engine", RANKING)
@pytest.mark.parametrize("spoil", ["nan", "outside", "infinite", "empty"])
def test_quantile_bins_refuse_as_pandas(binary, multi, engine, spoil):
    """The range check comes first, whatever the order statistics were."""
    for data, prob in [
        (binary.head(300).copy(), "p"),
        (multi.head(300).copy(), MATRIX),
    ]:
        column = "p" if prob == "p" else "p_dog"
        if spoil == "empty":
            data = data.head(0)
        else:
            data.loc[[2, 5], column] = {
                "nan": np.nan,
                "outside": 1.25,
                "infinite": np.inf,
            }[spoil]
        true = "y" if prob == "p" else "animal"
        message, expected = same_error(
            data, engine, y_true=true, y_prob=prob, strategy="quantile"
        )
        assert message == expected

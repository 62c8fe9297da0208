"""Generated input for mlkit.deployment: serving, saving, latency, compression, skew."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mlkit import deployment
from mlkit.deployment import _compression
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import call, fuzz_settings, fuzzes, has_columns

#: Kinds of column a model is fitted on: numbers and booleans without a gap.
FIT_KINDS = ("float_clean", "int", "constant", "bool")
MODELS = st.sampled_from(["logistic", "tree", "tree_regressor", "linear", "forest"])


@pytest.fixture(autouse=True)
def _few_timed_requests(monkeypatch):
    # compare_compression times 50 requests per variant; a handful checks the path.
    monkeypatch.setattr(_compression, "TIMING_REQUESTS", 3)
    monkeypatch.setattr(_compression, "TIMING_REPEATS", 1)


def fitted(data, n_low=2, n_high=40, *, kind=None):
    """A small fitted model, its training frame and target (None: nothing fitted)."""
    n = gen.rows(data, n_low, n_high)
    X = gen.frame(data, n, kinds=FIT_KINDS, max_columns=3)
    kind = kind or data.draw(MODELS)
    if n < 2:
        return None, X, gen.binary_labels(data, n)
    if kind in ("tree_regressor", "linear"):
        y = gen.floats(data, n, nasty=False)
        model = DecisionTreeRegressor(max_depth=3, random_state=0)
        model = model if kind == "tree_regressor" else LinearRegression()
    else:
        classes = data.draw(st.sampled_from([(0, 1), (0, 1), ("a", "b", "c")]))
        y = gen.labels(data, n, classes=classes, min_classes=2)
        y[:2] = classes[:2]  # at least two classes to fit on
        model = {
            "logistic": LogisticRegression(max_iter=50),
            "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
            "forest": RandomForestClassifier(
                n_estimators=4, max_depth=3, random_state=0
            ),
        }[kind]
    if data.draw(st.booleans()):
        model.fit(X, y)
    else:  # fitted on an array: no feature names
        model.fit(X.to_numpy(dtype=float), y)
    return model, X, y


# --------------------------------------------------------------------------- Endpoint


def record_for(data, X, columns):
    """A request: a row of X as a dict, sometimes with a key dropped, added or spoilt."""
    if len(X):
        row = X.iloc[data.draw(st.integers(0, len(X) - 1))].to_dict()
    else:
        row = dict.fromkeys(columns, 0)
    action = data.draw(
        st.sampled_from(["as is", "as is", "drop", "extra", "spoil", "none"])
    )
    if action == "drop" and row:
        row.pop(data.draw(st.sampled_from(list(row))))
    elif action == "extra":
        row[data.draw(st.sampled_from(["zz", "âge", 3]))] = 1.0
    elif action == "spoil" and row:
        key = data.draw(st.sampled_from(list(row)))
        row[key] = data.draw(
            st.sampled_from(
                ["abc", np.nan, None, 1e300, -np.inf, True, 2.5, [1, 2], pd.NaT]
            )
        )
    elif action == "none":
        return data.draw(st.sampled_from([None, [1, 2], "x", pd.Series([1.0])]))
    return row


@fuzzes("mlkit.deployment.Endpoint")
@given(st.data())
@fuzz_settings(40)
def test_endpoint(data):
    model, X, _y = fitted(data)
    if model is None:
        model = data.draw(st.sampled_from([None, "model", LogisticRegression()]))
    schema = X
    choice = data.draw(st.sampled_from(["same", "head0", "other", "reordered"]))
    if choice == "head0":
        schema = X.head(0)
    elif choice == "other":
        schema = gen.frame(data, len(X), max_columns=3)
    elif choice == "reordered":
        schema = X[list(reversed(X.columns))]
    defaults = None
    if data.draw(st.booleans()) and len(X.columns):
        defaults = {
            data.draw(st.sampled_from([*X.columns, "zz"])): data.draw(
                st.sampled_from([0, 1, 0.5, "a", None, np.nan, True])
            )
        }
    endpoint = call(
        "mlkit.deployment.Endpoint",
        deployment.Endpoint,
        model,
        schema,
        defaults=defaults,
    )
    if endpoint is None:
        return
    repr(endpoint)
    outputs = []
    for _ in range(data.draw(st.integers(1, 3))):
        out = call(
            "mlkit.deployment.Endpoint",
            endpoint.predict,
            record_for(data, X, endpoint.columns),
        )
        outputs.append(out)
    rows = data.draw(st.sampled_from(["X", "head0", "messy"]))
    batch = {
        "X": X,
        "head0": X.head(0),
        "messy": gen.frame(data, len(X), max_columns=3),
    }[rows]
    if rows == "messy" and data.draw(st.booleans()):
        batch = batch.set_axis(
            list(X.columns)[: batch.shape[1]] + list(batch.columns[len(X.columns) :]),
            axis=1,
        )

    def check_batch(result):
        assert isinstance(result, np.ndarray)
        assert len(result) == len(batch)
        if endpoint.output == "probability" and len(result):
            assert np.all((result >= 0) & (result <= 1))

    predictions = call(
        "mlkit.deployment.Endpoint", endpoint.predict_batch, batch, check=check_batch
    )
    if predictions is not None and rows == "X" and len(X):
        one = np.asarray(
            [endpoint.predict(r) for r in X.to_dict("records")],
            dtype=predictions.dtype,
        )
        if predictions.dtype.kind == "f":
            # One row at a time or all at once, BLAS may round the last bit apart.
            np.testing.assert_allclose(one, predictions, rtol=1e-12, atol=1e-300)
        else:
            np.testing.assert_array_equal(one, predictions)


# --------------------------------------------------------------------------- saving

PATH_NAMES = st.sampled_from(
    ["model", "model.skops", "model.pkl", "sub/dir/modèle", "年.skops", "a b.skops"]
)


@fuzzes(
    "mlkit.deployment.save_model",
    "mlkit.deployment.load_model",
    "mlkit.deployment.check_trusted",
)
@given(st.data())
@fuzz_settings(20)
def test_save_load_check_trusted(data):
    model, X, _ = fitted(
        data, kind=data.draw(st.sampled_from(["tree", "logistic", "linear", "linear"]))
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "afile").write_text("not a folder")
        (folder / "adir.skops").mkdir()
        where = data.draw(
            st.sampled_from(["name", "name", "name", "dir", "under_file", "int"])
        )
        path = {
            "name": folder / data.draw(PATH_NAMES),
            "dir": folder / "adir.skops",
            "under_file": folder / "afile" / "m.skops",
            "int": 3,
        }[where]
        if data.draw(st.booleans()) and not isinstance(path, int):
            path = str(path)
        target = call(
            "mlkit.deployment.save_model",
            deployment.save_model,
            model
            if model is not None
            else data.draw(st.sampled_from([None, "m", LogisticRegression()])),
            path,
            check=lambda p: p.is_file() and p.suffix == ".skops",
        )
        # Files to load: the one saved, and ones that are not skops models.
        (folder / "text.skops").write_text("hello")
        with zipfile.ZipFile(folder / "zip.skops", "w") as z:
            z.writestr("other.txt", "x")
        (folder / "empty.skops").write_bytes(b"")
        source = data.draw(
            st.sampled_from(
                [
                    "saved",
                    "saved",
                    "saved",
                    "saved",
                    "text",
                    "zip",
                    "empty",
                    "missing",
                    "dir",
                ]
            )
        )
        to_load = {
            "saved": target if target is not None else folder / "missing.skops",
            "text": folder / "text.skops",
            "zip": folder / "zip.skops",
            "empty": folder / "empty.skops",
            "missing": folder / "missing.skops",
            "dir": folder / "adir.skops",
        }[source]
        trusted = data.draw(
            st.sampled_from(
                [
                    None,
                    None,
                    [],
                    ["numpy.dtype"],
                    [LogisticRegression],
                    (len,),
                    "numpy.dtype",
                    [3],
                ]
            )
        )
        call(
            "mlkit.deployment.check_trusted", deployment.check_trusted, to_load, trusted
        )
        loaded = call(
            "mlkit.deployment.load_model",
            deployment.load_model,
            to_load,
            trusted=trusted,
        )
        if loaded is not None and source == "saved" and model is not None and len(X):
            matrix = (
                X
                if getattr(model, "feature_names_in_", None) is not None
                else X.to_numpy(float)
            )
            np.testing.assert_array_equal(loaded.predict(matrix), model.predict(matrix))


# --------------------------------------------------------------------------- latency

BATCH_SIZES = st.lists(st.integers(1, 80), min_size=1, max_size=3)
BAD_BATCH_SIZES = st.sampled_from([(), [0], [2.5], "10", 5, [True], np.array([1, 4])])


@fuzzes("mlkit.deployment.latency_profile")
@given(st.data())
@fuzz_settings(10)
def test_latency_profile(data):
    # Most calls are valid; the others spoil one argument each.
    spoil = data.draw(
        st.sampled_from(
            [None] * 6 + ["model", "X", "batch_sizes", "n_requests", "repeats"]
        )
    )
    model, X, y = fitted(
        data, 2, 40, kind=data.draw(st.sampled_from(["tree", "linear", "logistic"]))
    )
    rows = X
    if data.draw(st.booleans()):  # other columns, such as the target, are ignored
        rows = X.assign(target=y)
    if data.draw(st.booleans()):
        rows = rows.head(data.draw(st.integers(1, len(rows))))
    if spoil == "model":
        model = data.draw(st.sampled_from([LogisticRegression(), None, "model"]))
    elif spoil == "X":
        rows = data.draw(
            st.sampled_from(
                [
                    X.head(0),
                    X.iloc[:, 1:],
                    X.to_numpy(),
                    gen.frame(data, len(X), max_columns=2),
                ]
            )
        )
    batch_sizes = data.draw(BAD_BATCH_SIZES if spoil == "batch_sizes" else BATCH_SIZES)
    n_requests = data.draw(
        st.sampled_from([0, -1, 2.0, True])
        if spoil == "n_requests"
        else st.integers(1, 5)
    )
    repeats = data.draw(
        st.sampled_from([0, "3", 1.5]) if spoil == "repeats" else st.integers(1, 2)
    )

    def check(profile):
        has_columns(profile.table, deployment.LATENCY_COLUMNS)
        o = profile.online
        assert 0 <= o["p50_ms"] <= o["p95_ms"] <= o["p99_ms"]
        assert len(profile.latencies_ms) == n_requests
        assert profile.size_bytes > 0
        assert profile.n_rows == len(rows)
        batches = profile.table[profile.table["mode"] == "batch"]
        expected = sorted({min(size, len(rows)) for size in batch_sizes})
        assert batches["batch_size"].tolist() == expected
        assert (profile.table["rows_per_second"] > 0).all()

    call(
        "mlkit.deployment.latency_profile",
        deployment.latency_profile,
        model,
        rows,
        batch_sizes=batch_sizes,
        n_requests=n_requests,
        repeats=repeats,
        random_state=gen.random_state(data),
        deterministic=False,
        check=check,
    )


# --------------------------------------------------------------------------- compression


@fuzzes("mlkit.deployment.compare_compression")
@given(st.data())
@fuzz_settings(6)
def test_compare_compression(data):
    # One problem at most per call, so that most calls compare the variants.
    problem = data.draw(
        st.sampled_from([None] * 6 + ["unfitted", "labels", "metric", "missing"])
    )
    model, X, y = fitted(
        data,
        1 if problem == "unfitted" else 2,
        40,
        kind=data.draw(
            st.sampled_from(["forest", "tree", "logistic", "tree_regressor"])
        ),
    )
    if model is None:
        model = DecisionTreeClassifier()
    n_test = gen.rows(data, 1 if problem == "labels" else 2, 20)
    X_test = X.sample(n=n_test, replace=True, random_state=0)
    if getattr(model, "_estimator_type", "") == "regressor":
        y_test = gen.floats(data, n_test, nasty=problem == "labels")
    else:
        classes = tuple(sorted(set(y.tolist()))) or (0, 1)
        y_test = gen.labels(data, n_test, classes=classes)
        if problem != "labels":
            y_test[:2] = classes[:2]  # two classes to score on
    metric = None
    if problem == "metric":
        metric = data.draw(st.sampled_from(["accuracy", "mae", "roc_auc", "nope"]))
    if problem == "missing":
        y_test = y_test.astype(object)
        y_test[0] = None

    def check(result):
        has_columns(result.table, deployment.COMPRESSION_COLUMNS)
        assert result.table["variant"].tolist() == list(deployment.VARIANTS)
        assert result.table.loc[0, "change"] == 0 or np.isnan(
            result.table.loc[0, "change"]
        )

    call(
        "mlkit.deployment.compare_compression",
        deployment.compare_compression,
        model,
        X,
        gen.container(data, y, kinds=["ndarray", "list", "series"]),
        X_test,
        gen.container(data, y_test, kinds=["ndarray", "list", "series"]),
        metric=metric,
        random_state=gen.random_state(data),
        deterministic=False,
        check=check,
    )


# --------------------------------------------------------------------------- batch vs online

INTERVALS = st.lists(
    st.sampled_from(["1h", "1D", "7D", "30min", "3h"]), min_size=1, max_size=3
)
BAD_INTERVALS = st.sampled_from([(), "1h", ["MS"], ["-1h"], [0], ["nonsense"], None])


@fuzzes("mlkit.deployment.batch_vs_online")
@given(st.data())
@fuzz_settings(12)
def test_batch_vs_online(data):
    # Most calls are valid; the others spoil one argument each.
    spoil = data.draw(
        st.sampled_from(
            [None] * 10
            + ["model", "time", "entity", "y", "known_in_advance", "intervals"]
            + ["metric"]
        )
    )
    kind = data.draw(st.sampled_from(["logistic", "tree_regressor", "linear", "tree"]))
    model, X, y = fitted(data, 2, 50, kind=kind)
    if spoil == "model":
        # Three classes: batch_vs_online compares probabilities of two or numbers.
        y = np.resize(np.array(["a", "b", "c"], dtype=object), len(X))
        model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    elif getattr(model, "classes_", None) is not None and len(model.classes_) > 2:
        y = np.where(y == model.classes_[0], 1, 0)
        model = LogisticRegression(max_iter=50).fit(X.to_numpy(float), y)
    n = len(X)
    frame = X.copy()
    rng = np.random.default_rng(n)
    time_kind = data.draw(
        st.sampled_from(
            ["nat", "float"] if spoil == "time" else ["datetime", "datetime", "tz"]
        )
    )
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 24 * 20, n)), unit="h"
    )
    times = pd.Series(stamps)
    if time_kind == "tz":
        times = times.dt.tz_localize(
            "Europe/Paris", nonexistent="shift_forward", ambiguous="NaT"
        )
    elif time_kind == "nat":
        times[0] = pd.NaT
    elif time_kind == "float":
        times = pd.Series(rng.normal(size=n))
    frame["when"] = times.to_numpy() if time_kind != "tz" else times.array
    time = "missing" if spoil == "time" and data.draw(st.booleans()) else "when"
    entity = None
    if spoil == "entity" or data.draw(st.booleans()):
        frame["who"] = rng.choice(
            ["a", "b", None] if spoil == "entity" else ["a", "b"], n
        )
        frame.loc[frame.index[0], "who"] = None if spoil == "entity" else "a"
        entity = "who" if spoil != "entity" or data.draw(st.booleans()) else "nobody"
    y_given = y
    if spoil == "y":
        y_given = y.astype(object).copy()
        y_given[0] = None
        if data.draw(st.booleans()):
            y_given = y_given[1:]
    known = data.draw(
        st.sampled_from([["zz"], "when", ["when"]])
        if spoil == "known_in_advance"
        else st.sampled_from([(), [X.columns[0]]])
    )
    intervals = data.draw(BAD_INTERVALS if spoil == "intervals" else INTERVALS)
    regressor = kind in ("tree_regressor", "linear")
    metric = data.draw(
        st.sampled_from(["roc_auc" if regressor else "mae", "nope", 3])
        if spoil == "metric"
        else st.sampled_from(
            [None, "mae", "rmse"] if regressor else [None, "roc_auc", "log_loss"]
        )
    )

    def check(result):
        has_columns(result.table, deployment.BATCH_ONLINE_COLUMNS)
        table = result.table
        assert table["mode"].iloc[0] == "online"
        assert table["mode"].iloc[1:].eq("batch").all()
        assert len(table) == 1 + len(intervals)  # one row per interval given
        assert result.n_rows == n
        assert (table["median_staleness_hours"] >= 0).all()
        assert (table["p95_staleness_hours"] >= table["median_staleness_hours"]).all()
        assert table["share_without_precomputed"].between(0, 1).all()
        assert table["metric"].nunique() == 1

    call(
        "mlkit.deployment.batch_vs_online",
        deployment.batch_vs_online,
        model,
        frame,
        gen.container(data, y_given, kinds=["ndarray", "list", "series"]),
        time=time,
        entity=entity,
        known_in_advance=known,
        intervals=intervals,
        metric=metric,
        check=check,
    )


# --------------------------------------------------------------------------- skew


@fuzzes("mlkit.deployment.skew_report")
@given(st.data())
@fuzz_settings(80)
def test_skew_report(data):
    # One problem at most per call, so that most calls compare the two frames.
    problem = data.draw(
        st.sampled_from(
            [None] * 10 + ["empty", "duplicate", "messy", "columns", "key", "rtol"]
        )
    )
    n = gen.rows(data, 0 if problem == "empty" else 1, 30)
    offline = gen.frame(data, n, max_columns=3)
    keys = np.arange(n)
    if problem == "duplicate" and n > 1:
        keys[1] = keys[0]
    offline.insert(0, "id", keys)
    how = data.draw(st.sampled_from(["same", "scaled", "shuffled", "fewer"]))
    if problem == "messy":
        how = "messy"
    online = offline.copy()
    if how == "scaled":
        for c in online.columns[1:]:
            if pd.api.types.is_float_dtype(online[c]):
                online[c] = online[c] * 1000
    elif how == "messy":
        other = gen.frame(data, n, max_columns=3)
        names = list(offline.columns[1 : 1 + other.shape[1]])
        names += [c for c in other.columns if c not in names][
            : other.shape[1] - len(names)
        ]
        other = other.set_axis(names, axis=1)
        other.insert(0, "id", offline["id"].to_numpy())
        online = other
    elif how == "shuffled":
        online = online.sample(frac=1.0, random_state=0)
    elif how == "fewer":
        online = online.iloc[: max(1, n // 2)]
    columns = data.draw(st.sampled_from([None, None, list(offline.columns[1:2])]))
    if problem == "columns":
        columns = data.draw(st.sampled_from(["id", [], ["zz"]]))
    key = data.draw(st.sampled_from(["id", "id", ["id"], ("id",)]))
    if problem == "key":
        key = data.draw(st.sampled_from([[], "zz", ["id", "zz"]]))
    rtol = data.draw(st.sampled_from([1e-6, 1e-6, 0, 0.1]))
    if problem == "rtol":
        rtol = data.draw(st.sampled_from([-1, np.nan, "1"]))

    def check(report):
        has_columns(report.table, deployment.SKEW_COLUMNS)
        assert report.table["share_mismatched"].between(0, 1).all()
        assert report.n_compared <= min(len(offline), len(online))
        if how == "same" or how == "shuffled":
            assert not report.skewed, report.table

    call(
        "mlkit.deployment.skew_report",
        deployment.skew_report,
        offline,
        online,
        key=key,
        columns=columns,
        rtol=rtol,
        atol=data.draw(st.sampled_from([1e-9, 0.0, 1.0])),
        check=check,
    )

"""Generated input for mlkit.features: preprocessing from kinds, the target's
encoding, kinds from dtypes, missing values, generalisation, feature importance,
its leaks, and a case's feature set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlkit
from mlkit import features
from tests.fuzz import _strategies as gen
from tests.fuzz._harness import (
    call,
    fuzz_settings,
    fuzzes,
    has_columns,
    in_unit_interval,
)

pytestmark = pytest.mark.filterwarnings("ignore::mlkit._exceptions.MlkitWarning")

#: The cases, loaded once: a Case holds read-only mappings, which cannot be deep
#: copied, so the tests pass its name and call case_features with the loaded case.
CASES = {name: mlkit.cases.load(name) for name in ("spam", "income")}
DATA = {name: case.load_data() for name, case in CASES.items()}

KINDS = gen.FEATURE_KINDS
BAD_KINDS = ("float", "", "Numeric", None, 3)


#: Each test runs on valid arguments, then on arguments of which some are wrong.
BOTH = pytest.mark.parametrize("bad", [False, True], ids=["valid", "messy"])


def pick(data, bad, good, wrong):
    """A value of ``good``, or with ``bad`` sometimes one of ``wrong``."""
    if bad and data.draw(st.integers(0, 3)) == 3:
        return data.draw(wrong)
    return data.draw(good)


# --------------------------------------------------------------------------- kinds


def kinds_mapping(data, bad):
    """Column name to kind, with unknown kinds, no column or odd names when ``bad``."""
    names = data.draw(
        st.lists(
            st.sampled_from(gen.NAMES),
            min_size=0 if bad else 1,
            max_size=4,
            unique=True,
        )
    )
    kinds = {name: data.draw(st.sampled_from(KINDS)) for name in names}
    if bad and names and data.draw(st.booleans()):
        kinds[names[0]] = data.draw(st.sampled_from(BAD_KINDS))
    return kinds


def check_preprocessor(kinds, columns, fit_seed):
    def check(pre):
        from sklearn.compose import ColumnTransformer

        assert isinstance(pre, ColumnTransformer)
        used = list(kinds) if columns is None else list(columns)
        selected = set()
        for _, _, cols in pre.transformers:
            selected.update([cols] if isinstance(cols, str) else cols)
        assert selected == {c for c in used if kinds[c] not in ("id", "datetime")}
        if fit_seed is not None:
            X = gen.clean_frame(kinds, 40, fit_seed)
            out = pre.fit_transform(X)
            assert out.shape[0] == 40
            assert len(pre.get_feature_names_out()) == out.shape[1]

    return check


@fuzzes("mlkit.features.make_preprocessor")
@BOTH
@given(st.data())
@fuzz_settings(30)
def test_make_preprocessor(bad, data):
    kinds = kinds_mapping(data, bad)
    if bad and data.draw(st.integers(0, 5)) == 0:
        kinds = data.draw(st.sampled_from([None, ["x"], "x", 3]))
    names = list(kinds) if isinstance(kinds, dict) else []
    columns = pick(
        data,
        bad,
        st.one_of(st.none(), st.just(names[: max(1, len(names) - 1)])),
        st.sampled_from([["missing column"], "x", 3, [["x"]]]),
    )
    numeric = [
        c
        for c in (
            names if columns is None or not isinstance(columns, list) else columns
        )
        if isinstance(c, str)
        and isinstance(kinds, dict)
        and kinds.get(c) in ("numeric", "integer")
    ]
    log_columns = pick(
        data,
        bad,
        st.sampled_from([(), numeric[:1]]),
        st.sampled_from([names[:1] or ["x"], "x", ["missing column"], None, 3]),
    )
    fit = not bad and "text" not in kinds.values() and data.draw(st.integers(0, 4)) == 0
    call(
        "mlkit.features.make_preprocessor",
        features.make_preprocessor,
        kinds,
        columns,
        min_frequency=pick(
            data, bad, st.sampled_from([1, 5, 10]), st.sampled_from([0, -1, 2.5, "10"])
        ),
        max_text_features=pick(
            data, bad, st.sampled_from([10, 5000]), st.sampled_from([0, 1.5, None])
        ),
        dense=pick(data, bad, st.booleans(), st.sampled_from([1, "yes", None])),
        log_columns=log_columns,
        check=check_preprocessor(
            kinds, columns, data.draw(st.integers(0, 99)) if fit else None
        ),
    )


def check_kinds(frame):
    def check(result):
        assert list(result) == [str(c) for c in frame.columns]
        assert set(result.values()) <= set(KINDS)

    return check


@fuzzes("mlkit.features.infer_kinds")
@BOTH
@given(st.data())
@fuzz_settings(30)
def test_infer_kinds(bad, data):
    frame = gen.frame(data, gen.rows(data, 0, 20), min_columns=0 if bad else 1)
    if bad and data.draw(st.booleans()):
        odd = data.draw(
            st.sampled_from(["timedelta", "complex", "period", "not a frame"])
        )
        if odd == "timedelta":
            frame["d"] = pd.to_timedelta(np.arange(len(frame)), unit="s")
        elif odd == "complex":
            frame["z"] = np.arange(len(frame)) * 1j
        elif odd == "period":
            frame["p"] = pd.period_range("2024-01", periods=len(frame), freq="M")
        else:
            frame = np.zeros((2, 2))
    call(
        "mlkit.features.infer_kinds",
        features.infer_kinds,
        frame,
        check=check_kinds(frame) if isinstance(frame, pd.DataFrame) else None,
    )


# --------------------------------------------------------------------------- target


def check_encoded(values, task):
    def check(result):
        assert isinstance(result, pd.Series)
        assert len(result) == len(values)
        if task == "binary":
            assert set(result.unique()) <= {0, 1}
            assert result.sum() >= 1

    return check


@fuzzes("mlkit.features.encode_target")
@BOTH
@given(st.data())
@fuzz_settings(50)
def test_encode_target(bad, data):
    n = gen.rows(data, 0 if bad else 1)
    labels = gen.labels(data, n)
    values = gen.container(data, labels)
    task = pick(
        data,
        bad,
        st.sampled_from(["binary", "binary", "multiclass", "regression"]),
        st.sampled_from(["ranking", None, 1]),
    )
    present = list(dict.fromkeys(labels.tolist())) or [1]
    positive = pick(
        data,
        bad,
        st.sampled_from(present),
        st.sampled_from([None, "absent", 99, [1]]),
    )
    if bad and data.draw(st.integers(0, 5)) == 0:
        values = data.draw(st.sampled_from([5, "yes", np.zeros((2, 2)), None]))
    call(
        "mlkit.features.encode_target",
        features.encode_target,
        values,
        task=task,
        positive_label=positive,
        check=check_encoded(values, task) if hasattr(values, "__len__") else None,
    )


# --------------------------------------------------------------------------- missing values


def check_missing(df):
    def check(result):
        table = result.to_frame()
        has_columns(table, ["column", "kind", "missing", "share", "mechanism"])
        in_unit_interval(*table["share"], *table["p_value"], *table["eta_squared"])
        assert (table["missing"] > 0).all()
        assert (table["effect"].dropna() >= 0).all()

    return check


@fuzzes("mlkit.features.missing_values")
@BOTH
@given(st.data())
@fuzz_settings(25)
def test_missing_values(bad, data):
    n = gen.rows(data, 0 if bad else 2)
    df = gen.frame(data, n, max_columns=4)
    target_kind = data.draw(st.sampled_from(["none", "binary", "labels", "numbers"]))
    target = None
    positive = None
    if target_kind != "none":
        target = "target"
        if target_kind == "binary":
            df[target] = gen.binary_labels(data, n)
        elif target_kind == "labels":
            labels = gen.labels(data, n)
            df[target] = labels
            if len(labels) and data.draw(st.booleans()):
                positive = labels[0]
        else:
            df[target] = gen.floats(data, n, nasty=bad)
        if bad and n and data.draw(st.booleans()):
            df[target] = df[target].astype(object)
            df.loc[df.index[0], target] = None
    if bad and data.draw(st.integers(0, 3)) == 0:
        target = data.draw(st.sampled_from(["missing column", df.columns[0]]))
    features_ = [c for c in df.columns if c != target]
    columns = pick(
        data,
        bad,
        st.one_of(st.none(), st.just(features_[:2])),
        st.sampled_from([["missing column"], "x", [target], []]),
    )
    call(
        "mlkit.features.missing_values",
        features.missing_values,
        df,
        target=target,
        columns=columns,
        positive_label=pick(
            data, bad, st.just(positive), st.sampled_from(["absent", 1, [1]])
        ),
        min_effect=pick(
            data,
            bad,
            st.sampled_from([0.1, 0.0, 0.5]),
            st.sampled_from([-1, np.nan, "a"]),
        ),
        alpha=pick(
            data, bad, st.sampled_from([0.001, 0.05]), st.sampled_from([0, 1, 2, None])
        ),
        check=check_missing(df),
    )


# --------------------------------------------------------------------------- generalisation


def check_generalisation(result):
    table = result.to_frame()
    has_columns(
        table, ["feature", "kind", "unseen share", "below share", "above share"]
    )
    in_unit_interval(
        *table["unseen share"], *table["below share"], *table["above share"]
    )
    both = table["below share"].fillna(0) + table["above share"].fillna(0)
    assert (both <= table["unseen share"] + 1e-12).all()


@fuzzes("mlkit.features.generalisation")
@BOTH
@given(st.data())
@fuzz_settings(25)
def test_generalisation(bad, data):
    n = gen.rows(data, 0 if bad else 2)
    df = gen.frame(data, n, max_columns=4)
    cut = data.draw(st.integers(0 if bad else 1, max(n - (not bad), 0)))
    train, test = df.iloc[:cut], df.iloc[cut:]
    if bad and data.draw(st.integers(0, 3)) == 0:
        test = test.drop(columns=test.columns[0])
    if bad and data.draw(st.integers(0, 5)) == 0:
        train = pd.concat([train, train.iloc[:, :1]], axis=1)  # a name twice
    call(
        "mlkit.features.generalisation",
        features.generalisation,
        train,
        test,
        columns=pick(
            data,
            bad,
            st.one_of(st.none(), st.just(list(df.columns[:1]))),
            st.sampled_from([["missing column"], "x", 3]),
        ),
        check=check_generalisation,
    )


# --------------------------------------------------------------------------- importance


def importance_table(data, bad):
    """A FeatureImportance with a generated table, as the doctests build one."""
    k = data.draw(st.integers(0 if bad else 1, 6))
    names = [f"f{i}" for i in range(k)]
    values = data.draw(
        st.lists(
            st.one_of(
                st.floats(0, 1),
                st.sampled_from([0.0, -0.1, np.nan] if bad else [0.0, 1e-12]),
            ),
            min_size=k,
            max_size=k,
        )
    )
    importance = np.sort(np.asarray(values, dtype=float))[::-1]
    positive = np.clip(np.nan_to_num(importance), 0, None)
    share = positive / positive.sum() if positive.sum() > 0 else np.zeros(k)
    table = pd.DataFrame(
        {"feature": names, "importance": importance, "std": 0.0, "share": share}
    )
    return features.FeatureImportance(
        global_importance=table,
        values=None,
        data=None,
        base_values=None,
        transformed_values=None,
        feature_groups=None,
        method="permutation",
        explainer="permutation_importance",
        output="r2",
        model_name="Ridge",
        n_rows=10,
        n_total=10,
    )


def check_leaks(result):
    has_columns(result.findings, ["check", "feature", "evidence", "what to do"])
    assert isinstance(result.ok, bool)
    assert result.ok == result.findings.empty


@fuzzes("mlkit.features.feature_leaks")
@BOTH
@given(st.data())
@fuzz_settings(25)
def test_feature_leaks(bad, data):
    importance = importance_table(data, bad)
    if bad and data.draw(st.integers(0, 5)) == 0:
        importance = importance.global_importance
    frame = None
    time_column = None
    if data.draw(st.booleans()):
        n = gen.rows(data, 0 if bad else 1, 30)
        frame = gen.frame(data, n, max_columns=2)
        rng = np.random.default_rng(n)
        frame["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
            rng.integers(0, 30, n), unit="D"
        )
        frame["closed"] = frame["when"] + pd.to_timedelta(
            rng.integers(-5, 5, n), unit="D"
        )
        time_column = pick(
            data,
            bad,
            st.just("when"),
            st.sampled_from([None, "missing column", frame.columns[0]]),
        )
        if bad and data.draw(st.integers(0, 3)) == 0:
            frame["closed"] = frame["closed"].dt.tz_localize("UTC")
    call(
        "mlkit.features.feature_leaks",
        features.feature_leaks,
        importance,
        max_share=pick(
            data, bad, st.floats(0.05, 0.95), st.sampled_from([0, 1, np.nan, "half"])
        ),
        ratio=pick(
            data, bad, st.floats(1.01, 10), st.sampled_from([1, 0.5, np.inf, None])
        ),
        data=frame,
        time_column=time_column,
        check=check_leaks,
    )


def fitted_model(data, X, y, task):
    """A small model fitted on ``X``, ``y``: a tree, a linear model or another."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    kind = data.draw(st.sampled_from(["tree", "linear", "pipeline", "other"]))
    if task == "regression":
        model = {
            "tree": RandomForestRegressor(n_estimators=5, random_state=0),
            "linear": Ridge(),
            "pipeline": make_pipeline(StandardScaler(), Ridge()),
            "other": make_pipeline(StandardScaler(), Ridge()),
        }[kind]
    else:
        model = {
            "tree": RandomForestClassifier(n_estimators=5, random_state=0),
            "linear": LogisticRegression(),
            "pipeline": make_pipeline(StandardScaler(), LogisticRegression()),
            "other": KNeighborsClassifier(3),
        }[kind]
    return model.fit(X, y)


def check_importance(X):
    def check(result):
        table = result.to_frame()
        has_columns(table, ["feature", "importance", "std", "share"])
        in_unit_interval(*table["share"])
        assert (table["std"].dropna() >= 0).all()
        assert result.n_rows <= result.n_total

    return check


@fuzzes("mlkit.features.feature_importance")
@BOTH
@given(st.data())
@fuzz_settings(3)
def test_feature_importance(bad, data):
    n = data.draw(st.integers(12, 40))
    rng = np.random.default_rng(n)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    task = data.draw(st.sampled_from(["binary", "regression"]))
    if task == "binary":
        y = (X["a"] + rng.normal(size=n) > 0).astype(int).to_numpy().copy()
        y[:2] = [0, 1]
    else:
        y = X["a"].to_numpy() * 2 + rng.normal(size=n)
    model = fitted_model(data, X, y, task)
    if bad and data.draw(st.booleans()):
        from sklearn.linear_model import Ridge

        model = data.draw(st.sampled_from([Ridge(), 3, None]))
    X_call = X
    if bad and data.draw(st.booleans()):
        X_call = data.draw(
            st.sampled_from(
                [
                    X[["a", "b"]],
                    X.assign(d=1.0),
                    X.iloc[:0],
                    X.to_numpy()[:, :2],
                    X["a"],
                ]
            )
        )
    elif data.draw(st.booleans()):
        X_call = X.assign(a=X["a"].where(X["a"] > -1))  # missing values
    method = data.draw(st.sampled_from(["shap", "permutation"]))
    call(
        "mlkit.features.feature_importance",
        features.feature_importance,
        model,
        X_call,
        pick(
            data, bad, st.just(y), st.sampled_from([None, y[:-1], np.full(n, np.nan)])
        ),
        method=pick(data, bad, st.just(method), st.sampled_from(["lime", None])),
        # Few rows: the model-agnostic explainer is slow.
        n_samples=pick(data, bad, st.just(10), st.sampled_from([0, 2.5])),
        n_repeats=pick(data, bad, st.sampled_from([2, 3]), st.sampled_from([0, "5"])),
        scoring=pick(
            data,
            bad,
            st.sampled_from([None, "r2" if task == "regression" else "accuracy"]),
            st.sampled_from(["nonsense", 3]),
        ),
        group_columns=pick(data, bad, st.booleans(), st.just("yes")),
        random_state=gen.random_state(data),
        check=check_importance(X_call),
    )


# --------------------------------------------------------------------------- case features


def case_features(case, data=None, *, engineered=True):
    """features.case_features with the loaded case for a case's name."""
    return features.case_features(
        CASES.get(case, case) if isinstance(case, str) else case,
        data,
        engineered=engineered,
    )


def check_feature_set(name, data):
    def check(fs):
        assert isinstance(fs, features.FeatureSet)
        spec = CASES[name].spec
        assert fs.columns[: len(spec.feature_columns)] == tuple(spec.feature_columns)
        X = fs.X()
        assert list(X.columns) == list(fs.columns)
        assert len(X) == (len(DATA[name]) if data is None else len(data))

    return check


@fuzzes("mlkit.features.case_features")
@BOTH
@given(st.data())
@fuzz_settings(10)
def test_case_features(bad, data):
    name = data.draw(st.sampled_from(sorted(CASES)))
    case = pick(data, bad, st.just(name), st.sampled_from(["no such case", 3, None]))
    rows = None
    choice = data.draw(st.integers(0, 9))
    if choice == 0:
        rows = None  # the case's own data
    elif choice <= 6 or not bad:
        n = data.draw(st.integers(1, 30))
        rows = DATA[name].sample(n, random_state=n)
        if data.draw(st.booleans()):
            # Columns of the wrong kinds: the data are taken as given.
            column = CASES[name].spec.feature_columns[0]
            rows = rows.assign(**{column: gen.column(data, n, "float")})
    else:
        rows = data.draw(
            st.sampled_from(["wrong columns", "empty", "not a frame", "no target"])
        )
        if rows == "wrong columns":
            rows = gen.frame(data, 5)
        elif rows == "empty":
            rows = DATA[name].iloc[:0]
        elif rows == "no target":
            rows = DATA[name].head(5).drop(columns=CASES[name].spec.target)
        else:
            rows = DATA[name].head(3).to_numpy()
    call(
        "mlkit.features.case_features",
        case_features,
        case,
        rows,
        engineered=pick(data, bad, st.booleans(), st.sampled_from([None, "yes"])),
        check=check_feature_set(name, rows),
    )

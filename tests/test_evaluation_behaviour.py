"""Tests for mlkit.evaluation's behavioural tests: perturbation, invariance, direction."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.evaluation import (
    BehaviourTest,
    directional_test,
    invariance_test,
    perturb_text,
    perturbation_test,
)
from mlkit.evaluation._behaviour import MAX_CHART_POINTS, TEXT_EDITS


class Rule:
    """A binary classifier whose probability of class 1 is a given function of X."""

    classes_ = np.array([0, 1])

    def __init__(self, probability):
        self.probability = probability

    def predict_proba(self, X):
        p = np.asarray(self.probability(X), dtype="float64")
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (np.asarray(self.probability(X)) >= 0.5).astype(int)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame(
        {
            "income": rng.normal(size=n),
            "age": rng.integers(18, 80, size=n),
            "sex": rng.choice(["F", "M"], size=n),
        },
        index=np.arange(n) * 2 + 100,  # not 0..n-1: positions and labels differ
    )


# --------------------------------------------------------------------------- invariance


def test_invariance_catches_a_model_that_uses_what_must_not_matter(people):
    kept = people.copy()
    biased = Rule(lambda X: _sigmoid(3 * X["income"] + 2 * (X["sex"] == "M") - 1))
    result = invariance_test(biased, people, column="sex")
    pd.testing.assert_frame_equal(people, kept)
    assert isinstance(result, BehaviourTest)
    assert result.kind == "invariance"
    assert not result.passed

    before = biased.predict(people)
    flips = {
        value: biased.predict(people.assign(sex=value)) != before for value in "FM"
    }
    expected = people.index[flips["F"] | flips["M"]]
    failures = result.to_frame()
    assert failures.index.tolist() == expected.tolist()
    assert result.rate == pytest.approx(len(expected) / len(people))
    assert failures.columns.tolist() == [
        "sex_before",
        "sex_after",
        "prediction_before",
        "prediction_after",
        "score_before",
        "score_after",
    ]
    # The value tried is the other sex, and the predictions are the model's.
    assert (failures["sex_before"] != failures["sex_after"]).all()
    assert (failures["sex_before"] == people.loc[expected, "sex"]).all()
    changed = people.loc[expected].assign(sex=failures["sex_after"])
    assert failures["prediction_after"].tolist() == biased.predict(changed).tolist()
    assert (failures["prediction_before"] != failures["prediction_after"]).all()


def test_invariance_passes_a_model_that_ignores_the_column(people):
    model = make_pipeline(
        make_column_transformer(("passthrough", ["income", "age"])),
        LogisticRegression(),
    ).fit(people, people["income"] > 0)
    result = invariance_test(model, people, column="sex", values=["F", "M", "X"])
    assert result.passed
    assert result.rate == 0
    assert result.to_frame().empty
    assert result._display_frame()["passed"].tolist() == [True]
    assert "set to each of 'F', 'M', 'X'" in result.change


def test_invariance_of_a_pipeline_with_an_encoder(people):
    y = (people["income"] + (people["sex"] == "M") > 0.5).astype(int)
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["sex"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(people, y)
    result = invariance_test(model, people, column="sex")
    assert not result.passed
    assert result.rate > 0.1


def test_invariance_with_a_probability_tolerance(people):
    # A slight dependence: the class never flips, the probability moves by 0.01.
    slight = Rule(lambda X: np.where(X["sex"] == "M", 0.71, 0.70))
    assert invariance_test(slight, people, column="sex").passed
    strict = invariance_test(slight, people, column="sex", atol=0.001)
    assert not strict.passed
    assert strict.rate == 1.0
    assert invariance_test(slight, people, column="sex", atol=0.02).passed
    with pytest.raises(MlkitTypeError, match="no predict_proba"):
        invariance_test(
            LinearSVC().fit(people[["income"]], people["income"] > 0),
            people[["income"]],
            column="income",
            values=[0.0],
            atol=0.1,
        )


def test_invariance_of_a_regression_and_of_an_array(people):
    X = people[["income", "age"]].to_numpy()
    model = LinearRegression().fit(X, 3 * X[:, 0])  # the second column is unused
    kept = X.copy()
    assert invariance_test(model, X, column=1, values=[20, 60]).passed
    np.testing.assert_array_equal(X, kept)
    used = invariance_test(model, X, column=0, values=[0.0])
    assert not used.passed
    assert used.failures.index.name == "row"
    assert used.failures.columns[:2].tolist() == ["x0_before", "x0_after"]
    # Within atol, a move counts as none.
    assert invariance_test(model, X, column=0, values=[0.0], atol=100).passed


def test_invariance_tolerance_is_a_share_of_rows(people):
    rare = Rule(lambda X: np.where((X["sex"] == "M") & (X["income"] > 2), 0.9, 0.1))
    result = invariance_test(rare, people, column="sex", tolerance=0.05)
    assert 0 < result.rate <= 0.05
    assert result.passed
    assert not invariance_test(rare, people, column="sex").passed


def test_invariance_to_text_edits():
    texts = pd.DataFrame(
        {
            "CONTENT": [
                "Win a FREE prize now!",
                "see you at lunch",
                "great song, thanks",
            ]
            * 30
        }
    )
    # A fragile rule: an exclamation mark decides. A robust one: the word "free".
    fragile = Rule(lambda X: X["CONTENT"].str.contains("!").astype(float))
    robust = Rule(lambda X: X["CONTENT"].str.lower().str.contains("free").astype(float))
    edit = lambda s: perturb_text(s, kinds=["punctuation"], random_state=0)  # noqa: E731
    result = invariance_test(fragile, texts, column="CONTENT", transform=edit)
    assert not result.passed
    edited = edit(texts["CONTENT"])
    expected = texts.index[
        edited.str.contains("!") != texts["CONTENT"].str.contains("!")
    ]
    assert result.failures.index.tolist() == expected.tolist()
    assert result.failures["CONTENT_after"].tolist() == edited[expected].tolist()
    assert "transformed by a function" in result.change
    gentle = functools.partial(
        perturb_text, kinds=["case", "whitespace"], random_state=0
    )
    result = invariance_test(robust, texts, column="CONTENT", transform=gentle)
    assert result.passed
    assert "transformed by perturb_text" in result.change


# --------------------------------------------------------------------------- direction


def test_directional_catches_a_wrong_sign(people):
    wrong = Rule(lambda X: _sigmoid(-X["income"]))
    right = Rule(lambda X: _sigmoid(X["income"]))
    failed = directional_test(wrong, people, column="income", change=0.5)
    assert not failed.passed
    assert failed.rate == 1.0
    assert len(failed.failures) == len(people)
    assert (failed.failures["score_after"] < failed.failures["score_before"]).all()
    np.testing.assert_allclose(failed.failures["income_after"], people["income"] + 0.5)
    assert directional_test(right, people, column="income", change=0.5).passed
    assert directional_test(
        wrong, people, column="income", change=0.5, expect="decrease"
    ).passed


def test_directional_failures_are_the_right_rows(people):
    # Income helps below 1 and hurts above: only the rows above 1 fail.
    bent = Rule(
        lambda X: _sigmoid(np.where(X["income"] < 1, X["income"], 2 - X["income"]))
    )
    result = directional_test(bent, people, column="income", change=0.01)
    expected = people.index[people["income"] >= 1]
    assert result.failures.index.tolist() == expected.tolist()
    assert result.rate == pytest.approx(len(expected) / len(people))


def test_directional_with_a_function_a_regression_and_atol(people):
    X = people[["income", "age"]]
    model = LinearRegression().fit(X, 2 * X["income"] - 0.01 * X["age"])
    assert directional_test(model, X, column="age", change=-5, expect="increase").passed
    older = directional_test(
        model, X, column="age", change=lambda s: s + 5, expect="increase"
    )
    assert older.rate == 1.0
    assert "changed by a function" in older.change
    # The wrong-way move is 0.05: within atol=0.1 it passes.
    assert directional_test(model, X, column="age", change=5, atol=0.1).passed


def test_directional_needs_probabilities_and_a_class_to_follow(people):
    X = people[["income", "age"]]
    svc = LinearSVC().fit(X, people["income"] > 0)
    with pytest.raises(MlkitTypeError, match="no predict_proba"):
        directional_test(svc, X, column="income", change=1)
    three = LogisticRegression().fit(X, np.digitize(X["income"], [-0.5, 0.5]))
    with pytest.raises(MlkitValueError, match="pass positive_label"):
        directional_test(three, X, column="income", change=1)
    assert directional_test(
        three, X, column="income", change=1, positive_label=2
    ).passed
    with pytest.raises(MlkitValueError, match="'positive_label' is 5"):
        directional_test(three, X, column="income", change=1, positive_label=5)
    with pytest.raises(MlkitValueError, match="'sex' is not numeric"):
        directional_test(
            Rule(lambda X: 0.5 + 0 * X["income"]), people, column="sex", change=1
        )
    with pytest.raises(MlkitTypeError, match="'change' must be"):
        directional_test(three, X, column="income", change="up")


# --------------------------------------------------------------------------- perturbation


def test_perturbation_catches_a_jumpy_model_and_passes_a_smooth_one(people):
    X = people[["income", "age"]]
    y = (X["income"] > 0).astype(int)
    jumpy = Rule(lambda X: (np.floor(X["income"] * 1000) % 2).astype(float))
    smooth = LogisticRegression().fit(X, y)
    kept = X.copy()
    bad = perturbation_test(jumpy, X, random_state=0)
    good = perturbation_test(smooth, X, random_state=0)
    pd.testing.assert_frame_equal(X, kept)
    assert not bad.passed
    assert bad.rate > 0.5
    assert good.passed
    assert good.rate <= 0.05
    assert bad.kind == "perturbation"
    assert bad.failures.columns.tolist() == [
        "income_before",
        "income_after",
        "age_before",
        "age_after",
        "prediction_before",
        "prediction_after",
        "score_before",
        "score_after",
    ]


def test_perturbation_failures_are_rows_near_the_boundary(people):
    X = people[["income", "age"]]
    sign = Rule(lambda X: (X["income"] > 0).astype(float))
    result = perturbation_test(sign, X, scale=0.05, n_repeats=3, random_state=1)
    failures = result.to_frame()
    assert len(failures) > 0
    # Only a row whose noise crossed 0 can flip; the recorded draw shows it.
    crossed = np.sign(failures["income_before"]) != np.sign(failures["income_after"])
    assert crossed.all()
    limit = 5 * 0.05 * people["income"].std()
    assert (failures["income_before"].abs() < limit).all()
    assert (failures["prediction_before"] != failures["prediction_after"]).all()
    # Every row that did not fail is one whose class the model keeps at its own value.
    passed = result.comparison.loc[~result.comparison["failed"]]
    assert (passed["prediction_before"] == passed["prediction_after"]).all()
    # The same seed, the same failures.
    again = perturbation_test(sign, X, scale=0.05, n_repeats=3, random_state=1)
    pd.testing.assert_frame_equal(again.failures, failures)


def test_perturbation_of_a_regression(people):
    rng = np.random.default_rng(2)
    X = people[["income", "age"]].to_numpy(dtype="float64")
    y = X[:, 0] + rng.normal(size=len(X))  # noisy target: neighbours disagree
    linear = LinearRegression().fit(X, y)
    neighbour = KNeighborsRegressor(n_neighbors=1).fit(X, y)
    assert perturbation_test(linear, X, random_state=0).passed
    jumpy = perturbation_test(neighbour, X, random_state=0)
    assert not jumpy.passed
    assert "standard deviation" in jumpy.criterion
    assert "score_before" not in jumpy.failures.columns


def test_perturbation_columns_and_numeric_only(people):
    on_income = Rule(lambda X: (np.floor(X["income"] * 1000) % 2).astype(float))
    # Only numeric columns are perturbed; "sex" is left as it is.
    result = perturbation_test(on_income, people, columns=["age"], random_state=0)
    assert result.rate == 0
    assert "'age'" in result.change
    everything = perturbation_test(on_income, people, random_state=0)
    assert "2 numeric columns" in everything.name
    with pytest.raises(MlkitValueError, match="non-numeric column"):
        perturbation_test(on_income, people, columns=["sex"])
    with pytest.raises(MlkitValueError, match="no numeric column"):
        perturbation_test(on_income, people[["sex"]])


def test_a_classifier_without_probabilities(people):
    X = people[["income", "age"]]
    svc = LinearSVC().fit(X, people["income"] > 0)
    result = perturbation_test(svc, X, scale=0.5, random_state=0)
    assert "score_before" not in result.failures.columns
    assert result.comparison["score_before"].isna().all()
    spec = result.chart().to_dict()
    assert spec["mark"]["type"] == "bar"


# --------------------------------------------------------------------------- result


def test_chart_draws_before_against_after_on_a_bounded_sample():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    # "a" matters only above 2: a few rows fail.
    model = Rule(lambda X: 0.7 * _sigmoid(X["b"]) + 0.3 * (X["a"] > 2))
    result = invariance_test(model, X, column="a", values=[0.0], atol=0.2)
    failed = int(result.comparison["failed"].sum())
    assert 0 < failed < MAX_CHART_POINTS
    spec = result.chart().to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    points = spec["datasets"][spec["layer"][1]["data"]["name"]]
    assert len(points) == MAX_CHART_POINTS
    assert sum(p["outcome"] == "failed" for p in points) == failed
    encoding = spec["layer"][1]["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"]) == (
        "score_before",
        "score_after",
    )


def test_explain_and_repr(people):
    wrong = Rule(lambda X: _sigmoid(-X["income"]))
    result = directional_test(wrong, people, column="income", change=1)
    text = result.explain()
    assert text.startswith("Direction of 'income': the probability of 1 decreased")
    assert "so the test failed" in text
    assert "Chapter 6" in text
    assert "monotonic" in text
    assert repr(result).startswith("<BehaviourTest: Direction of 'income'")
    invariance = invariance_test(wrong, people, column="income", values=[0.0])
    assert "Chapter 11" in invariance.explain()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda m, X: invariance_test(object(), X, column="sex"),
            MlkitTypeError,
            "'model' must be",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sexx"),
            MlkitValueError,
            "did you mean 'sex'",
        ),
        (
            lambda m, X: invariance_test(m, X.to_numpy(), column=5),
            MlkitValueError,
            "position from 0 to 2",
        ),
        (
            lambda m, X: invariance_test(m, sp.csr_matrix(np.eye(3)), column=0),
            MlkitTypeError,
            "sparse",
        ),
        (
            lambda m, X: invariance_test(m, X["sex"], column="sex"),
            MlkitValueError,
            "two-dimensional",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sex", tolerance=2),
            MlkitValueError,
            r"'tolerance' must be a number in \[0, 1\]",
        ),
        (
            lambda m, X: invariance_test(
                m, X, column="sex", values=["F"], transform=str.lower
            ),
            MlkitValueError,
            "not both",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sex", values=[]),
            MlkitValueError,
            "'values' is empty",
        ),
        (
            lambda m, X: invariance_test(m, X, column="income"),
            MlkitValueError,
            "300 distinct values",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sex", transform=lambda s: s[:3]),
            MlkitValueError,
            "returned 3 values",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sex", transform="lower"),
            MlkitTypeError,
            "'transform' must be",
        ),
        (
            lambda m, X: invariance_test(m, X, column="sex", atol=-1),
            MlkitValueError,
            "'atol' must be",
        ),
        (
            lambda m, X: perturbation_test(m, X, scale=0),
            MlkitValueError,
            "'scale' must be",
        ),
        (
            lambda m, X: perturbation_test(m, X, n_repeats=0),
            MlkitValueError,
            "'n_repeats'",
        ),
        (
            lambda m, X: perturbation_test(m, X, columns=[]),
            MlkitValueError,
            "'columns' is empty",
        ),
        (
            lambda m, X: perturbation_test(m, X, random_state="x"),
            MlkitTypeError,
            "'random_state'",
        ),
        (
            lambda m, X: directional_test(m, X, column="income", change=1, expect="up"),
            MlkitValueError,
            "'expect' must be one of",
        ),
    ],
)
def test_bad_inputs_are_refused_with_a_hint(people, call, error, match):
    model = Rule(lambda X: _sigmoid(X["income"]))
    with pytest.raises(error, match=match) as info:
        call(model, people)
    assert "\nHint: " in str(info.value)


class _Broken(Rule):
    """A classifier whose predict or predict_proba fails, or answers the wrong shape."""

    def __init__(self, fail):
        super().__init__(lambda X: _sigmoid(X["income"]))
        self.fail = fail

    def predict(self, X):
        if self.fail == "predict":
            raise KeyError("income")
        if self.fail == "shape":
            return np.zeros((len(X), 2))
        return super().predict(X)

    def predict_proba(self, X):
        if self.fail == "proba_changed" and (X["income"] > 100).any():
            raise ValueError("Input X contains values out of range.")
        if self.fail == "proba_shape":
            return np.zeros((len(X), 3))
        return super().predict_proba(X)


@pytest.mark.parametrize(
    ("fail", "match"),
    [
        ("predict", r"'model' could not predict on 'X': KeyError"),
        ("shape", r"'model' returned predictions of shape \(300, 2\) for 300 rows"),
        (
            "proba_changed",
            r"'model' could not predict_proba on the changed rows of 'X': ValueError",
        ),
        ("proba_shape", r"'model' returned probabilities of shape \(300, 3\)"),
    ],
)
def test_a_model_that_fails_is_named_with_its_own_error(people, fail, match):
    with pytest.raises(MlkitValueError, match=match) as info:
        directional_test(_Broken(fail), people, column="income", change=1000)
    assert "\nHint: " in str(info.value)
    if fail in ("predict", "proba_changed"):
        # The model's own error is chained, one scroll away.
        assert type(info.value.__cause__) in (KeyError, ValueError)


def test_an_unfitted_model_and_a_failing_transform_are_named(people):
    X = people[["income", "age"]]
    with pytest.raises(MlkitValueError, match="'model' could not predict on 'X'"):
        perturbation_test(LogisticRegression(), X)
    model = LogisticRegression().fit(X, X["income"] > 0)
    with pytest.raises(
        MlkitValueError, match=r"'transform' could not change the column 'age'"
    ) as info:
        invariance_test(model, X, column="age", transform=lambda s: s.str.upper())
    assert isinstance(info.value.__cause__, AttributeError)
    with pytest.raises(MlkitValueError, match="'change' could not change the column"):
        directional_test(model, X, column="age", change=lambda s: s + "1")
    before = X.copy()
    with pytest.raises(MlkitValueError, match="'positive_label' is needed"):
        directional_test(
            LogisticRegression().fit(X, np.digitize(X["income"], [-0.5, 0.5])),
            X,
            column="income",
            change=1,
        )
    pd.testing.assert_frame_equal(X, before)


# --------------------------------------------------------------------------- text


TEXTS = [
    "Win a FREE prize now!",
    "see you at lunch",
    "Check out my channel, please.",
    "ok",
    "",
]


def test_perturb_text_is_deterministic_for_a_seed():
    first = perturb_text(TEXTS, random_state=0)
    assert first.tolist() == perturb_text(TEXTS, random_state=0).tolist()
    assert first.tolist() != perturb_text(TEXTS, random_state=1).tolist()
    # Every text that can be edited is, by exactly one edit.
    assert [a != b for a, b in zip(first, TEXTS, strict=True)] == [True] * 4 + [False]


def test_each_kind_of_edit_does_what_it_says():
    for seed in range(10):
        typos = perturb_text(TEXTS[:4], kinds=["typo"], random_state=seed)
        for old, new in zip(TEXTS[:4], typos, strict=True):
            diff = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
            assert len(diff) == 2, (old, new)
            assert diff[1] == diff[0] + 1, (old, new)
            assert sorted(old) == sorted(new)
        cased = perturb_text(TEXTS[:4], kinds=["case"], random_state=seed)
        for old, new in zip(TEXTS[:4], cased, strict=True):
            assert old != new
            assert old.lower() == new.lower()
        marks = perturb_text(TEXTS[:4], kinds=["punctuation"], random_state=seed)
        for old, new in zip(TEXTS[:4], marks, strict=True):
            assert abs(len(old) - len(new)) == 1
            strip = lambda t: "".join(c for c in t if c not in ".,!?;:")  # noqa: E731
            assert strip(old) == strip(new)
        spaced = perturb_text(TEXTS[:4], kinds=["whitespace"], random_state=seed)
        for old, new in zip(TEXTS[:4], spaced, strict=True):
            assert len(new) == len(old) + 1
            assert new.split() == old.split()


def test_perturb_text_keeps_the_series_and_missing_values():
    texts = pd.Series(["Hello there", None, "fine"], index=[7, 8, 9], name="CONTENT")
    kept = texts.copy()
    edited = perturb_text(texts, random_state=0)
    pd.testing.assert_series_equal(texts, kept)
    assert edited.index.tolist() == [7, 8, 9]
    assert edited.name == "CONTENT"
    assert edited.isna().tolist() == [False, True, False]
    assert set(TEXT_EDITS) == {"typo", "case", "punctuation", "whitespace"}


@pytest.mark.parametrize(
    ("texts", "kwargs", "error", "match"),
    [
        (["a b", 3], {}, MlkitTypeError, "row 1 holds int"),
        ("just one text", {}, MlkitTypeError, "a single string"),
        (pd.DataFrame({"a": ["x"]}), {}, MlkitTypeError, "got a DataFrame"),
        (["a b"], {"kinds": ["emoji"]}, MlkitValueError, "'kinds' must be one of"),
        (["a b"], {"kinds": []}, MlkitValueError, "'kinds' is empty"),
    ],
)
def test_perturb_text_refuses_bad_input(texts, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        perturb_text(texts, **kwargs)
    assert "\nHint: " in str(info.value)

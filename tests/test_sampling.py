"""Tests for mlkit.sampling: streams, samples of tables, importance weights, imbalance."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    fbeta_score,
    precision_recall_curve,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from mlkit._exceptions import MlkitTypeError, MlkitValueError, MlkitWarning
from mlkit.sampling import (
    TREATMENTS,
    EmptyStratumWarning,
    ImbalanceComparison,
    ImportanceWeights,
    _cap_weights,
    compare_imbalance,
    importance_weights,
    resample,
    reservoir_sample,
    sample,
)

# Family-wise false-alarm rate of the statistical tests below; their seeds are
# fixed, so each either always passes or always fails.
ALPHA = 1e-3


@pytest.fixture(autouse=True)
def one_thread():
    # The gradient boosting behind importance_weights runs OpenMP threads; on a
    # small shared machine they wait on each other far longer than they compute.
    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------------- reservoir


def test_reservoir_includes_each_item_with_probability_k_over_n():
    n, k, runs = 100, 10, 2000
    counts = np.zeros(n, dtype=int)
    for seed in range(runs):
        picked = reservoir_sample(range(n), k, random_state=seed)
        assert len(picked) == len(set(picked)) == k
        counts[picked] += 1
    # Each item's count is Binomial(runs, k / n); Bonferroni over the n items.
    low, high = stats.binom.interval(1 - ALPHA / n, runs, k / n)
    assert counts.min() >= low
    assert counts.max() <= high
    assert stats.chisquare(counts).pvalue > ALPHA


def test_reservoir_skips_uniformly_along_a_long_stream():
    # Algorithm L skips most items; the positions drawn must still be uniform.
    n, k, runs = 100_000, 5, 400
    positions = np.concatenate(
        [
            reservoir_sample((i for i in range(n)), k, random_state=seed)
            for seed in range(runs)
        ]
    )
    deciles = np.bincount(positions * 10 // n, minlength=10)
    assert deciles.sum() == k * runs
    assert stats.chisquare(deciles).pvalue > ALPHA


class Stream:
    """An iterable with no len(), which counts the items it hands out."""

    def __init__(self, n):
        self.n = n
        self.served = 0

    def __iter__(self):
        for i in range(self.n):
            self.served += 1
            yield f"item{i}"


def test_reservoir_reads_a_stream_once_without_its_length():
    stream = Stream(5000)
    picked = reservoir_sample(stream, 7, random_state=1)
    assert len(picked) == 7
    assert set(picked) <= {f"item{i}" for i in range(5000)}
    assert stream.served == 5000


@pytest.mark.parametrize("n", [0, 3, 7])
def test_reservoir_returns_everything_from_a_short_stream(n):
    assert reservoir_sample(iter(range(n)), 7, random_state=0) == list(range(n))


def test_reservoir_is_deterministic_for_a_seed():
    first = reservoir_sample(range(10_000), 20, random_state=42)
    assert reservoir_sample(range(10_000), 20, random_state=42) == first
    assert reservoir_sample(range(10_000), 20, random_state=43) != first
    generator = np.random.default_rng(42)
    assert reservoir_sample(range(10_000), 20, random_state=generator) == first


@pytest.mark.parametrize(
    ("k", "error"),
    [
        (0, MlkitValueError),
        (-3, MlkitValueError),
        (2.5, MlkitTypeError),
        (True, MlkitTypeError),
        ("10", MlkitTypeError),
        (None, MlkitTypeError),
    ],
)
def test_reservoir_refuses_a_bad_k(k, error):
    with pytest.raises(error, match="'k' must be an int of at least 1"):
        reservoir_sample(range(10), k)


def test_reservoir_refuses_what_is_not_iterable():
    with pytest.raises(MlkitTypeError, match="'iterable' must be an iterable"):
        reservoir_sample(42, 3)


# --------------------------------------------------------------------------- sample


def population(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "label": rng.choice(
                ["ham", "spam", "promo", "phish"], n, p=[0.5, 0.3, 0.15, 0.05]
            ),
            "weight": rng.uniform(0, 3, n),
            "amount": rng.normal(size=n),
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="id"),
    )


def options(method):
    return {
        "random": {},
        "stratified": {"by": "label"},
        "weighted": {"weights": "weight"},
    }[method]


@pytest.mark.filterwarnings("ignore::mlkit.sampling.EmptyStratumWarning")
@pytest.mark.parametrize("method", ["random", "stratified", "weighted"])
@pytest.mark.parametrize(
    ("size", "expected"), [(1, 1), (137, 137), (0.25, 250), (1.0, 1000)]
)
def test_sample_has_the_exact_size_in_the_original_order(method, size, expected):
    df = population()
    out = sample(df, size, method=method, random_state=0, **options(method))
    assert len(out) == expected
    assert out.index.is_unique
    assert out.index.isin(df.index).all()
    positions = df.index.get_indexer(out.index)
    assert (np.diff(positions) > 0).all()
    pd.testing.assert_frame_equal(out, df.loc[out.index])


@pytest.mark.parametrize("method", ["random", "stratified", "weighted"])
def test_sample_does_not_touch_the_callers_frame(method):
    df = population()
    before = copy.deepcopy(df)
    out = sample(df, 100, method=method, random_state=0, **options(method))
    out.iloc[:, 1] = -1.0
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("method", ["random", "stratified", "weighted"])
def test_sample_is_deterministic_for_a_seed(method):
    df = population()
    a = sample(df, 100, method=method, random_state=3, **options(method))
    b = sample(df, 100, method=method, random_state=3, **options(method))
    c = sample(df, 100, method=method, random_state=4, **options(method))
    pd.testing.assert_frame_equal(a, b)
    assert not a.index.equals(c.index)


@pytest.mark.parametrize(
    "as_type",
    [
        lambda s: s,
        lambda s: s.astype("category"),
        lambda s: s.map({"ham": 0, "spam": 1, "promo": 2, "phish": 3}),
        lambda s: s.where(s != "phish"),  # missing values form a stratum
    ],
    ids=["str", "category", "int", "with-missing"],
)
@pytest.mark.filterwarnings("ignore::mlkit.sampling.EmptyStratumWarning")
@pytest.mark.parametrize("size", [10, 37, 0.13, 500, 999])
def test_stratified_shares_match_the_population(as_type, size):
    df = population()
    df["label"] = as_type(df["label"])
    out = sample(df, size, method="stratified", by="label", random_state=0)
    total = len(out)
    assert total == (size if isinstance(size, int) else round(size * len(df)))
    wanted = df["label"].value_counts(dropna=False) * total / len(df)
    got = out["label"].value_counts(dropna=False).reindex(wanted.index, fill_value=0)
    assert (got - wanted).abs().max() < 1
    assert got.sum() == total


def test_stratified_warns_when_a_stratum_gets_no_row():
    df = pd.DataFrame({"label": ["a"] * 995 + ["rare"] * 5, "x": range(1000)})
    with pytest.warns(EmptyStratumWarning, match="'rare'") as caught:
        out = sample(df, 50, method="stratified", by="label", random_state=0)
    assert issubclass(caught[0].category, MlkitWarning)
    assert (out["label"] == "a").sum() == 50


@pytest.mark.parametrize(
    "as_weights",
    [lambda w: "w", list, np.asarray, lambda w: pd.Series(w)],
    ids=["column", "list", "array", "series"],
)
def test_weighted_with_replacement_draws_in_proportion_to_weights(as_weights):
    weights = [0.0, 1.0, 2.0, 3.0, 4.0]
    df = pd.DataFrame({"w": weights, "row": range(5)}, index=list("abcde"))
    out = sample(
        df,
        20_000,
        method="weighted",
        weights=as_weights(weights),
        replace=True,
        random_state=0,
    )
    counts = out["row"].value_counts().reindex(range(5), fill_value=0)
    assert counts[0] == 0
    expected = np.array(weights[1:]) / sum(weights) * 20_000
    assert stats.chisquare(counts[1:], expected).pvalue > ALPHA
    assert list(out.index.unique()) == list("bcde")  # original order, repeats together


def test_weighted_without_replacement_takes_only_positive_weights():
    df = pd.DataFrame({"w": [0.0, 1.0, 2.0, 0.0, 4.0]})
    out = sample(df, 3, method="weighted", weights="w", random_state=0)
    assert list(out.index) == [1, 2, 4]


def test_weighted_without_replacement_favours_heavy_rows():
    df = pd.DataFrame({"w": [1.0] * 50 + [10.0] * 50})
    hits = np.zeros(100)
    for seed in range(200):
        hits[
            sample(df, 10, method="weighted", weights="w", random_state=seed).index
        ] += 1
    assert hits[50:].mean() > 5 * hits[:50].mean()


def test_random_with_replacement_can_exceed_the_population():
    df = population(50)
    out = sample(df, 200, replace=True, random_state=0)
    assert len(out) == 200
    assert not out.index.is_unique
    # The labels are unique in df, so each one's position there is well defined.
    positions = df.index.get_indexer(out.index.unique())
    assert (np.diff(positions) > 0).all()
    assert out.index.equals(
        out.index.unique().repeat(out.index.value_counts(sort=False))
    )


BAD_SAMPLES = [
    ({"df": [1, 2]}, MlkitTypeError, "'df' must be a pandas DataFrame"),
    ({"size": 0}, MlkitValueError, "'size' must be at least 1"),
    ({"size": -5}, MlkitValueError, "'size' must be at least 1"),
    ({"size": 1.5}, MlkitValueError, r"'size' as a fraction must be in \(0, 1\]"),
    ({"size": "10"}, MlkitTypeError, "'size' must be a number of rows"),
    ({"size": 11}, MlkitValueError, "'size' asks for 11 rows, but there are only 10"),
    ({"method": "cluster"}, MlkitValueError, "'method' must be one of"),
    ({"by": "label"}, MlkitValueError, "'by' only applies to method='stratified'"),
    (
        {"method": "stratified", "by": "label", "weights": "w"},
        MlkitValueError,
        "'weights' only applies to method='weighted'",
    ),
    ({"method": "stratified"}, MlkitValueError, "needs 'by'"),
    ({"method": "weighted"}, MlkitValueError, "needs 'weights'"),
    ({"method": "stratified", "by": "lable"}, MlkitValueError, "'by' names 'lable'"),
    (
        {"method": "stratified", "by": ["label"]},
        MlkitTypeError,
        "'by' must be one column",
    ),
    (
        {"method": "stratified", "by": "label", "replace": True},
        MlkitValueError,
        "'replace' must be False with method='stratified'",
    ),
    ({"replace": "yes"}, MlkitTypeError, "'replace' must be True or False"),
    ({"method": "weighted", "weights": "weigth"}, MlkitValueError, "'weights' names"),
    (
        {"method": "weighted", "weights": [1.0] * 9 + [-1.0]},
        MlkitValueError,
        "'weights' has 1 negative",
    ),
    (
        {"method": "weighted", "weights": [1.0] * 9 + [np.nan]},
        MlkitValueError,
        "'weights' has 1 missing or infinite",
    ),
    (
        {"method": "weighted", "weights": [1.0] * 9 + [np.inf]},
        MlkitValueError,
        "'weights' has 1 missing or infinite",
    ),
    (
        {"method": "weighted", "weights": [0.0] * 10},
        MlkitValueError,
        "'weights' are all zero",
    ),
    (
        {"method": "weighted", "weights": [1.0] * 3},
        MlkitValueError,
        "'weights' has 3 values",
    ),
    (
        {"method": "weighted", "weights": "label"},
        MlkitTypeError,
        "'weights' must be numbers",
    ),
    (
        {"method": "weighted", "weights": [1.0] * 4 + [0.0] * 6, "size": 5},
        MlkitValueError,
        "'size' asks for 5 rows without replacement, but only 4",
    ),
    ({"random_state": "seed"}, MlkitTypeError, "'random_state' must be None"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_SAMPLES)
def test_sample_refuses_bad_input_naming_the_argument(kwargs, error, message):
    df = pd.DataFrame({"label": list("aabbbccccc"), "w": np.arange(10.0)})
    arguments = {"df": df, "size": 3, **kwargs}
    with pytest.raises(error, match=message) as caught:
        sample(arguments.pop("df"), arguments.pop("size"), **arguments)
    assert "\nHint: " in str(caught.value)


# --------------------------------------------------------------------------- importance


def gaussian_shift(n=3000, shift=1.0, seed=0):
    rng = np.random.default_rng(seed)
    source = pd.DataFrame({"x": rng.normal(0, 1, n)}, index=np.arange(n) * 2 + 7)
    target = pd.DataFrame({"x": rng.normal(shift, 1, n)})
    return source, target


def test_importance_weights_recover_a_known_gaussian_shift():
    source, target = gaussian_shift()
    result = importance_weights(source, target, random_state=0)
    assert isinstance(result, ImportanceWeights)
    # N(0, 1) to N(1, 1): the true density ratio is exp(x - 1/2).
    true = np.exp(source["x"] - 0.5)
    assert np.corrcoef(np.log(result.weights), np.log(true))[0, 1] > 0.9
    assert stats.spearmanr(result.weights, true).statistic > 0.9
    assert result.weights.mean() == pytest.approx(1)
    assert result.weights.index.equals(source.index)
    weighted = np.average(source["x"], weights=result.weights)
    assert abs(source["x"].mean()) < 0.1
    assert weighted == pytest.approx(target["x"].mean(), abs=0.12)
    # The true ratio has E[w^2] = e, so the ESS is about n / e; the best possible
    # classifier has AUC = Phi(1 / sqrt(2)).
    assert result.effective_sample_size / len(source) == pytest.approx(
        1 / math.e, abs=0.1
    )
    assert result.domain_auc == pytest.approx(
        stats.norm.cdf(1 / math.sqrt(2)), abs=0.04
    )


def test_importance_weights_with_a_classifier_of_the_right_form():
    # With one Gaussian feature the log density ratio is linear in x, which a
    # logistic regression fits exactly.
    source, target = gaussian_shift(n=1500, seed=1)
    model = LogisticRegression()
    result = importance_weights(
        source.to_numpy().ravel(),
        target.to_numpy().ravel(),
        classifier=model,
        random_state=0,
    )
    true = np.exp(source["x"].to_numpy() - 0.5)
    assert np.corrcoef(np.log(result.weights), np.log(true))[0, 1] > 0.999
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def test_no_shift_gives_weights_near_one():
    rng = np.random.default_rng(5)
    source = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.uniform(size=3000)})
    target = pd.DataFrame({"x": rng.normal(size=3000), "y": rng.uniform(size=3000)})
    result = importance_weights(source, target, random_state=0)
    assert result.domain_auc == pytest.approx(0.5, abs=0.04)
    assert result.effective_sample_size > 0.85 * len(source)
    assert result.weights.std() < 0.35
    assert result.weights.between(0.3, 3).mean() > 0.99
    assert "little or no shift" in result.explain()


@pytest.mark.parametrize("dtype", ["object", "category", "str"])
def test_importance_weights_handle_categories_and_missing_values(dtype):
    rng = np.random.default_rng(2)
    n = 2000

    def draw(p_a):
        numbers = rng.normal(size=n)
        numbers[rng.uniform(size=n) < 0.1] = np.nan
        kinds = rng.choice(["a", "b"], n, p=[p_a, 1 - p_a])
        return pd.DataFrame({"kind": pd.Series(kinds, dtype=dtype), "noise": numbers})

    source, target = draw(0.7), draw(0.3)
    result = importance_weights(source, target, random_state=0)
    by_kind = result.weights.groupby(source["kind"].astype(str)).mean()
    assert by_kind["a"] == pytest.approx(0.3 / 0.7, rel=0.25)
    assert by_kind["b"] == pytest.approx(0.7 / 0.3, rel=0.25)
    assert source["kind"].dtype == dtype  # the caller's frame is untouched


def test_importance_weights_are_deterministic_for_a_seed():
    source, target = gaussian_shift(n=500)
    a = importance_weights(source, target, random_state=7)
    b = importance_weights(source, target, random_state=7)
    pd.testing.assert_series_equal(a.weights, b.weights)
    assert a.domain_auc == b.domain_auc


def test_clipping_caps_the_weights_and_keeps_their_mean_and_order():
    source, target = gaussian_shift(n=1000, shift=3.0)
    capped = importance_weights(source, target, clip=5.0, random_state=0)
    free = importance_weights(source, target, clip=None, random_state=0)
    assert capped.weights.max() <= 5.0 + 1e-9
    assert capped.n_clipped > 0
    assert capped.weights.mean() == pytest.approx(1)
    assert free.weights.max() > 5.0
    assert free.n_clipped == 0
    assert stats.spearmanr(capped.weights, free.weights).statistic > 0.95
    assert capped.effective_sample_size > free.effective_sample_size
    assert "That is small" in free.explain()


@pytest.mark.parametrize("clip", [1.5, 3.0, 20.0])
def test_cap_weights_is_exact(clip):
    raw = np.random.default_rng(0).lognormal(0, 2, 5000)
    weights, n_capped = _cap_weights(raw, clip)
    assert weights.mean() == pytest.approx(1, abs=1e-12)
    assert weights.max() <= clip * (1 + 1e-12)
    assert n_capped == int((weights >= clip * (1 - 1e-12)).sum())
    below = weights < clip
    ratio = (
        weights[below] / raw[below]
    )  # the uncapped weights are scaled, not reordered
    assert np.allclose(ratio, ratio[0])


def test_importance_weights_result_faces():
    source, target = gaussian_shift(n=400)
    result = importance_weights(source, target, random_state=0)
    frame = result.to_frame()
    assert list(frame.columns) == ["weight", "target_probability"]
    assert frame.index.equals(source.index)
    assert frame["target_probability"].between(0, 1).all()
    spec = result.chart().to_dict()
    assert spec["mark"]["type"] == "bar"
    assert "effective sample size" in spec["title"]["text"]
    assert "chapter 4" in result.explain()
    assert "\n" not in repr(result)
    assert "Importance weights" in result._repr_html_()


BAD_SHIFTS = [
    (
        {"target": pd.DataFrame({"z": range(10)})},
        MlkitValueError,
        "'source' and 'target' must have the same columns",
    ),
    ({"columns": ["nope"]}, MlkitValueError, "'columns' names 'nope'"),
    ({"columns": []}, MlkitValueError, "'columns' is empty"),
    ({"clip": 1.0}, MlkitValueError, "'clip' must be a finite number above 1"),
    ({"clip": "high"}, MlkitTypeError, "'clip' must be a finite number above 1"),
    (
        {"target": pd.DataFrame({"x": range(3)})},
        MlkitValueError,
        "'target' has 3 row",
    ),
    ({"classifier": LinearSVC()}, MlkitTypeError, "'classifier' must be"),
    ({"source": "x"}, MlkitTypeError, "'source' must be a DataFrame or an array"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_SHIFTS)
def test_importance_weights_refuse_bad_input(kwargs, error, message):
    arguments = {
        "source": pd.DataFrame({"x": range(10)}),
        "target": pd.DataFrame({"x": range(10)}),
        **kwargs,
    }
    with pytest.raises(error, match=message):
        importance_weights(
            arguments.pop("source"), arguments.pop("target"), **arguments
        )


# --------------------------------------------------------------------------- resample


def imbalanced(n=300, seed=0, classes=(0, 1), weights=(0.9,)):
    X, y = make_classification(
        n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=len(classes),
        weights=list(weights),
        random_state=seed,
    )
    return X, np.asarray(classes)[y]


def as_pandas(X, y):
    index = pd.Index(np.arange(len(y)) * 3 + 100)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])], index=index)
    return frame, pd.Series(y, index=index, name="target")


INPUT_TYPES = {
    "numpy": lambda X, y: (X, y),
    "pandas": as_pandas,
    "lists": lambda X, y: (X.tolist(), y.tolist()),
}


@pytest.mark.parametrize("kind", INPUT_TYPES)
@pytest.mark.parametrize("method", ["oversample", "undersample"])
def test_random_resampling_balances_the_classes(kind, method):
    X, y = imbalanced(classes=("a", "b", "c"), weights=(0.7, 0.2))
    X_in, y_in = INPUT_TYPES[kind](X, y)
    before = copy.deepcopy((X_in, y_in))
    X_res, y_res = resample(X_in, y_in, method=method, random_state=0)
    counts = pd.Series(np.asarray(y_res)).value_counts()
    original = pd.Series(y).value_counts()
    assert counts.nunique() == 1
    assert counts.iloc[0] == (
        original.max() if method == "oversample" else original.min()
    )
    if kind == "pandas":
        assert isinstance(X_res, pd.DataFrame)
        assert isinstance(y_res, pd.Series)
        assert y_res.name == "target"
        assert X_res.index.equals(y_res.index)
        assert X_res.index.isin(X_in.index).all()
        pd.testing.assert_frame_equal(X_res, X_in.loc[X_res.index])
        pd.testing.assert_frame_equal(X_in, before[0])
    else:
        assert isinstance(X_res, np.ndarray)
        assert isinstance(y_res, np.ndarray)
    X_array = np.asarray(X_res)
    rows = {tuple(r): label for r, label in zip(X, y, strict=True)}
    assert all(rows[tuple(r)] == label for r, label in zip(X_array, y_res, strict=True))
    if method == "oversample":  # the originals first, then the copies
        np.testing.assert_array_equal(X_array[: len(y)], X)
    else:  # a subset, without repeats
        assert len({tuple(r) for r in X_array}) == len(X_array)


def test_oversampling_keeps_sparse_matrices_sparse():
    X, y = imbalanced()
    X_res, y_res = resample(sp.csr_matrix(X), y, random_state=0)
    assert sp.issparse(X_res)
    assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * 2


@pytest.mark.parametrize("kind", ["numpy", "pandas"])
def test_smote_makes_minority_rows_between_neighbours(kind):
    X, y = imbalanced()
    X_in, y_in = INPUT_TYPES[kind](X, y)
    X_res, y_res = resample(X_in, y_in, method="smote", random_state=0)
    assert np.bincount(np.asarray(y_res)).tolist() == [np.bincount(y).max()] * 2
    X_array = np.asarray(X_res)
    np.testing.assert_array_equal(X_array[: len(y)], X)
    new = X_array[len(y) :]
    minority = X[y == 1]
    assert (new >= minority.min(axis=0)).all()
    assert (new <= minority.max(axis=0)).all()
    if kind == "pandas":
        assert list(X_res.columns) == list(X_in.columns)
        assert X_res.index.equals(pd.RangeIndex(len(X_res)))
        assert y_res.name == "target"


def test_tomek_links_remove_majority_rows_only():
    X, y = imbalanced(weights=(0.8,), seed=3)
    X_in, y_in = as_pandas(X, y)
    X_res, y_res = resample(X_in, y_in, method="tomek")
    assert (y_res == 1).sum() == (y == 1).sum()
    assert (y_res == 0).sum() < (y == 0).sum()
    assert X_res.index.equals(y_res.index)
    pd.testing.assert_frame_equal(X_res, X_in.loc[X_res.index])


BAD_RESAMPLES = [
    ({"method": "adasyn"}, MlkitValueError, "'method' must be one of"),
    ({"y": [0] * 10}, MlkitValueError, "'y' has a single class"),
    ({"y": [0, 1] * 4}, MlkitValueError, "'y' has 8 values"),
    ({"y": [0, 1] * 4 + [None, 1]}, MlkitValueError, "'y' has 1 missing label"),
    ({"X": np.arange(10)}, MlkitValueError, "'X' must be two-dimensional"),
    ({"X": pd.Series(np.arange(10))}, MlkitValueError, "'X' must be two-dimensional"),
    (
        {"X": pd.DataFrame({"kind": list("abcdeabcde")}), "method": "smote"},
        MlkitValueError,
        "'X' must be numeric; 'kind'",
    ),
    (
        {"X": np.r_[np.full((9, 1), 1.0), [[np.nan]]], "method": "smote"},
        MlkitValueError,
        "'X' has missing values",
    ),
    ({"y": [0] * 9 + [1], "method": "smote"}, MlkitValueError, "has a single row"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_RESAMPLES)
def test_resample_refuses_bad_input(kwargs, error, message):
    arguments = {"X": np.arange(20.0).reshape(10, 2), "y": [0] * 7 + [1] * 3, **kwargs}
    with pytest.raises(error, match=message):
        resample(arguments.pop("X"), arguments.pop("y"), **arguments)


# --------------------------------------------------------------------------- compare


@pytest.fixture(scope="module")
def rare_positives():
    X, y = make_classification(
        6000, n_features=8, n_informative=4, weights=[0.98], random_state=1
    )
    return X[:3000], y[:3000], X[3000:], y[3000:]


@pytest.fixture(scope="module")
def comparison(rare_positives):
    return compare_imbalance(
        LogisticRegression(), *rare_positives, cost_fp=1, cost_fn=50, random_state=0
    )


def test_compare_imbalance_metrics_equal_scikit_learns(comparison, rare_positives):
    *_, y_test = rare_positives
    table = comparison.to_frame().set_index("treatment")
    assert list(table.index) == list(TREATMENTS)
    for treatment in TREATMENTS:
        score = comparison.scores[treatment].to_numpy()
        row = table.loc[treatment]
        flagged = (score >= row["threshold"]).astype(int)
        precision, recall, _ = precision_recall_curve(y_test, score)
        reachable = recall[precision >= comparison.precision_target]
        fp = int(((flagged == 1) & (y_test == 0)).sum())
        fn = int(((flagged == 0) & (y_test == 1)).sum())
        assert row["pr_auc"] == average_precision_score(y_test, score)
        assert row["f_beta"] == fbeta_score(y_test, flagged, beta=2.0, zero_division=0)
        assert row["recall_at_precision"] == (reachable.max() if len(reachable) else 0)
        assert row["accuracy"] == accuracy_score(y_test, flagged)
        assert row["expected_cost"] == pytest.approx((fp * 1 + fn * 50) / len(y_test))
        assert row["flagged"] == flagged.sum()
    assert table.loc["cost_threshold", "threshold"] == pytest.approx(1 / 51)
    assert table.loc["none", "threshold"] == 0.5
    # The cost threshold re-decides the untreated model; it is not refitted.
    pd.testing.assert_series_equal(
        comparison.scores["none"],
        comparison.scores["cost_threshold"],
        check_names=False,
    )


def test_cost_threshold_beats_the_untreated_model_when_misses_are_dear(comparison):
    table = comparison.to_frame().set_index("treatment")
    assert (
        table.loc["cost_threshold", "expected_cost"]
        < table.loc["none", "expected_cost"]
    )
    assert comparison.best("expected_cost") != "none"
    # Accuracy misleads: the model that flags almost nothing is the most accurate.
    assert comparison.best("accuracy") == "none"
    assert table.loc["none", "flagged"] < table.loc["cost_threshold", "flagged"]
    text = comparison.explain()
    assert "Accuracy ranks 'none' first" in text
    assert "Chapter 4" in text


def test_resampling_changes_the_training_rows(comparison, rare_positives):
    _, y_train, *_ = rare_positives
    rows = comparison.to_frame().set_index("treatment")["train_rows"]
    assert rows["none"] == rows["class_weight"] == len(y_train)
    assert rows["oversample"] == rows["smote"] == 2 * np.bincount(y_train).max()
    assert rows["undersample"] == 2 * np.bincount(y_train).min()


def test_compare_imbalance_leaves_the_callers_estimator_unfitted(rare_positives):
    model = LogisticRegression(C=0.5)
    params = model.get_params()
    compare_imbalance(
        model,
        *rare_positives,
        cost_fp=1,
        cost_fn=5,
        treatments=["none", "class_weight"],
    )
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.get_params() == params


def test_compare_imbalance_is_deterministic(rare_positives):
    runs = [
        compare_imbalance(
            LogisticRegression(),
            *rare_positives,
            cost_fp=1,
            cost_fn=10,
            treatments=["oversample", "undersample", "smote"],
            random_state=3,
        ).to_frame()
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(*runs)


def test_compare_imbalance_resamples_after_a_pipelines_preprocessing():
    X, y = make_classification(
        3000, n_features=5, n_informative=3, weights=[0.95], random_state=2
    )
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    frame["channel"] = np.where(y == 1, rng.choice(["web", "app"], len(y)), "shop")
    frame.loc[rng.uniform(size=len(y)) < 0.3, "channel"] = "web"
    frame.index = frame.index + 10_000
    numeric = [f"f{i}" for i in range(5)]
    pipeline = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["channel"]),
            (StandardScaler(), numeric),
        ),
        LogisticRegression(),
    )
    train, test = frame.iloc[:2000], frame.iloc[2000:]
    y_train, y_test = pd.Series(y[:2000], index=train.index), y[2000:]
    with pytest.raises(MlkitValueError, match="must be numeric; 'channel'"):
        resample(train, y_train, method="smote")
    result = compare_imbalance(
        pipeline, train, y_train, test, y_test, cost_fp=1, cost_fn=20, random_state=0
    )
    table = result.to_frame().set_index("treatment")
    assert table.loc["smote", "train_rows"] == 2 * np.bincount(y[:2000]).max()
    assert result.scores.index.equals(test.index)
    assert (table["pr_auc"] > 0.3).all()
    with pytest.raises(NotFittedError):
        check_is_fitted(pipeline)


def test_class_weight_falls_back_to_sample_weights(rare_positives):
    result = compare_imbalance(
        GaussianNB(),
        *rare_positives,
        cost_fp=1,
        cost_fn=10,
        treatments=["none", "class_weight"],
    )
    table = result.to_frame().set_index("treatment")
    assert table.loc["class_weight", "flagged"] > table.loc["none", "flagged"]
    with pytest.raises(
        MlkitValueError, match="takes neither class_weight nor sample_weight"
    ):
        compare_imbalance(
            KNeighborsClassifier(),
            *rare_positives,
            cost_fp=1,
            cost_fn=10,
            treatments=["class_weight"],
        )


def test_compare_imbalance_with_text_labels():
    X, y = imbalanced(n=600, classes=("ham", "spam"), weights=(0.9,))
    result = compare_imbalance(
        LogisticRegression(),
        X[:300],
        y[:300],
        X[300:],
        y[300:],
        positive_label="spam",
        cost_fp=1,
        cost_fn=5,
        treatments=["none", "undersample", "cost_threshold"],
        random_state=0,
    )
    assert isinstance(result, ImbalanceComparison)
    score = result.scores["none"]
    assert result.to_frame()["pr_auc"][0] == average_precision_score(
        y[300:] == "spam", score
    )


def test_comparison_chart_highlights_the_best_treatment(comparison):
    spec = comparison.chart().to_dict()
    assert len(spec["concat"]) == 5
    titles = [panel["title"]["text"] for panel in spec["concat"]]
    assert titles[0] == "Expected cost per prediction"
    assert "Accuracy (misleading)" in titles
    cost_panel = spec["concat"][0]
    rows = pd.DataFrame(spec["datasets"][cost_panel["data"]["name"]])
    best = rows.loc[rows["rank"] == "best", "treatment"].tolist()
    assert best == [comparison.best("expected_cost")]
    bar = cost_panel["layer"][0]["encoding"]["color"]["scale"]
    assert bar["domain"] == ["best", "other"]
    assert "<table" in comparison._repr_html_()
    assert repr(comparison).startswith("<ImbalanceComparison: On expected cost")


BAD_COMPARISONS = [
    ({"estimator": LinearSVC()}, MlkitTypeError, "'estimator' must be"),
    (
        {"y_train": np.arange(200) % 3},
        MlkitValueError,
        "'y_train' must have two classes",
    ),
    ({"positive_label": 2}, MlkitValueError, "'positive_label' is 2"),
    ({"y_test": np.zeros(100, dtype=int)}, MlkitValueError, "'y_test' must hold both"),
    (
        {"y_test": np.r_[[0, 1, 2], np.zeros(97, dtype=int)]},
        MlkitValueError,
        "'y_test' has labels",
    ),
    ({"y_test": np.zeros(5)}, MlkitValueError, "'y_test' has 5 values"),
    ({"cost_fp": 0}, MlkitValueError, "'cost_fp' must be a positive"),
    ({"cost_fn": float("nan")}, MlkitValueError, "'cost_fn' must be a positive"),
    (
        {"precision_target": 1.5},
        MlkitValueError,
        r"'precision_target' must be in \(0, 1\]",
    ),
    ({"beta": -1}, MlkitValueError, "'beta' must be a positive"),
    (
        {"treatments": ["none", "bagging"]},
        MlkitValueError,
        "'treatments' must be one of",
    ),
    ({"treatments": []}, MlkitValueError, "'treatments' is empty"),
    ({"treatments": ["none", "none"]}, MlkitValueError, "lists a treatment twice"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_COMPARISONS)
def test_compare_imbalance_refuses_bad_input(kwargs, error, message):
    X, y = imbalanced(n=300, weights=(0.8,))
    arguments = {
        "estimator": LogisticRegression(),
        "X_train": X[:200],
        "y_train": y[:200],
        "X_test": X[200:],
        "y_test": y[200:],
        "cost_fp": 1,
        "cost_fn": 10,
        **kwargs,
    }
    positional = [
        arguments.pop(k)
        for k in ("estimator", "X_train", "y_train", "X_test", "y_test")
    ]
    with pytest.raises(error, match=message):
        compare_imbalance(*positional, **arguments)


def test_compare_imbalance_names_its_own_arguments_when_smote_cannot_run():
    X = pd.DataFrame({"x": np.arange(8.0)})
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(MlkitValueError, match="'y_train' has a single row") as info:
        compare_imbalance(
            LogisticRegression(),
            X,
            y,
            X,
            y,
            cost_fp=1,
            cost_fn=5,
            treatments=["smote"],
        )
    assert "treatment 'smote' cannot run" in str(info.value)
    assert "'y'" not in str(info.value)
    assert "\nHint: " in str(info.value)

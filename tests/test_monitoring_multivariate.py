"""Tests of mlkit.monitoring.multivariate_drift: domain classifier and MMD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu
from sklearn.metrics import roc_auc_score

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    MULTIVARIATE_COLUMNS,
    MultivariateDrift,
    drift_report,
    multivariate_drift,
)
from mlkit.monitoring._multivariate import MMD_MAX_ROWS, gaussian_kernel, mmd_squared

SEEDS = (0, 1, 2)


def _correlated(n: int, rho: float, rng: np.random.Generator) -> pd.DataFrame:
    values = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    return pd.DataFrame(
        {"a": values[:, 0], "b": values[:, 1], "noise": rng.normal(size=n)}
    )


def _direct_mmd(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased squared MMD by the textbook double sums, median-heuristic bandwidth."""
    pooled = np.vstack([x, y])
    n = len(pooled)
    d2 = np.array(
        [[np.sum((pooled[i] - pooled[j]) ** 2) for j in range(n)] for i in range(n)]
    )
    sigma2 = np.median([d2[i, j] for i in range(n) for j in range(i + 1, n)])
    k = np.exp(-d2 / (2 * sigma2))
    m, p = len(x), len(y)
    kxx = k[:m, :m]
    kyy = k[m:, m:]
    kxy = k[:m, m:]
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (p * (p - 1))
        - 2 * kxy.sum() / (m * p)
    )


def test_mmd_equals_the_direct_computation():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"u": rng.normal(size=40), "v": rng.exponential(2, 40)})
    cur = pd.DataFrame({"u": rng.normal(0.5, 1, 30), "v": rng.exponential(2, 30)})
    result = multivariate_drift(ref, cur, method="mmd", n_permutations=50)
    # Standardised by the reference's mean and (population) standard deviation.
    mean, sd = ref.mean().to_numpy(), ref.std(ddof=0).to_numpy()
    expected = _direct_mmd((ref.to_numpy() - mean) / sd, (cur.to_numpy() - mean) / sd)
    assert result.statistic == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert result.n_reference == 40
    assert result.n_current == 30
    # The permutation statistics use the same formula on reshuffled sides.
    z = np.vstack([(ref.to_numpy() - mean) / sd, (cur.to_numpy() - mean) / sd])
    d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2)
    kernel, sigma = gaussian_kernel(d2)
    assert result.bandwidth == pytest.approx(sigma)
    split = np.zeros(70, bool)
    split[rng.choice(70, 40, replace=False)] = True
    both = mmd_squared(kernel, np.column_stack([split, ~split]))
    assert both[0] == pytest.approx(_direct_mmd(z[split], z[~split]), rel=1e-10)
    assert both[1] == pytest.approx(_direct_mmd(z[~split], z[split]), rel=1e-10)
    assert len(result.null) == 50
    assert result.p_value == (1 + np.sum(result.null >= result.statistic)) / 51


def test_classifier_auc_and_p_value_equal_sklearn_and_scipy():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    cur = pd.DataFrame({"x": rng.normal(0.3, 1, 200), "c": rng.choice(["a", "b"], 200)})
    result = multivariate_drift(ref, cur)
    scores = result.scores
    is_current = (scores["side"] == "current").to_numpy()
    # Half of each side is held out to test the classifier.
    assert is_current.sum() == 100
    assert len(scores) == 250
    auc = roc_auc_score(is_current, scores["score"])
    assert result.statistic == pytest.approx(auc, abs=1e-12)
    test = mannwhitneyu(
        scores.loc[is_current, "score"],
        scores.loc[~is_current, "score"],
        alternative="greater",
    )
    assert result.p_value == pytest.approx(test.pvalue, rel=1e-12)
    assert test.statistic / (100 * 150) == pytest.approx(auc, abs=1e-12)
    assert result.method == "classifier"
    assert np.isnan(result.bandwidth)
    assert result.null is None


@pytest.mark.parametrize("method", ["classifier", "mmd"])
@pytest.mark.parametrize("seed", SEEDS)
def test_a_changed_correlation_is_caught(method, seed):
    rng = np.random.default_rng(seed)
    ref = _correlated(800, 0.8, rng)
    cur = _correlated(800, -0.8, rng)
    result = multivariate_drift(ref, cur, method=method, random_state=seed)
    assert result.drifted
    # Beyond every permutation (MMD), or far beyond chance (classifier).
    assert result.p_value < (0.005 if method == "mmd" else 1e-6)
    table = result.table.set_index("column")
    # The two correlated columns carry the shift, the noise column does not.
    assert min(table.loc["a", "contribution"], table.loc["b", "contribution"]) > (
        3 * abs(table.loc["noise", "contribution"])
    )


@pytest.mark.parametrize("method", ["classifier", "mmd"])
@pytest.mark.parametrize("seed", SEEDS)
def test_per_column_tests_miss_what_the_joint_test_sees(method, seed):
    rng = np.random.default_rng(seed)
    ref = _correlated(600, 0.8, rng)
    # The very same values in each column, paired at random: marginals identical.
    cur = ref.assign(b=rng.permutation(ref["b"]), noise=rng.permutation(ref["noise"]))
    assert drift_report(ref, cur).drifted == []
    result = multivariate_drift(ref, cur, method=method, random_state=seed)
    assert result.drifted
    assert not result.table["column_drifted"].any()
    assert "No column drifted on its own test" in result.explain()


@pytest.mark.parametrize("method", ["classifier", "mmd"])
def test_quiet_without_a_shift(method):
    flagged = []
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        ref = _correlated(500, 0.6, rng).assign(c=rng.choice(["x", "y", "z"], 500))
        cur = _correlated(500, 0.6, rng).assign(c=rng.choice(["x", "y", "z"], 500))
        result = multivariate_drift(ref, cur, method=method, random_state=seed)
        flagged.append(result.drifted)
        if method == "classifier":
            assert abs(result.statistic - 0.5) < 0.08
    assert sum(flagged) <= 1


def test_classifier_p_value_is_calibrated_without_a_shift():
    # Tested on rows it did not learn from, the classifier's p-value falls below
    # alpha about as often as alpha says.
    p_values = []
    for seed in range(20):
        rng = np.random.default_rng(500 + seed)
        ref = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
        cur = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
        p_values.append(multivariate_drift(ref, cur, random_state=seed).p_value)
    assert sum(p < 0.05 for p in p_values) <= 3
    assert 0.3 < np.mean(p_values) < 0.7


def test_mixed_columns_and_a_category_shift():
    rng = np.random.default_rng(3)
    n = 800

    def frame(p_pro: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "age": rng.normal(40, 10, n),
                "plan": rng.choice(["free", "pro"], n, p=[1 - p_pro, p_pro]),
                "member": rng.random(n) < 0.5,
                "note": ["text " * int(k) for k in rng.integers(6, 12, n)],
                "code": pd.Categorical(rng.choice(["u", "v"], n)),
            }
        )

    ref, cur = frame(0.2), frame(0.6)
    before = ref.copy()
    result = multivariate_drift(ref, cur)
    pd.testing.assert_frame_equal(ref, before)
    assert result.drifted
    table = result.table.set_index("column")
    assert list(result.table.columns) == list(MULTIVARIATE_COLUMNS)
    assert table["kind"].to_dict() == {
        "age": "numeric",
        "plan": "categorical",
        "member": "numeric",
        "note": "text",
        "code": "categorical",
    }
    assert table.loc["note", "encoding"] == "length"
    assert table.loc["plan", "encoding"] == "categories"
    assert table["contribution"].idxmax() == "plan"
    assert table.loc["plan", "column_drifted"]
    mmd = multivariate_drift(ref, cur, method="mmd")
    assert list(mmd.table["column"]) == ["age", "member", "note"]
    assert "Left out of the MMD, as categories: plan, code." in mmd.explain()


def test_constant_columns():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=200), "k": np.ones(200)})
    cur = pd.DataFrame({"x": rng.normal(size=200), "k": np.full(200, 2.0)})
    result = multivariate_drift(ref, cur)
    assert result.statistic == pytest.approx(1.0)
    assert result.table.set_index("column").loc["k", "column_drifted"]
    with pytest.raises(
        MlkitValueError, match=r"(?s)column 'k' is constant in 'reference'.*Hint"
    ):
        multivariate_drift(ref, cur, method="mmd")


def test_sampling_is_seeded_and_noted():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=3000)})
    cur = pd.DataFrame({"x": rng.normal(size=2500)})
    a = multivariate_drift(ref, cur, method="mmd", max_rows=400, n_permutations=20)
    b = multivariate_drift(ref, cur, method="mmd", max_rows=400, n_permutations=20)
    assert a.n_reference == a.n_current == 400
    assert a.statistic == b.statistic
    assert a.p_value == b.p_value
    assert "Sampled at random: reference (400 of 3,000 rows)" in a.explain()
    big = multivariate_drift(ref, cur, method="mmd", n_permutations=10)
    assert big.n_reference == MMD_MAX_ROWS
    clf = multivariate_drift(ref.iloc[:300], cur.iloc[:300], max_rows=100)
    assert clf.n_reference == clf.n_current == 100
    assert len(clf.scores) == 100


def test_display():
    rng = np.random.default_rng(0)
    ref = _correlated(300, 0.8, rng)
    cur = _correlated(300, -0.8, rng)
    for method in ("classifier", "mmd"):
        result = multivariate_drift(ref, cur, method=method)
        assert isinstance(result, MultivariateDrift)
        spec = result.chart().to_dict()
        assert len(spec["hconcat"]) == 2
        assert "Chapter 8" in result.explain()
        assert result.explain().startswith("Taken together, the 3 columns drifted")
        assert repr(result).startswith("<MultivariateDrift: Taken together")
        assert "<table" in result._repr_html_()
        assert result.to_frame() is not result.table
    evidence = multivariate_drift(ref, cur).chart().to_dict()["hconcat"][0]
    assert evidence["mark"]["type"] == "bar"
    assert evidence["encoding"]["x"]["field"] == "start"


def test_errors_name_the_argument():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=50), "c": rng.choice(["a", "b"], 50)})
    cur = ref.copy()
    with pytest.raises(
        MlkitValueError,
        match=r"(?s)must have the same columns; only 'reference' has 'c'.*Hint",
    ):
        multivariate_drift(ref, cur[["x"]])
    with pytest.raises(MlkitValueError, match="'reference' has no rows"):
        multivariate_drift(ref.iloc[:0], cur)
    with pytest.raises(MlkitTypeError, match="'current' must be a pandas DataFrame"):
        multivariate_drift(ref, cur["x"])
    with pytest.raises(MlkitValueError, match=r"'columns' names 'zz'"):
        multivariate_drift(ref, cur, columns=["x", "zz"])
    with pytest.raises(MlkitValueError, match="'method' must be one of"):
        multivariate_drift(ref, cur, method="energy")
    with pytest.raises(MlkitTypeError, match="column 'c' holds categories"):
        multivariate_drift(ref, cur, columns=["x", "c"], method="mmd")
    with pytest.raises(MlkitValueError, match="needs numeric or text columns"):
        multivariate_drift(ref[["c"]], cur[["c"]], method="mmd")
    with pytest.raises(MlkitValueError, match="'current' has 5 rows"):
        multivariate_drift(ref, cur.iloc[:5])
    with pytest.raises(MlkitValueError, match="column 'x' has no values in 'current'"):
        multivariate_drift(ref, cur.assign(x=np.nan))
    with pytest.raises(
        MlkitTypeError, match="column 'x' is numeric in 'reference' but text"
    ):
        multivariate_drift(ref, cur.assign(x=cur["x"].astype(str)))
    with pytest.raises(MlkitTypeError, match=r"column 't' holds dates"):
        multivariate_drift(
            ref.assign(t=pd.Timestamp("2024-01-01")),
            cur.assign(t=pd.Timestamp("2024-01-01")),
        )
    with pytest.raises(MlkitValueError, match="'alpha' must be"):
        multivariate_drift(ref, cur, alpha=1.5)
    with pytest.raises(
        MlkitValueError, match="'max_rows' must be an integer of at least 10"
    ):
        multivariate_drift(ref, cur, max_rows=5)

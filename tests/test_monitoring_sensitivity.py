"""Tests of mlkit.monitoring.drift_sensitivity: the simulation and its helpers."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from mlkit._exceptions import MlkitTypeError, MlkitValueError
from mlkit.monitoring import (
    SENSITIVITY_COLUMNS,
    DriftSensitivity,
    drift_report,
    drift_sensitivity,
)
from mlkit.monitoring._sensitivity import (
    _ks_flags,
    _ks_p_values,
    _psi,
    _wasserstein,
)

SEEDS = (0, 1, 2)


def _sorted_pairs(rows: int, n: int, m: int, seed: int, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    return (
        np.sort(rng.normal(size=(rows, n)), axis=1),
        np.sort(rng.normal(shift, 1, size=(rows, m)), axis=1),
    )


@pytest.mark.parametrize(("n", "m"), [(20, 20), (100, 140), (1000, 1000)])
def test_ks_p_values_are_scipys(n, m):
    ref, cur = _sorted_pairs(40, n, m, seed=n, shift=0.1)
    ours = _ks_p_values(ref, cur)
    expected = [ks_2samp(r, c).pvalue for r, c in zip(ref, cur, strict=True)]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=0)


def test_ks_verdicts_above_ten_thousand_rows_are_scipys():
    ref, cur = _sorted_pairs(12, 20_000, 20_000, seed=1, shift=0.02)
    expected = np.array(
        [ks_2samp(r, c).pvalue < 0.05 for r, c in zip(ref, cur, strict=True)]
    )
    assert 0 < expected.sum() < len(expected)  # both verdicts occur
    np.testing.assert_array_equal(_ks_flags(ref, cur, 0.05), expected)


def test_psi_and_wasserstein_equal_drift_report_and_scipy():
    ref, cur = _sorted_pairs(3, 500, 500, seed=2, shift=0.3)
    psi = _psi(ref, cur)
    distance = _wasserstein(ref, cur)
    for i in range(3):
        report = drift_report(pd.DataFrame({"x": ref[i]}), pd.DataFrame({"x": cur[i]}))
        assert psi[i] == pytest.approx(report.table.loc[0, "psi"], abs=1e-12)
        assert distance[i] == pytest.approx(
            wasserstein_distance(ref[i], cur[i]) / ref[i].std(ddof=1), rel=1e-12
        )


def test_defaults_are_fast_and_complete():
    drift_sensitivity(sample_sizes=(100,), n_columns=(1,), n_repeats=2)  # imports
    start = time.perf_counter()
    result = drift_sensitivity()
    elapsed = time.perf_counter() - start
    assert elapsed < 15  # about 2 s on an idle machine; generous for a busy one
    assert isinstance(result, DriftSensitivity)
    t = result.table
    assert list(t.columns) == list(SENSITIVITY_COLUMNS)
    a = t[t["part"] == "sample size"]
    assert sorted(a["rule"].unique()) == [
        "KS p < alpha",
        "PSI > 0.1",
        "PSI > 0.2",
        "W > 0.1 sd",
    ]
    assert len(a) == 4 * 4 * 2  # rules x sizes x (shift, none)
    b = t[t["part"] == "number of columns"]
    assert len(b) == 3 * 2
    assert set(b["correction"]) == {"none", "holm"}
    assert ((t["flagged_share"] >= 0) & (t["flagged_share"] <= 1)).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_tiny_shift_verdicts_depend_on_sample_size(seed):
    result = drift_sensitivity(
        sample_sizes=(100, 1_000, 10_000, 100_000),
        n_columns=(1,),
        n_repeats=20,
        random_state=seed,
    )
    t = (
        result.table[result.table["part"] == "sample size"]
        .set_index(["rule", "shift", "sample_size"])["flagged_share"]
        .sort_index()
    )
    ks = t.loc[("KS p < alpha", 0.05)]
    assert ks.loc[100] <= 0.2
    assert ks.loc[100_000] >= 0.9
    assert ks.loc[100_000] >= ks.loc[1_000]
    # PSI flags no shift at all in small samples, never in large ones.
    psi = t.loc[("PSI > 0.1", 0.0)]
    assert psi.loc[100] >= 0.5
    assert psi.loc[10_000] == psi.loc[100_000] == 0
    assert psi.is_monotonic_decreasing
    # The Wasserstein rule ignores a shift smaller than its threshold in large samples.
    assert t.loc[("W > 0.1 sd", 0.05)].loc[100_000] == 0
    # Without a shift, KS flags about alpha of the repeats at every size.
    assert (t.loc[("KS p < alpha", 0.0)] <= 0.25).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_many_columns_without_correction_flag_as_theory_says(seed):
    result = drift_sensitivity(
        sample_sizes=(100,),
        n_columns=(1, 10, 50),
        tests=("ks",),
        n_repeats=200,
        random_state=seed,
    )
    b = result.table[result.table["part"] == "number of columns"]
    for _, row in b.iterrows():
        k = row["n_columns"]
        if row["correction"] == "none":
            expected = 1 - 0.95**k
            assert row["expected"] == pytest.approx(expected)
        else:
            expected = 0.05
        tolerance = 3 * np.sqrt(expected * (1 - expected) / 200) + 0.01
        if row["correction"] == "none":
            assert abs(row["flagged_share"] - expected) <= tolerance
        else:
            assert row["flagged_share"] <= expected + tolerance
    none = b[b["correction"] == "none"].set_index("n_columns")["flagged_share"]
    assert none.loc[50] > 0.8
    assert none.loc[50] > none.loc[10] > none.loc[1]


def test_sensitivity_display_and_options():
    result = drift_sensitivity(
        shift=0.1,
        sample_sizes=(200, 2_000),
        n_columns=(1, 5),
        tests="psi",
        n_repeats=10,
    )
    assert set(result.table["test"]) == {"psi", "ks"}  # part B always uses KS
    spec = result.chart().to_dict()
    assert len(spec["vconcat"]) == 2
    assert spec["vconcat"][0]["facet"]["field"] == "rule"
    text = result.explain()
    assert "PSI above 0.1 flagged data that did not shift" in text
    assert "Chapter 8" in text
    assert repr(result).startswith("<DriftSensitivity: A simulation")
    assert "<table" in result._repr_html_()
    full = drift_sensitivity(sample_sizes=(100, 1_000), n_columns=(1, 20), n_repeats=10)
    assert "The KS test flagged the same shift" in full.explain()
    assert "With 20 columns and no shift" in full.explain()


def test_sensitivity_errors():
    with pytest.raises(MlkitValueError, match="'shift' must be a number"):
        drift_sensitivity(shift=-0.1)
    with pytest.raises(
        MlkitValueError, match="'sample_sizes' must be a non-empty sequence"
    ):
        drift_sensitivity(sample_sizes=(5, 100))
    with pytest.raises(
        MlkitTypeError, match="'sample_sizes' must be a non-empty sequence"
    ):
        drift_sensitivity(sample_sizes=())
    with pytest.raises(MlkitValueError, match="'n_columns' must be"):
        drift_sensitivity(n_columns=(0,))
    with pytest.raises(MlkitValueError, match="'tests' must name some of"):
        drift_sensitivity(tests=("chi2",))
    with pytest.raises(MlkitValueError, match="'n_repeats' must be an integer"):
        drift_sensitivity(n_repeats=0)
    with pytest.raises(MlkitValueError, match="'alpha' must be"):
        drift_sensitivity(alpha=0.5 + 0.5)

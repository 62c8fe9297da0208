"""Data distribution shifts: which columns of new data differ from the reference.

Chapter 8 of *Designing Machine Learning Systems* ("Data Distribution Shifts
and Monitoring") detects a shift by comparing the data a model sees now with
the data it was trained or validated on, one feature at a time, with a
two-sample test. :func:`drift_report` does that for every column of two frames:

- a numeric column gets the two-sample Kolmogorov-Smirnov test (``"ks"``): its
  statistic is the largest gap between the two empirical distribution
  functions, and its p-value is scipy's ``ks_2samp`` with ``method="auto"``
  (the exact distribution when both samples have at most 10,000 values, the
  asymptotic one otherwise);
- a categorical column (text, categories, booleans) gets the chi-square test
  on the 2 x k table of category counts (``"chi2"``), as scipy's
  ``chi2_contingency``, with Yates' correction when there are two categories.

With many columns, some p-values fall below ``alpha`` by chance, so the
p-values are corrected across columns (Holm by default) before a column is
called drifted. And since with large samples a tiny shift is significant, each
column also gets sizes of the shift: the population stability index (PSI) and,
for numbers, the Wasserstein distance (in the column's units).

:func:`drift_over_time` cuts one frame into windows of time and compares each
window with a reference window.

Both frames may also be tables of other engines (polars, pyarrow, DuckDB,
Dask), whose counts per category, per distinct value or per histogram bin are
computed in the engine (:mod:`mlkit.monitoring._drift_engine`) and finished
here by the same code.

Each numeric column costs two in-place sorts (one per sample, NaN last) and
one linear merge of the two sorted runs (a stable ``argsort``); the KS
statistic, the Wasserstein distance and the PSI all come from that merge and
the sorted samples. The KS p-values are scipy's, with its two slow
Python-level sums (the exact distribution for equal samples, and the Smirnov
series behind the asymptotic one) evaluated as numpy vectors. Category counts
are one ``np.bincount`` of codes per column.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.monitoring import drift_report
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})
>>> cur = pd.DataFrame({"x": rng.normal(0.3, 1, 2000), "c": rng.choice(["a", "b"], 2000)})
>>> drift_report(ref, cur).drifted
['x']
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import CHOICE_ERROR, check_columns, check_frame, check_number

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "CORRECTIONS",
    "EXACT_DISTINCT",
    "PSI_BINS",
    "PSI_EPSILON",
    "REPORT_COLUMNS",
    "SKETCH_BITS",
    "SKETCH_RELATIVE_WIDTH",
    "DriftOverTime",
    "DriftReport",
    "drift_over_time",
    "drift_report",
]

#: The multiple-testing corrections across columns, and None for none.
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "bh")
#: Quantile bins of the reference behind a numeric column's PSI.
PSI_BINS = 10
#: Share given to an empty bin (on either side) in the PSI, so its log is finite.
PSI_EPSILON = 1e-4
#: Above this many values in both samples, the KS p-value is asymptotic (scipy's "auto").
EXACT_KS_MAX_N = 10_000
#: A numeric column of an engine's table whose histogram bins each hold one
#: distinct value (the same on both sides), at most this many on each side, is
#: compared exactly, from its counts per value; otherwise from the histogram of
#: :data:`SKETCH_BITS` (see :func:`drift_report`).
EXACT_DISTINCT = 65_536
#: The histogram of a numeric column of an engine's table has 2**SKETCH_BITS
#: bins per octave of the distance to the reference's mean.
SKETCH_BITS = 10
#: Relative width of a histogram bin: 2 ** (1 / 2**SKETCH_BITS) - 1, about 0.068%.
SKETCH_RELATIVE_WIDTH = 2.0 ** (1.0 / 2**SKETCH_BITS) - 1.0
#: Added to a histogram key so that every nonzero value's key is positive
#: (log2 of a double is above -1075).
_SKETCH_OFFSET = 2.0**21
#: The columns of :attr:`DriftOverTime.table`.
_TIME_TABLE_COLUMNS = (
    "window_start",
    "column",
    "kind",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "psi",
    "wasserstein",
    "drifted",
    "missing_drift",
    "n_current",
)
#: The most columns :meth:`DriftOverTime.chart` draws: those with the largest PSI.
MAX_TIME_COLUMNS = 12
#: The quantiles of the reference that bound a numeric column's PSI bins.
_PSI_QUANTILES = np.arange(1, PSI_BINS) / PSI_BINS
#: scipy evaluates the Smirnov series exactly up to this many values (cephes).
_SMIRNOV_MAX_N = 1_000_000
#: Terms of the Smirnov series evaluated at once (64 kB per array).
_SMIRNOV_CHUNK = 8192
#: log of the smallest normal double (cephes' MINLOG): below, Smirnov's sf is 0.
_MINLOG = -7.08396418532264106224e2
#: log(k!) - (k log k - k + log(2 pi k) / 2) for k = 0 .. 9, to 17 digits.
_STIRLING_ERROR_SMALL = (
    0.0,
    0.08106146679532726,
    0.0413406959554093,
    0.02767792568499834,
    0.020790672103765093,
    0.016644691189821193,
    0.013876128823070748,
    0.01189670994589177,
    0.010411265261972096,
    0.009255462182712733,
)
#: The columns of :attr:`DriftReport.table`.
REPORT_COLUMNS: tuple[str, ...] = (
    "column",
    "kind",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "drifted",
    "psi",
    "wasserstein",
    "n_reference",
    "n_current",
    "missing_reference",
    "missing_current",
    "missing_p_value",
    "missing_drift",
)

# Message templates, kept here so that tests can match them.
NO_COLUMNS_ERROR = "'reference' and 'current' have no column to compare."
DATETIME_ERROR = (
    "column {column!r} holds dates or times ({dtype}) in {side!r}, which are not "
    "tested."
)
KIND_ERROR = "column {column!r} is {a} in 'reference' but {b} in 'current'."
ALL_MISSING_ERROR = "column {column!r} has no values in {side!r}: all are missing."
ALPHA_ERROR = "'alpha' must be a number in (0, 1); got {got!r}."
WINDOW_ERROR = (
    "'window' must be a pandas offset alias such as '7D' or 'MS'; got {got!r}."
)
REFERENCE_ERROR = (
    "'reference' must be None or a (start, end) pair of times; got {got!r}."
)
EMPTY_REFERENCE_ERROR = "the reference window {window} holds no rows of 'df'."


def _check_alpha(alpha: Any) -> float:
    """A significance level in (0, 1): the message of :data:`ALPHA_ERROR`."""
    return check_number(
        alpha, "alpha", low=0, high=1, open_low=True, open_high=True, example="0.05"
    )


def _check_correction(correction: Any) -> str | None:
    if correction is not None and correction not in CORRECTIONS:
        raise MlkitValueError(
            with_hint(
                CHOICE_ERROR.format(
                    name="correction",
                    allowed="{" + ", ".join(map(repr, (*CORRECTIONS, None))) + "}",
                    got=correction,
                ),
                "'holm' controls the chance of any false alarm; 'bh' the share of "
                "false alarms among the columns flagged.",
            )
        )
    return correction


def adjust_p_values(p_values: np.ndarray, correction: str | None) -> np.ndarray:
    """P-values corrected for testing several columns, as statsmodels' ``multipletests``.

    ``"holm"``: the k-th smallest p-value times (m - k + 1), made non-decreasing;
    ``"bonferroni"``: times m; ``"bh"`` (Benjamini-Hochberg): the k-th smallest
    times m / k, made non-increasing from the largest; all capped at 1. None
    leaves them as they are. A column is drifted when its corrected p-value is
    at most ``alpha``.
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if correction is None or m == 0:
        return p.copy()
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if correction == "holm":
        adjusted = np.minimum(np.maximum.accumulate(ranked * np.arange(m, 0, -1)), 1.0)
    else:
        scaled = ranked * m / np.arange(1, m + 1)
        adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def _kind(series: pd.Series, column: Any, side: str) -> str:
    dtype = series.dtype
    # numpy numbers and booleans by their kind letter, text and categories by
    # their dtype, as pandas' predicates below say: those cost more than the
    # rest of the check on small frames
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":
        return "categorical" if dtype.kind == "b" else "numeric"
    if isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype
    ):
        raise MlkitTypeError(
            with_hint(
                DATETIME_ERROR.format(column=column, dtype=dtype, side=side),
                "leave it out with columns=[...], or test what matters of it as a "
                "number (such as the hour or the day of the week); to follow drift "
                "over time, use drift_over_time(df, time_column=...).",
            )
        )
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def _stirling_series(k: np.ndarray, terms: int) -> np.ndarray:
    """The first ``terms`` terms of Stirling's series for log(k!), less its leading part."""
    coefficients = (
        1 / 12,
        -1 / 360,
        1 / 1260,
        -1 / 1680,
        1 / 1188,
        -691 / 360360,
        1 / 156,
    )
    r2 = 1.0 / (k * k)
    total = np.full_like(k, coefficients[terms - 1])
    for coefficient in coefficients[terms - 2 :: -1]:
        total *= r2
        total += coefficient
    return total / k


def _stirling_error(k: np.ndarray) -> np.ndarray:
    """log(k!) - (k log k - k + log(2 pi k) / 2) for whole numbers k >= 1 (floats).

    Three terms of Stirling's series are exact to 1e-17 from k = 100; below,
    seven terms (from k = 10) or the table. Splitting log(k!) this way keeps the
    Smirnov terms accurate where log(k!) itself would lose ten digits.
    """
    out = _stirling_series(k, 3)
    small = k < 100
    if small.any():
        out[small] = _stirling_error_table()[k[small].astype(np.intp)]
    return out


@functools.cache
def _stirling_error_table() -> np.ndarray:
    """:func:`_stirling_error` of 0 .. 99."""
    return np.concatenate(
        [_STIRLING_ERROR_SMALL, _stirling_series(np.arange(10.0, 100.0), 7)]
    )


def _smirnov_sf(n: int, x: float) -> float:
    """``scipy.special.smirnov(n, x)``, P(D+ >= x) for n values, as vector sums.

    Birnbaum and Tingey's sum over j = 0 .. floor(n (1 - x)) of
    C(n, j) x (x + j/n)^(j-1) (1 - x - j/n)^(n-j), the formula scipy sums term
    by term in double-double (0.5 s at n = 500,000). Here the log of every term
    is one vector expression: log C(n, j) is written with Stirling's formula so
    that its large parts cancel against the powers analytically, which leaves
    terms of moderate size; the sum then agrees with scipy's to about 1e-13
    relative.
    """
    # floor(n x) exactly, as scipy's double-double (a remainder that rounds to 1
    # counts as a whole unit, as there).
    nx = Fraction(x) * n
    nx_floor = math.floor(nx)
    if float(nx - nx_floor) == 1.0:
        nx_floor += 1
    c = n * x
    constant = 0.5 * math.log(n / (2 * math.pi)) + float(
        _stirling_error(np.array([float(n)]))[0]
    )
    total = math.exp(n * math.log1p(-x))  # j = 0: (1 - x)^n
    # In chunks that stay in the cache: whole-length temporaries would cost
    # page faults and memory traffic for each of the twenty operations.
    for start in range(1, n - nx_floor, _SMIRNOV_CHUNK):
        j = np.arange(start, min(start + _SMIRNOV_CHUNK, n - nx_floor), dtype=float)
        total += float(_smirnov_terms(j, n, c, constant).sum())
    return total


def _smirnov_terms(j: np.ndarray, n: int, c: float, constant: float) -> np.ndarray:
    """The terms j of :func:`_smirnov_sf` (c = n x; ``constant`` the part common to all)."""
    rest = n - j
    ratio = c / j  # (x + j/n) = (j/n)(1 + c/j)
    log_terms = np.log(ratio)
    part = np.log1p(ratio)
    part *= j - 1
    log_terms += part
    np.divide(-c, rest, out=part)  # (1 - x - j/n) = (rest/n)(1 - c/rest)
    with np.errstate(divide="ignore"):  # c/rest rounds to 1: the term is 0
        np.log1p(part, out=part)
    part *= rest
    log_terms += part
    np.multiply(j, rest, out=part)
    np.log(part, out=part)
    part *= -0.5
    log_terms += part
    log_terms -= _stirling_error(j)
    log_terms -= _stirling_error(rest)
    log_terms += constant
    return np.exp(log_terms, out=log_terms)


def _kstwo_sf(d: float, n: int) -> float:
    """``scipy.stats.kstwo.sf(d, n)``: the asymptotic two-sample KS p-value.

    scipy picks a method by n and n d^2; for 2.2 <= n d^2 < 370 with n > 140
    it is twice the one-sided Smirnov sf, whose series has about n terms and
    costs scipy up to a second. That case is :func:`_smirnov_sf`; the others
    are fast in scipy and are left to it.
    """
    t = n * d
    if (
        140 < n <= _SMIRNOV_MAX_N
        and 1.0 < t < n - 1
        and d < 0.5
        and 2.2 <= t * d < 370.0
    ):
        if -2 * n * d * d < _MINLOG:  # as scipy: too small for a double
            return 0.0
        return min(max(2.0 * _smirnov_sf(n, d), 0.0), 1.0)
    from scipy.stats import kstwo

    return float(np.clip(kstwo.sf(d, n), 0, 1))


@functools.lru_cache(maxsize=4)
def _square_ratios(n: int) -> np.ndarray:
    """(n - m) / (n + m + 1) for m = 0 .. 2n - 1, kept: all columns share n."""
    m = np.arange(2 * n, dtype=float)
    ratios = (n - m) / (n + m + 1.0)
    ratios.flags.writeable = False
    return ratios


def _prob_outside_square(n: int, h: int) -> float:
    """P(D >= h/n) for two samples of n values: scipy's ``_compute_prob_outside_square``.

    2 (A0 - A0 A1 + A0 A1 A2 - ...) with Ak the product over j < h of
    (n - kh - j) / (n + kh + j + 1); scipy loops over the n + h factors in
    Python (3 ms at n = 10,000), here they are one array.
    """
    k = n // h
    factors = _square_ratios(n)[: (k + 1) * h].reshape(k + 1, h).prod(axis=1)
    terms = np.cumprod(factors)
    return 2.0 * float(terms[0::2].sum() - terms[1::2].sum())


def _ks_pvalue(d: float, n1: int, n2: int) -> tuple[float, float]:
    """Statistic and p-value exactly as scipy's ``ks_2samp(method="auto")``."""
    if max(n1, n2) <= EXACT_KS_MAX_N:
        g = math.gcd(n1, n2)
        lcm = (n1 // g) * n2
        # scipy rounds the statistic to a multiple of 1/lcm (half to even)
        h = round(d * lcm)
        if h == 0:
            return h / lcm, 1.0
        if n1 == n2:
            prob = _prob_outside_square(n1, h)
            if 0 <= prob <= 1:
                return h / lcm, prob
        # Unequal samples (compiled in scipy, fast), or a result at the edge of
        # [0, 1] where scipy decides: scipy's own exact distribution. It is
        # private, so a scipy without it falls back to the asymptotic p-value.
        try:
            from scipy.stats._stats_py import _attempt_exact_2kssamp as exact
        except ImportError:  # pragma: no cover - depends on the scipy version
            exact = None
        if exact is not None:
            success, d, prob = exact(n1, n2, g, d, "two-sided")
            if success:
                return float(d), float(np.clip(prob, 0, 1))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return float(d), _kstwo_sf(d, int(np.round(en)))


def _sorted_quantiles(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(values, q)`` (method "linear") of sorted values.

    The same steps as numpy's, without its partition of a copy of the whole
    array, which the sorted values make unnecessary.
    """
    return _linear_quantiles(len(values), q, values.__getitem__)


def _linear_quantiles(
    n: int, q: np.ndarray, at: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """numpy's "linear" quantiles of n sorted values, ``at(positions)`` giving them.

    Positions are 0 .. n - 1, or -1 for the last, as numpy indexes: the sorted
    values themselves, or value counts that locate each position (the engine
    path), give the same quantiles.
    """
    virtual = (n - 1) * q
    below = np.floor(virtual)
    above = below + 1
    past_end = virtual >= n - 1
    below[past_end] = -1
    above[past_end] = -1
    gamma = virtual - below
    a = at(below.astype(np.intp))
    b = at(above.astype(np.intp))
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _fill(out: np.ndarray, series: pd.Series) -> None:
    """Write a numeric column into ``out`` as float64, NaN for missing."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":
        out[:] = series.to_numpy()  # no missing marker but NaN: cast while copying
    else:
        out[:] = series.to_numpy(dtype="float64", na_value=np.nan)


def _sort_present(values: np.ndarray) -> int:
    """Sort ``values`` in place (NaN last); the number of values not NaN."""
    values.sort()
    if len(values) == 0 or not np.isnan(values[-1]):
        return len(values)
    return int(np.searchsorted(values, np.nan))  # the first NaN


def _float_gaps(
    gap: np.ndarray,
    value: float,
    n1: int,
    n2: int,
    cumulative: np.ndarray | None = None,
) -> np.ndarray:
    """F_ref - F_cur as scipy computes it (count / n, then the difference).

    At the positions where ``n1 * n2 * (F_ref - F_cur)`` equals ``value``: equal
    gaps made of different counts can round an ulp apart, and scipy keeps the
    largest float. ``gap`` runs over the merged values, whose counts on each
    side follow from their position; or over value counts, whose running
    totals per side are ``cumulative`` (2 x k).
    """
    if value == 0:  # also where ties were masked; exact zeros give 0.0 in floats
        return np.zeros(1)
    if cumulative is None:
        k = np.flatnonzero(gap == value) + 1.0  # values merged up to and including
        ref_count = (value + n1 * k) / (n1 + n2)  # whole numbers, exact
        cur_count = k - ref_count
    else:
        at = gap == value
        ref_count, cur_count = cumulative[0, at], cumulative[1, at]
    return ref_count / n1 - cur_count / n2


def _ks_statistic(
    gap: np.ndarray, n1: int, n2: int, cumulative: np.ndarray | None = None
) -> float:
    """The KS statistic, as scipy's float, from the integer gaps n1 n2 (F_ref - F_cur).

    The largest gap each way (exact), then as scipy's floats; the side that is
    not the largest is not needed. ``cumulative`` as :func:`_float_gaps`.
    """
    high, low = int(gap.max()), int(gap.min())
    max_s = _float_gaps(gap, high, n1, n2, cumulative).max() if high >= -low else 0.0
    min_s = (
        min(max(-_float_gaps(gap, low, n1, n2, cumulative).min(), 0.0), 1.0)
        if -low >= high
        else 0.0
    )
    return float(min_s if min_s > max_s else max_s)  # as scipy picks the side


def _wasserstein(absolute: np.ndarray, step: np.ndarray, n1: int, n2: int) -> float:
    """The integral of |F_ref - F_cur| from ``n1 n2 |F_ref - F_cur|`` on each step.

    Infinite values: only steps where the distribution functions differ count
    (a NaN step between equal infinities has no gap), and a gap that reaches an
    infinity makes the distance infinite.
    """
    if np.isfinite(step).all():
        return float(np.dot(absolute, step)) / (n1 * n2)
    differ = absolute > 0
    return float(np.dot(absolute[differ], step[differ])) / (n1 * n2)


def _work_buffers(size: int) -> tuple[np.ndarray, ...]:
    """Buffers for :func:`_numeric_column`, reused from one column to the next.

    Fresh arrays of the pooled size would cost page faults for every column
    (a tenth of the time at 1e5 rows).
    """
    return (
        np.empty(size),  # the two samples, sorted
        np.empty(size),  # the merged values, then |gap| as floats
        np.empty(size - 1),  # steps between merged values
        np.empty(size, dtype=np.int64),  # the gap
        np.empty(size, dtype=bool),  # which merged values are the reference's
    )


def _numeric_column(
    reference: pd.Series, current: pd.Series, work: tuple[np.ndarray, ...]
) -> tuple[float, float, float, int, int]:
    """KS statistic, Wasserstein distance, PSI and present counts of one column.

    The statistic is scipy's before its rounding in the exact case: the
    largest gap between the two distribution functions at the pooled values.
    ``work`` is :func:`_work_buffers` of the two columns' total length.
    """
    pooled, merged, step, gap, from_ref = work
    n_ref = len(reference)
    # Both samples in one buffer, each sorted in place: the present values of
    # the two then form two sorted runs, ready for the merge with no copy.
    _fill(pooled[:n_ref], reference)
    _fill(pooled[n_ref:], current)
    n1 = _sort_present(pooled[:n_ref])
    n2 = _sort_present(pooled[n_ref:])
    if n1 < n_ref:  # close the gap left by the reference's missing values
        pooled[n1 : n1 + n2] = pooled[n_ref : n_ref + n2]
    n = n1 + n2
    pooled, merged, step = pooled[:n], merged[:n], step[: n - 1]
    gap, from_ref = gap[:n], from_ref[:n]

    # A stable argsort of two sorted runs is a linear merge (timsort finds the
    # runs); it costs a sixth of one sort and places equal values reference first.
    order = np.argsort(pooled, kind="stable")
    np.take(pooled, order, out=merged, mode="clip")  # "clip": no buffering
    with np.errstate(invalid="ignore"):  # equal infinities: NaN, masked below
        np.subtract(merged[1:], merged[:-1], out=step)
    np.less(order, n1, out=from_ref)
    del order
    # n1 * n2 * (F_ref - F_cur) after each merged value: +n2 for a reference
    # value, -n1 for a current one. In integers: exact, and a running sum of
    # integers is several times faster than one of floats.
    np.copyto(gap, from_ref)
    gap *= n
    gap -= n1
    np.cumsum(gap, out=gap)
    # Within a run of equal values only the last position is a value of both
    # distribution functions (scipy's searchsorted side="right"); the others
    # must not count. NaN steps come from equal infinities.
    if not step.min() > 0:
        gap[:-1][~(step > 0)] = 0
    statistic = _ks_statistic(gap, n1, n2)

    ref, cur = pooled[:n1], pooled[n1:]
    with np.errstate(invalid="ignore"):  # between two infinities: NaN, dropped
        quantiles = _sorted_quantiles(ref, _PSI_QUANTILES)
    edges = np.unique(quantiles[~np.isnan(quantiles)])
    # Counts per bin from positions in the sorted samples: no pass over the data.
    bounds = np.empty((2, len(edges) + 2), dtype=np.intp)
    bounds[:, 0] = 0
    bounds[0, 1:-1] = np.searchsorted(ref, edges, side="right")
    bounds[1, 1:-1] = np.searchsorted(cur, edges, side="right")
    bounds[:, -1] = n1, n2
    psi = _psi(bounds[:, 1:] - bounds[:, :-1], (n1, n2))

    # Wasserstein distance: the integral of |F_ref - F_cur| over the steps
    # between merged values (scipy's formula on the sorted union). |gap| goes
    # as floats into the buffer of the merged values, no longer needed.
    absolute = merged
    np.copyto(absolute, gap)
    np.abs(absolute, out=absolute)
    wasserstein = _wasserstein(absolute[:-1], step, n1, n2)
    return float(statistic), wasserstein, psi, n1, n2


def _numeric_from_counts(
    values: np.ndarray, counts: np.ndarray
) -> tuple[float, float, float, int, int]:
    """:func:`_numeric_column` from counts per distinct value instead of the samples.

    ``values`` are the distinct present values of the two sides, sorted;
    ``counts`` (2 x k) how often each occurs in the reference and in the
    current data. The KS statistic, the Wasserstein distance and the PSI are
    the same numbers as from the samples: the distribution functions only
    change at these values.
    """
    n1, n2 = int(counts[0].sum()), int(counts[1].sum())
    cumulative = np.cumsum(counts, axis=1)
    gap = n2 * cumulative[0] - n1 * cumulative[1]
    statistic = _ks_statistic(gap, n1, n2, cumulative)
    step = np.diff(values)  # distinct values: no step between equal infinities
    wasserstein = _wasserstein(np.abs(gap[:-1]).astype(float), step, n1, n2)

    # The reference's sorted value at position i: the first value whose running
    # count passes i.
    present = counts[0] > 0
    ref_values, ref_cumulative = values[present], cumulative[0, present]

    def at(positions: np.ndarray) -> np.ndarray:
        return ref_values[np.searchsorted(ref_cumulative, positions % n1, "right")]

    with np.errstate(invalid="ignore"):  # between two infinities: NaN, dropped
        quantiles = _linear_quantiles(n1, _PSI_QUANTILES, at)
    edges = np.unique(quantiles[~np.isnan(quantiles)])
    below = np.searchsorted(values, edges, side="right")  # values <= each edge
    psi = _psi_from_cumulative(cumulative, below, n1, n2)
    return statistic, wasserstein, psi, n1, n2


def _psi_from_cumulative(
    cumulative: np.ndarray, below: np.ndarray, n1: int, n2: int
) -> float:
    """PSI of bins that end after ``below`` cells of value (or histogram) counts."""
    padded = np.zeros((2, cumulative.shape[1] + 1), dtype=np.int64)
    padded[:, 1:] = cumulative
    bounds = np.empty((2, len(below) + 2), dtype=np.int64)
    bounds[:, 0] = 0
    bounds[:, 1:-1] = padded[:, below]
    bounds[:, -1] = n1, n2
    return _psi(bounds[:, 1:] - bounds[:, :-1], (n1, n2))


def _sketch_cells(
    keys: np.ndarray, center: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper ends of the histogram bins of ``keys`` (sorted), and which are intervals.

    With d = x - center, a key is 0 where d is 0, +-inf for the infinities, and
    otherwise sign(d) times ``floor(log2|d| * 2**SKETCH_BITS) + _SKETCH_OFFSET``
    (a whole number) plus a quarter times sign(x): the one bin that holds
    x = 0 is cut there into its negative part, 0 itself and its positive part,
    in order, while every other bin moves by the same quarter. Points (the
    centre, 0 and the infinities) have equal ends.
    """
    low = keys.copy()
    high = keys.copy()
    finite = np.isfinite(keys)
    whole = np.round(keys)
    part = np.zeros(len(keys))
    part[finite] = keys[finite] - whole[finite]
    interval = part != 0
    level = (np.abs(whole[interval]) - _SKETCH_OFFSET) / 2**SKETCH_BITS
    near = np.exp2(level)
    far = np.exp2(level + 1.0 / 2**SKETCH_BITS)
    above = whole[interval] > 0  # d > 0
    low[interval] = np.where(above, near, -far) + center
    high[interval] = np.where(above, far, -near) + center
    low[finite & ~interval] = np.where(keys[finite & ~interval] == 0, center, 0.0)
    high[finite & ~interval] = low[finite & ~interval]
    negative, positive = part < 0, part > 0  # x < 0, x > 0
    np.minimum(low, 0.0, out=low, where=negative)
    np.minimum(high, 0.0, out=high, where=negative)
    np.maximum(low, 0.0, out=low, where=positive)
    np.maximum(high, 0.0, out=high, where=positive)
    return low, high, interval


def _numeric_from_sketch(
    keys: np.ndarray, counts: np.ndarray, center: float
) -> tuple[float, float, float, float, int, int]:
    """KS statistic and its error bound, Wasserstein distance, PSI and present counts.

    From counts per histogram bin (``keys`` sorted, see :func:`_sketch_cells`;
    ``counts`` 2 x k as :func:`_numeric_from_counts`). The distribution
    functions are known exactly at the ends of the bins: the statistic is the
    largest gap there, at most the exact one. Inside a bin the gap G moves from
    its value G0 before the bin by at most the bin's share of the reference
    upwards and of the current data downwards, so the exact statistic is at
    most the largest max(G0 + share_ref, share_cur - G0) over the bins: the
    error bound returned, never above the largest share of either sample in
    one bin. The Wasserstein distance takes each bin's values as spread evenly
    over it; the PSI cuts after the bin that holds each reference decile's
    lower order statistic.
    """
    n1, n2 = int(counts[0].sum()), int(counts[1].sum())
    cumulative = np.cumsum(counts, axis=1)
    gap = n2 * cumulative[0] - n1 * cumulative[1]
    statistic = _ks_statistic(gap, n1, n2, cumulative)
    low, high, interval = _sketch_cells(keys, center)
    after = cumulative[0] / n1 - cumulative[1] / n2  # G at the end of each bin
    before = np.concatenate([[0.0], after[:-1]])
    inside = np.maximum(
        before + counts[0] / n1,
        counts[1] / n2 - before,
        where=interval,
        out=np.zeros(len(keys)),
    )
    error = min(max(float(inside.max()), statistic), 1.0) - statistic

    # |G| over each bin (linear from before to after), then constant up to the next.
    width = np.zeros(len(keys))
    width[interval] = high[interval] - low[interval]
    a, b = np.abs(before), np.abs(after)
    same_sign = before * after >= 0
    with np.errstate(invalid="ignore", divide="ignore"):
        across = np.where(
            same_sign, (a + b) / 2, (a * a + b * b) / (2 * np.maximum(a + b, 1e-300))
        )
        within = float(np.dot(across[interval], width[interval]))
        step = low[1:] - high[:-1]
        wasserstein = within + _wasserstein(b[:-1], step, 1, 1)

    # PSI: numpy's quantiles of one value per bin give where a decile is NaN or
    # infinite as in the pandas path; the others cut after the bin of the
    # decile's lower order statistic.
    present = np.flatnonzero(counts[0] > 0)
    ref_cumulative = cumulative[0, present]

    def cell(positions: np.ndarray) -> np.ndarray:
        return present[np.searchsorted(ref_cumulative, positions % n1, "right")]

    with np.errstate(invalid="ignore"):
        deciles = _linear_quantiles(n1, _PSI_QUANTILES, lambda p: low[cell(p)])
    lower = cell(
        np.minimum(np.floor((n1 - 1) * _PSI_QUANTILES), n1 - 1).astype(np.intp)
    )
    lower[deciles == -np.inf] = 0
    lower[deciles == np.inf] = len(keys) - 1
    below = np.unique(lower[~np.isnan(deciles)]) + 1
    psi = _psi_from_cumulative(cumulative, below, n1, n2)
    return statistic, error, wasserstein, psi, n1, n2


def population_stability_index(ref_counts: Any, cur_counts: Any) -> float:
    """PSI of two vectors of counts over the same bins.

    ``sum((c - r) * ln(c / r))`` over the bins, with ``r`` and ``c`` the shares
    of the reference and the current data in each bin, each raised to at least
    :data:`PSI_EPSILON` so that an empty bin gives a large, finite term. Rules
    of thumb: below 0.1 little shift, 0.1 to 0.25 a moderate one, above 0.25 a
    large one.
    """
    counts = np.array([ref_counts, cur_counts], dtype=float)
    return _psi(counts, counts.sum(axis=1))


def _psi(counts: np.ndarray, totals: Any) -> float:
    """PSI of a 2 x bins table of counts (reference, current) and its row totals."""
    shares = counts / np.asarray(totals, dtype=float)[:, None]
    np.maximum(shares, PSI_EPSILON, out=shares)
    r, c = shares
    return float(np.sum((c - r) * np.log(c / r)))


def _chi2(table: np.ndarray) -> tuple[float, float]:
    """Statistic and p-value of a 2 x k table, as scipy's ``chi2_contingency``."""
    # the function behind scipy.stats.chi2.sf, without its checks of arguments
    from scipy.special import chdtrc

    table = table[:, table.sum(axis=0) > 0].astype(float)
    k = table.shape[1]
    if k <= 1:
        return 0.0, 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    observed = table
    if k == 2:  # one degree of freedom: Yates' correction, as scipy
        diff = expected - observed
        observed = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, float(chdtrc(k - 1, statistic))


def _missing_test(m1: int, n1: int, m2: int, n2: int) -> float:
    """P-value of a change in the missing share: chi-square with Yates on 2 x 2."""
    if m1 + m2 == 0 or m1 + m2 == n1 + n2:
        return 1.0
    return _chi2(np.array([[m1, n1 - m1], [m2, n2 - m2]]))[1]


def _numeric_row(
    statistic: float, wasserstein: float, psi: float, n1: int, n2: int
) -> dict[str, Any]:
    """The report's entries for a numeric column, with scipy's KS p-value."""
    d, p = _ks_pvalue(statistic, n1, n2)
    return {
        "test": "ks",
        "statistic": d,
        "p_value": p,
        "psi": psi,
        "wasserstein": wasserstein,
        "n_reference": n1,
        "n_current": n2,
    }


def _categorical_row(table: np.ndarray) -> dict[str, Any]:
    """The report's entries for a categorical column from its 2 x k counts."""
    statistic, p = _chi2(table)
    n1, n2 = (int(total) for total in table.sum(axis=1))
    return {
        "test": "chi2",
        "statistic": statistic,
        "p_value": p,
        "psi": _psi(table, (n1, n2)),
        "wasserstein": np.nan,
        "n_reference": n1,
        "n_current": n2,
    }


def _compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[Any],
    kinds: dict[Any, str],
    pairs: dict[Any, tuple[pd.Series, pd.Series]],
) -> dict[str, Any]:
    """The report's columns but the corrected ones, a list of one entry per column.

    ``pairs`` holds each column of the two frames, taken out once.
    """
    rows: dict[Any, dict[str, Any]] = {}
    n_ref, n_cur = len(reference), len(current)
    work = None
    for name in columns:
        if kinds[name] != "numeric":
            continue
        # One column at a time: the sorts are per column anyway, and the
        # buffers stay at a few times the column's size.
        if work is None:
            work = _work_buffers(n_ref + n_cur)
        rows[name] = _numeric_row(*_numeric_column(*pairs[name], work))
    del work  # before the categories' codes, as large
    for name in columns:
        if kinds[name] != "categorical":
            continue
        codes, _ = pd.factorize(pd.concat(pairs[name], ignore_index=True))
        if not codes.flags.writeable:  # changed in place below
            codes = codes.copy()
        k = int(codes.max()) + 2  # the categories and missing (code -1)
        # Both sides in one bincount: key = 1 + code, plus k for current rows;
        # the first count of each side is its missing values.
        codes += 1
        codes[n_ref:] += k
        table = np.bincount(codes, minlength=2 * k).reshape(2, k)[:, 1:]
        rows[name] = _categorical_row(table)
    return _assemble(columns, kinds, rows, n_ref, n_cur)


def _assemble(
    columns: list[Any],
    kinds: dict[Any, str],
    rows: dict[Any, dict[str, Any]],
    n_ref: int,
    n_cur: int,
) -> dict[str, Any]:
    """The entries of each column as lists, with the shares missing and their test."""
    out: dict[str, Any] = {"column": list(columns), "kind": [kinds[c] for c in columns]}
    for key in rows[columns[0]]:
        out[key] = [rows[c][key] for c in columns]
    n1, n2 = np.array(out["n_reference"]), np.array(out["n_current"])
    out["missing_reference"] = 1 - n1 / n_ref
    out["missing_current"] = 1 - n2 / n_cur
    out["missing_p_value"] = [
        _missing_test(n_ref - a, n_ref, n_cur - b, n_cur)
        for a, b in zip(out["n_reference"], out["n_current"], strict=True)
    ]
    return out


def _all_missing(series: pd.Series) -> bool:
    """Whether every value of a (non-empty) column is missing."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":
        if dtype.kind not in "fc":
            return False  # integers and booleans have no missing marker
        values = series.to_numpy()
        # one present value settles it, usually the first
        return bool(np.isnan(values[0])) and bool(np.isnan(values).all())
    first = series.array[0]
    if pd.api.types.is_scalar(first) and not pd.isna(first):
        return False
    return bool(series.isna().all())


def _named(columns: Any) -> list[Any]:
    """``columns`` as a list of names: one name (text, or a number that names a
    column) or several."""
    if isinstance(columns, str) or not isinstance(columns, Iterable):
        names = [columns]
    else:
        names = list(columns)
    if not names:
        raise MlkitValueError(
            with_hint(NO_COLUMNS_ERROR, "name at least one column in 'columns'.")
        )
    return names


def _columns_and_kinds(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[Any] | None,
) -> tuple[list[Any], dict[Any, str], dict[Any, tuple[pd.Series, pd.Series]]]:
    """The columns to compare, their kinds, and each column of the two frames.

    Taking a column out of a frame costs tens of microseconds in pandas, so
    each is taken out once here and reused.
    """
    if columns is None:
        names = [c for c in reference.columns if c in current.columns]
        if not names:
            only_ref = ", ".join(map(repr, list(reference.columns)[:10]))
            only_cur = ", ".join(map(repr, list(current.columns)[:10]))
            raise MlkitValueError(
                with_hint(
                    NO_COLUMNS_ERROR,
                    f"'reference' has {only_ref or 'no columns'}; 'current' has "
                    f"{only_cur or 'no columns'}. Give both the same columns.",
                )
            )
    else:
        names = _named(columns)
        check_columns(reference, names, "columns")
        check_columns(current, names, "columns")
    kinds = {}
    pairs = {}
    for name in names:
        ref_column, cur_column = pairs[name] = reference[name], current[name]
        a = _kind(ref_column, name, "reference")
        b = _kind(cur_column, name, "current")
        if a != b:
            raise MlkitTypeError(
                with_hint(
                    KIND_ERROR.format(column=name, a=a, b=b),
                    f"convert it to the same type on both sides, for example "
                    f"current[{name!r}] = pd.to_numeric(current[{name!r}]), or check "
                    "that the columns are the same feature.",
                )
            )
        for column, side in ((ref_column, "reference"), (cur_column, "current")):
            if _all_missing(column):
                raise MlkitValueError(
                    with_hint(
                        ALL_MISSING_ERROR.format(column=name, side=side),
                        "a column with no values cannot be tested; fix the pipeline "
                        "that fills it, or leave it out with columns=[...].",
                    )
                )
        kinds[name] = a
    return names, kinds, pairs


def _finish(
    columns: dict[str, Any], alpha: float, correction: str | None
) -> pd.DataFrame:
    """The report's table: the corrections across columns, then one frame built once."""
    p_adjusted = adjust_p_values(np.array(columns["p_value"], dtype=float), correction)
    missing = adjust_p_values(
        np.array(columns["missing_p_value"], dtype=float), correction
    )
    columns = {
        **columns,
        "p_adjusted": p_adjusted,
        "drifted": p_adjusted <= alpha,
        "missing_drift": missing <= alpha,
    }
    return pd.DataFrame({name: columns[name] for name in REPORT_COLUMNS})


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True, repr=False)
class DriftReport(Result):
    """Tests of each column of current data against the reference.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per column, in the order tested, with :data:`REPORT_COLUMNS`:
        ``column``; ``kind`` (``"numeric"`` or ``"categorical"``); ``test``
        (``"ks"`` or ``"chi2"``); ``statistic`` (KS: largest gap between the two
        distribution functions, in [0, 1]; chi2: the chi-square statistic);
        ``p_value`` (of the test, on the present values); ``p_adjusted`` (after
        the correction across columns); ``drifted`` (``p_adjusted <= alpha``);
        ``psi`` (population stability index: on :data:`PSI_BINS` quantile bins
        of the reference for numbers, on the categories otherwise); ``wasserstein``
        (numbers only, in the column's units; NaN for categories);
        ``n_reference`` and ``n_current`` (present values); ``missing_reference``
        and ``missing_current`` (shares missing); ``missing_p_value`` (chi-square
        test with Yates' correction of the two missing shares) and
        ``missing_drift`` (that p-value, corrected across columns in the same
        way, at most ``alpha``).
    alpha : float
        The significance level.
    correction : str or None
        The correction across columns: ``"holm"``, ``"bonferroni"``, ``"bh"``
        or None.
    n_reference, n_current : int
        Rows of the two frames.
    ks_error : dict
        For each numeric column whose KS statistic comes from a histogram (a
        table of another engine, where a bin holds several distinct values):
        how far above the reported statistic the exact one
        may lie. The exact statistic is in ``[statistic, statistic +
        ks_error[column]]``, and the reported p-value is that of the smaller
        statistic, at least the exact p-value. Empty when every statistic is
        exact, as always for pandas frames.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import drift_report
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=500)})
    >>> report = drift_report(ref, pd.DataFrame({"x": rng.normal(size=500)}))
    >>> report.drifted, report.table.loc[0, "test"]
    ([], 'ks')
    """

    title: ClassVar[str] = "Data distribution shifts: drift per column"
    table: pd.DataFrame
    alpha: float
    correction: str | None
    n_reference: int
    n_current: int
    ks_error: dict[Any, float] = field(default_factory=dict)

    @property
    def drifted(self) -> list[Any]:
        """The columns whose test is significant after the correction."""
        return self.table.loc[self.table["drifted"], "column"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.Chart:
        """-log10 of each column's corrected p-value, with the line of ``alpha``.

        One horizontal bar per column, most significant first, drifted columns
        in colour; p-values below 1e-300 are drawn at 300. Columns are 14
        pixels apart, so 50 columns stay readable.
        """
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        data = self.table[
            ["column", "kind", "test", "statistic", "p_adjusted", "psi", "drifted"]
        ].copy()
        data["column"] = data["column"].astype(str)
        data["minus_log10_p"] = -np.log10(np.maximum(data["p_adjusted"], 1e-300))
        data["status"] = np.where(data["drifted"], "drifted", "no drift")
        order = data.sort_values("minus_log10_p", ascending=False)["column"].tolist()
        threshold = -math.log10(self.alpha)
        bars = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X("minus_log10_p:Q", title="-log10 corrected p-value"),
                y=alt.Y(
                    "column:N",
                    sort=order,
                    title=None,
                    axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=200),
                ),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=["drifted", "no drift"], range=[PALETTE[3], GREY]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    "column:N",
                    "kind:N",
                    "test:N",
                    alt.Tooltip("statistic:Q", format=".4g"),
                    alt.Tooltip("p_adjusted:Q", format=".3g"),
                    alt.Tooltip("psi:Q", format=".3g"),
                ],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"threshold": [threshold]}))
            .mark_rule(strokeDash=[4, 3], color="#333333")
            .encode(x="threshold:Q")
        )
        correction = self.correction or "no"
        return (bars + rule).properties(
            width=420,
            height=alt.Step(14),
            title=_title(
                "Drift per column",
                f"dashed: alpha = {self.alpha:g} ({correction} correction); "
                f"{len(self.drifted)} of {len(self.table)} drifted",
            ),
        )

    def explain(self) -> str:
        """What was tested, which columns drifted, and how large the shifts are."""
        t = self.table
        kinds = t["kind"].value_counts()
        drifted = self.drifted
        correction = {
            "holm": "Holm's correction",
            "bonferroni": "Bonferroni's correction",
            "bh": "the Benjamini-Hochberg correction",
            None: "no correction",
        }[self.correction]
        text = (
            f"{len(drifted)} of {_plural(len(t), 'column')} drifted at alpha = "
            f"{self.alpha:g} with {correction} across columns. "
            f"{_plural(int(kinds.get('numeric', 0)), 'numeric column')} were compared "
            "with the two-sample Kolmogorov-Smirnov test and "
            f"{_plural(int(kinds.get('categorical', 0)), 'categorical column')} with "
            "the chi-square test of their category counts, "
            f"{self.n_reference:,} reference rows against {self.n_current:,} current rows. "
        )
        if drifted:
            top = t[t["drifted"]].sort_values("psi", ascending=False).head(5)
            text += (
                "Drifted, largest PSI first: "
                + ", ".join(
                    f"{c} (PSI {p:.3g})"
                    for c, p in zip(top["column"], top["psi"], strict=True)
                )
                + ". "
            )
        if self.ks_error:
            sketched = list(self.ks_error)
            text += (
                f"The KS statistics of {', '.join(map(str, sketched[:5]))}"
                + (" ..." if len(sketched) > 5 else "")
                + " come from histograms of the engine (too many distinct values "
                "to count each in one bin): the exact statistic is at most "
                f"{max(self.ks_error.values()):.2g} above the one reported (see "
                "ks_error), and the p-values are those of the reported statistics, "
                "so they never overstate a shift. "
            )
        missing = t.loc[t["missing_drift"], "column"].tolist()
        if missing:
            text += (
                "The share of missing values changed in "
                + ", ".join(map(str, missing[:5]))
                + (" ..." if len(missing) > 5 else "")
                + ": a broken pipeline is a common cause. "
            )
        text += (
            "With large samples a tiny shift is significant: PSI (below 0.1 small, "
            "above 0.25 large) and the Wasserstein distance (in the column's units) say "
            "how large it is, and whether it matters depends on the model's "
            "performance on the new data. Chapter 8 of Designing Machine Learning "
            "Systems covers detecting shifts and what to do about them."
        )
        return text


def drift_report(
    reference: pd.DataFrame | Any,
    current: pd.DataFrame | Any,
    *,
    columns: Sequence[Any] | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bonferroni", "bh"] | None = "holm",
) -> DriftReport:
    """Test each column of ``current`` against ``reference`` for a shift.

    Parameters
    ----------
    reference : pandas.DataFrame or table of another engine
        The data the model was trained or validated on. A polars DataFrame or
        LazyFrame, a pyarrow Table, a DuckDB relation or a Dask DataFrame is
        counted where it lives (see Notes); the two sides need not be of the
        same engine.
    current : pandas.DataFrame or table of another engine
        The data to check, such as the last week of production.
    columns : sequence, optional
        Columns to test; by default every column the two frames share. A
        column is numeric when its dtype is a number (0/1 integers included)
        and categorical for text, categories and booleans; dates and times are
        refused (and, in other engines, nested types).
    alpha : float, default 0.05
        Significance level of the corrected p-values.
    correction : {"holm", "bonferroni", "bh"} or None, default "holm"
        Multiple-testing correction across columns. Holm's (like Bonferroni's,
        but never less powerful) keeps the chance of flagging any column
        without a shift at most ``alpha``; Benjamini-Hochberg's keeps the
        expected share of false alarms among the flagged columns at most
        ``alpha``; None tests each column at ``alpha`` alone.

    Returns
    -------
    DriftReport
        ``.table`` (one row per column), ``.drifted``, ``.chart()``,
        ``.explain()``.

    Raises
    ------
    MlkitTypeError
        A frame that is neither a DataFrame nor a table of another engine, a
        date or time column, or a column numeric on one side and text on the
        other.
    MlkitValueError
        An empty frame, no shared column, an unknown column, a column with no
        values on one side, or a bad ``alpha`` or ``correction``.

    Notes
    -----
    Tests run on the present values of each column; the shares missing are
    reported and compared on their own (``missing_drift``). The statistics and
    p-values equal scipy's ``ks_2samp`` (``method="auto"``: exact when both
    samples have at most :data:`EXACT_KS_MAX_N` values, where the statistic is
    rounded to a multiple of 1/lcm(n1, n2) as scipy does) and
    ``chi2_contingency`` (categories seen on either side; Yates' correction for
    two categories). A constant column is tested, not refused: the same
    constant on both sides gives a KS statistic of 0 with p = 1 (and a single
    category gives a chi-square of 0 with p = 1); a constant that changes gives
    a statistic of 1. Infinite values are values, not missing: they sit at the
    ends of the distribution functions, and the Wasserstein distance is
    infinite when the two samples hold different shares of an infinity.

    Tables of other engines are not brought into memory: with narwhals, each
    side's engine computes one pass for its rows, its missing values (null or
    NaN) and the reference's mean of each numeric column, then one group-by per
    column (counts per category, or per histogram bin with the bin's lowest
    and highest values), and only those counts come back, finished by the code that
    finishes a pandas frame. A column's kind comes from the engine's dtype
    (numbers are numeric; booleans, text, categories and enums categorical;
    dates, times, durations and nested types are refused). Results:

    - categorical columns, and numeric columns whose histogram bins (below)
      each hold one distinct value, the same on both sides, at most
      :data:`EXACT_DISTINCT` of them on each side (whole numbers, rounded
      values, codes: the bins are then counts per value): the same statistics, p-values, PSI and Wasserstein distances as
      for pandas frames (the distribution functions only change at those
      values; the reference's deciles come from the running counts);
    - other numeric columns: counted per bin of a
      histogram of ``2**SKETCH_BITS`` (1024) bins per octave of the distance
      to the mean m of the reference's finite values (m, 0 and each infinity
      are bins of their own, so that a mass of zeros is counted apart), bins
      of relative width :data:`SKETCH_RELATIVE_WIDTH` (0.068%). The KS
      statistic is the largest gap between the distribution functions at the
      ends of the bins: at most the exact one, which lies at most
      ``DriftReport.ks_error[column]`` above it (never more than the largest
      share of either sample in one bin), and its p-value is at least the
      exact one. The Wasserstein distance takes each bin's values as spread
      evenly over it (off by at most :data:`SKETCH_RELATIVE_WIDTH` times the
      sum of the two samples' mean distances to m), and the PSI cuts after the
      bin that holds each reference decile's lower order statistic: both are
      approximate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import drift_report
    >>> rng = np.random.default_rng(1)
    >>> ref = pd.DataFrame({"age": rng.normal(40, 10, 3000),
    ...                     "plan": rng.choice(["free", "pro"], 3000, p=[0.8, 0.2])})
    >>> cur = pd.DataFrame({"age": rng.normal(40, 10, 3000),
    ...                     "plan": rng.choice(["free", "pro"], 3000, p=[0.6, 0.4])})
    >>> report = drift_report(ref, cur)
    >>> report.drifted
    ['plan']
    >>> report.table[["column", "test", "drifted"]]
      column  test  drifted
    0    age    ks    False
    1   plan  chi2     True

    The same frames as polars tables, counted by polars. The ages, continuous,
    go through the histogram, whose bound on the KS statistic is negligible
    here; whole years would get a bin each, and exact results:

    >>> import polars as pl
    >>> on_polars = drift_report(pl.from_pandas(ref), pl.from_pandas(cur))
    >>> on_polars.drifted, round(on_polars.ks_error["age"], 6)
    (['plan'], 0.0)
    >>> bool(np.allclose(on_polars.table["p_value"], report.table["p_value"], rtol=1e-9))
    True
    >>> years = drift_report(pl.from_pandas(ref.round()), pl.from_pandas(cur.round()))
    >>> years.ks_error
    {}
    """
    from mlkit._engines import engine_of

    if engine_of(reference) is not None or engine_of(current) is not None:
        alpha = _check_alpha(alpha)
        correction = _check_correction(correction)
        from mlkit.monitoring._drift_engine import drift_report_engine

        return drift_report_engine(reference, current, columns, alpha, correction)
    check_frame(reference, "reference")
    check_frame(current, "current")
    alpha = _check_alpha(alpha)
    correction = _check_correction(correction)
    names, kinds, pairs = _columns_and_kinds(reference, current, columns)
    values = _compare(reference, current, names, kinds, pairs)
    return DriftReport(
        table=_finish(values, alpha, correction),
        alpha=alpha,
        correction=correction,
        n_reference=len(reference),
        n_current=len(current),
    )


@dataclass(frozen=True, repr=False)
class DriftOverTime(Result):
    """Drift of each window of time against a reference window.

    Attributes
    ----------
    table : pandas.DataFrame
        Long format, one row per window and column: ``window_start``,
        ``column``, ``kind``, ``test``, ``statistic``, ``p_value``,
        ``p_adjusted`` (corrected across the columns of that window), ``psi``,
        ``wasserstein``, ``drifted``, ``missing_drift``, ``n_current``.
    reference : tuple or None
        (start, end) of the reference window, end excluded; None when the
        reference rows were passed as a frame.
    window : str or None
        The pandas offset alias of the windows; None when ``time_column``
        labelled the windows itself.
    alpha : float
        The significance level.
    notes : tuple of str
        Windows skipped and why (no rows, or a column with no values).
    """

    title: ClassVar[str] = "Data distribution shifts over time"
    table: pd.DataFrame
    reference: tuple[Any, Any] | None
    window: str | None
    alpha: float
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    @property
    def drifted_windows(self) -> list[Any]:
        """Start of each window where at least one column drifted."""
        t = self.table
        return sorted(t.loc[t["drifted"], "window_start"].unique().tolist())

    def chart(self) -> alt.Chart:
        """PSI of each column per window, drifted windows marked with a filled point.

        At most :data:`MAX_TIME_COLUMNS` columns are drawn: those with the
        largest PSI in any window.
        """
        import altair as alt

        from mlkit.charts import PALETTE, _title, message_chart

        t = self.table
        if t.empty:
            return message_chart("No window to compare.", title="Drift over time")
        top = (
            t.groupby("column", sort=False)["psi"]
            .max()
            .sort_values(ascending=False)
            .head(MAX_TIME_COLUMNS)
            .index
        )
        data = t[t["column"].isin(top)][
            ["window_start", "column", "psi", "p_adjusted", "drifted"]
        ].copy()
        data["column"] = data["column"].astype(str)
        data["status"] = np.where(data["drifted"], "drifted", "no drift")
        # Labelled windows may be numbers or names rather than times.
        timed = pd.api.types.is_datetime64_any_dtype(data["window_start"])
        x_type = "T" if timed else "O"
        base = alt.Chart(data).encode(
            x=alt.X(
                f"window_start:{x_type}", title="window start" if timed else "window"
            ),
            y=alt.Y("psi:Q", title="PSI against the reference"),
            color=alt.Color(
                "column:N",
                scale=alt.Scale(range=list(PALETTE)),
                sort=[str(c) for c in top],
            ),
        )
        lines = base.mark_line()
        points = base.mark_point(size=50).encode(
            fill=alt.condition("datum.drifted", "column:N", alt.value("white")),
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(
                    domain=["drifted", "no drift"], range=["circle", "circle"]
                ),
                legend=None,
            ),
            tooltip=[
                "column:N",
                alt.Tooltip(f"window_start:{x_type}", title="window"),
                alt.Tooltip("psi:Q", format=".3g"),
                alt.Tooltip("p_adjusted:Q", format=".3g"),
                "status:N",
            ],
        )
        shown = (
            f"the {len(top)} columns of largest PSI"
            if t["column"].nunique() > len(top)
            else "every column"
        )
        return (lines + points).properties(
            width=480,
            height=260,
            title=_title(
                f"Drift per {self.window} window"
                if self.window
                else "Drift per window",
                f"{shown}; filled points: drifted at alpha = {self.alpha:g}",
            ),
        )

    def explain(self) -> str:
        """Which windows drifted, from when, and in which columns."""
        t = self.table
        windows = t["window_start"].nunique()
        drifted = self.drifted_windows
        if self.reference is None:
            against = "the reference rows"
        else:
            start, end = self.reference
            against = f"the reference [{start}, {end})"
        size = f" of {self.window}" if self.window else ""
        text = (
            f"{len(drifted)} of {_plural(windows, 'window')}{size} drifted "
            f"from {against} in at least one column "
            f"(alpha = {self.alpha:g}, corrected across columns in each window). "
        )
        if drifted:
            first = drifted[0]
            cols = t[(t["window_start"] == first) & t["drifted"]]["column"].tolist()
            text += (
                f"The first is {first}, in "
                + ", ".join(map(str, cols[:5]))
                + (" ..." if len(cols) > 5 else "")
                + ". "
            )
        if self.notes:
            text += (
                "Skipped: "
                + "; ".join(self.notes[:3])
                + (" ..." if len(self.notes) > 3 else "")
                + ". "
            )
        text += (
            "A shift that persists from one window on is a change to act on (retrain "
            "on recent data, or find the broken pipeline); one that comes and goes may "
            "be seasonal. Chapter 8 of Designing Machine Learning Systems covers "
            "monitoring over time."
        )
        return text


def drift_over_time(
    df: pd.DataFrame,
    *,
    time_column: Any,
    window: str | None,
    reference: tuple[Any, Any] | pd.DataFrame | None = None,
    columns: Sequence[Any] | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bonferroni", "bh"] | None = "holm",
) -> DriftOverTime:
    """Compare each window of time of ``df`` with a reference window.

    Parameters
    ----------
    df : pandas.DataFrame
        The data, with a column of times.
    time_column : str
        The column of times (datetimes), or of window labels when ``window``
        is None.
    window : str or None
        A pandas offset alias for the windows, such as ``"7D"``, ``"W"`` or
        ``"MS"`` (month starts). None: ``time_column`` already labels each
        row's window (times, numbers or names that sort in order), as
        :func:`production_stream` does.
    reference : (start, end) or DataFrame, optional
        The reference: the rows with ``start <= time < end``, or the reference
        rows themselves (a frame with the tested columns). By default the
        first window. Windows are compared only from the reference's end on
        when (start, end) is given; every window when a frame is given; every
        window after the first by default.
    columns : sequence, optional
        Columns to test; by default every column but ``time_column``.
    alpha, correction
        As :func:`drift_report`, the correction applied within each window.

    Returns
    -------
    DriftOverTime
        ``.table`` in long format, ``.chart()``, ``.explain()``.

    Notes
    -----
    A window with no rows, or where a column has no values, is skipped with a
    note in ``.notes``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import drift_over_time
    >>> rng = np.random.default_rng(0)
    >>> time = pd.date_range("2024-01-01", periods=600, freq="h")
    >>> x = rng.normal(size=600) + np.where(time >= "2024-01-15", 1.0, 0.0)
    >>> result = drift_over_time(pd.DataFrame({"time": time, "x": x}),
    ...                          time_column="time", window="7D")
    >>> [str(w.date()) for w in result.drifted_windows]
    ['2024-01-15', '2024-01-22']

    Windows labelled beforehand, against reference rows of their own:

    >>> rng = np.random.default_rng(1)
    >>> labelled = pd.DataFrame({"batch": np.repeat([1, 2, 3], 200),
    ...                          "x": rng.normal(size=600) + np.repeat([0, 0, 1.0], 200)})
    >>> result = drift_over_time(labelled, time_column="batch", window=None,
    ...                          reference=pd.DataFrame({"x": rng.normal(size=500)}))
    >>> result.drifted_windows
    [3]
    """
    check_frame(df, "df")
    check_columns(df, [time_column], "time_column")
    alpha = _check_alpha(alpha)
    correction = _check_correction(correction)
    times = df[time_column]
    if window is None:
        return _drift_over_labelled_windows(
            df, time_column, reference, columns, alpha, correction
        )
    if isinstance(reference, pd.DataFrame):
        raise MlkitTypeError(
            with_hint(
                "'reference' rows as a frame go with labelled windows only.",
                "pass window=None with a column of window labels, or "
                "reference=(start, end).",
            )
        )
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise MlkitTypeError(
            with_hint(
                f"'time_column' {time_column!r} must hold datetimes; got {times.dtype}.",
                f"convert it with df[{time_column!r}] = pd.to_datetime(df[{time_column!r}]).",
            )
        )
    try:
        offset = pd.tseries.frequencies.to_offset(window)
    except (TypeError, ValueError):
        raise MlkitValueError(
            with_hint(
                WINDOW_ERROR.format(got=window),
                "see pandas' offset aliases: 'D' day, '7D' seven days, 'W' week, "
                "'MS' month start.",
            )
        ) from None
    if columns is None:
        columns = [c for c in df.columns if c != time_column]
    data = df.drop(columns=[time_column])
    grouper = pd.Grouper(key="__window__", freq=offset)
    keyed = data.assign(__window__=times.to_numpy())
    groups = [
        (start, frame.drop(columns="__window__"))
        for start, frame in keyed.groupby(grouper)
    ]
    notes = []
    if reference is None:
        if not groups:
            raise MlkitValueError(
                with_hint("'df' has no times.", "pass rows with times.")
            )
        ref_start, ref_frame = groups[0]
        ref_end = ref_start + offset
        later = groups[1:]
    else:
        if not (isinstance(reference, (tuple, list)) and len(reference) == 2):
            raise MlkitValueError(
                with_hint(
                    REFERENCE_ERROR.format(got=reference),
                    "pass reference=('2024-01-01', '2024-02-01'), end excluded.",
                )
            )
        ref_start, ref_end = (pd.Timestamp(v) for v in reference)
        inside = ((times >= ref_start) & (times < ref_end)).to_numpy()
        ref_frame = data[inside]
        later = [(s, f) for s, f in groups if s >= ref_end]
    if len(ref_frame) == 0:
        raise MlkitValueError(
            with_hint(
                EMPTY_REFERENCE_ERROR.format(window=f"[{ref_start}, {ref_end})"),
                "choose a reference window that holds rows.",
            )
        )
    table = _compare_windows(ref_frame, later, columns, alpha, correction, notes)
    return DriftOverTime(
        table=table,
        reference=(ref_start, ref_end),
        window=str(window),
        alpha=alpha,
        notes=tuple(notes),
    )


def _drift_over_labelled_windows(
    df: pd.DataFrame,
    time_column: Any,
    reference: Any,
    columns: Sequence[Any] | None,
    alpha: float,
    correction: str | None,
) -> DriftOverTime:
    """:func:`drift_over_time` when ``time_column`` already labels the windows."""
    if columns is None:
        columns = [c for c in df.columns if c != time_column]
    labels = df[time_column]
    if labels.isna().any():
        raise MlkitValueError(
            with_hint(
                f"'time_column' {time_column!r} has {int(labels.isna().sum())} rows "
                "without a window label.",
                "label every row's window, or drop the rows without one.",
            )
        )
    data = df.drop(columns=[time_column])
    groups = [
        (label, frame) for label, frame in data.groupby(labels.to_numpy(), sort=True)
    ]
    if isinstance(reference, pd.DataFrame):
        check_frame(reference, "reference")
        check_columns(reference, list(columns), "reference")
        ref_frame, later, described = reference, groups, None
    elif reference is None:
        if not groups:
            raise MlkitValueError(
                with_hint("'df' has no rows.", "pass rows with windows.")
            )
        (first, ref_frame), later = groups[0], groups[1:]
        described = (first, first)
    else:
        raise MlkitTypeError(
            with_hint(
                f"With labelled windows, 'reference' must be a DataFrame or None; got "
                f"{type(reference).__name__}.",
                "pass the reference rows as a frame, or leave it out to compare with "
                "the first window.",
            )
        )
    notes: list[str] = []
    table = _compare_windows(ref_frame, later, columns, alpha, correction, notes)
    return DriftOverTime(
        table=table, reference=described, window=None, alpha=alpha, notes=tuple(notes)
    )


def _compare_windows(
    ref_frame: pd.DataFrame,
    windows: list[tuple[Any, pd.DataFrame]],
    columns: Sequence[Any],
    alpha: float,
    correction: str | None,
    notes: list[str],
) -> pd.DataFrame:
    """The long table of :class:`DriftOverTime`: each window against the reference.

    A window without rows, or where a column has no values, is skipped with a
    line added to ``notes``.
    """
    parts = []
    for start, frame in windows:
        if len(frame) == 0:
            notes.append(f"{start} has no rows")
            continue
        try:
            report = drift_report(
                ref_frame, frame, columns=columns, alpha=alpha, correction=correction
            )
        except MlkitValueError as error:
            if not str(error).startswith("column "):
                raise
            notes.append(f"{start}: {str(error).splitlines()[0]}")
            continue
        part = report.table.drop(
            columns=["n_reference", "missing_reference", "missing_p_value"]
        )
        part.insert(0, "window_start", start)
        parts.append(part)
    keep = list(_TIME_TABLE_COLUMNS)
    if not parts:
        return pd.DataFrame({c: [] for c in keep})
    return pd.concat(parts, ignore_index=True)[keep]

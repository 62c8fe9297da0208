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

All numeric columns are tested together: each column is sorted once (NaN last),
the two sorted samples are merged by a stable sort (a linear merge of two
runs), and the distribution functions, the KS statistics and the Wasserstein
distances of all columns come from cumulative sums on that merge. Category
counts are one ``np.bincount`` of codes per column.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import CHOICE_ERROR, check_columns, check_frame

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "CORRECTIONS",
    "PSI_BINS",
    "PSI_EPSILON",
    "REPORT_COLUMNS",
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
#: The most columns :meth:`DriftOverTime.chart` draws: those with the largest PSI.
MAX_TIME_COLUMNS = 12
#: Elements of one block of numeric columns merged at once (64 MB of float64).
_BLOCK = 1 << 23
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
    "column {column!r} holds dates or times ({dtype}), which are not tested."
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
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float))
        or not 0 < alpha < 1
    ):
        raise MlkitValueError(
            with_hint(ALPHA_ERROR.format(got=alpha), "pass 0.05 for 5 %.")
        )
    return float(alpha)


def _check_correction(correction: Any) -> str | None:
    if correction is not None and correction not in CORRECTIONS:
        raise MlkitValueError(
            with_hint(
                CHOICE_ERROR.format(
                    name="correction", allowed={*CORRECTIONS, None}, got=correction
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
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
        dtype
    ):
        raise MlkitTypeError(
            with_hint(
                DATETIME_ERROR.format(column=column, dtype=dtype),
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


def _ks_pvalue(d: float, n1: int, n2: int) -> tuple[float, float]:
    """Statistic and p-value exactly as scipy's ``ks_2samp(method="auto")``."""
    from scipy.stats import kstwo

    exact = None
    if max(n1, n2) <= EXACT_KS_MAX_N:
        # scipy's own exact distribution, so that p-values equal ks_2samp's; it is
        # private, so a scipy without it falls back to the asymptotic p-value.
        try:
            from scipy.stats._stats_py import _attempt_exact_2kssamp as exact
        except ImportError:  # pragma: no cover - depends on the scipy version
            exact = None
    if exact is not None:
        success, d, prob = exact(n1, n2, math.gcd(n1, n2), d, "two-sided")
        if success:
            return float(d), float(np.clip(prob, 0, 1))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return float(d), float(np.clip(kstwo.sf(d, np.round(en)), 0, 1))


def _numeric_block(
    ref: np.ndarray, cur: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """KS statistics, Wasserstein distances and PSI of columns (rows of the blocks).

    ``ref`` and ``cur`` are float arrays of shape (columns, rows) with NaN for
    missing. Returns the KS statistics (before scipy's rounding in the exact
    case), the Wasserstein distances, the PSI and the present counts of each side.
    """
    ref = np.sort(ref, axis=1)  # NaN last
    cur = np.sort(cur, axis=1)
    n1 = (~np.isnan(ref)).sum(axis=1)
    n2 = (~np.isnan(cur)).sum(axis=1)
    pooled = np.concatenate([ref, cur], axis=1)
    order = np.argsort(pooled, axis=1, kind="stable")  # merges two sorted runs
    values = np.take_along_axis(pooled, order, axis=1)
    from_ref = np.cumsum(order < ref.shape[1], axis=1)
    position = np.arange(1, pooled.shape[1] + 1)
    cdf_ref = from_ref / n1[:, None]
    cdf_cur = (position - from_ref) / n2[:, None]
    gap = np.abs(cdf_ref - cdf_cur)
    valid = position[None, :] < (n1 + n2)[:, None]  # all but the last present value
    step = np.diff(values, axis=1)
    last_of_ties = np.zeros_like(valid)
    last_of_ties[:, :-1] = step != 0
    statistic = np.where(valid & last_of_ties, gap, 0.0).max(axis=1)
    wasserstein = np.where(valid[:, :-1], gap[:, :-1] * step, 0.0).sum(axis=1)
    psi = np.empty(len(ref))
    for i in range(len(ref)):
        r, c = ref[i, : n1[i]], cur[i, : n2[i]]
        edges = np.unique(np.quantile(r, np.arange(1, PSI_BINS) / PSI_BINS))
        r_counts = np.diff(
            np.searchsorted(r, edges, side="right"), prepend=0, append=n1[i]
        )
        c_counts = np.diff(
            np.searchsorted(c, edges, side="right"), prepend=0, append=n2[i]
        )
        psi[i] = population_stability_index(r_counts, c_counts)
    return statistic, wasserstein, psi, n1, n2


def population_stability_index(ref_counts: Any, cur_counts: Any) -> float:
    """PSI of two vectors of counts over the same bins.

    ``sum((c - r) * ln(c / r))`` over the bins, with ``r`` and ``c`` the shares
    of the reference and the current data in each bin, each raised to at least
    :data:`PSI_EPSILON` so that an empty bin gives a large, finite term. Rules
    of thumb: below 0.1 little shift, 0.1 to 0.25 a moderate one, above 0.25 a
    large one.
    """
    r = np.asarray(ref_counts, dtype=float)
    c = np.asarray(cur_counts, dtype=float)
    r = np.maximum(r / r.sum(), PSI_EPSILON)
    c = np.maximum(c / c.sum(), PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def _chi2(table: np.ndarray) -> tuple[float, float]:
    """Statistic and p-value of a 2 x k table, as scipy's ``chi2_contingency``."""
    from scipy.stats import chi2

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
    return statistic, float(chi2.sf(statistic, k - 1))


def _missing_test(m1: int, n1: int, m2: int, n2: int) -> float:
    """P-value of a change in the missing share: chi-square with Yates on 2 x 2."""
    if m1 + m2 == 0 or m1 + m2 == n1 + n2:
        return 1.0
    return _chi2(np.array([[m1, n1 - m1], [m2, n2 - m2]]))[1]


def _numbers(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[Any],
    kinds: dict[Any, str],
) -> pd.DataFrame:
    """One row per column: the test, its statistic and p-value, PSI and Wasserstein."""
    rows: dict[Any, dict[str, Any]] = {}
    numeric = [c for c in columns if kinds[c] == "numeric"]
    n_ref, n_cur = len(reference), len(current)
    per_block = max(1, _BLOCK // (n_ref + n_cur))
    for start in range(0, len(numeric), per_block):
        names = numeric[start : start + per_block]
        ref = np.stack([_numbers(reference[c]) for c in names])
        cur = np.stack([_numbers(current[c]) for c in names])
        statistic, wasserstein, psi, n1, n2 = _numeric_block(ref, cur)
        for i, name in enumerate(names):
            d, p = _ks_pvalue(float(statistic[i]), int(n1[i]), int(n2[i]))
            rows[name] = {
                "test": "ks",
                "statistic": d,
                "p_value": p,
                "psi": float(psi[i]),
                "wasserstein": float(wasserstein[i]),
                "n_reference": int(n1[i]),
                "n_current": int(n2[i]),
            }
    for name in columns:
        if kinds[name] != "categorical":
            continue
        codes, _ = pd.factorize(
            pd.concat([reference[name], current[name]], ignore_index=True)
        )
        k = int(codes.max()) + 1
        ref_codes, cur_codes = codes[:n_ref], codes[n_ref:]
        table = np.stack(
            [
                np.bincount(ref_codes[ref_codes >= 0], minlength=k),
                np.bincount(cur_codes[cur_codes >= 0], minlength=k),
            ]
        )
        statistic, p = _chi2(table)
        rows[name] = {
            "test": "chi2",
            "statistic": statistic,
            "p_value": p,
            "psi": population_stability_index(table[0], table[1]),
            "wasserstein": np.nan,
            "n_reference": int(table[0].sum()),
            "n_current": int(table[1].sum()),
        }
    table = pd.DataFrame([{"column": c, "kind": kinds[c], **rows[c]} for c in columns])
    table["missing_reference"] = 1 - table["n_reference"] / n_ref
    table["missing_current"] = 1 - table["n_current"] / n_cur
    table["missing_p_value"] = [
        _missing_test(n_ref - a, n_ref, n_cur - b, n_cur)
        for a, b in zip(table["n_reference"], table["n_current"], strict=True)
    ]
    return table


def _columns_and_kinds(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[Any] | None,
) -> tuple[list[Any], dict[Any, str]]:
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
        names = [columns] if isinstance(columns, str) else list(columns)
        if not names:
            raise MlkitValueError(
                with_hint(NO_COLUMNS_ERROR, "name at least one column in 'columns'.")
            )
        check_columns(reference, names, "columns")
        check_columns(current, names, "columns")
    kinds = {}
    for name in names:
        a = _kind(reference[name], name, "reference")
        b = _kind(current[name], name, "current")
        if a != b:
            raise MlkitTypeError(
                with_hint(
                    KIND_ERROR.format(column=name, a=a, b=b),
                    f"convert it to the same type on both sides, for example "
                    f"current[{name!r}] = pd.to_numeric(current[{name!r}]), or check "
                    "that the columns are the same feature.",
                )
            )
        for frame, side in ((reference, "reference"), (current, "current")):
            if frame[name].isna().all():
                raise MlkitValueError(
                    with_hint(
                        ALL_MISSING_ERROR.format(column=name, side=side),
                        "a column with no values cannot be tested; fix the pipeline "
                        "that fills it, or leave it out with columns=[...].",
                    )
                )
        kinds[name] = a
    return names, kinds


def _finish(table: pd.DataFrame, alpha: float, correction: str | None) -> pd.DataFrame:
    table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(), correction)
    table["drifted"] = table["p_adjusted"] <= alpha
    missing = adjust_p_values(table["missing_p_value"].to_numpy(), correction)
    table["missing_drift"] = missing <= alpha
    return table[list(REPORT_COLUMNS)]


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
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[Any] | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bonferroni", "bh"] | None = "holm",
) -> DriftReport:
    """Test each column of ``current`` against ``reference`` for a shift.

    Parameters
    ----------
    reference : pandas.DataFrame
        The data the model was trained or validated on.
    current : pandas.DataFrame
        The data to check, such as the last week of production.
    columns : sequence, optional
        Columns to test; by default every column the two frames share. A
        column is numeric when its dtype is a number (0/1 integers included)
        and categorical for text, categories and booleans; dates and times are
        refused.
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
        A frame that is not a DataFrame, a date or time column, or a column
        numeric on one side and text on the other.
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
    a statistic of 1.

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
    """
    check_frame(reference, "reference")
    check_frame(current, "current")
    alpha = _check_alpha(alpha)
    correction = _check_correction(correction)
    names, kinds = _columns_and_kinds(reference, current, columns)
    table = _compare(reference, current, names, kinds)
    return DriftReport(
        table=_finish(table, alpha, correction),
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
    reference : tuple
        (start, end) of the reference window, end excluded.
    window : str
        The pandas offset alias of the windows.
    alpha : float
        The significance level.
    notes : tuple of str
        Windows skipped and why (no rows, or a column with no values).
    """

    title: ClassVar[str] = "Data distribution shifts over time"
    table: pd.DataFrame
    reference: tuple[Any, Any]
    window: str
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
        base = alt.Chart(data).encode(
            x=alt.X("window_start:T", title="window start"),
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
                alt.Tooltip("window_start:T", title="window"),
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
                f"Drift per {self.window} window",
                f"{shown}; filled points: drifted at alpha = {self.alpha:g}",
            ),
        )

    def explain(self) -> str:
        """Which windows drifted, from when, and in which columns."""
        t = self.table
        windows = t["window_start"].nunique()
        drifted = self.drifted_windows
        start, end = self.reference
        text = (
            f"{len(drifted)} of {_plural(windows, 'window')} of {self.window} drifted "
            f"from the reference [{start}, {end}) in at least one column "
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
    window: str,
    reference: tuple[Any, Any] | None = None,
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
        The column of times (datetimes).
    window : str
        A pandas offset alias for the windows, such as ``"7D"``, ``"W"`` or
        ``"MS"`` (month starts).
    reference : (start, end), optional
        The reference: the rows with ``start <= time < end``. By default the
        first window. Windows are compared only from the reference's end on
        when it is given; by default every window after the first.
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
    """
    check_frame(df, "df")
    check_columns(df, [time_column], "time_column")
    alpha = _check_alpha(alpha)
    correction = _check_correction(correction)
    times = df[time_column]
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
    parts = []
    for start, frame in later:
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
    keep = [
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
    ]
    table = (
        pd.concat(parts, ignore_index=True)[keep]
        if parts
        else pd.DataFrame({c: [] for c in keep})
    )
    return DriftOverTime(
        table=table,
        reference=(ref_start, ref_end),
        window=str(window),
        alpha=alpha,
        notes=tuple(notes),
    )

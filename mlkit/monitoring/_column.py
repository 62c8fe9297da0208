"""One column of current data against the reference: the test and both distributions.

:func:`drift_report` says which columns drifted; :func:`column_drift` looks at
one of them closely. It runs the same test with the same statistics (it calls
:func:`drift_report` on that column alone) and aggregates the two samples into
shares per bin or per category, the same bins for both, so that the chart
shows where the distribution moved.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.monitoring import column_drift
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=2000)})
>>> cur = pd.DataFrame({"x": rng.normal(0.5, 1, 2000)})
>>> result = column_drift(ref, cur, "x")
>>> result.test, result.drifted, len(result.table)
('ks', True, 20)
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from mlkit.monitoring._drift import DriftReport

__all__ = ["DISTRIBUTION_COLUMNS", "ColumnDrift", "column_drift"]

#: The columns of :attr:`ColumnDrift.table`.
DISTRIBUTION_COLUMNS: tuple[str, ...] = (
    "bin",
    "lower",
    "upper",
    "reference_count",
    "current_count",
    "reference_share",
    "current_share",
    "difference",
)
#: The reference's quantiles that bound the bins of equal width of a numeric column.
RANGE_QUANTILES = (0.01, 0.99)
#: The label of the categories pooled beyond the most frequent ones.
OTHER = "(other)"

BINS_ERROR = "'bins' must be an int of at least 2; got {got!r}."


def _check_bins(bins: Any) -> int:
    integer = isinstance(bins, numbers.Integral) and not isinstance(bins, bool)
    if not integer or bins < 2:
        raise (MlkitValueError if integer else MlkitTypeError)(
            with_hint(
                BINS_ERROR.format(got=bins),
                "pass an int such as bins=20: the number of bins of a numeric "
                "column, or of categories shown for a categorical one.",
            )
        )
    return int(bins)


def _number(value: float) -> str:
    return f"{value:.3g}"


def _numeric_distribution(
    reference: pd.Series, current: pd.Series, bins: int
) -> pd.DataFrame:
    """Counts per bin of the two samples, on bins taken from the reference.

    Whole numbers spanning at most ``bins`` values get a bin each. Otherwise
    ``bins - 2`` bins of equal width span the reference's 1st to 99th
    percentiles, and two open bins hold what lies below and above, so an
    outlier neither squeezes the bins nor falls outside them.
    """
    import numpy as np
    import pandas as pd

    ref = reference.to_numpy(dtype="float64", na_value=np.nan)
    cur = current.to_numpy(dtype="float64", na_value=np.nan)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    low = min(ref.min(), cur.min())
    high = max(ref.max(), cur.max())
    whole = (
        np.isfinite(low)
        and np.isfinite(high)
        and high - low + 1 <= bins
        and np.array_equal(ref, np.round(ref))
        and np.array_equal(cur, np.round(cur))
    )
    if whole:
        # A bin per value: edges between consecutive whole numbers.
        edges = np.arange(low + 1, high + 1)
        lower = np.arange(low, high + 1)
        upper = lower + 1
        labels = [_number(v) for v in lower]
    else:
        finite = ref[np.isfinite(ref)]
        if len(finite) == 0:  # only infinities: one open bin each side of 0
            finite = np.zeros(1)
        start, stop = np.quantile(finite, RANGE_QUANTILES)
        edges = np.unique(np.linspace(start, stop, bins - 1))
        lower = np.concatenate([[-np.inf], edges])
        upper = np.concatenate([edges, [np.inf]])
        inner = [
            f"[{_number(a)}, {_number(b)})"
            for a, b in zip(lower[1:-1], upper[1:-1], strict=True)
        ]
        labels = [f"< {_number(upper[0])}", *inner, f"≥ {_number(lower[-1])}"]
    size = len(edges) + 1
    # side="right": bin i holds edges[i - 1] <= x < edges[i].
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=size)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=size)
    return pd.DataFrame(
        {
            "bin": pd.Series(labels, dtype="str"),
            "lower": lower.astype("float64"),
            "upper": upper.astype("float64"),
            "reference_count": ref_counts,
            "current_count": cur_counts,
        }
    )


def _categorical_distribution(
    reference: pd.Series, current: pd.Series, bins: int
) -> pd.DataFrame:
    """Counts per category, the most frequent (both samples pooled, in shares) first.

    With more than ``bins`` categories, the ``bins - 1`` most frequent are kept
    and the others pooled as :data:`OTHER`.
    """
    import numpy as np
    import pandas as pd

    ref = reference.value_counts(dropna=True)
    cur = current.value_counts(dropna=True)
    counts = pd.concat([ref.rename("reference"), cur.rename("current")], axis=1)
    counts = counts.fillna(0).astype("int64")
    shares = (counts / counts.sum(axis=0)).sum(axis=1).to_numpy()
    # By position: .loc would take boolean categories (True, False) for a mask.
    counts = counts.iloc[np.argsort(-shares, kind="stable")]
    labels = [str(v) for v in counts.index]
    if len(counts) > bins:
        kept = counts.iloc[: bins - 1]
        rest = counts.iloc[bins - 1 :].sum(axis=0)
        counts = pd.concat([kept, rest.to_frame().T], ignore_index=True)
        labels = [*labels[: bins - 1], OTHER]
    return pd.DataFrame(
        {
            "bin": pd.Series(labels, dtype="str"),
            "lower": np.nan,
            "upper": np.nan,
            "reference_count": counts["reference"].to_numpy(),
            "current_count": counts["current"].to_numpy(),
        }
    )


@dataclass(frozen=True, repr=False)
class ColumnDrift(Result):
    """One column of current data against the reference: its test and both distributions.

    Attributes
    ----------
    column : object
        The column compared.
    report : DriftReport
        :func:`drift_report` of this column alone (no correction across
        columns): its one-row ``table`` holds the test, statistic, p-value,
        PSI, Wasserstein distance, counts and missing shares.
    table : pandas.DataFrame
        The two distributions, one row per bin or category; see
        :meth:`to_frame`.
    bins : int
        Bins (numeric) or categories shown (categorical) asked for.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import column_drift
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"plan": rng.choice(["free", "pro"], 1000, p=[0.8, 0.2])})
    >>> cur = pd.DataFrame({"plan": rng.choice(["free", "pro"], 1000, p=[0.6, 0.4])})
    >>> result = column_drift(ref, cur, "plan")
    >>> result.to_frame()[["bin", "reference_share", "current_share"]].round(2)
        bin  reference_share  current_share
    0  free             0.79           0.63
    1   pro             0.21           0.37
    >>> result.test, result.drifted
    ('chi2', True)
    """

    title: ClassVar[str] = "Drift of one column: the test and both distributions"
    column: Any
    report: DriftReport
    table: pd.DataFrame
    bins: int

    def _row(self, name: str) -> Any:
        return self.report.table[name].iloc[0]

    @property
    def kind(self) -> str:
        """``"numeric"`` or ``"categorical"``."""
        return str(self._row("kind"))

    @property
    def test(self) -> str:
        """``"ks"`` (Kolmogorov-Smirnov) or ``"chi2"`` (chi-square)."""
        return str(self._row("test"))

    @property
    def statistic(self) -> float:
        """The test's statistic, as in :func:`drift_report`."""
        return float(self._row("statistic"))

    @property
    def p_value(self) -> float:
        """The test's p-value (this column alone: no correction)."""
        return float(self._row("p_value"))

    @property
    def drifted(self) -> bool:
        """Whether the p-value is at most ``alpha``."""
        return bool(self._row("drifted"))

    @property
    def psi(self) -> float:
        """The population stability index, as in :func:`drift_report`."""
        return float(self._row("psi"))

    @property
    def wasserstein(self) -> float:
        """The Wasserstein distance in the column's units (NaN for categories)."""
        return float(self._row("wasserstein"))

    @property
    def alpha(self) -> float:
        """The significance level."""
        return self.report.alpha

    def to_frame(self) -> pd.DataFrame:
        """The two distributions, one row per bin or category.

        Columns: ``bin`` (its label: ``"[a, b)"``, ``"< a"`` and ``"≥ b"`` for
        the two open bins, a whole number, or a category, with
        :data:`OTHER` for the rarer ones pooled); ``lower`` and ``upper`` (a
        numeric bin holds ``lower <= x < upper``; NaN for categories);
        ``reference_count`` and ``current_count`` (present values in it);
        ``reference_share`` and ``current_share`` (of each sample's present
        values); ``difference`` (current share less reference share). The test
        is in ``report.to_frame()``.
        """
        return self.table.copy()

    def chart(self) -> alt.Chart:
        """The two distributions side by side: reference in grey, current in colour."""
        import altair as alt
        import pandas as pd

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, _title

        t = self.table
        order = t["bin"].tolist()
        data = pd.DataFrame(
            {
                "bin": order * 2,
                "sample": ["reference"] * len(t) + ["current"] * len(t),
                "share": pd.concat(
                    [t["reference_share"], t["current_share"]], ignore_index=True
                ),
                "rows": pd.concat(
                    [t["reference_count"], t["current_count"]], ignore_index=True
                ),
            }
        )
        name = "value" if self.kind == "numeric" else "category"
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X(
                    "bin:N",
                    sort=order,
                    title=f"{self.column} ({name})",
                    axis=alt.Axis(
                        labelAngle=-40, labelFontSize=FONT_SIZE, labelLimit=140
                    ),
                ),
                xOffset=alt.XOffset("sample:N", sort=["reference", "current"]),
                y=alt.Y(
                    "share:Q",
                    title="share of present values",
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                color=alt.Color(
                    "sample:N",
                    scale=alt.Scale(
                        domain=["reference", "current"], range=[GREY, PALETTE[0]]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("bin:N", title=name),
                    "sample:N",
                    alt.Tooltip("share:Q", format=".1%"),
                    alt.Tooltip("rows:Q", format=","),
                ],
            )
        )
        return chart.properties(
            width=480,
            height=240,
            title=_title(
                f"Distribution of {self.column}: reference and current",
                self._verdict(),
            ),
        )

    def _verdict(self) -> str:
        """The test in one line: statistic, p-value, verdict, PSI."""
        name = "KS statistic" if self.test == "ks" else "chi-square"
        verdict = "drifted" if self.drifted else "no drift"
        return (
            f"{name} {self.statistic:.4g}, p = {self.p_value:.3g}: {verdict} at "
            f"alpha = {self.alpha:g}; PSI {self.psi:.3g}"
        )

    def explain(self) -> str:
        """What was tested, the verdict, how large the shift is and where it is."""
        row = self.report.table.iloc[0]
        test = (
            "the two-sample Kolmogorov-Smirnov test"
            if self.test == "ks"
            else "the chi-square test of the category counts"
        )
        text = (
            f"Column {self.column!r} ({self.kind}): {test} gives a statistic of "
            f"{self.statistic:.4g} (p = {self.p_value:.3g}), "
            + (
                f"a shift at alpha = {self.alpha:g}"
                if self.drifted
                else f"no shift detected at alpha = {self.alpha:g}"
            )
            + f", on {int(row['n_reference']):,} reference and "
            f"{int(row['n_current']):,} current values. "
        )
        size = (
            "small" if self.psi < 0.1 else "moderate" if self.psi <= 0.25 else "large"
        )
        text += f"The PSI is {self.psi:.3g} ({size}: below 0.1 small, above 0.25 large)"
        if self.kind == "numeric":
            text += f" and the Wasserstein distance {self.wasserstein:.4g} in the column's units"
        text += ". "
        t = self.table
        if len(t):
            moved = t.iloc[int(t["difference"].abs().to_numpy().argmax())]
            text += (
                f"The largest change is in {moved['bin']}: "
                f"{moved['reference_share']:.1%} of the reference, "
                f"{moved['current_share']:.1%} of the current values. "
            )
        if row["missing_reference"] > 0 or row["missing_current"] > 0:
            text += (
                f"Missing: {row['missing_reference']:.1%} of the reference, "
                f"{row['missing_current']:.1%} of the current rows; the test and the "
                "shares are of the present values. "
            )
        text += (
            "This column is tested alone; drift_report corrects the p-values across "
            "columns when many are watched. Chapter 8 of Designing Machine Learning "
            "Systems covers detecting shifts."
        )
        return text


def column_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    column: Any,
    *,
    alpha: float = 0.05,
    bins: int = 20,
) -> ColumnDrift:
    """Test one column of ``current`` against ``reference`` and compare their distributions.

    The test and its statistics are those of :func:`drift_report` for that
    column (it is called with ``columns=[column]`` and no correction):
    Kolmogorov-Smirnov for numbers, chi-square for categories, with the PSI
    and, for numbers, the Wasserstein distance. The distributions are the
    shares of each sample's present values in the same bins.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        The data the model learnt from and the data to check.
    column : str
        The column to compare, in both frames.
    alpha : float, default 0.05
        Significance level of the test.
    bins : int, default 20
        A numeric column: ``bins - 2`` bins of equal width over the reference's
        1st to 99th percentiles, plus an open bin below and one above (whole
        numbers spanning at most ``bins`` values get a bin each). A categorical
        column: the categories shown, most frequent first, the rarer ones pooled
        as ``"(other)"`` when there are more than ``bins``.

    Returns
    -------
    ColumnDrift
        ``.statistic``, ``.p_value``, ``.drifted``, ``.psi``, ``.report``
        (the test row), ``.table`` (the distributions), ``.chart()``.

    Raises
    ------
    MlkitValueError, MlkitTypeError
        As :func:`drift_report`; a ``column`` missing from either frame, or
        ``bins`` that is not an int of at least 2.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.monitoring import column_drift
    >>> rng = np.random.default_rng(2)
    >>> ref = pd.DataFrame({"age": rng.normal(40, 10, 3000)})
    >>> cur = pd.DataFrame({"age": rng.normal(45, 10, 3000)})
    >>> result = column_drift(ref, cur, "age", bins=10)
    >>> result.drifted, round(result.wasserstein, 1)
    (True, 5.7)
    >>> result.table["bin"].iloc[[0, -1]].tolist()
    ['< 16.9', '≥ 63.4']
    """
    from mlkit._validation import check_columns, check_frame
    from mlkit.monitoring._drift import drift_report

    check_frame(reference, "reference")
    check_frame(current, "current")
    check_columns(reference, [column], "column")
    check_columns(current, [column], "column")
    bins = _check_bins(bins)
    report = drift_report(
        reference, current, columns=[column], alpha=alpha, correction=None
    )
    ref, cur = reference[column], current[column]
    if report.table["kind"].iloc[0] == "numeric":
        table = _numeric_distribution(ref, cur, bins)
    else:
        table = _categorical_distribution(ref, cur, bins)
    totals = table[["reference_count", "current_count"]].sum(axis=0).to_numpy()
    table["reference_share"] = table["reference_count"] / totals[0]
    table["current_share"] = table["current_count"] / totals[1]
    table["difference"] = table["current_share"] - table["reference_share"]
    return ColumnDrift(column=column, report=report, table=table, bins=bins)

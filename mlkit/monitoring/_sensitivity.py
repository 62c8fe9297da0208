"""How drift verdicts depend on sample size, the number of columns and the test.

Chapter 8 of *Designing Machine Learning Systems* warns that two-sample tests
find a statistically significant difference in any shift, however small, once
there are enough rows, and that whether a shift matters is another question.
Users of drift tools are regularly surprised by this: the same tiny shift is
"drift" on a busy day and "no drift" on a quiet one, PSI flags samples that
did not shift at all when they are small, and a report over fifty columns
almost always flags one. :func:`drift_sensitivity` makes it visible with a
simulation on normal data, where the truth is known:

- **Part A, sample size**: the reference is N(0, 1), the current data either
  the same (no shift) or N(``shift``, 1), a shift of ``shift`` standard
  deviations; at each sample size (rows on each side), the share of repeats
  flagged by each rule of thumb: KS p-value below ``alpha``; PSI above 0.1
  (and above 0.2), the usual "some shift" and "significant shift" lines; the
  Wasserstein distance above 0.1 reference standard deviations.
- **Part B, number of columns**: no shift anywhere, ``k`` independent columns
  tested with KS; the share of repeats where at least one column is flagged,
  without correction (about ``1 - (1 - alpha)**k``) and with Holm's correction
  as :func:`drift_report` applies it (at most ``alpha``).

KS verdicts are scipy's: up to 10,000 rows per side, ``ks_2samp``'s p-values
(its exact distribution; asked once per distinct statistic, since the p-value
depends on nothing else); above, where ``ks_2samp`` uses the asymptotic
``kstwo.sf(D, round(n * m / (n + m)))``, the statistic is compared with
scipy's ``kstwo.isf(alpha, ...)``, which gives the same verdict as ``p <
alpha`` without computing each tiny p-value (slow).
PSI uses the reference's deciles and :data:`~mlkit.monitoring.PSI_EPSILON`, as
:func:`drift_report` does.

Examples
--------
>>> from mlkit.monitoring import drift_sensitivity
>>> result = drift_sensitivity(sample_sizes=(100, 10_000), n_columns=(1, 20),
...                            n_repeats=40)
>>> t = result.table
>>> ks = t[(t["rule"] == "KS p < alpha") & (t["shift"] > 0)]
>>> ks["flagged_share"].tolist()
[0.075, 0.925]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_random_state
from mlkit.monitoring._common import check_alpha, check_int, check_number, plural

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "SENSITIVITY_COLUMNS",
    "SENSITIVITY_TESTS",
    "DriftSensitivity",
    "drift_sensitivity",
]

#: The tests :func:`drift_sensitivity` can simulate.
SENSITIVITY_TESTS: tuple[str, ...] = ("ks", "psi", "wasserstein")
#: The columns of :attr:`DriftSensitivity.table`.
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "part",
    "test",
    "rule",
    "sample_size",
    "n_columns",
    "shift",
    "correction",
    "flagged_share",
    "expected",
)
#: PSI rules of thumb: above 0.1 some shift, above 0.2 a significant one.
PSI_THRESHOLDS: tuple[float, ...] = (0.1, 0.2)
#: A Wasserstein distance above this many reference standard deviations is flagged.
WASSERSTEIN_THRESHOLD = 0.1
#: Rows per side in part B.
PART_B_ROWS = 1_000
#: Above this many rows per side, scipy's KS p-value is asymptotic.
EXACT_KS_MAX_N = 10_000
#: Elements of one block of simulated samples (64 MB of float64).
_BLOCK = 1 << 23

# Message templates, kept here so that tests can match them.
SIZES_ERROR = (
    "'{name}' must be a non-empty sequence of integers of at least {low}; got {got!r}."
)
TESTS_ERROR = "'tests' must name some of {allowed}; got {got!r}."


def _sizes(values: Any, name: str, low: int, example: str) -> tuple[int, ...]:
    items = (values,) if isinstance(values, (int, np.integer)) else values
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    ok = bool(items) and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low
        for v in items
    )
    if not ok:
        raise (MlkitValueError if items else MlkitTypeError)(
            with_hint(
                SIZES_ERROR.format(name=name, low=low, got=values),
                f"pass, for example, {name}={example}.",
            )
        )
    return tuple(sorted({int(v) for v in items}))


def _ks_statistics(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """KS statistic of each pair of rows; both arrays sorted along their rows."""
    n, m = ref.shape[1], cur.shape[1]
    statistic = np.empty(len(ref))
    for i in range(len(ref)):
        pooled = np.concatenate([ref[i], cur[i]])
        gap = (
            np.searchsorted(ref[i], pooled, side="right") / n
            - np.searchsorted(cur[i], pooled, side="right") / m
        )
        statistic[i] = np.abs(gap).max()
    return statistic


def _ks_p_values(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """scipy's ``ks_2samp`` p-value of each pair of rows (sorted along their rows).

    scipy's p-value depends only on the statistic and the two sizes, so it is
    asked once per distinct statistic, on a pair of rows that has it.
    """
    from scipy.stats import ks_2samp

    n, m = ref.shape[1], cur.shape[1]
    statistic = _ks_statistics(ref, cur)
    # Statistics are multiples of 1 / lcm(n, m); round to tell them apart.
    steps = np.round(statistic * np.lcm(n, m)).astype(np.int64)
    _, first, inverse = np.unique(steps, return_index=True, return_inverse=True)
    p = np.array([ks_2samp(ref[i], cur[i]).pvalue for i in first], dtype="float64")
    return p[inverse.ravel()]


def _ks_flags(ref: np.ndarray, cur: np.ndarray, alpha: float) -> np.ndarray:
    """Whether scipy's KS p-value of each pair of rows is below ``alpha``.

    Up to :data:`EXACT_KS_MAX_N` rows per side, from the p-values themselves.
    Above, scipy's p-value is ``kstwo.sf(D, round(n m / (n + m)))``, which
    decreases with ``D``: it is below ``alpha`` exactly when ``D`` exceeds
    scipy's ``kstwo.isf(alpha, ...)``, a single call rather than one slow call
    per tiny p-value.
    """
    from scipy.stats import kstwo

    n, m = ref.shape[1], cur.shape[1]
    if max(n, m) <= EXACT_KS_MAX_N:
        return _ks_p_values(ref, cur) < alpha
    critical = kstwo.isf(alpha, np.round(n * m / (n + m)))
    return _ks_statistics(ref, cur) > critical


def _psi(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """PSI of each pair of rows (sorted) on the reference row's deciles, as drift_report's."""
    from mlkit.monitoring._drift import PSI_BINS, PSI_EPSILON

    quantiles = np.quantile(ref, np.arange(1, PSI_BINS) / PSI_BINS, axis=1).T
    out = np.empty(len(ref))
    for i in range(len(ref)):
        edges = np.unique(quantiles[i])
        r = np.diff(
            np.searchsorted(ref[i], edges, side="right"), prepend=0, append=ref.shape[1]
        )
        c = np.diff(
            np.searchsorted(cur[i], edges, side="right"), prepend=0, append=cur.shape[1]
        )
        r = np.maximum(r / r.sum(), PSI_EPSILON)
        c = np.maximum(c / c.sum(), PSI_EPSILON)
        out[i] = np.sum((c - r) * np.log(c / r))
    return out


def _wasserstein(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Wasserstein distance of equal-sized pairs of rows (sorted), in reference sds."""
    distance = np.abs(ref - cur).mean(axis=1)
    return distance / ref.std(axis=1, ddof=1)


@dataclass(frozen=True, repr=False)
class DriftSensitivity(Result):
    """How often each drift rule fires, by sample size, shift and number of columns.

    Attributes
    ----------
    table : pandas.DataFrame
        Long format, with :data:`SENSITIVITY_COLUMNS`: ``part`` (``"sample
        size"`` for part A, ``"number of columns"`` for part B); ``test``
        (``"ks"``, ``"psi"``, ``"wasserstein"``); ``rule`` (the rule of
        thumb, such as ``"PSI > 0.1"``); ``sample_size`` (rows per side);
        ``n_columns``; ``shift`` (of the mean, in standard deviations);
        ``correction`` (``"none"`` or ``"holm"``); ``flagged_share`` (share of
        the repeats flagged: in part B, with at least one column flagged);
        ``expected`` (what theory says where it says: ``alpha`` for KS without
        a shift, ``1 - (1 - alpha)**k`` for k uncorrected columns, at most
        ``alpha`` with Holm; else NaN).
    alpha : float
        The significance level.
    shift : float
        The small shift of part A, in standard deviations.
    n_repeats : int
        Simulated pairs of samples per cell.
    """

    title: ClassVar[str] = "Drift sensitivity: sample size, columns and tests"
    table: pd.DataFrame
    alpha: float
    shift: float
    n_repeats: int

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def chart(self) -> alt.VConcatChart:
        """Part A: flagged share by sample size, one panel per rule; part B: by columns."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        t = self.table
        shifted = f"shift of {self.shift:g} sd"
        a = t[t["part"] == "sample size"].assign(
            condition=lambda d: np.where(d["shift"] > 0, shifted, "no shift"),
            alpha=self.alpha,
        )
        rules = list(dict.fromkeys(a["rule"]))
        sizes = sorted(a["sample_size"].unique().tolist())
        y = alt.Y(
            "flagged_share:Q",
            title="share of repeats flagged",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
        )
        base = alt.Chart(a)
        lines = base.mark_line(point=True).encode(
            x=alt.X(
                "sample_size:Q",
                title="rows on each side",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(values=sizes, format="~s", labelFontSize=FONT_SIZE),
            ),
            y=y,
            color=alt.Color(
                "condition:N",
                sort=["no shift", shifted],
                scale=alt.Scale(
                    domain=["no shift", shifted], range=[PALETTE[0], PALETTE[3]]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                "rule:N",
                "condition:N",
                alt.Tooltip("sample_size:Q", format=","),
                alt.Tooltip("flagged_share:Q", format=".0%"),
            ],
        )
        level = base.mark_rule(strokeDash=[2, 2], color="#777777").encode(y="alpha:Q")
        panel_a = (
            alt.layer(lines, level)
            .properties(width=165, height=170)
            .facet(
                facet=alt.Facet(
                    "rule:N",
                    sort=rules,
                    title=None,
                    header=alt.Header(
                        labelFontSize=FONT_SIZE + 1, labelFontWeight="bold"
                    ),
                ),
                columns=len(rules),
            )
            .properties(
                title=_title(
                    "A. The same tiny shift, more rows",
                    f"each panel a rule of thumb; dotted: alpha = {self.alpha:g}",
                )
            )
        )
        alpha_rule = (
            alt.Chart(pd.DataFrame({"alpha": [self.alpha]}))
            .mark_rule(strokeDash=[2, 2], color="#777777")
            .encode(y="alpha:Q")
        )
        b = t[t["part"] == "number of columns"]
        k_max = int(b["n_columns"].max()) if len(b) else 1
        grid = np.unique(np.round(np.geomspace(1, k_max, 40)).astype(int))
        theory = pd.DataFrame(
            {"n_columns": grid, "expected": 1 - (1 - self.alpha) ** grid}
        )
        panel_b = alt.layer(
            alt.Chart(theory)
            .mark_line(strokeDash=[4, 3], color="#555555")
            .encode(
                x="n_columns:Q",
                y="expected:Q",
                tooltip=[
                    alt.Tooltip("n_columns:Q", title="columns"),
                    alt.Tooltip("expected:Q", format=".0%", title="1 - (1 - alpha)^k"),
                ],
            ),
            alt.Chart(b)
            .mark_line(point=True)
            .encode(
                x=alt.X(
                    "n_columns:Q",
                    title="columns tested, none shifted",
                    axis=alt.Axis(labelFontSize=FONT_SIZE),
                ),
                y=y,
                color=alt.Color(
                    "correction:N",
                    scale=alt.Scale(
                        domain=["none", "holm"], range=[PALETTE[3], PALETTE[2]]
                    ),
                    legend=alt.Legend(title="correction", orient="bottom"),
                ),
                tooltip=[
                    "correction:N",
                    alt.Tooltip("n_columns:Q", title="columns"),
                    alt.Tooltip("flagged_share:Q", format=".0%"),
                ],
            ),
            alpha_rule,
        ).properties(
            width=420,
            height=220,
            title=_title(
                "B. No shift, more columns",
                "share with at least one column flagged by KS; dashed: "
                "1 - (1 - alpha)^k",
            ),
        )
        return (
            alt.vconcat(panel_a, panel_b)
            .resolve_scale(color="independent")
            .properties(title=_title(self.title))
        )

    def explain(self) -> str:
        """What the simulation shows about reading drift verdicts."""
        t = self.table
        a = t[t["part"] == "sample size"]
        b = t[t["part"] == "number of columns"]
        text = (
            f"A simulation on normal data, {plural(self.n_repeats, 'repeat')} per "
            "cell, shows how drift verdicts depend on the sample and the test "
            "rather than on the shift alone. "
        )
        ks = a[(a["test"] == "ks") & (a["shift"] > 0)].sort_values("sample_size")
        if len(ks) > 1:
            first, last = ks.iloc[0], ks.iloc[-1]
            text += (
                f"The KS test flagged the same shift of {self.shift:g} standard "
                f"deviations in {first['flagged_share']:.0%} of repeats with "
                f"{first['sample_size']:,} rows per side and in "
                f"{last['flagged_share']:.0%} with {last['sample_size']:,}: a "
                "p-value measures the evidence, which grows with the rows, not the "
                "size of the shift. "
            )
        psi = a[(a["rule"] == f"PSI > {PSI_THRESHOLDS[0]:g}") & (a["shift"] == 0)]
        psi = psi.sort_values("sample_size")
        if len(psi):
            small = psi.iloc[0]
            text += (
                f"PSI above {PSI_THRESHOLDS[0]:g} flagged data that did not shift at "
                f"all in {small['flagged_share']:.0%} of repeats at "
                f"{small['sample_size']:,} rows: with few rows per bin, the noise "
                "alone makes PSI large, so its fixed thresholds suit large samples "
                "only. "
            )
        if len(b):
            k = int(b["n_columns"].max())
            none = b[(b["n_columns"] == k) & (b["correction"] == "none")]
            holm = b[(b["n_columns"] == k) & (b["correction"] == "holm")]
            if len(none) and len(holm):
                text += (
                    f"With {k} columns and no shift, at least one column was flagged "
                    f"in {none['flagged_share'].iloc[0]:.0%} of repeats without "
                    f"correction (theory: {1 - (1 - self.alpha) ** k:.0%}) and in "
                    f"{holm['flagged_share'].iloc[0]:.0%} with Holm's (at most "
                    f"{self.alpha:.0%}). "
                )
        return text + (
            "So decide up front what size of shift matters (a PSI or a Wasserstein "
            "distance in the column's units), correct p-values for the number of "
            "columns, and compare windows of the same size. Chapter 8 of Designing "
            "Machine Learning Systems warns that statistical significance is not "
            "practical importance."
        )


def drift_sensitivity(
    *,
    shift: float = 0.05,
    sample_sizes: Sequence[int] = (100, 1_000, 10_000, 100_000),
    n_columns: Sequence[int] = (1, 10, 50),
    tests: Sequence[str] = SENSITIVITY_TESTS,
    alpha: float = 0.05,
    n_repeats: int = 20,
    random_state: Any = 0,
) -> DriftSensitivity:
    """Simulate how often drift rules fire, by sample size, shift and number of columns.

    Parameters
    ----------
    shift : float, default 0.05
        The small shift of part A: of the mean, in standard deviations.
    sample_sizes : sequence of int
        Rows on each side in part A (each at least 10).
    n_columns : sequence of int
        Numbers of independent columns in part B.
    tests : sequence of str
        The tests of part A, some of :data:`SENSITIVITY_TESTS`; part B uses KS.
    alpha : float, default 0.05
        Significance level of the KS test.
    n_repeats : int, default 20
        Simulated pairs of samples per cell: the shares are multiples of
        ``1 / n_repeats``.
    random_state : None, int or numpy.random.Generator, default 0
        Seed of the simulation.

    Returns
    -------
    DriftSensitivity
        ``.table`` in long format, ``.chart()`` (two panels), ``.explain()``.

    Raises
    ------
    MlkitValueError
        A negative shift, sample sizes below 10, unknown tests, a bad alpha or
        number of repeats.

    Notes
    -----
    Part B draws :data:`PART_B_ROWS` rows per side. With the defaults the
    whole simulation takes about a second.

    Examples
    --------
    >>> from mlkit.monitoring import drift_sensitivity
    >>> result = drift_sensitivity(sample_sizes=(1_000,), n_columns=(10,),
    ...                            tests=("ks",), n_repeats=200)
    >>> b = result.table.query("part == 'number of columns'")
    >>> b[["correction", "flagged_share", "expected"]].round(2)
      correction  flagged_share  expected
    2       none           0.36      0.40
    3       holm           0.06      0.05
    """
    from mlkit.monitoring._drift import adjust_p_values

    shift = check_number(shift, "shift", low=0, example="0.05")
    sizes = _sizes(sample_sizes, "sample_sizes", 10, "(100, 1_000, 10_000)")
    columns = _sizes(n_columns, "n_columns", 1, "(1, 10, 50)")
    chosen = (tests,) if isinstance(tests, str) else tuple(tests)
    if not chosen or any(t not in SENSITIVITY_TESTS for t in chosen):
        raise MlkitValueError(
            with_hint(
                TESTS_ERROR.format(allowed=SENSITIVITY_TESTS, got=tests),
                "pass, for example, tests=('ks', 'psi').",
            )
        )
    chosen = tuple(t for t in SENSITIVITY_TESTS if t in chosen)
    alpha = check_alpha(alpha)
    n_repeats = check_int(n_repeats, "n_repeats", 1, "20")
    rng = check_random_state(random_state)

    rules: list[tuple[str, str, Any]] = []
    if "ks" in chosen:
        rules.append(("ks", "KS p < alpha", lambda r, c: _ks_flags(r, c, alpha)))
    if "psi" in chosen:
        for limit in PSI_THRESHOLDS:
            rules.append(
                ("psi", f"PSI > {limit:g}", lambda r, c, v=limit: _psi(r, c) > v)
            )
    if "wasserstein" in chosen:
        rules.append(
            (
                "wasserstein",
                f"W > {WASSERSTEIN_THRESHOLD:g} sd",
                lambda r, c: _wasserstein(r, c) > WASSERSTEIN_THRESHOLD,
            )
        )
    rows = []
    for n in sizes:
        per_block = max(1, _BLOCK // (2 * n))
        for delta in (0.0, shift) if shift > 0 else (0.0,):
            flagged = {rule: 0 for _, rule, _ in rules}
            for start in range(0, n_repeats, per_block):
                size = min(per_block, n_repeats - start)
                ref = np.sort(rng.standard_normal((size, n)), axis=1)
                cur = np.sort(rng.standard_normal((size, n)) + delta, axis=1)
                for _, rule, fires in rules:
                    flagged[rule] += int(np.sum(fires(ref, cur)))
            for test, rule, _ in rules:
                expected = alpha if test == "ks" and delta == 0 else np.nan
                rows.append(
                    (
                        "sample size",
                        test,
                        rule,
                        n,
                        1,
                        delta,
                        "none",
                        flagged[rule] / n_repeats,
                        expected,
                    )
                )
    for k in columns:
        per_block = max(1, _BLOCK // (2 * k * PART_B_ROWS))
        blocks = []
        for start in range(0, n_repeats, per_block):
            size = min(per_block, n_repeats - start)
            blocks.append(
                _ks_p_values(
                    np.sort(rng.standard_normal((size * k, PART_B_ROWS)), axis=1),
                    np.sort(rng.standard_normal((size * k, PART_B_ROWS)), axis=1),
                ).reshape(size, k)
            )
        p = np.concatenate(blocks)
        any_raw = (p < alpha).any(axis=1).mean()
        any_holm = np.mean([(adjust_p_values(row, "holm") < alpha).any() for row in p])
        for correction, share, expected in (
            ("none", any_raw, 1 - (1 - alpha) ** k),
            ("holm", any_holm, alpha),
        ):
            rows.append(
                (
                    "number of columns",
                    "ks",
                    "KS p < alpha in any column",
                    PART_B_ROWS,
                    k,
                    0.0,
                    correction,
                    float(share),
                    expected,
                )
            )
    table = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
    return DriftSensitivity(table=table, alpha=alpha, shift=shift, n_repeats=n_repeats)

"""A/B tests: is the treatment better than the control, and how many users to ask.

Chapter 9 of *Designing Machine Learning Systems* ("Continual Learning and Test
in Production") makes the A/B test the standard way to compare two models in
production: route a random share of the traffic to each, measure the outcome
that matters, and decide with a two-sample test whether the difference is more
than chance. This module holds the test and its planning:

- :func:`ab_test` compares two arms of outcomes: the two-proportion z-test for
  0/1 outcomes (conversions, clicks) and Welch's t-test for numbers (revenue,
  time spent), with the interval of the difference and the relative lift;
- :func:`sample_size` says how many units each arm needs to detect a given
  effect with a given power, before the experiment starts;
- :func:`power` is the other way round: the chance of detecting the effect
  with a given number of units.

Examples
--------
>>> import numpy as np
>>> from mlkit.experiments import ab_test, sample_size
>>> sample_size(0.10, 0.01)           # users per arm for 10 % -> 11 %
14745
>>> rng = np.random.default_rng(0)
>>> result = ab_test(rng.random(15_000) < 0.10, rng.random(15_000) < 0.11)
>>> round(result.difference, 4), round(result.p_value, 3), result.significant
(0.0063, 0.078, False)

With 80 % power, a real effect of the planned size is missed one time in
five; this is one of those times.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_choice
from mlkit.experiments._checks import (
    check_alpha,
    check_finite,
    check_rate,
    outcomes,
)
from mlkit.experiments._stats import (
    two_proportion_ztest,
    wilson_interval,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "AB_COLUMNS",
    "ALTERNATIVES",
    "KINDS",
    "ABTest",
    "ab_test",
    "power",
    "sample_size",
]

Kind = Literal["proportion", "mean"]
Alternative = Literal["two-sided", "larger", "smaller"]

#: What an outcome can be: 0/1 per unit ("proportion") or a number ("mean").
KINDS: tuple[str, ...] = ("proportion", "mean")
#: The alternative hypotheses, as statsmodels names them: "larger" means the
#: treatment's mean is larger than the control's.
ALTERNATIVES: tuple[str, ...] = ("two-sided", "larger", "smaller")
#: The columns of :meth:`ABTest.to_frame`.
AB_COLUMNS: tuple[str, ...] = (
    "arm",
    "n",
    "mean",
    "std",
    "std_error",
    "low",
    "high",
    "p_value",
)

# Message templates, kept here so that tests can match them.
EFFECT_ERROR = "'minimum_effect' must not be 0; got {got!r}."
DIRECTION_ERROR = (
    "'minimum_effect' is {effect:+g}, but alternative={alternative!r} looks for a "
    "{direction} treatment."
)
STD_ERROR = "'std' must be a positive number for kind='mean'; got {got!r}."
TREATMENT_RATE_ERROR = (
    "'baseline' + 'minimum_effect' = {rate:g} is not a rate in [0, 1]."
)
POWER_ERROR = "'power' must be in (alpha, 1) = ({alpha:g}, 1); got {got!r}."
TINY_EFFECT_ERROR = (
    "'minimum_effect' = {effect!r} is too small against {against} to be told from "
    "0 in floating point."
)
HUGE_SAMPLE_ERROR = (
    "'minimum_effect' = {effect!r} is too small to detect: the sample size is "
    "infinite in floating point."
)
OVERFLOW_ERROR = (
    "'control' and 'treatment' must hold outcomes whose difference and its "
    "standard error fit in float64; got outcomes as large as {peak:.3g}."
)
N_ERROR = "'n' must be a finite number of units of at least 1; got {got!r}."


# --------------------------------------------------------------------------- A/B test


@dataclass(frozen=True, repr=False)
class ABTest(Result):
    """The comparison of a treatment with a control.

    Attributes
    ----------
    kind : {"proportion", "mean"}
        0/1 outcomes tested with the two-proportion z-test, or numbers tested
        with Welch's t-test.
    alternative : {"two-sided", "larger", "smaller"}
        The alternative hypothesis about the treatment's mean against the control's.
    alpha : float
        The significance level; intervals are at level ``1 - alpha``.
    difference : float
        Treatment mean minus control mean.
    low, high : float
        The interval of the difference: two-sided for a two-sided test, and
        one-sided (with an infinite end) for a one-sided one, so that it
        excludes 0 exactly when the test is significant (up to the pooled
        standard error of the proportion test; see :func:`ab_test`).
    statistic : float
        The z (proportions) or t (means) statistic; NaN when both arms are constant.
    df : float
        Welch's degrees of freedom for means; infinite for proportions (a
        normal test).
    std_error : float
        The standard error of the difference used by the interval (unpooled).
    p_value : float
        The p-value of the test.
    control_mean, treatment_mean : float
        The mean outcome of each arm.
    relative_lift : float
        ``difference / control_mean``; NaN when the control's mean is 0.
    table : pandas.DataFrame
        The rows of :meth:`to_frame`.
    """

    title: ClassVar[str] = "A/B test"
    kind: str
    alternative: str
    alpha: float
    difference: float
    low: float
    high: float
    statistic: float
    df: float
    std_error: float
    p_value: float
    control_mean: float
    treatment_mean: float
    relative_lift: float
    table: pd.DataFrame

    @property
    def significant(self) -> bool:
        """Whether the p-value is below ``alpha``."""
        return bool(self.p_value < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm and one for the difference.

        Columns: ``arm`` ("control", "treatment", "difference"); ``n`` (units);
        ``mean`` (the share of 1s for proportions; for the difference, treatment
        minus control); ``std`` (the standard deviation of the outcomes, with
        ``ddof=1``; NaN for the difference); ``std_error`` (of the mean, or of
        the difference); ``low`` and ``high`` (the interval: Wilson's for a
        proportion, Student's t for a mean, and that of :attr:`low`,
        :attr:`high` for the difference); ``p_value`` (the test's, on the
        difference row only).
        """
        return self.table.copy()

    def _units(self, value: float, signed: bool = False) -> str:
        if self.kind == "proportion":
            return f"{value:+.2%}" if signed else f"{value:.2%}"
        return f"{value:+.4g}" if signed else f"{value:.4g}"

    def chart(self) -> alt.HConcatChart:
        """Each arm's mean with its interval, and the difference with its interval."""
        import altair as alt

        from mlkit.charts import _title, interval_chart

        level = f"{1 - self.alpha:.0%}"
        what = "rate" if self.kind == "proportion" else "mean outcome"
        arms = self.table.iloc[:2]
        left = interval_chart(
            arms,
            x="mean",
            y="arm",
            low="low",
            high="high",
            title=f"The {what} of each arm",
            subtitle=f"with its {level} interval",
            x_title=what,
            tooltip=["n"],
        )
        diff = self.table.iloc[[2]].copy()
        sided = self.alternative != "two-sided"
        if sided:
            # Draw a one-sided interval's infinite end a few standard errors away.
            reach = 4 * self.std_error if self.std_error > 0 else 1.0
            diff["low"] = diff["low"].clip(lower=self.difference - reach)
            diff["high"] = diff["high"].clip(upper=self.difference + reach)
        diff["arm"] = "treatment - control"
        right = interval_chart(
            diff,
            x="mean",
            y="arm",
            low="low",
            high="high",
            reference=0.0,
            title="The difference",
            subtitle=(
                f"{level} interval"
                + (" (one-sided: open on one end)" if sided else "")
                + f"; p = {self.p_value:.3g}; dashed: no difference"
            ),
            x_title=f"difference in {what}",
        )
        verdict = "significant" if self.significant else "not significant"
        return alt.hconcat(left, right).properties(
            title=_title(
                f"A/B test: {self._units(self.difference, signed=True)} for the "
                f"treatment, {verdict} at alpha = {self.alpha:g}",
                "two-proportion z-test"
                if self.kind == "proportion"
                else "Welch's t-test",
            )
        )

    def explain(self) -> str:
        """What the difference is, whether it is more than chance, and what to do."""
        what = "rate" if self.kind == "proportion" else "mean"
        test = (
            "two-proportion z-test" if self.kind == "proportion" else "Welch's t-test"
        )
        level = f"{1 - self.alpha:.0%}"
        low = self._units(self.low, signed=True) if np.isfinite(self.low) else "-inf"
        high = self._units(self.high, signed=True) if np.isfinite(self.high) else "+inf"
        lift = (
            f", a relative lift of {self.relative_lift:+.1%}"
            if np.isfinite(self.relative_lift)
            else ""
        )
        text = (
            f"The treatment's {what} is {self._units(self.treatment_mean)} against "
            f"{self._units(self.control_mean)} for the control: a difference of "
            f"{self._units(self.difference, signed=True)}{lift} ({level} interval "
            f"{low} to {high}), p = {self.p_value:.3g} with a {test} "
            f"({self.alternative}). "
        )
        if self.significant:
            text += (
                f"The difference is significant at alpha = {self.alpha:g}: chance "
                "alone rarely gives one this large. Whether it is worth shipping "
                "depends on its size, the interval's low end included, against the "
                "cost of the change. "
            )
        else:
            text += (
                f"The difference is not significant at alpha = {self.alpha:g}: it "
                "could be chance. That is not proof of no effect; sample_size() "
                "says how many units would detect the smallest effect worth having. "
            )
        text += (
            "Decide the sample size before starting and test once at the end: "
            "stopping as soon as p dips below alpha inflates false positives "
            "(peeking_simulation shows how much). Chapter 9 of Designing Machine "
            "Learning Systems covers A/B testing in production."
        )
        return text


def ab_test(
    control: Any,
    treatment: Any,
    *,
    kind: Kind = "proportion",
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> ABTest:
    """Test whether the treatment's outcomes differ from the control's.

    Parameters
    ----------
    control, treatment : array-like
        One outcome per unit (user, session) of each arm: 0/1 (or booleans)
        for ``kind="proportion"``, numbers for ``kind="mean"``.
    kind : {"proportion", "mean"}, default "proportion"
        ``"proportion"``: the two-proportion z-test; ``"mean"``: Welch's t-test
        (no assumption of equal variances).
    alpha : float, default 0.05
        The significance level; intervals are at level ``1 - alpha``.
    alternative : {"two-sided", "larger", "smaller"}, default "two-sided"
        ``"larger"`` tests whether the treatment's mean is larger than the
        control's, ``"smaller"`` whether it is smaller.

    Returns
    -------
    ABTest
        ``.difference``, ``.low``, ``.high``, ``.p_value``, ``.significant``,
        ``.relative_lift``, ``.to_frame()``, ``.chart()``, ``.explain()``.

    Raises
    ------
    MlkitValueError
        An empty arm, missing outcomes, outcomes other than 0/1 for
        ``kind="proportion"``, fewer than two outcomes in an arm for
        ``kind="mean"``, or a bad ``kind``, ``alpha`` or ``alternative``.
    MlkitTypeError
        Outcomes that are not numbers.

    Notes
    -----
    **Proportions.** The test is statsmodels' ``proportions_ztest`` on
    (treatment, control): the difference over the *pooled* standard error
    ``sqrt(p (1 - p) (1/n_t + 1/n_c))``, ``p`` the share of 1s in both arms,
    which is the standard error under the null hypothesis of no difference.
    The interval of the difference is Wald's with the *unpooled* standard error
    ``sqrt(p_t (1 - p_t)/n_t + p_c (1 - p_c)/n_c)``, as statsmodels'
    ``confint_proportions_2indep(method="wald")``: under an alternative, the
    arms' rates differ, so each has its own variance. The two standard errors
    differ slightly, so in rare borderline cases the interval and the test
    disagree. When both arms are all 0s (or all 1s), there is no evidence of
    a difference: the p-value is 1. Each arm's interval is Wilson's.

    **Means.** Welch's t-test, as scipy's ``ttest_ind(treatment, control,
    equal_var=False)``, and its interval with Welch-Satterthwaite degrees of
    freedom. Each arm's interval is Student's t. When both arms are constant,
    the p-value is 1 if they are equal and 0 otherwise.

    For a one-sided alternative, the interval of the difference is one-sided
    too (the other end is infinite), as scipy's; the arms' intervals stay two-sided.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.experiments import ab_test
    >>> rng = np.random.default_rng(0)
    >>> control = rng.normal(10.0, 3.0, 2000)    # revenue per user
    >>> treatment = rng.normal(10.4, 3.0, 2000)
    >>> result = ab_test(control, treatment, kind="mean")
    >>> round(result.difference, 2), result.p_value < 0.001
    (0.48, True)
    >>> result.to_frame()[["arm", "n", "mean"]].round(2)
              arm     n   mean
    0     control  2000   9.92
    1   treatment  2000  10.39
    2  difference  4000   0.48
    """
    kind = check_choice(kind, KINDS, "kind")
    alternative = check_choice(alternative, ALTERNATIVES, "alternative")
    alpha = check_alpha(alpha)
    binary = kind == "proportion"
    c = outcomes(control, "control", binary=binary, min_size=1 if binary else 2)
    t = outcomes(treatment, "treatment", binary=binary, min_size=1 if binary else 2)
    n_c, n_t = len(c), len(t)
    shift = 0 if binary else _scale_exponent(c, t)
    if shift:
        # Welch's test does not depend on the outcomes' unit: a power of two
        # brings them near 1 exactly, so that sums and squares neither overflow
        # nor underflow; means, deviations and intervals are scaled back below.
        c, t = np.ldexp(c, shift), np.ldexp(t, shift)
    m_c, m_t = float(c.mean()), float(t.mean())
    difference = m_t - m_c
    sd_c = float(c.std(ddof=1)) if n_c > 1 else math.nan
    sd_t = float(t.std(ddof=1)) if n_t > 1 else math.nan
    from scipy.stats import norm
    from scipy.stats import t as student

    if binary:
        se_c = math.sqrt(m_c * (1 - m_c) / n_c)
        se_t = math.sqrt(m_t * (1 - m_t) / n_t)
        std_error = math.sqrt(se_c**2 + se_t**2)
        z, p = two_proportion_ztest(t.sum(), n_t, c.sum(), n_c, alternative=alternative)
        statistic, p_value = float(z), float(p)
        df = math.inf
        crit_two, crit_one = norm.isf(alpha / 2), norm.isf(alpha)
        arm_low, arm_high = wilson_interval([c.sum(), t.sum()], [n_c, n_t], alpha)
    else:
        var_c, var_t = sd_c**2 / n_c, sd_t**2 / n_t
        se_c, se_t = math.sqrt(var_c), math.sqrt(var_t)
        std_error = math.sqrt(var_c + var_t)
        if std_error > 0:
            statistic = difference / std_error
            df = (var_c + var_t) ** 2 / (var_c**2 / (n_c - 1) + var_t**2 / (n_t - 1))
            if alternative == "two-sided":
                p_value = float(2 * student.sf(abs(statistic), df))
            elif alternative == "larger":
                p_value = float(student.sf(statistic, df))
            else:
                p_value = float(student.cdf(statistic, df))
        else:  # both arms constant: the difference is known exactly
            statistic, df = math.nan, float(n_c + n_t - 2)
            p_value = _constant_p_value(difference, alternative)
        crit_two, crit_one = student.isf(alpha / 2, df), student.isf(alpha, df)
        arm_crit = student.isf(alpha / 2, np.array([n_c - 1, n_t - 1]))
        arm_low = np.array([m_c, m_t]) - arm_crit * np.array([se_c, se_t])
        arm_high = np.array([m_c, m_t]) + arm_crit * np.array([se_c, se_t])
    if alternative == "two-sided":
        low = difference - crit_two * std_error
        high = difference + crit_two * std_error
    elif alternative == "larger":
        low, high = difference - crit_one * std_error, math.inf
    else:
        low, high = -math.inf, difference + crit_one * std_error
    if shift:
        with np.errstate(over="ignore"):
            m_c, m_t, difference, sd_c, sd_t, se_c, se_t, std_error, low, high = (
                float(v)
                for v in np.ldexp(
                    [
                        m_c,
                        m_t,
                        difference,
                        sd_c,
                        sd_t,
                        se_c,
                        se_t,
                        std_error,
                        low,
                        high,
                    ],
                    -shift,
                )
            )
            arm_low, arm_high = np.ldexp(arm_low, -shift), np.ldexp(arm_high, -shift)
        if not (math.isfinite(difference) and math.isfinite(std_error)):
            raise MlkitValueError(
                with_hint(
                    OVERFLOW_ERROR.format(
                        peak=float(np.ldexp(max(abs(c).max(), abs(t).max()), -shift))
                    ),
                    "express the outcomes in a larger unit, such as thousands.",
                )
            )
    table = pd.DataFrame(
        {
            "arm": ["control", "treatment", "difference"],
            "n": [n_c, n_t, n_c + n_t],
            "mean": [m_c, m_t, difference],
            "std": [sd_c, sd_t, math.nan],
            "std_error": [se_c, se_t, std_error],
            "low": [float(arm_low[0]), float(arm_low[1]), low],
            "high": [float(arm_high[0]), float(arm_high[1]), high],
            "p_value": [math.nan, math.nan, p_value],
        }
    )
    return ABTest(
        kind=kind,
        alternative=alternative,
        alpha=alpha,
        difference=difference,
        low=float(low),
        high=float(high),
        statistic=float(statistic),
        df=float(df),
        std_error=std_error,
        p_value=p_value,
        control_mean=m_c,
        treatment_mean=m_t,
        relative_lift=difference / m_c if m_c != 0 else math.nan,
        table=table,
    )


def _scale_exponent(*arrays: np.ndarray) -> int:
    """The power of two that brings outcomes of extreme size near 1; 0 if none is."""
    peak = max(float(np.abs(a).max()) for a in arrays)
    if peak == 0 or 1e-100 < peak < 1e100:
        return 0
    return -math.frexp(peak)[1]


def _constant_p_value(difference: float, alternative: str) -> float:
    if alternative == "two-sided":
        return 1.0 if difference == 0 else 0.0
    if alternative == "larger":
        return 0.0 if difference > 0 else 1.0
    return 0.0 if difference < 0 else 1.0


# --------------------------------------------------------------------------- planning


def _effect_size(
    baseline: Any,
    minimum_effect: Any,
    kind: str,
    std: Any,
    alternative: str,
) -> float:
    """The standardised effect: Cohen's h for proportions, effect / std for means."""
    if kind == "proportion":
        p_c = check_rate(baseline, "baseline", "pass the control's rate, such as 0.1.")
    else:
        p_c = check_finite(
            baseline, "baseline", "pass the control's mean outcome, such as 12.5."
        )
    effect = check_finite(
        minimum_effect,
        "minimum_effect",
        "pass the smallest difference worth detecting, in the outcome's units "
        "(0.01 is one percentage point for a rate).",
    )
    if effect == 0:
        raise MlkitValueError(
            with_hint(
                EFFECT_ERROR.format(got=minimum_effect),
                "an effect of 0 cannot be detected; pass the smallest difference "
                "that would change the decision, such as 0.01.",
            )
        )
    if (alternative == "larger" and effect < 0) or (
        alternative == "smaller" and effect > 0
    ):
        raise MlkitValueError(
            with_hint(
                DIRECTION_ERROR.format(
                    effect=effect,
                    alternative=alternative,
                    direction="better" if alternative == "larger" else "worse",
                ),
                "give the effect the sign of the alternative, or use "
                "alternative='two-sided'.",
            )
        )
    if kind == "proportion":
        p_t = p_c + effect
        if not 0 <= p_t <= 1:
            raise MlkitValueError(
                with_hint(
                    TREATMENT_RATE_ERROR.format(rate=p_t),
                    "the treatment's rate is baseline + minimum_effect; pass an "
                    "absolute difference such as 0.01, not a relative lift.",
                )
            )
        # Cohen's h, as statsmodels' proportion_effectsize(p_t, p_c).
        h = 2 * math.asin(math.sqrt(p_t)) - 2 * math.asin(math.sqrt(p_c))
        against = f"'baseline' = {p_c!r}"
    else:
        h, against = _mean_effect(effect, std), f"'std' = {std!r}"
    if h == 0:  # the effect rounds to nothing in float64
        raise MlkitValueError(
            with_hint(
                TINY_EFFECT_ERROR.format(effect=effect, against=against),
                "pass the smallest difference that would change the decision, in "
                "the outcome's units (0.01 is one percentage point of a rate).",
            )
        )
    return h


def _mean_effect(effect: float, std: Any) -> float:
    """Cohen's d of a difference of means: ``effect / std``."""
    if (
        std is None
        or isinstance(std, bool)
        or not isinstance(std, int | float)
        or not math.isfinite(std)
        or std <= 0
    ):
        raise MlkitValueError(
            with_hint(
                STD_ERROR.format(got=std),
                "pass the standard deviation of the outcome per unit, from past "
                "data, such as std=30.0 for revenue.",
            )
        )
    return effect / float(std)


def _power(h: float, n_control: float, alpha: float, ratio: float, alt: str) -> float:
    """The power equation of statsmodels' ``NormalIndPower``."""
    from scipy.stats import norm

    n_eff = 1.0 / (1.0 / n_control + 1.0 / (n_control * ratio))
    shift = h * math.sqrt(n_eff)
    if alt == "two-sided":
        crit = norm.isf(alpha / 2)
        return float(norm.sf(crit - shift) + norm.cdf(-crit - shift))
    crit = norm.isf(alpha)
    return float(norm.sf(crit - shift) if alt == "larger" else norm.cdf(-crit - shift))


def _check_ratio(ratio: Any) -> float:
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, int | float)
        or not math.isfinite(ratio)
        or ratio <= 0
    ):
        raise MlkitValueError(
            with_hint(
                f"'ratio' must be a positive number; got {ratio!r}.",
                "ratio is treatment units per control unit: 1.0 for equal arms, "
                "0.25 for a treatment that gets a fifth of the traffic.",
            )
        )
    return float(ratio)


def sample_size(
    baseline: float,
    minimum_effect: float,
    *,
    kind: Kind = "proportion",
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> int:
    """Units the control arm needs to detect ``minimum_effect`` with ``power``.

    Parameters
    ----------
    baseline : float
        The control's rate (``kind="proportion"``), such as a conversion rate
        of 0.10, or its mean outcome (``kind="mean"``, where it is not needed
        by the computation).
    minimum_effect : float
        The smallest absolute difference (treatment minus control) worth
        detecting: 0.01 is one percentage point on a rate.
    kind : {"proportion", "mean"}, default "proportion"
        Whether outcomes are 0/1 or numbers.
    std : float, optional
        For ``kind="mean"``, the standard deviation of the outcome per unit.
    alpha : float, default 0.05
        The significance level of the test.
    power : float, default 0.8
        The chance of a significant result when the effect is ``minimum_effect``.
    ratio : float, default 1.0
        Treatment units per control unit: the treatment arm needs
        ``ceil(ratio * n)`` units.
    alternative : {"two-sided", "larger", "smaller"}, default "two-sided"
        The test that will be run.

    Returns
    -------
    int
        Units in the control arm, rounded up.

    Notes
    -----
    The normal power equation of statsmodels' ``NormalIndPower``, solved
    exactly (both tails for a two-sided test), on a standardised effect: for
    proportions Cohen's h, ``2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))`` with
    ``p_t = baseline + minimum_effect`` (statsmodels'
    ``proportion_effectsize``); for means ``minimum_effect / std``. The result
    is ``ceil(NormalIndPower().solve_power(effect_size, alpha=alpha,
    power=power, ratio=ratio, alternative=alternative))``.

    Examples
    --------
    >>> from mlkit.experiments import sample_size
    >>> sample_size(0.05, 0.005)          # 5 % to 5.5 %: half a point
    31218
    >>> sample_size(20.0, 1.0, kind="mean", std=30.0)
    14128
    """
    kind = check_choice(kind, KINDS, "kind")
    alternative = check_choice(alternative, ALTERNATIVES, "alternative")
    alpha = check_alpha(alpha)
    if (
        isinstance(power, bool)
        or not isinstance(power, int | float)
        or not alpha < power < 1
    ):
        raise MlkitValueError(
            with_hint(
                POWER_ERROR.format(alpha=alpha, got=power),
                "pass 0.8 for an 80 % chance of detecting the effect.",
            )
        )
    ratio = _check_ratio(ratio)
    h = _effect_size(baseline, minimum_effect, kind, std, alternative)
    from scipy.optimize import brentq
    from scipy.stats import norm

    one_tail = norm.isf(alpha / 2 if alternative == "two-sided" else alpha)
    # Ignoring the far tail gives the closed form, an upper bound of the root.
    with np.errstate(over="ignore"):
        upper = float(
            np.float64((one_tail + norm.isf(1 - power)) / abs(h)) ** 2 * (1 + 1 / ratio)
        )
    if not math.isfinite(upper):
        raise MlkitValueError(
            with_hint(
                HUGE_SAMPLE_ERROR.format(effect=minimum_effect),
                "pass the smallest difference that would change the decision, "
                "in the outcome's units (0.01 is one percentage point of a rate).",
            )
        )
    # A unit is the least a test can ask for, however large the effect.
    if alternative != "two-sided" or upper <= 1:
        return max(1, math.ceil(upper))

    def shortfall(n: float) -> float:
        return _power(h, n, alpha, ratio, alternative) - power

    # Power grows with n: move the lower end down until it falls short.
    lower = upper * 1e-3
    while shortfall(lower) >= 0:
        if lower <= 1:
            return 1
        lower *= 1e-3
    n = brentq(
        shortfall,
        lower,
        upper * (1 + 1e-9),
        xtol=1e-10,
        rtol=4 * np.finfo(float).eps,
    )
    return max(1, math.ceil(n))


def power(
    baseline: float,
    minimum_effect: float,
    n: float,
    *,
    kind: Kind = "proportion",
    std: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> float:
    """The chance that a test with ``n`` control units detects ``minimum_effect``.

    Parameters
    ----------
    n : float
        Units in the control arm; the treatment has ``ratio * n``.
    baseline, minimum_effect, kind, std, alpha, ratio, alternative
        As :func:`sample_size`.

    Returns
    -------
    float
        The power, as statsmodels' ``NormalIndPower().power(effect_size, n,
        alpha, ratio=ratio, alternative=alternative)``.

    Examples
    --------
    >>> from mlkit.experiments import power
    >>> round(power(0.10, 0.01, 5000), 3)
    0.371
    """
    kind = check_choice(kind, KINDS, "kind")
    alternative = check_choice(alternative, ALTERNATIVES, "alternative")
    alpha = check_alpha(alpha)
    ratio = _check_ratio(ratio)
    if (
        isinstance(n, bool)
        or not isinstance(n, numbers.Real)
        or not math.isfinite(n)
        or not n >= 1
    ):
        raise (MlkitValueError if isinstance(n, numbers.Real) else MlkitTypeError)(
            with_hint(
                N_ERROR.format(got=n),
                "pass the units of the control arm, such as 5000.",
            )
        )
    h = _effect_size(baseline, minimum_effect, kind, std, alternative)
    return _power(h, float(n), alpha, ratio, alternative)

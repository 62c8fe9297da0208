"""Peeking: what stopping an A/B test at the first significant look does to errors.

A two-sample test keeps its false positive rate at ``alpha`` only when it is
run once, on a sample size fixed in advance. Looking at the p-value as data come
in and stopping as soon as it dips below ``alpha`` gives chance many tries:
with enough looks, most A/A tests (no difference at all) "find" one. Chapter 9
of *Designing Machine Learning Systems* asks for a sample size decided before
an A/B test starts; :func:`peeking_simulation` shows why, on simulated
experiments.

All experiments are simulated at once: the counts of successes of each arm
at every look are cumulative sums of binomial draws (one per stretch between
looks, which is the sum of the Bernoulli outcomes of that stretch), a matrix
of experiments by looks, and the p-values of all looks are one vectorised
two-proportion z-test.

Examples
--------
>>> from mlkit.experiments import peeking_simulation
>>> sim = peeking_simulation(looks=(1, 10), n_experiments=1000)
>>> sim.to_frame()[["looks", "false_positive_rate"]]
   looks  false_positive_rate
0      1                0.060
1     10                0.204
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_int, check_number, check_random_state
from mlkit.experiments._checks import check_alpha, check_ints, check_rate
from mlkit.experiments._stats import two_proportion_ztest, wilson_interval

if TYPE_CHECKING:
    import altair as alt

__all__ = ["PeekingSimulation", "peeking_simulation"]

# Message templates, kept here so that tests can match them.
EFFECT_RATE_ERROR = "'rate' + 'effect' = {rate:g} is not a rate in [0, 1]."


@dataclass(frozen=True, repr=False)
class PeekingSimulation(Result):
    """How often experiments stopped at the first significant look reject.

    Attributes
    ----------
    table : pandas.DataFrame
        The rows of :meth:`to_frame`.
    rate : float
        The control's rate of success (conversion) per unit.
    effect : float
        The treatment's rate minus the control's: 0 for A/A tests.
    n_per_arm : int
        Units per arm at the end of each experiment.
    alpha : float
        The significance level of every look.
    n_experiments : int
        Experiments simulated.
    fixed_horizon_rate : float
        The share of experiments significant when tested once, at the end.
    """

    title: ClassVar[str] = "Peeking at an A/B test"
    table: pd.DataFrame
    rate: float
    effect: float
    n_per_arm: int
    alpha: float
    n_experiments: int
    fixed_horizon_rate: float

    @property
    def metric(self) -> str:
        """``"false_positive_rate"`` for A/A tests, else ``"detection_rate"``."""
        return "false_positive_rate" if self.effect == 0 else "detection_rate"

    def to_frame(self) -> pd.DataFrame:
        """One row per number of looks.

        Columns: ``looks`` (equally spaced looks, the last at ``n_per_arm``);
        ``false_positive_rate`` (A/A tests) or ``detection_rate`` (a real
        effect): the share of experiments stopped as significant at some look;
        ``low`` and ``high`` (Wilson's 95 % interval of that share over the
        experiments); ``fixed_horizon_rate`` (the share significant when tested
        once at the end, the same on every row); ``mean_sample_used`` (the mean
        share of ``n_per_arm`` used before stopping, 1 for experiments that
        never stop).
        """
        return self.table.copy()

    def chart(self) -> alt.LayerChart:
        """The rate against the number of looks, with its interval and the fixed horizon."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        metric = self.metric
        data = self.table.copy()
        label = "false positive rate" if self.effect == 0 else "detection rate"
        x = alt.X(
            "looks:Q",
            title="looks at the data (equally spaced)",
            scale=alt.Scale(type="log"),
            axis=alt.Axis(values=data["looks"].tolist(), labelFontSize=FONT_SIZE),
        )
        y_scale = alt.Scale(domain=[0, max(0.05, float(data["high"].max()) * 1.1)])
        tooltip = [
            alt.Tooltip("looks:Q"),
            alt.Tooltip(f"{metric}:Q", title=label, format=".1%"),
            alt.Tooltip("low:Q", format=".1%"),
            alt.Tooltip("high:Q", format=".1%"),
            alt.Tooltip("mean_sample_used:Q", format=".0%"),
        ]
        band = (
            alt.Chart(data)
            .mark_area(opacity=0.15, color=PALETTE[3])
            .encode(x=x, y=alt.Y("low:Q", scale=y_scale), y2="high:Q")
        )
        line = (
            alt.Chart(data)
            .mark_line(
                point=alt.OverlayMarkDef(size=45, filled=True, color=PALETTE[3]),
                color=PALETTE[3],
            )
            .encode(
                x=x,
                y=alt.Y(
                    f"{metric}:Q",
                    title=f"{label}, stopping at the first p < {self.alpha:g}",
                    scale=y_scale,
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                tooltip=tooltip,
            )
        )
        once = "tested once at the end"
        level = f"alpha = {self.alpha:g}"
        rules = pd.DataFrame(
            {
                "value": [self.fixed_horizon_rate]
                + ([self.alpha] if self.effect == 0 else []),
                "what": [once] + ([level] if self.effect == 0 else []),
            }
        )
        reference = (
            alt.Chart(rules)
            .mark_rule(strokeDash=[4, 3])
            .encode(
                y="value:Q",
                color=alt.Color(
                    "what:N",
                    scale=alt.Scale(
                        domain=[once, level], range=[PALETTE[0], "#555555"]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=["what:N", alt.Tooltip("value:Q", format=".1%")],
            )
        )
        kind = (
            "A/A tests (no difference)"
            if self.effect == 0
            else (f"A/B tests with a true effect of {self.effect:+.2%}")
        )
        return alt.layer(band, line, reference).properties(
            width=420,
            height=240,
            title=_title(
                f"Peeking: the {label} grows with every look",
                f"{self.n_experiments:,} simulated {kind}, rate {self.rate:.1%}, "
                f"{self.n_per_arm:,} units per arm; band: 95% interval",
            ),
        )

    def explain(self) -> str:
        """How far peeking moves the error rate from alpha, and what to do instead."""
        t = self.table
        most = t.iloc[-1]
        metric = self.metric
        if self.effect == 0:
            text = (
                f"Stopping an A/A test (no difference) at the first of "
                f"{int(most['looks'])} looks where p < {self.alpha:g} declares a "
                f"difference in {most[metric]:.1%} of {self.n_experiments:,} "
                f"experiments, against {self.fixed_horizon_rate:.1%} when testing "
                f"once at the end, close to alpha = {self.alpha:g}. Every look is "
                "another chance for noise to cross the threshold. "
            )
        else:
            text = (
                f"With a true effect of {self.effect:+.2%}, stopping at the first "
                f"of {int(most['looks'])} significant looks detects it in "
                f"{most[metric]:.1%} of experiments against "
                f"{self.fixed_horizon_rate:.1%} when testing once, using "
                f"{most['mean_sample_used']:.0%} of the sample on average; but the "
                "same rule finds differences that are not there (run it with "
                "effect=0), and effects estimated at an early stop are "
                "exaggerated. "
            )
        text += (
            "Fix the sample size in advance with sample_size() and test once; if "
            "you must look early, use a sequential test built for it (alpha "
            "spending, such as O'Brien-Fleming bounds). Chapter 9 of Designing "
            "Machine Learning Systems covers A/B testing in production."
        )
        return text


def _look_points(n: int, looks: Sequence[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The units per arm at every look, and each schedule's positions among them."""
    schedules = [np.round(n * np.arange(1, k + 1) / k).astype(np.int64) for k in looks]
    points = np.unique(np.concatenate(schedules))
    return points, [np.searchsorted(points, s) for s in schedules]


def peeking_simulation(
    *,
    rate: float = 0.1,
    effect: float = 0.0,
    n_per_arm: int = 5_000,
    looks: Sequence[int] = (1, 2, 5, 10, 20, 50),
    alpha: float = 0.05,
    n_experiments: int = 2_000,
    random_state: Any = 0,
) -> PeekingSimulation:
    """Simulate A/B tests stopped at the first look where the p-value is below alpha.

    Parameters
    ----------
    rate : float, default 0.1
        The control's rate of success per unit (such as a conversion rate).
    effect : float, default 0.0
        The treatment's rate minus the control's. 0 simulates A/A tests, where
        every significant result is a false positive.
    n_per_arm : int, default 5000
        Units per arm at the end of an experiment.
    looks : sequence of int, default (1, 2, 5, 10, 20, 50)
        Numbers of equally spaced looks to compare; with ``k`` looks the test
        runs after ``round(n_per_arm * i / k)`` units per arm, ``i = 1..k``.
        One look is the fixed-horizon test.
    alpha : float, default 0.05
        The significance level of each look's two-sided two-proportion z-test.
    n_experiments : int, default 2000
        Experiments simulated; each number of looks is applied to the same ones.
    random_state : int, numpy Generator or None, default 0
        Seed of the simulated outcomes.

    Returns
    -------
    PeekingSimulation
        ``.to_frame()``, ``.fixed_horizon_rate``, ``.chart()``, ``.explain()``.

    Examples
    --------
    >>> from mlkit.experiments import peeking_simulation
    >>> sim = peeking_simulation(effect=0.01, looks=(1, 20), n_experiments=500)
    >>> sim.to_frame()[["looks", "detection_rate", "mean_sample_used"]].round(2)
       looks  detection_rate  mean_sample_used
    0      1            0.40              1.00
    1     20            0.63              0.64
    """
    rate = check_rate(rate, "rate", "pass the control's rate, such as 0.1.")
    effect = check_number(
        effect, "effect", low=-1, high=1, example="0.01, or 0 for A/A tests"
    )
    treated = rate + effect
    if not 0 <= treated <= 1:
        raise MlkitValueError(
            with_hint(
                EFFECT_RATE_ERROR.format(rate=treated),
                "'effect' is an absolute difference of rates, such as 0.01.",
            )
        )
    n = check_int(n_per_arm, "n_per_arm", 1, "5000")
    schedule = check_ints(
        looks,
        "looks",
        low=1,
        high=n,
        hint=f"pass numbers of looks between 1 and n_per_arm ({n:,}), such as "
        "(1, 5, 20).",
    )
    alpha = check_alpha(alpha)
    n_exp = check_int(n_experiments, "n_experiments", 1, "2000")
    rng = check_random_state(random_state)

    points, positions = _look_points(n, schedule)
    stretch = np.diff(points, prepend=0)
    # Successes of each stretch between looks, then cumulated: one row per experiment.
    control = rng.binomial(stretch, rate, size=(n_exp, len(points))).cumsum(axis=1)
    treatment = rng.binomial(stretch, treated, size=(n_exp, len(points))).cumsum(axis=1)
    _, p = two_proportion_ztest(treatment, points, control, points)
    significant = p < alpha

    rates, used = [], []
    for where in positions:
        hits = significant[:, where]
        stopped = hits.any(axis=1)
        first = np.argmax(hits, axis=1)
        units = np.where(stopped, points[where][first], n)
        rates.append(stopped.mean())
        used.append((units / n).mean())
    rates_arr = np.array(rates)
    low, high = wilson_interval(rates_arr * n_exp, np.full(len(rates), n_exp), 0.05)
    fixed = float(significant[:, -1].mean())
    metric = "false_positive_rate" if effect == 0 else "detection_rate"
    table = pd.DataFrame(
        {
            "looks": np.array(schedule, dtype=np.int64),
            metric: rates_arr,
            "low": low,
            "high": high,
            "fixed_horizon_rate": fixed,
            "mean_sample_used": np.array(used),
        }
    )
    return PeekingSimulation(
        table=table,
        rate=rate,
        effect=effect,
        n_per_arm=n,
        alpha=alpha,
        n_experiments=n_exp,
        fixed_horizon_rate=fixed,
    )

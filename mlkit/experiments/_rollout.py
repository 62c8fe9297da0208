"""Rolling out a new model safely: canary releases and shadow deployment.

Chapter 9 of *Designing Machine Learning Systems* ("Continual Learning and Test
in Production") lists ways to test a model on live traffic before it replaces
the one in service:

- **Canary release**: the new model (the canary) serves a small share of the
  requests next to the current one; while its guardrail metrics (errors,
  complaints, latency) are no worse, its share grows step by step to all the
  traffic; if they are worse, it is rolled back, having harmed only the small
  share. :func:`canary_simulation` plays such a rollout with a one-sided test
  as the guardrail at every step.
- **Shadow deployment**: the new model receives a copy of every request and
  predicts, but its predictions are only logged, never served. Comparing them
  with the model in service costs no user anything: how often do the two
  agree, where do they disagree, which is right once labels arrive, and how
  fast is each. :func:`shadow_test` makes that comparison.

Examples
--------
>>> from mlkit.experiments import canary_simulation
>>> rollout = canary_simulation(control_rate=0.01, canary_rate=0.03)
>>> rollout.outcome, rollout.rollback_step
('rollback', 2)
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import as_1d, check_int, check_random_state
from mlkit.experiments._checks import check_alpha, check_rate, check_share
from mlkit.experiments._stats import (
    sign_test,
    two_proportion_ztest,
    wilson_interval,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "CANARY_COLUMNS",
    "SHADOW_COLUMNS",
    "CanaryRollout",
    "ShadowTest",
    "canary_simulation",
    "shadow_test",
]

#: The columns of :meth:`CanaryRollout.to_frame`.
CANARY_COLUMNS: tuple[str, ...] = (
    "step",
    "traffic_share",
    "canary_requests",
    "canary_errors",
    "control_requests",
    "control_errors",
    "canary_error_rate",
    "control_error_rate",
    "p_value",
    "threshold",
    "action",
)
#: The columns of :meth:`ShadowTest.to_frame`.
SHADOW_COLUMNS: tuple[str, ...] = (
    "model",
    "n",
    "n_labelled",
    "accuracy",
    "accuracy_low",
    "accuracy_high",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
)

# Message templates, kept here so that tests can match them.
STEPS_ERROR = (
    "'steps' must be increasing shares of traffic in (0, 1], such as "
    "(0.01, 0.05, 0.25, 1.0); got {got!r}."
)
LENGTH_ERROR = "'{name}' has {got:,} values, but 'champion' has {n:,}."
SCORES_ERROR = (
    "'{name}' holds scores such as {example!r}; shadow_test compares discrete "
    "predictions."
)
LATENCY_ERROR = (
    "'latency_ms' must be a pair (champion_ms, challenger_ms) of {n:,} latencies "
    "each; got {got}."
)
LATENCY_VALUE_ERROR = (
    "'latency_ms' must hold finite, non-negative milliseconds; the {who}'s hold "
    "{example!r}."
)


# --------------------------------------------------------------------------- canary


@dataclass(frozen=True, repr=False)
class CanaryRollout(Result):
    """A simulated canary release, step by step, up to completion or rollback.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per step that ran; see :meth:`to_frame`.
    control_rate, canary_rate : float
        The true error rates of the model in service and of the canary.
    steps : tuple of float
        The planned shares of traffic.
    requests_per_step : int
        Requests served at each step, by both models together.
    alpha : float
        The chance of rolling back a canary that is no worse, over the whole
        rollout; each step tests at :attr:`threshold`.
    min_harm : float
        How much worse than the control (in error rate) the canary may be
        before it counts as harm.
    outcome : {"complete", "rollback"}
        Whether the canary reached the last step or was rolled back.
    rollback_step : int or None
        The step (from 1) at which it was rolled back.
    """

    title: ClassVar[str] = "Canary release"
    table: pd.DataFrame
    control_rate: float
    canary_rate: float
    steps: tuple[float, ...]
    requests_per_step: int
    alpha: float
    min_harm: float
    outcome: str
    rollback_step: int | None

    @property
    def threshold(self) -> float:
        """The significance level of each step's test: ``alpha / len(steps)``."""
        return self.alpha / len(self.steps)

    @property
    def exposed_requests(self) -> int:
        """Requests the canary served before completion or rollback."""
        return int(self.table["canary_requests"].sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per step that ran (none after a rollback).

        Columns: ``step`` (from 1); ``traffic_share`` (the canary's share of
        the step's requests); ``canary_requests``, ``canary_errors``,
        ``control_requests``, ``control_errors`` (of this step);
        ``canary_error_rate``, ``control_error_rate`` (over all steps so far,
        what the guardrail compares); ``p_value`` (of the one-sided test that
        the canary's error rate exceeds the control's by more than
        ``min_harm``); ``threshold`` (``alpha`` divided by the number of steps:
        a p-value below it rolls back); ``action`` ("continue", "rollback" or
        "complete").
        """
        return self.table.copy()

    def chart(self) -> alt.HConcatChart:
        """Error rates of both models over the steps, and the guardrail's p-values."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, PALETTE, _title

        t = self.table
        labels = [
            f"{s} ({share:.0%})"
            for s, share in zip(t["step"], t["traffic_share"], strict=True)
        ]
        cum = {
            arm: (
                t[f"{arm}_requests"].cumsum().to_numpy(),
                t[f"{arm}_errors"].cumsum().to_numpy(),
            )
            for arm in ("canary", "control")
        }
        rows = []
        for arm in ("control", "canary"):
            n, x = cum[arm]
            low, high = wilson_interval(x, n, self.alpha)
            for i, label in enumerate(labels):
                rows.append(
                    {
                        "step": label,
                        "model": arm,
                        "error_rate": x[i] / n[i] if n[i] else np.nan,
                        "low": low[i],
                        "high": high[i],
                        "requests": int(n[i]),
                    }
                )
        rates = pd.DataFrame(rows)
        x_axis = alt.X(
            "step:N",
            sort=labels,
            title="step (canary's share of traffic)",
            axis=alt.Axis(labelAngle=0, labelFontSize=FONT_SIZE),
        )
        colour = alt.Color(
            "model:N",
            scale=alt.Scale(
                domain=["control", "canary"], range=[PALETTE[0], PALETTE[3]]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        )
        offset = alt.XOffset("model:N", sort=["control", "canary"])
        level = f"{1 - self.alpha:.0%}"
        errors = alt.layer(
            alt.Chart(rates)
            .mark_rule(strokeWidth=2)
            .encode(x=x_axis, xOffset=offset, y="low:Q", y2="high:Q", color=colour),
            alt.Chart(rates)
            .mark_point(filled=True, size=60, opacity=1)
            .encode(
                x=x_axis,
                xOffset=offset,
                y=alt.Y(
                    "error_rate:Q",
                    title="error rate so far",
                    axis=alt.Axis(format="%", labelFontSize=FONT_SIZE),
                ),
                color=colour,
                tooltip=[
                    "step:N",
                    "model:N",
                    alt.Tooltip("error_rate:Q", format=".2%"),
                    alt.Tooltip("low:Q", format=".2%"),
                    alt.Tooltip("high:Q", format=".2%"),
                    alt.Tooltip("requests:Q", format=","),
                ],
            ),
        ).properties(
            width=300,
            height=220,
            title=_title("Error rates", f"all requests so far; bars: {level} interval"),
        )
        tests = t[["p_value", "action"]].assign(
            step=labels, shown=t["p_value"].clip(lower=1e-12)
        )
        actions = ["continue", "complete", "rollback"]
        # The threshold stays inside the plot, whatever the p-values.
        bottom = min(self.threshold / 3, float(tests["shown"].min()) / 1.5)
        p_axis = alt.Y(
            "shown:Q",
            title="p-value of 'canary is worse'",
            scale=alt.Scale(type="log", domain=[bottom, 1]),
            axis=alt.Axis(labelFontSize=FONT_SIZE),
        )
        guard = alt.layer(
            alt.Chart(tests)
            .mark_line(color="#888888")
            .encode(x=alt.X("step:N", sort=labels), y=p_axis),
            alt.Chart(tests)
            .mark_point(filled=True, size=80, opacity=1)
            .encode(
                x=alt.X(
                    "step:N",
                    sort=labels,
                    title="step (canary's share of traffic)",
                    axis=alt.Axis(labelAngle=0, labelFontSize=FONT_SIZE),
                ),
                y=p_axis,
                color=alt.Color(
                    "action:N",
                    scale=alt.Scale(
                        domain=actions, range=[PALETTE[0], PALETTE[2], PALETTE[3]]
                    ),
                    legend=alt.Legend(title="action", orient="bottom"),
                ),
                tooltip=["step:N", alt.Tooltip("p_value:Q", format=".3g"), "action:N"],
            ),
            alt.Chart(pd.DataFrame({"threshold": [self.threshold]}))
            .mark_rule(strokeDash=[4, 3], color="#555555")
            .encode(y=alt.Y("threshold:Q", scale=alt.Scale(type="log"))),
        ).properties(
            width=260,
            height=220,
            title=_title(
                "Guardrail test",
                f"dashed: alpha / steps = {self.threshold:.3g}; below it, roll back",
            ),
        )
        verdict = (
            f"rolled back at step {self.rollback_step}"
            if self.outcome == "rollback"
            else "completed"
        )
        return (
            alt.hconcat(errors, guard)
            .resolve_scale(color="independent")
            .properties(
                title=_title(
                    f"Canary release: {verdict}",
                    f"true error rates: control {self.control_rate:.2%}, canary "
                    f"{self.canary_rate:.2%}; {self.requests_per_step:,} requests a step",
                )
            )
        )

    def explain(self) -> str:
        """What happened to the canary, what it cost, and what the guardrail tests."""
        t = self.table
        harm = (
            f"worse than the control by more than {self.min_harm:.2%}"
            if self.min_harm > 0
            else "worse than the control"
        )
        if self.outcome == "rollback":
            last = t.iloc[-1]
            text = (
                f"The canary was rolled back at step {self.rollback_step} of "
                f"{len(self.steps)}, with {last['traffic_share']:.0%} of the traffic: "
                f"its error rate so far, {last['canary_error_rate']:.2%}, against "
                f"{last['control_error_rate']:.2%} for the control, is {harm} at "
                f"p = {last['p_value']:.3g}, below alpha / steps = "
                f"{self.threshold:.3g}. Only "
                f"{self.exposed_requests:,} requests met it. "
            )
        else:
            text = (
                f"The canary completed all {len(self.steps)} steps: at no step was "
                f"its error rate significantly {harm} (p below alpha / steps = "
                f"{self.threshold:.3g}); it "
                f"served {self.exposed_requests:,} requests on the way. "
            )
        if (
            self.canary_rate > self.control_rate + self.min_harm
            and self.outcome == "complete"
        ):
            text += (
                "Yet its true error rate is higher: the early steps are too small to "
                "detect a harm this size; more requests per step would. "
            )
        elif (
            self.canary_rate <= self.control_rate + self.min_harm
            and self.outcome == "rollback"
        ):
            text += (
                "Its true error rate is not that much higher: this rollback is a "
                "false alarm, which happens with a chance of about alpha = "
                f"{self.alpha:g} over the rollout. "
            )
        text += (
            "A canary limits the harm of a bad model to the small share it serves "
            "while evidence accumulates; it checks guardrails (errors, latency), "
            "not which model users prefer, which is the A/B test's job. Chapter 9 "
            "of Designing Machine Learning Systems covers canary releases."
        )
        return text


def _check_steps(steps: Any) -> tuple[float, ...]:
    try:
        if isinstance(steps, str | bytes) or any(
            isinstance(s, bool) or not isinstance(s, numbers.Real) for s in steps
        ):
            raise TypeError  # "1" or True is not a share of traffic
        values = tuple(float(s) for s in steps)
    except (TypeError, ValueError):
        raise MlkitTypeError(
            with_hint(STEPS_ERROR.format(got=steps), "pass a tuple of shares.")
        ) from None
    if (
        not values
        or any(not (0 < v <= 1) for v in values)
        or any(b <= a for a, b in itertools.pairwise(values))
    ):
        raise MlkitValueError(
            with_hint(
                STEPS_ERROR.format(got=steps),
                "each step must give the canary more traffic than the one before, "
                "and at most all of it (1.0).",
            )
        )
    return values


def canary_simulation(
    *,
    control_rate: float,
    canary_rate: float,
    steps: Sequence[float] = (0.01, 0.05, 0.25, 0.5, 1.0),
    requests_per_step: int = 10_000,
    alpha: float = 0.05,
    min_harm: float = 0.0,
    random_state: Any = 0,
) -> CanaryRollout:
    """Simulate a canary release whose guardrail rolls back a model that errs more.

    Parameters
    ----------
    control_rate : float
        The error (or bad-outcome) rate of the model in service, per request.
    canary_rate : float
        The error rate of the new model.
    steps : sequence of float, default (0.01, 0.05, 0.25, 0.5, 1.0)
        The canary's share of traffic at each step, increasing.
    requests_per_step : int, default 10000
        Requests served at each step by both models together; the canary gets
        ``round(share * requests_per_step)`` of them.
    alpha : float, default 0.05
        The chance of rolling back a canary that is no worse than the control,
        over the whole rollout: each step tests at ``alpha / len(steps)``.
    min_harm : float, default 0.0
        How much higher the canary's error rate may be before it counts as
        harm (a margin in absolute rate, such as 0.001).
    random_state : int, numpy Generator or None, default 0
        Seed of the simulated errors.

    Returns
    -------
    CanaryRollout
        ``.outcome``, ``.rollback_step``, ``.to_frame()``, ``.chart()``,
        ``.explain()``.

    Notes
    -----
    After each step, the guardrail compares all the requests each model has
    served so far with a one-sided two-proportion z-test of "canary error rate
    minus control error rate is at most ``min_harm``", as statsmodels'
    ``proportions_ztest([canary_errors, control_errors], [canary_requests,
    control_requests], value=min_harm, alternative="larger")`` (pooled
    standard error). A step where the canary has all the traffic adds no
    control requests; the test then uses the control's earlier ones.

    Testing after every step is peeking (see :func:`peeking_simulation`): at
    ``alpha`` each, five steps would roll back a harmless canary far more often
    than ``alpha``. So each step tests at ``alpha / len(steps)`` (Bonferroni),
    which keeps the chance of a false rollback over the rollout at about
    ``alpha``; with very few errors at the first steps the normal
    approximation makes it a little higher. A p-value below that threshold
    rolls the canary back; after the last step without one, the rollout is
    complete.

    Examples
    --------
    >>> from mlkit.experiments import canary_simulation
    >>> good = canary_simulation(control_rate=0.01, canary_rate=0.01)
    >>> good.outcome
    'complete'
    >>> good.to_frame()[["step", "traffic_share", "canary_requests", "action"]]
       step  traffic_share  canary_requests    action
    0     1           0.01              100  continue
    1     2           0.05              500  continue
    2     3           0.25             2500  continue
    3     4           0.50             5000  continue
    4     5           1.00            10000  complete
    """
    control_rate = check_rate(control_rate, "control_rate")
    canary_rate = check_rate(canary_rate, "canary_rate")
    shares = _check_steps(steps)
    per_step = check_int(requests_per_step, "requests_per_step", 1, "10000")
    alpha = check_alpha(alpha)
    min_harm = check_share(
        min_harm,
        "min_harm",
        "pass a margin in absolute error rate, such as 0.001, or 0.",
        zero=True,
        one=False,
    )
    rng = check_random_state(random_state)
    canary_n = np.array([round(s * per_step) for s in shares], dtype=np.int64)
    control_n = per_step - canary_n
    # Draw every step up front, so that a rollback leaves the seed's stream as is.
    canary_x = rng.binomial(canary_n, canary_rate)
    control_x = rng.binomial(control_n, control_rate)
    _, p = two_proportion_ztest(
        canary_x.cumsum(),
        canary_n.cumsum(),
        control_x.cumsum(),
        control_n.cumsum(),
        value=min_harm,
        alternative="larger",
    )
    threshold = alpha / len(shares)
    harmful = np.flatnonzero(p < threshold)
    last = int(harmful[0]) if len(harmful) else len(shares) - 1
    actions = ["continue"] * (last + 1)
    actions[last] = "rollback" if len(harmful) else "complete"
    keep = slice(0, last + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        canary_rate_so_far = canary_x.cumsum() / canary_n.cumsum()
        control_rate_so_far = control_x.cumsum() / control_n.cumsum()
    table = pd.DataFrame(
        {
            "step": np.arange(1, last + 2),
            "traffic_share": np.array(shares)[keep],
            "canary_requests": canary_n[keep],
            "canary_errors": canary_x[keep],
            "control_requests": control_n[keep],
            "control_errors": control_x[keep],
            "canary_error_rate": canary_rate_so_far[keep],
            "control_error_rate": control_rate_so_far[keep],
            "p_value": p[keep],
            "threshold": threshold,
            "action": actions,
        }
    )
    return CanaryRollout(
        table=table,
        control_rate=control_rate,
        canary_rate=canary_rate,
        steps=shares,
        requests_per_step=per_step,
        alpha=alpha,
        min_harm=min_harm,
        outcome=actions[-1],
        rollback_step=last + 1 if len(harmful) else None,
    )


# --------------------------------------------------------------------------- shadow


@dataclass(frozen=True, repr=False)
class ShadowTest(Result):
    """Two models' predictions on the same requests, only one of them served.

    Attributes
    ----------
    n : int
        Requests both models predicted.
    agreement : float
        The share of requests where the two predictions are equal.
    agreement_low, agreement_high : float
        Wilson's 95 % interval of the agreement.
    n_labelled : int
        Requests whose true label has arrived.
    p_value : float
        McNemar's exact test that the two models are equally often right, on
        the labelled requests where exactly one of them is; NaN without labels.
    table : pandas.DataFrame
        One row per model; see :meth:`to_frame`.
    disagreements : pandas.DataFrame
        One row per pair of different predictions (champion, challenger):
        ``count``, ``share`` (of all requests), ``labelled``,
        ``champion_right``, ``challenger_right`` (among the labelled ones),
        the most frequent first.
    """

    title: ClassVar[str] = "Shadow deployment"
    n: int
    agreement: float
    agreement_low: float
    agreement_high: float
    n_labelled: int
    p_value: float
    table: pd.DataFrame
    disagreements: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per model, the champion first.

        Columns: ``model`` ("champion", "challenger"); ``n`` (predictions);
        ``n_labelled`` (with a true label); ``accuracy`` on them, with
        ``accuracy_low`` and ``accuracy_high`` (Wilson's 95 % interval; NaN
        without labels); ``latency_mean_ms``, ``latency_p50_ms``,
        ``latency_p95_ms``, ``latency_p99_ms`` (NaN without latencies).
        """
        return self.table.copy()

    def chart(self) -> alt.HConcatChart | alt.LayerChart:
        """Where the models disagree, and their accuracy and latency when known."""
        import altair as alt

        from mlkit.charts import (
            FONT_SIZE,
            PALETTE,
            _title,
            interval_chart,
            message_chart,
        )

        panels = []
        d = self.disagreements.head(10)
        if len(d):
            data = d.assign(
                pair=[
                    f"{a} → {b}"
                    for a, b in zip(d["champion"], d["challenger"], strict=True)
                ]
            )
            panels.append(
                alt.Chart(data)
                .mark_bar(color=PALETTE[1])
                .encode(
                    y=alt.Y(
                        "pair:N",
                        sort=data["pair"].tolist(),
                        title="champion → challenger",
                        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=200),
                    ),
                    x=alt.X(
                        "count:Q",
                        title="requests",
                        axis=alt.Axis(labelFontSize=FONT_SIZE, format="~s"),
                    ),
                    tooltip=[
                        "pair:N",
                        alt.Tooltip("count:Q", format=","),
                        alt.Tooltip("share:Q", format=".2%"),
                        alt.Tooltip("champion_right:Q"),
                        alt.Tooltip("challenger_right:Q"),
                    ],
                )
                .properties(
                    width=240,
                    height=alt.Step(20),
                    title=_title(
                        "Where they disagree",
                        f"{1 - self.agreement:.1%} of {self.n:,} requests",
                    ),
                )
            )
        else:
            panels.append(
                message_chart(
                    "The two models agree on every request.", title="Agreement"
                )
            )
        t = self.table
        if self.n_labelled:
            panels.append(
                interval_chart(
                    t,
                    x="accuracy",
                    y="model",
                    low="accuracy_low",
                    high="accuracy_high",
                    title="Accuracy",
                    subtitle=f"on the {self.n_labelled:,} labelled requests; 95% interval",
                    x_title="accuracy",
                    tooltip=["n_labelled"],
                )
            )
        if t["latency_p50_ms"].notna().all():
            lat = t.melt(
                id_vars="model",
                value_vars=["latency_p50_ms", "latency_p95_ms", "latency_p99_ms"],
                var_name="percentile",
                value_name="ms",
            )
            lat["percentile"] = lat["percentile"].str.extract(r"(p\d+)", expand=False)
            panels.append(
                alt.Chart(lat)
                .mark_bar()
                .encode(
                    x=alt.X(
                        "percentile:N",
                        title=None,
                        axis=alt.Axis(labelAngle=0, labelFontSize=FONT_SIZE),
                    ),
                    xOffset=alt.XOffset("model:N", sort=["champion", "challenger"]),
                    y=alt.Y("ms:Q", title="latency (ms)"),
                    color=alt.Color(
                        "model:N",
                        scale=alt.Scale(
                            domain=["champion", "challenger"],
                            range=[PALETTE[0], PALETTE[3]],
                        ),
                        legend=alt.Legend(title=None, orient="bottom"),
                    ),
                    tooltip=[
                        "model:N",
                        "percentile:N",
                        alt.Tooltip("ms:Q", format=",.1f"),
                    ],
                )
                .properties(
                    width=200, height=200, title=_title("Latency", "percentiles")
                )
            )
        chart = panels[0] if len(panels) == 1 else alt.hconcat(*panels)
        return chart.properties(
            title=_title(
                f"Shadow deployment: the models agree on {self.agreement:.1%} of requests",
                "the challenger's predictions are logged, never served",
            )
        )

    def explain(self) -> str:
        """How often the models agree, which is right when they do not, and what next."""
        text = (
            f"On {self.n:,} mirrored requests, the challenger agrees with the "
            f"champion on {self.agreement:.1%} (95% interval "
            f"{self.agreement_low:.1%} to {self.agreement_high:.1%}). "
        )
        if len(self.disagreements):
            d = self.disagreements
            count = int(d["count"].iloc[0])
            text += (
                f"The most frequent disagreement: champion {d['champion'].iloc[0]!s}, "
                f"challenger {d['challenger'].iloc[0]!s} ({count:,} "
                f"request{'s' if count != 1 else ''}). "
            )
        t = self.table.set_index("model")
        if self.n_labelled:
            text += (
                f"On the {self.n_labelled:,} requests labelled so far, the champion "
                f"is right {t.loc['champion', 'accuracy']:.1%} of the time and the "
                f"challenger {t.loc['challenger', 'accuracy']:.1%} (McNemar's exact "
                f"test p = {self.p_value:.3g}"
                + (
                    ": a real difference). "
                    if self.p_value < 0.05
                    else ": the difference could be chance). "
                )
            )
        else:
            text += (
                "No label has arrived yet, so agreement says how different the "
                "challenger is, not whether it is better. "
            )
        if t["latency_p95_ms"].notna().all():
            text += (
                f"95th percentile latency: {t.loc['champion', 'latency_p95_ms']:.4g} ms "
                f"for the champion, {t.loc['challenger', 'latency_p95_ms']:.4g} ms for "
                "the challenger. "
            )
        text += (
            "A shadow test is safe (users never see the challenger) but costs a "
            "second inference per request and cannot measure how users react to "
            "the new predictions: that takes a canary or an A/B test. Chapter 9 of "
            "Designing Machine Learning Systems covers shadow deployment."
        )
        return text


def _predictions(values: Any, name: str, n: int | None = None) -> np.ndarray:
    array = as_1d(values, name)
    if n is None and len(array) == 0:
        raise MlkitValueError(
            with_hint(f"'{name}' has no predictions.", "pass one per request.")
        )
    if n is not None and len(array) != n:
        raise MlkitValueError(
            with_hint(
                LENGTH_ERROR.format(name=name, got=len(array), n=n),
                "pass the predictions of both models on the same requests, in the "
                "same order.",
            )
        )
    missing = pd.isna(array)
    if missing.any():
        raise MlkitValueError(
            with_hint(
                f"'{name}' has {int(missing.sum()):,} missing prediction(s).",
                "drop the requests one of the models did not answer, or record them "
                "as a class of their own, such as 'error'.",
            )
        )
    if np.issubdtype(array.dtype, np.floating):
        fractional = array != np.round(array)
        if fractional.any():
            raise MlkitValueError(
                with_hint(
                    SCORES_ERROR.format(name=name, example=float(array[fractional][0])),
                    "turn scores into decisions first, such as (score >= 0.5), and "
                    "compare those.",
                )
            )
    return array


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise equality; arrays of different kinds are compared as Python objects."""
    numeric = all(
        np.issubdtype(v.dtype, np.number) or np.issubdtype(v.dtype, np.bool_)
        for v in (a, b)
    )
    if numeric or a.dtype == b.dtype:
        return np.asarray(a == b, dtype=bool)
    return np.array(
        [x == y for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool
    )


def _latencies(latency_ms: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(latency_ms, pd.DataFrame):
        pair = [latency_ms.iloc[:, i] for i in range(latency_ms.shape[1])]
    elif isinstance(latency_ms, np.ndarray) and latency_ms.ndim == 2:
        pair = list(latency_ms.T) if latency_ms.shape[1] == 2 else list(latency_ms)
    else:
        pair = list(latency_ms) if isinstance(latency_ms, Sequence) else []
    if len(pair) != 2:
        raise MlkitValueError(
            with_hint(
                LATENCY_ERROR.format(n=n, got=type(latency_ms).__name__),
                "pass latency_ms=(champion_ms, challenger_ms).",
            )
        )
    out = []
    for values, who in zip(pair, ("champion", "challenger"), strict=True):
        try:
            if isinstance(values, pd.Series):  # nullable dtypes hold pd.NA
                values = values.to_numpy(dtype="float64", na_value=np.nan)
            array = np.asarray(values, dtype="float64")
        except (TypeError, ValueError):
            raise MlkitTypeError(
                with_hint(
                    LATENCY_ERROR.format(n=n, got=f"{who}'s that are not numbers"),
                    "pass latency_ms=(champion_ms, challenger_ms): milliseconds, one "
                    "per request.",
                )
            ) from None
        if array.shape != (n,):
            raise MlkitValueError(
                with_hint(
                    LATENCY_ERROR.format(n=n, got=f"{who}'s of shape {array.shape}"),
                    "pass latency_ms=(champion_ms, challenger_ms): finite, "
                    "non-negative milliseconds, one per request.",
                )
            )
        bad = ~np.isfinite(array) | (array < 0)
        if bad.any():
            raise MlkitValueError(
                with_hint(
                    LATENCY_VALUE_ERROR.format(who=who, example=float(array[bad][0])),
                    "drop the requests whose time was not measured, or pass "
                    "non-negative milliseconds, one per request.",
                )
            )
        out.append(array)
    return out[0], out[1]


def shadow_test(
    champion: Any,
    challenger: Any,
    *,
    y_true: Any = None,
    latency_ms: Any = None,
) -> ShadowTest:
    """Compare a served model's predictions with a shadow model's on the same requests.

    Parameters
    ----------
    champion : array-like
        The predictions of the model in service, one per request: classes or
        decisions (ints, strings, booleans), not scores.
    challenger : array-like
        The shadow model's predictions on the same requests, in the same order.
    y_true : array-like, optional
        The true labels, where they have arrived: NaN (or None) for a request
        whose label is not known yet.
    latency_ms : (array-like, array-like), optional
        The time each model took per request, in milliseconds: a pair
        (champion's, challenger's), or a frame or array with two columns.

    Returns
    -------
    ShadowTest
        ``.agreement``, ``.disagreements``, ``.to_frame()`` (accuracy and
        latency per model), ``.chart()``, ``.explain()``.

    Notes
    -----
    Agreement is the share of requests with equal predictions, with Wilson's
    interval. On labelled requests, accuracy is the share of right
    predictions, and McNemar's exact test compares the models on the requests
    where exactly one is right (as statsmodels' ``mcnemar(table, exact=True)``:
    a two-sided binomial test at 1/2). Latency percentiles are numpy's
    (linear interpolation).

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.experiments import shadow_test
    >>> champion = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    >>> challenger = np.array([0, 1, 0, 0, 1, 1, 0, 1])
    >>> y = np.array([0, 1, np.nan, 0, 1, 1, np.nan, np.nan])
    >>> result = shadow_test(champion, challenger, y_true=y)
    >>> result.agreement, result.n_labelled
    (0.75, 5)
    >>> result.to_frame()[["model", "n_labelled", "accuracy"]]
            model  n_labelled  accuracy
    0    champion           5       0.8
    1  challenger           5       1.0
    """
    a = _predictions(champion, "champion")
    n = len(a)
    b = _predictions(challenger, "challenger", n)
    same = _equal(a, b)
    agree = int(same.sum())
    agreement_low, agreement_high = wilson_interval(agree, n)
    if y_true is not None:
        y = as_1d(y_true, "y_true", length=n)
        labelled = ~pd.isna(y)
    else:
        y = np.full(n, np.nan)
        labelled = np.zeros(n, dtype=bool)
    n_labelled = int(labelled.sum())
    right_a = labelled & _equal(a, y)
    right_b = labelled & _equal(b, y)
    correct = np.array([right_a.sum(), right_b.sum()])
    if n_labelled:
        accuracy = correct / n_labelled
        acc_low, acc_high = wilson_interval(correct, np.full(2, n_labelled))
        only_a = int((right_a & ~right_b).sum())
        only_b = int((right_b & ~right_a).sum())
        p_value = float(sign_test(only_a, only_b))
    else:
        accuracy = acc_low = acc_high = np.full(2, np.nan)
        p_value = math.nan
    latency = {}
    if latency_ms is not None:
        la, lb = _latencies(latency_ms, n)
        for name, func in (
            ("latency_mean_ms", np.mean),
            ("latency_p50_ms", lambda v: np.percentile(v, 50)),
            ("latency_p95_ms", lambda v: np.percentile(v, 95)),
            ("latency_p99_ms", lambda v: np.percentile(v, 99)),
        ):
            latency[name] = [float(func(la)), float(func(lb))]
    table = pd.DataFrame(
        {
            "model": ["champion", "challenger"],
            "n": [n, n],
            "n_labelled": [n_labelled, n_labelled],
            "accuracy": accuracy,
            "accuracy_low": acc_low,
            "accuracy_high": acc_high,
            **{
                c: latency.get(c, [np.nan, np.nan])
                for c in SHADOW_COLUMNS
                if c.startswith("latency")
            },
        }
    )
    differ = ~same
    pairs = pd.DataFrame(
        {
            "champion": a[differ],
            "challenger": b[differ],
            "labelled": labelled[differ],
            "champion_right": right_a[differ],
            "challenger_right": right_b[differ],
        }
    )
    disagreements = (
        pairs.groupby(["champion", "challenger"], sort=False)
        .agg(
            count=("labelled", "size"),
            labelled=("labelled", "sum"),
            champion_right=("champion_right", "sum"),
            challenger_right=("challenger_right", "sum"),
        )
        .reset_index()
    )
    disagreements.insert(3, "share", disagreements["count"] / n)
    disagreements = disagreements.sort_values(
        "count", ascending=False, kind="stable", ignore_index=True
    ).astype(
        {
            "count": "int64",
            "labelled": "int64",
            "champion_right": "int64",
            "challenger_right": "int64",
        }
    )
    return ShadowTest(
        n=n,
        agreement=agree / n,
        agreement_low=float(agreement_low),
        agreement_high=float(agreement_high),
        n_labelled=n_labelled,
        p_value=p_value,
        table=table,
        disagreements=disagreements,
    )

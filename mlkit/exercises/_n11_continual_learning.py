"""Checkers of the exercises in 11_continual_learning: fresh data, sizing and reading an A/B test."""

from __future__ import annotations

import math
from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    exercise,
    expect_number,
    named_mistake,
    wrong,
)

NOTEBOOK = "11_continual_learning.ipynb"


def _z(alpha: float = 0.05, power: float = 0.8, *, two_sided: bool = True) -> float:
    from scipy.stats import norm

    return float(norm.isf(alpha / 2 if two_sided else alpha) + norm.isf(1 - power))


def _closed_form(
    baseline: float, effect: float, kind: str, std: float | None, *, z: float
) -> float:
    """Units per arm from the normal approximation, on the standardised effect."""
    if kind == "proportion":
        treated = min(max(baseline + effect, 0.0), 1.0)
        h = 2 * math.asin(math.sqrt(treated)) - 2 * math.asin(math.sqrt(baseline))
        return 2 * (z / h) ** 2
    return 2 * (z * std / effect) ** 2


def _variances(baseline: float, effect: float, *, z: float) -> float:
    """The textbook form on the rates: (z)^2 (p1 (1 - p1) + p2 (1 - p2)) / effect^2."""
    treated = min(max(baseline + effect, 0.0), 1.0)
    return z**2 * (baseline * (1 - baseline) + treated * (1 - treated)) / effect**2


@exercise(
    "11.2",
    notebook=NOTEBOOK,
    title="The sample size of an A/B test by hand",
    hint=(
        "Per arm, n = 2 * ((z_{1-alpha/2} + z_{power}) / d) ** 2 with d the standardised "
        "effect: effect / std for a mean; for a proportion Cohen's h, "
        "2 asin(sqrt(p + effect)) - 2 asin(sqrt(p)). z from scipy.stats.norm.ppf."
    ),
)
def _sample_size(
    answer: Any,
    *,
    baseline: float,
    effect: float,
    kind: str,
    std: float | None = None,
) -> Any:
    from mlkit.experiments import sample_size

    value = expect_number(answer, what="a number of rows per arm")
    truth = sample_size(baseline, effect, kind=kind, std=std)
    z = _z()
    accepted = [truth, _closed_form(baseline, effect, kind, std, z=z)]
    if kind == "proportion":
        accepted.append(_variances(baseline, effect, z=z))
    # Rounding and the textbook variants differ by a percent or so, not more.
    if any(abs(value - a) <= max(0.02 * a, 1.0) for a in accepted):
        return correct(
            f"about {value:,.0f} rows per arm (mlkit's sample_size: {truth:,}). Halving the "
            "effect to detect multiplies it by four."
        )
    slips = {
        "one-sided": (
            _closed_form(baseline, effect, kind, std, z=_z(two_sided=False)),
            "that uses the one-sided z (1.645); the test is two-sided: z at 1 - alpha/2, 1.96.",
        ),
        "no power": (
            _closed_form(baseline, effect, kind, std, z=_z(power=0.5)),
            "that leaves out the power term: with it, z_{0.8} = 0.84 is added to 1.96, or "
            "the test would find a real effect only half of the time.",
        ),
        "both arms": (
            2 * truth,
            "that is the total of both arms; the question asks for the rows of one arm.",
        ),
        "one factor": (
            truth / 2,
            "that misses the factor 2: the difference of two arms has the variance of both.",
        ),
    }
    mistake = named_mistake(
        value, truth, slips.values(), rtol=0.02, atol=1.0, shown=f"{value:,.0f}"
    )
    return mistake or wrong(
        f"{value:,.0f} rows per arm is not it; mlkit's sample_size gives {truth:,}."
    )


@exercise(
    "11.3",
    notebook=NOTEBOOK,
    title="The p-value of the A/B test by hand",
    hint=(
        "Rates: z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)) with p the pooled rate of "
        "both arms, and p = 2 * norm.sf(|z|). Means: Welch's t-test, "
        "scipy.stats.ttest_ind(b, a, equal_var=False)."
    ),
)
def _p_value(answer: Any, *, outcome_a: Any, outcome_b: Any, kind: str) -> Any:
    import numpy as np

    from mlkit.experiments import ab_test

    value = expect_number(answer, what="a p-value (a probability)")
    a, b = np.asarray(outcome_a, dtype=float), np.asarray(outcome_b, dtype=float)
    test = ab_test(a, b, kind=kind)
    truth = float(test.p_value)
    tol = dict(rtol=0.05, atol=1e-3)
    if close_to(value, truth, **tol):
        verdict = (
            "below 0.05: the difference is significant"
            if truth < 0.05
            else "above 0.05: the data cannot tell the two models apart"
        )
        return correct(
            f"p = {value:.3g}, {verdict} (difference {test.difference:.3g}). Read once, at the "
            "planned end: peeking would make a 'significant' result far more common by chance."
        )
    if not close_to(truth / 2, truth, **tol) and close_to(value, truth / 2, **tol):
        return wrong(
            f"{value:.3g} is the one-sided p-value; the test asks whether the arms differ "
            "either way: double it."
        )
    if not close_to(1 - truth, truth, **tol) and close_to(value, 1 - truth, **tol):
        return wrong(
            f"{value:.3g} is one minus the p-value: the p-value is the chance of a "
            "difference at least this large if the models were the same."
        )
    if close_to(value, float(test.statistic), rtol=1e-3, atol=1e-9):
        return wrong(
            f"{value:.3g} is the test statistic; the p-value is the chance of a statistic "
            "at least this far from zero: 2 * norm.sf(|z|)."
        )
    return wrong(f"p = {value:.3g} is not the p-value of this A/B test.")


def _series(table: Any, cadence: int | None):
    stateless = table[table["strategy"] == "stateless"]
    if cadence is None:
        rows = stateless[stateless["cadence"].isna()]
    else:
        rows = stateless[(stateless["cadence"] == cadence).fillna(False).astype(bool)]
    return rows.set_index("period")["value"].astype(float)


@exercise(
    "11.1",
    notebook=NOTEBOOK,
    title="What fresh data is worth",
    hint=(
        "From retraining.table, take the stateless rows: those with no cadence never "
        "retrain, those with cadence 1 retrain every period. Per period, subtract the "
        "never-retrained model's value from the retrained one's, and average; flip the "
        "sign when lower is better, so that a positive gain means retraining helps."
    ),
)
def _freshness(answer: Any, *, table: Any, higher_is_better: bool) -> Any:
    import numpy as np

    value = expect_number(answer, what="the mean gain per period (a number)")
    sign = 1.0 if higher_is_better else -1.0
    never, every = _series(table, None), _series(table, 1)
    truth = sign * float((every - never).mean())
    # Averaging each strategy first skips NaN periods differently; as good an answer.
    of_means = sign * float(every.mean() - never.mean())
    scale = max(float(np.nanmean(np.abs(every))), 1e-12)
    tol = dict(rtol=1e-3, atol=1e-9 * scale)
    if any(close_to(value, a, **tol) for a in (truth, of_means)):
        return correct(
            f"{value:+.4g} per period: "
            + (
                "retraining every period pays on this timeline; the schedule weighs that "
                "gain against the cost of each retraining."
                if truth > 0
                else "retraining every period does not beat a model that never retrains "
                "here: the relation the model learnt holds, or the periods are too short "
                "to tell."
            )
        )
    if truth != 0 and close_to(value, -truth, **tol):
        return wrong(
            f"{value:+.4g} has the wrong sign: "
            + (
                "for an error or a loss, the never-retrained model's value minus the "
                "retrained one's is the gain."
                if not higher_is_better
                else "the gain is the retrained model's value minus the never-retrained one's."
            )
        )
    stateful = table[table["strategy"] == "stateful"].set_index("period")["value"]
    with_stateful = sign * float((stateful.astype(float) - never).mean())
    if not close_to(with_stateful, truth, **tol) and close_to(
        value, with_stateful, **tol
    ):
        return wrong(
            f"{value:+.4g} compares the stateful updates with never retraining; the "
            "question is about retraining from scratch every period (stateless, cadence 1)."
        )
    last = sign * float(every.iloc[-1] - never.iloc[-1])
    if not close_to(last, truth, **tol) and close_to(value, last, **tol):
        return wrong(
            f"{value:+.4g} is the gain in the last period only; average over all "
            "evaluated periods."
        )
    return wrong(f"{value:+.4g} is not the mean gain of retraining every period.")

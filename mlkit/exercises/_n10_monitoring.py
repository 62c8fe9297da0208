"""Checkers of the exercises in 10_monitoring: PSI, precision before labels, false alarms."""

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

NOTEBOOK = "10_monitoring.ipynb"

#: Shares are floored here before the logarithm, as the drift report does.
FLOOR = 1e-4


def _shares(values: Any, edges: Any, *, right: bool = True, floor: bool = True):
    import numpy as np

    position = np.searchsorted(edges, values, side="left" if right else "right")
    counts = np.bincount(position, minlength=len(edges) + 1).astype(float)
    shares = counts / counts.sum()
    return np.maximum(shares, FLOOR) if floor else shares


def _psi(r: Any, c: Any) -> float:
    import numpy as np

    return float(np.sum((c - r) * np.log(c / r)))


def _mistakes(
    ref: Any, cur: Any, edges: Any, *, right: bool
) -> list[tuple[float, str]]:
    """The PSI a learner gets from each common slip, with what to say about it."""
    import numpy as np

    r, c = _shares(ref, edges, right=right), _shares(cur, edges, right=right)
    width = np.linspace(ref.min(), ref.max(), 11)[1:-1]
    own = np.unique(np.quantile(cur, np.arange(1, 10) / 10))
    counts_r = r * len(ref)
    counts_c = c * len(cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        return [
            (
                float(np.sum(c * np.log(c / r))),
                "that is the Kullback-Leibler divergence in one direction, sum(cur * ln(cur / "
                "ref)); PSI weighs the logarithm by the difference of the shares, (cur - ref).",
            ),
            (
                float(np.sum(c - r)),
                "without the logarithm the differences of shares sum to about zero: "
                "PSI is sum((cur - ref) * ln(cur / ref)).",
            ),
            (
                _psi(
                    _shares(ref, width, right=right), _shares(cur, width, right=right)
                ),
                "you used bins of equal width; PSI here bins on the reference's deciles, so "
                "each bin holds a tenth of the reference.",
            ),
            (
                _psi(_shares(ref, own, right=right), _shares(cur, own, right=right)),
                "you binned on the current sample's deciles; the bins come from the reference, "
                "the distribution the model learnt from.",
            ),
            (
                float(np.sum((counts_c - counts_r) * np.log(counts_c / counts_r))),
                "you used counts; use shares (count / size of the sample): the two samples "
                "have different sizes.",
            ),
        ]


def _column(frame: Any) -> str | None:
    """The numeric column with the most distinct values (the first of equals)."""
    numbers = frame.select_dtypes("number")
    return str(numbers.nunique().idxmax()) if numbers.shape[1] else None


@exercise(
    "10.1",
    notebook=NOTEBOOK,
    title="The population stability index by hand",
    hint=(
        "Bin edges: the reference's deciles, np.quantile(ref, [0.1, ..., 0.9]) (np.unique "
        "drops repeated ones), with -inf and +inf at the ends. Share of each sample in each "
        "bin, floored at 0.0001; PSI = sum((cur - ref) * ln(cur / ref))."
    ),
)
def _psi_by_hand(answer: Any, *, reference: Any, current: Any) -> Any:
    import numpy as np

    column = _column(reference)
    if column is None:
        if answer is None:
            return correct("None: no numeric column is watched in this case.")
        return wrong("no numeric column is watched in this case: the answer is None.")
    ref = reference[column].dropna().to_numpy(dtype=float)
    cur = current[column].dropna().to_numpy(dtype=float)
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    if isinstance(answer, float) and not math.isfinite(answer):
        return wrong(
            f"{answer}: a bin is empty in one sample, so its share is 0 and the logarithm "
            "is infinite. Floor each share at 0.0001 before taking the logarithm."
        )
    value = expect_number(answer, what="the PSI (a number)")
    # A value on an edge may go to either side: both closures are right.
    accepted = [
        _psi(_shares(ref, edges, right=side), _shares(cur, edges, right=side))
        for side in (True, False)
    ]
    if any(close_to(value, a, rtol=1e-3, atol=1e-6) for a in accepted):
        size = (
            "little shift"
            if value < 0.1
            else "a moderate shift"
            if value < 0.25
            else "a large shift"
        )
        return correct(
            f"PSI of {column!r}: {value:.4g}, {size} by the usual rule of thumb (0.1 and 0.25)."
        )
    mistakes = [
        m for side in (True, False) for m in _mistakes(ref, cur, edges, right=side)
    ]
    mistake = named_mistake(value, accepted, mistakes, rtol=1e-3, atol=1e-6)
    return mistake or wrong(
        f"{value:.4g} is not the PSI of {column!r} on the reference's deciles."
    )


@exercise(
    "10.3",
    notebook=NOTEBOOK,
    title="False alarms of many tests",
    hint=(
        "With no shift, each test stays quiet with probability 0.95; if the tests are "
        "independent, all of them stay quiet with probability 0.95 ** k. A false alarm is "
        "the opposite event."
    ),
)
def _false_alarm(answer: Any, *, n_tests: int) -> Any:
    value = expect_number(answer, what="a probability")
    truth = 1 - 0.95**n_tests
    if close_to(value, truth, rtol=1e-4, atol=1e-9):
        return correct(
            f"{value:.4g}: with {n_tests} tests at 5 %, a monitor without correction raises "
            "a false alarm "
            + ("in most windows of time." if truth > 0.5 else "quite often.")
            + f" Bonferroni would test each at {0.05 / n_tests:.2g} instead."
        )
    if close_to(value, 0.05 * n_tests, rtol=1e-4, atol=1e-9):
        return wrong(
            f"{value:.4g} is 0.05 * {n_tests}: adding the chances counts twice the cases "
            "where several tests fire"
            + (" (and it exceeds 1 here)" if value > 1 else "")
            + ". Take one minus the chance that none fires."
        )
    if close_to(value, 0.95**n_tests, rtol=1e-4, atol=1e-9):
        return wrong(
            f"{value:.4g} is the chance that no test fires; a false alarm is the opposite."
        )
    if close_to(value, 0.05, rtol=1e-4, atol=1e-9):
        return wrong(
            "0.05 is the false-alarm rate of one test; the question is about all "
            f"{n_tests} of them together."
        )
    return wrong(
        f"{value:.4g} is not the chance of at least one false alarm in {n_tests} tests."
    )


@exercise(
    "10.2",
    notebook=NOTEBOOK,
    title="Precision before the labels arrive",
    hint=(
        "Among the rows the model flags (probability >= threshold), a calibrated "
        "probability p is the chance that the row is positive: the expected number of "
        "true positives is the sum of p over the flagged rows. Divide by the number of "
        "flagged rows."
    ),
)
def _expected_precision(
    answer: Any,
    *,
    scores: Any = None,
    threshold: float | None = None,
    y_true: Any = None,
    task: str,
) -> Any:
    import numpy as np

    if task != "binary":
        if answer is None:
            return correct(
                "None: estimating precision from probabilities needs a binary classifier."
            )
        return wrong(
            f"this is a {task} task: there is no flagged class whose precision to "
            "estimate; the answer is None."
        )
    p = np.asarray(scores, dtype=float)
    flagged = p >= threshold
    if not flagged.any():
        if answer is None:
            return correct("None: the model flags no row in this window.")
        return wrong(
            "the model flags no row in this window: precision is undefined; None."
        )
    value = expect_number(
        answer, what="the expected precision (a share)", low=0, high=1
    )
    truth = float(p[flagged].mean())
    same = lambda a, b: close_to(a, b, rtol=1e-6, atol=1e-9)  # noqa: E731
    if same(value, truth):
        return correct(
            f"expected precision {value:.4g} on {int(flagged.sum()):,} flagged rows, known "
            "the moment they are scored. It holds as long as the probabilities stay "
            "calibrated: under concept drift the model is confidently wrong, and only "
            "the labels show it."
        )
    mistakes = [
        (
            float(p.mean()),
            "that is the mean probability over all rows, the expected share of positives; "
            "precision looks only at the rows the model flags.",
        ),
        (
            float(flagged.mean()),
            "that is the share of rows the model flags; precision is the expected share "
            "of positives among them.",
        ),
        (
            float(p[flagged].sum() / p.sum()) if p.sum() > 0 else float("nan"),
            "that is the expected recall (flagged positives over all expected positives); "
            "precision divides by the flagged rows.",
        ),
    ]
    if y_true is not None:
        y = np.asarray(y_true, dtype=float)
        if np.isfinite(y[flagged]).all():
            mistakes.append(
                (
                    float(y[flagged].mean()),
                    "that is the realised precision, computed from the labels; in "
                    "production they arrive weeks later. Estimate it from the "
                    "probabilities alone.",
                )
            )
    mistake = named_mistake(value, truth, mistakes)
    return mistake or wrong(
        f"{value:.4g} is not the expected precision of the flagged rows."
    )

"""Checkers of the exercises in 07_offline_evaluation: a metric, calibration, the decision."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    exercise,
    expect_number,
    named_mistake,
    wrong,
)

NOTEBOOK = "07_offline_evaluation.ipynb"


def _same(a: float, b: float) -> bool:
    return close_to(a, b, rtol=1e-6, atol=1e-9)


@exercise(
    "07.1",
    notebook=NOTEBOOK,
    title="The test metric by hand",
    hint=(
        "Binary: recall = true positives / (true positives + false negatives), the share "
        "of the actual positives the model flags. Regression: the mean of |y - prediction|. "
        "Multiclass: the share of rows whose class is right."
    ),
)
def _test_metric(answer: Any, *, y_true: Any, y_pred: Any, task: str) -> Any:
    import numpy as np

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if task == "regression":
        value = expect_number(answer, what="the mean absolute error")
        error = y_true.astype(float) - y_pred.astype(float)
        truth = float(np.abs(error).mean())
        if _same(value, truth):
            return correct(
                f"MAE {value:.4g}: on average a prediction misses by {value:.4g}, in the "
                "target's own unit."
            )
        mistake = named_mistake(
            value,
            truth,
            {
                "rmse": (
                    float(np.sqrt((error**2).mean())),
                    "that is the root mean squared error, which weighs large misses more; "
                    "the MAE averages the absolute errors.",
                ),
                "mse": (
                    float((error**2).mean()),
                    "that is the mean squared error, in squared units; take absolute "
                    "values instead of squares.",
                ),
                "bias": (
                    float(error.mean()),
                    "that is the mean signed error (the bias): over- and under-predictions "
                    "cancel out. Take the absolute value of each error first.",
                ),
                "bias reversed": (
                    float(-error.mean()),
                    "that is the mean signed error (the bias): over- and under-predictions "
                    "cancel out. Take the absolute value of each error first.",
                ),
            },
        )
        return mistake or wrong(f"{value:.4g} is not the MAE of the test rows.")
    if task != "binary":
        value = expect_number(answer, what="the accuracy", low=0, high=1)
        truth = float((y_true == y_pred).mean())
        if _same(value, truth):
            return correct(f"accuracy {value:.4g} on the test rows.")
        if _same(value, 1 - truth):
            return wrong(f"{value:.4g} is the error rate; accuracy is one minus it.")
        return wrong(f"{value:.4g} is not the accuracy of the test rows.")
    value = expect_number(answer, what="the recall (a share)", low=0, high=1)
    actual, flagged = y_true == 1, y_pred == 1
    tp = int((actual & flagged).sum())
    fn, fp = int((actual & ~flagged).sum()), int((~actual & flagged).sum())
    truth = tp / (tp + fn) if tp + fn else 0.0
    if _same(value, truth):
        return correct(
            f"recall {value:.4g}: the model flags {tp:,} of the {tp + fn:,} actual positives "
            f"and misses {fn:,}."
        )
    mistake = named_mistake(
        value,
        truth,
        {
            "precision": (
                tp / (tp + fp) if tp + fp else 0.0,
                "that is the precision: you divided by the rows the model flagged "
                f"({tp + fp:,}); recall divides by the actual positives (TP + FN = {tp + fn:,}).",
            ),
            "miss rate": (
                1 - truth,
                "that is the share of actual positives the model misses (FN / (TP + FN)); "
                "recall is the share it catches.",
            ),
            "accuracy": (
                float((y_true == y_pred).mean()),
                "that is the accuracy over all rows; recall looks only at the actual positives.",
            ),
            "fpr": (
                fp / int((~actual).sum()) if (~actual).any() else 0.0,
                "that is the false positive rate (FP among the actual negatives); recall is "
                "TP among the actual positives.",
            ),
        },
    )
    return mistake or wrong(f"{value:.4g} is not the recall of the test rows.")


def _cost_at(
    y_true: Any, scores: Any, cut: float, cost_fp: float, cost_fn: float
) -> float:
    import numpy as np

    flagged = scores >= cut
    fp = np.count_nonzero(flagged & (y_true == 0))
    fn = np.count_nonzero(~flagged & (y_true == 1))
    return float((cost_fp * fp + cost_fn * fn) / len(y_true))


def _least_cost(y_true: Any, scores: Any, cost_fp: float, cost_fn: float) -> float:
    """The least cost per row over every threshold, flagging ``scores >= threshold``."""
    import numpy as np

    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], y_true[order]
    # Flagging the k highest scores, for each k where the score changes (and none).
    tp = np.concatenate([[0], np.cumsum(y == 1)])
    fp = np.concatenate([[0], np.cumsum(y == 0)])
    ends = np.concatenate([[0], np.flatnonzero(np.r_[s[1:] != s[:-1], True]) + 1])
    cost = cost_fp * fp[ends] + cost_fn * (tp[-1] - tp[ends])
    return float(cost.min() / len(y_true))


@exercise(
    "07.3",
    notebook=NOTEBOOK,
    title="The decision of least cost, on held-out rows",
    hint=(
        "Binary: for each candidate threshold t (the distinct scores), flag the rows with "
        "score >= t, price each false positive at cost_fp and each false negative at cost_fn, "
        "and keep the t of least total cost. Regression: the offset is the quantile "
        "cost_under / (cost_under + cost_over) of the residuals y - prediction."
    ),
)
def _decision(
    answer: Any,
    *,
    task: str,
    y_true: Any = None,
    scores: Any = None,
    cost_fp: float | None = None,
    cost_fn: float | None = None,
    cost_over: float | None = None,
    cost_under: float | None = None,
    cost_error: float | None = None,
) -> Any:
    import numpy as np

    if task == "multiclass":
        if answer is None:
            return correct(
                "None: every misclassification costs the same here, so the most probable "
                "class is already the decision of least cost."
            )
        return wrong(
            "every misclassification costs the same in this case: there is no threshold "
            "or offset to choose; the answer is None."
        )
    y = np.asarray(y_true).astype(float)
    s = np.asarray(scores, dtype=float)
    if task == "regression":
        value = expect_number(answer, what="the offset added to each prediction")
        residuals = y - s
        tau = cost_under / (cost_under + cost_over)
        truth = float(np.quantile(residuals, tau))
        # Any quantile method lands within a small share of the residuals' spread.
        tol = 0.02 * float(residuals.std()) + 1e-12
        if abs(value - truth) <= tol:
            return correct(
                f"offset {value:+.4g}: the {tau:.2f} quantile of the residuals. Under-"
                f"predicting costs {cost_under / cost_over:g} times as much as over-predicting, "
                "so the predictions move up until under-prediction is that much rarer."
            )
        mistakes = {
            "other side": (
                float(np.quantile(residuals, 1 - tau)),
                f"that is the {1 - tau:.2f} quantile: the costs are the other way round. "
                "The quantile is cost_under / (cost_under + cost_over).",
            ),
            "sign": (
                float(np.quantile(-residuals, tau)),
                "you took the residuals as prediction - y; the offset is added to the "
                "predictions, so the residuals are y - prediction.",
            ),
            "median": (
                float(np.median(residuals)),
                "that is the median residual, right only when both errors cost the same.",
            ),
            "mean": (
                float(residuals.mean()),
                "that is the mean residual: it removes the bias, but ignores that the two "
                "errors cost differently.",
            ),
        }
        mistake = named_mistake(
            value, truth, mistakes.values(), rtol=0, atol=tol, shown=f"{value:+.4g}"
        )
        return mistake or wrong(
            f"{value:+.4g} is not the {tau:.2f} quantile of the residuals ({truth:+.4g})."
        )
    value = expect_number(answer, what="a threshold (a probability)", low=0, high=1)
    least = _least_cost(y, s, cost_fp, cost_fn)
    mine = _cost_at(y, s, value, cost_fp, cost_fn)
    # Within half a percent of the least: a fine grid of thresholds is good enough.
    if mine <= least * 1.005 + 1e-12:
        return correct(
            f"threshold {value:.4g}: it costs {mine:.4g} per row on these rows, the least any "
            "threshold reaches."
        )
    theoretical = cost_fp / (cost_fp + cost_fn)
    swapped = _least_cost(y, s, cost_fn, cost_fp)
    if _same(value, theoretical):
        return wrong(
            f"{value:.4g} is the theoretical threshold cost_fp / (cost_fp + cost_fn): the "
            f"least cost for perfectly calibrated probabilities. On these rows it costs {mine:.4g} "
            f"per row, and another threshold costs {least:.4g}: search the cost curve."
        )
    if _same(value, 0.5):
        return wrong(
            f"0.5 is right only when both errors cost the same; here it costs {mine:.4g} per "
            f"row, against {least:.4g} at the best threshold."
        )
    if _cost_at(y, s, value, cost_fn, cost_fp) <= swapped + 1e-9 * max(swapped, 1.0):
        return wrong(
            f"{value:.4g} is the best threshold with the two costs swapped: a false positive "
            f"costs {cost_fp:g}, a false negative {cost_fn:g}."
        )
    return wrong(
        f"threshold {value:.4g} costs {mine:.4g} per row on these rows; the least cost is "
        f"{least:.4g}."
    )


def _bins(p: Any, n_bins: int, *, right: bool) -> Any:
    import numpy as np

    inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
    return np.searchsorted(inner, p, side="left" if right else "right")


def _per_bin(y: Any, p: Any, n_bins: int, *, right: bool = True):
    """Rows, observed frequency and mean probability of each non-empty bin."""
    import numpy as np

    index = _bins(p, n_bins, right=right)
    count = np.bincount(index, minlength=n_bins).astype(float)
    observed = np.bincount(index, weights=y, minlength=n_bins)
    predicted = np.bincount(index, weights=p, minlength=n_bins)
    kept = count > 0
    return count[kept], observed[kept] / count[kept], predicted[kept] / count[kept]


def _ece(y: Any, p: Any, n_bins: int, *, right: bool = True) -> float:
    import numpy as np

    count, observed, predicted = _per_bin(y, p, n_bins, right=right)
    return float(np.sum(count * np.abs(observed - predicted)) / count.sum())


@exercise(
    "07.2",
    notebook=NOTEBOOK,
    title="The expected calibration error by hand",
    hint=(
        "Cut [0, 1] into 10 bins of equal width; in each bin compare the share of actual "
        "positives with the mean predicted probability; average the absolute gaps, each "
        "weighted by its bin's share of the rows."
    ),
)
def _calibration_error(
    answer: Any, *, y_true: Any, y_prob: Any = None, task: str
) -> Any:
    import numpy as np

    if task != "binary":
        if answer is None:
            return correct(
                "None: "
                + (
                    "a regression has no probabilities to calibrate."
                    if task == "regression"
                    else "this exercise takes the probability of one class of two."
                )
            )
        return wrong(
            f"this is a {task} task: the exercise asks for the ECE of a binary model's "
            "probabilities only; the answer is None."
        )
    value = expect_number(
        answer, what="the ECE (a number between 0 and 1)", low=0, high=1
    )
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_prob, dtype=float)
    accepted = [_ece(y, p, 10, right=side) for side in (True, False)]
    same = lambda a, b: close_to(a, b, rtol=1e-4, atol=1e-9)  # noqa: E731
    if any(same(value, a) for a in accepted):
        return correct(
            f"ECE {value:.4g}: among rows given a probability, the share that is positive "
            f"differs from it by {value:.2g} on average. The number depends on the bins; "
            "the Brier score has none."
        )
    count, observed, predicted = _per_bin(y, p, 10)
    gaps = np.abs(observed - predicted)
    mistakes = [
        (
            float(gaps.mean()),
            "that is the plain mean of the bins' gaps: weigh each bin by its rows, or a "
            "bin of 5 rows counts as much as one of 5,000.",
        ),
        (
            float(gaps.max()),
            "that is the largest gap of any bin (the maximum calibration error); the ECE "
            "averages them.",
        ),
        (
            float(np.mean((p - y) ** 2)),
            "that is the Brier score, the mean squared gap row by row; the ECE compares "
            "bins.",
        ),
        (
            float(abs(np.sum(count * (observed - predicted)) / count.sum())),
            "the gaps cancel: take each bin's absolute gap before averaging.",
        ),
        (
            _ece(y, p, 15),
            "that is the ECE with 15 bins (the default of mk.calibration.reliability); "
            "the exercise asks for 10.",
        ),
    ]
    mistake = named_mistake(value, accepted, mistakes, rtol=1e-4)
    return mistake or wrong(
        f"{value:.4g} is not the ECE of the test rows on 10 equal bins."
    )

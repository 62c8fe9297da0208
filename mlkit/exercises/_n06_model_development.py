"""Checkers of the exercises in 06_model_development: baselines, choosing, learning curves."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    describe,
    exercise,
    expect_number,
    named_mistake,
    wrong,
)

NOTEBOOK = "06_model_development.ipynb"


def _zero_rule_error(
    y_fit: Any, y_eval: Any, task: str, *, constant: Any = None, median: bool = False
) -> float:
    """Error of a constant learnt from ``y_fit``, on ``y_eval``: MAE, or error rate."""
    import numpy as np
    import pandas as pd

    y_fit, y_eval = np.asarray(y_fit), np.asarray(y_eval)
    if task == "regression":
        if constant is None:
            constant = np.median(y_fit) if median else y_fit.mean()
        return float(np.abs(y_eval - constant).mean())
    if constant is None:
        constant = pd.Series(y_fit).value_counts().index[0]
    return float((y_eval != constant).mean())


@exercise(
    "06.1",
    notebook=NOTEBOOK,
    title="The zero rule's error by hand",
    hint=(
        "Learn the constant from y_train only (the most frequent class, or the mean), "
        "then measure how often (or by how much) it misses on y_valid."
    ),
)
def _zero_rule(answer: Any, *, y_train: Any, y_valid: Any, task: str) -> Any:
    import numpy as np
    import pandas as pd

    regression = task == "regression"
    what = "the mean absolute error" if regression else "the error rate"
    value = expect_number(answer, what=what)
    truth = _zero_rule_error(y_train, y_valid, task)
    if regression:
        accepted = [truth]
    else:
        # A tie between the most frequent classes: either constant is the zero rule.
        counts = pd.Series(np.asarray(y_train)).value_counts()
        accepted = [
            _zero_rule_error(y_train, y_valid, task, constant=label)
            for label in counts.index[counts == counts.iloc[0]]
        ]
    if any(close_to(value, a, rtol=1e-3, atol=1e-9) for a in accepted):
        return correct(
            f"{value:.4g}: "
            + (
                f"predicting the training mean misses by {value:.4g} on average. "
                if regression
                else f"always answering the training majority is wrong on {value:.1%} of the validation rows. "
            )
            + "A model whose error is not clearly below this has learnt nothing usable."
        )
    y_fit, y_eval = np.asarray(y_train), np.asarray(y_valid)
    if regression:
        mistakes = {
            "rmse": float(np.sqrt(((y_eval - y_fit.mean()) ** 2).mean())),
            "median": _zero_rule_error(y_fit, y_eval, task, median=True),
            "valid mean": _zero_rule_error(y_eval, y_eval, task),
            "training rows": _zero_rule_error(y_fit, y_fit, task),
        }
        messages = {
            "rmse": "that is the root mean squared error; the exercise asks for the "
            "mean absolute error: average |y_valid - constant|.",
            "median": "that is the error of the training median; the zero rule of a "
            "regression predicts the training mean.",
            "valid mean": "you took the mean of y_valid: the constant must be learnt from "
            "the training rows, as a model would be, or the baseline peeks at the answers.",
            "training rows": "that is the error on the training rows; baselines are "
            "scored on the same validation rows as the models.",
        }
    else:
        mistakes = {
            "accuracy": 1 - truth,
            "training rows": _zero_rule_error(y_fit, y_fit, task),
            "valid majority": _zero_rule_error(y_eval, y_eval, task),
        }
        messages = {
            "accuracy": f"{value:.4g} is the zero rule's accuracy; the error rate is one "
            "minus it.",
            "training rows": "that is the error on the training rows; baselines are "
            "scored on the same validation rows as the models.",
            "valid majority": "you took the most frequent class of y_valid: the constant "
            "must be learnt from the training rows, as a model would be.",
        }
    mistake = named_mistake(
        value,
        accepted,
        [(mistakes[key], messages[key]) for key in mistakes],
        rtol=1e-3,
        atol=1e-9,
    )
    return mistake or wrong(
        f"{value:.4g} is not the zero rule's {what} on the validation rows."
    )


@exercise(
    "06.2",
    notebook=NOTEBOOK,
    title="Pick the best model, in the metric's direction",
    hint=(
        "Keep only the fitted models' rows of `scores`, then take the smallest value of a "
        "cost or an error and the largest of a score: mk.evaluation.higher_is_better says which."
    ),
)
def _best_model(answer: Any, *, scores: Any, metric: str, models: Any) -> Any:
    from mlkit.evaluation import higher_is_better

    names = [str(m) for m in models]
    if not isinstance(answer, str):
        return wrong(
            f"expected the name of a model (a string such as {names[0]!r}), got "
            f"{describe(answer)}."
        )
    values = scores[metric].astype(float)
    higher = higher_is_better(metric)
    of_models = values.loc[names]
    target = of_models.max() if higher else of_models.min()
    best = [n for n in names if close_to(of_models[n], target, rtol=1e-12, atol=0)]
    if answer in best:
        return correct(
            f"{answer} has the best {metric} among the models: {target:.4g} "
            f"({'higher' if higher else 'lower'} is better)."
        )
    if answer not in values.index:
        return wrong(
            f"{answer!r} is not a row of `scores`; the models are {', '.join(names)}."
        )
    value = float(values[answer])
    if answer not in names:
        return wrong(
            f"{answer} is a baseline ({metric} {value:.4g}), not a model: a baseline is "
            "the bar a model must clear, not a candidate to ship."
        )
    worst = of_models.min() if higher else of_models.max()
    if close_to(value, worst, rtol=1e-12, atol=0):
        return wrong(
            f"{answer} has the worst {metric} of the models ({value:.4g}): "
            + (
                "for a score, higher is better."
                if higher
                else "for a cost or an error, lower is better."
            )
        )
    return wrong(
        f"{answer} scores {value:.4g}; another model does better on {metric} "
        f"({'higher' if higher else 'lower'} is better)."
    )


@exercise(
    "06.3",
    notebook=NOTEBOOK,
    title="The learning curve's gap",
    hint=(
        "Take the last row of the curve's table (all training rows) and subtract the "
        "validation score from the training score; flip the sign when lower is better, "
        "so that a positive gap always means the model does better on rows it has seen."
    ),
)
def _gap(answer: Any, *, table: Any, higher_is_better: bool) -> Any:
    value = expect_number(answer, what="the gap (a number)")
    sign = 1.0 if higher_is_better else -1.0
    first, last = table.iloc[0], table.iloc[-1]
    raw = float(last["train_score"] - last["validation_score"])
    truth = sign * raw
    scale = max(abs(float(last["validation_score"])), 1e-12)
    tol = dict(rtol=1e-3, atol=1e-9 * scale)
    if close_to(value, truth, **tol):
        return correct(
            f"{value:.4g}: "
            + (
                "the model does better on the rows it saw than on new ones; a wide gap is "
                "variance (memorising), which more data or regularisation narrows."
                if truth > 0
                else "the model does no better on the rows it saw than on new ones: no sign "
                "of variance; if both scores are poor, that is bias."
            )
        )
    if truth != 0 and close_to(value, -truth, **tol):
        return wrong(
            f"{value:.4g} has the wrong sign: "
            + (
                "for a metric where lower is better, training minus validation is "
                "negative when the model overfits; flip it."
                if not higher_is_better
                else "the gap is training score minus validation score."
            )
        )
    early = sign * float(first["train_score"] - first["validation_score"])
    if not close_to(early, truth, **tol) and close_to(value, early, **tol):
        return wrong(
            f"{value:.4g} is the gap at the smallest size ({int(first['rows']):,} rows); "
            "the question is about the model fitted on all training rows: the last row."
        )
    if close_to(value, abs(raw), **tol) and truth < 0:
        return wrong(
            f"{value:.4g} is the size of the gap, but here the validation score is the "
            "better one: keep the sign."
        )
    return wrong(f"{value:.4g} is not the gap at the largest training size.")

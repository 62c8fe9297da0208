"""Exercises of 01_scoping: the decision rule and the cost to beat, from the costs."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import close_to, correct, exercise, expect_number, wrong

NOTEBOOK = "01_scoping.ipynb"


@exercise(
    "01.1",
    notebook=NOTEBOOK,
    title="The decision rule from the costs",
    hint="binary: act when P(positive) > C_fp / (C_fp + C_fn); regression: predict the "
    "C_under / (C_under + C_over) quantile; multiclass: no number, None.",
)
def rule_number(answer: Any, *, spec: Any) -> Any:
    costs = spec.costs
    if spec.task == "multiclass":
        if answer is None:
            return correct(
                "Every misclassification costs the same here: the rule is the most "
                "probable class, with no number to set."
            )
        return wrong(
            "With one cost for every misclassification there is no threshold to "
            "set: the rule is the most probable class. Answer None.",
        )
    if spec.task == "binary":
        a, b = costs.false_positive, costs.false_negative
        names = ("C_fp", "C_fn")
        what = "the probability threshold"
    else:
        a, b = costs.over_prediction, costs.under_prediction
        names = ("C_over", "C_under")
        what = "the quantile to predict"
    # binary: threshold a / (a + b); regression: quantile b / (a + b)
    expected = a / (a + b) if spec.task == "binary" else b / (a + b)
    value = expect_number(answer, what=what)
    if close_to(value, expected):
        return correct(
            f"{what.capitalize()} is {expected:.3f}: it moves with the costs, and "
            "0.5 would be right only if both errors cost the same."
        )
    flipped = 1 - expected
    if close_to(value, flipped) and not close_to(flipped, expected):
        top = names[0] if spec.task == "binary" else names[1]
        return wrong(
            f"{value:.3f} is one minus the answer: the two costs are swapped.",
            hint=f"put {top} on top: {top} / ({names[0]} + {names[1]}).",
        )
    if close_to(value, a / b) or close_to(value, b / a):
        return wrong(
            f"{value:.3f} is a ratio of the two costs; the rule divides one cost by "
            "their sum.",
            hint=f"divide by {names[0]} + {names[1]}.",
        )
    if close_to(value, 0.5):
        return wrong(
            "0.5 is the rule when both errors cost the same; here they do not "
            f"({names[0]} = {a:g}, {names[1]} = {b:g}).",
        )
    return wrong(f"{value:.4g} is not {what} that the costs give.")


def _policy_costs(y: Any, spec: Any) -> dict[str, float]:
    """The expected cost per prediction of the constant policies the checker knows."""
    costs = spec.costs
    if spec.task == "binary":
        rate = float((y == spec.positive_label).mean())
        return {
            "always positive": (1 - rate) * costs.false_positive,
            "never positive": rate * costs.false_negative,
            "rate": rate,
            "one minus rate": 1 - rate,
        }
    if spec.task == "multiclass":
        top = float(y.value_counts(normalize=True).iloc[0])
        return {
            "best": (1 - top) * costs.misclassification,
            "error rate": 1 - top,
        }
    y = y.astype(float)

    def cost(v: float, under: float, over: float) -> float:
        return float(
            (under * (y - v).clip(lower=0) + over * (v - y).clip(lower=0)).mean()
        )

    tau = costs.target_quantile()
    under, over = costs.under_prediction, costs.over_prediction
    return {
        "quantile": cost(float(y.quantile(tau)), under, over),
        "median": cost(float(y.median()), under, over),
        "mean": cost(float(y.mean()), under, over),
        "swapped": cost(float(y.quantile(1 - tau)), under, over),
        "mae": float((y - y.quantile(tau)).abs().mean()),
    }


@exercise(
    "01.2",
    notebook=NOTEBOOK,
    title="The cost to beat: the best policy without a model",
    hint="binary: compare (1 - rate) x C_fp (always act) with rate x C_fn (never act); "
    "regression: the cost of predicting the cost-based quantile for every row.",
)
def best_constant_cost(answer: Any, *, y: Any, spec: Any) -> Any:
    found = _policy_costs(y, spec)
    value = expect_number(answer, what="a cost per prediction")
    if spec.task == "binary":
        expected = min(found["always positive"], found["never positive"])
        best = min(("always positive", "never positive"), key=found.get)
        other = "never positive" if best == "always positive" else "always positive"
        if close_to(value, expected):
            return correct(
                f"{expected:.4g} {spec.costs.unit} per prediction ({best}): every "
                "model of the later stages must cost less than that to be worth it."
            )
        if close_to(value, found[other]):
            return wrong(
                f"{value:.4g} is the cost of the other policy ({other}); the bar is "
                "the cheaper of the two.",
                hint="take the min of the two expected costs.",
            )
        if close_to(value, spec.costs.false_positive) or close_to(
            value, spec.costs.false_negative
        ):
            return wrong(
                f"{value:g} is the cost of one error; weigh it by how often that "
                "error happens under the policy.",
                hint="always acting errs on every negative row: (1 - rate) x C_fp.",
            )
        if close_to(value, found["rate"]) or close_to(value, found["one minus rate"]):
            return wrong(
                f"{value:.4g} is an error rate, not a cost: multiply by what each "
                "error costs.",
            )
        return wrong(f"{value:.4g} is not the cost of the cheaper constant policy.")
    if spec.task == "multiclass":
        expected = found["best"]
        if close_to(value, expected):
            return correct(
                f"{expected:.4g} {spec.costs.unit} per prediction: always predicting "
                "the most common class. Every model must cost less."
            )
        if close_to(value, found["error rate"]):
            return wrong(
                f"{value:.4g} is the error rate; multiply it by the cost of a "
                "misclassification.",
            )
        return wrong(f"{value:.4g} is not the cost of the best constant policy.")
    expected = found["quantile"]
    if close_to(value, expected, rtol=1e-2):
        return correct(
            f"{expected:.4g} {spec.costs.unit} per prediction, predicting the "
            f"{spec.costs.target_quantile():.0%} quantile: no constant costs less "
            "(the quantile minimises this loss), so every model must beat it."
        )
    for key, what in (
        ("median", "the median"),
        ("mean", "the mean"),
        ("swapped", "the quantile with the two costs swapped"),
    ):
        if close_to(value, found[key], rtol=1e-2):
            return wrong(
                f"{value:.4g} is the cost of predicting {what}; with unequal costs "
                "a cheaper constant exists.",
                hint="predict y.quantile(spec.costs.target_quantile()).",
            )
    if close_to(value, found["mae"], rtol=1e-2):
        return wrong(
            f"{value:.4g} is the mean absolute error of the quantile: each unit "
            "under costs C_under and each unit over costs C_over.",
        )
    return wrong(f"{value:.4g} is not the cost of the best constant prediction.")

"""Checkers of the exercises in 08_fairness_and_responsible_ml: error rates across groups."""

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

NOTEBOOK = "08_fairness_and_responsible_ml.ipynb"


def _frame(y_true: Any, y_pred: Any, groups: Any):
    """One row per test row: truth, decision (or prediction) and group; missing groups out."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "y": np.asarray(y_true, dtype=float),
            "pred": np.asarray(y_pred, dtype=float),
            "group": np.asarray(groups, dtype=object),
        }
    )
    return frame[frame["group"].notna()]


def _rates(frame: Any, task: str):
    """Per group: the rates a fairness criterion compares (binary) or the errors (numbers)."""
    import numpy as np
    import pandas as pd

    if task == "binary":
        positive, flagged = frame["y"] == 1, frame["pred"] == 1
        counts = (
            frame.assign(
                n=1,
                pos=positive,
                neg=~positive,
                flag=flagged,
                tp=positive & flagged,
                fp=~positive & flagged,
            )
            .groupby("group", sort=True)[["n", "pos", "neg", "flag", "tp", "fp"]]
            .sum()
        )
        counts = counts.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.DataFrame(
                {
                    "selection_rate": counts["flag"] / counts["n"],
                    "base_rate": counts["pos"] / counts["n"],
                    "tpr": (counts["tp"] / counts["pos"]).where(counts["pos"] > 0),
                    "fpr": (counts["fp"] / counts["neg"]).where(counts["neg"] > 0),
                    "precision": (counts["tp"] / counts["flag"]).where(
                        counts["flag"] > 0
                    ),
                }
            )
    error = frame["pred"] - frame["y"]
    return (
        frame.assign(abs_error=error.abs(), error=error, sq=error**2)
        .groupby("group", sort=True)[["abs_error", "error", "sq", "pred"]]
        .mean()
    )


def _spread(values: Any) -> float:
    values = values.dropna()
    return float(values.max() - values.min())


def _no_groups(answer: Any) -> Any:
    if answer is None:
        return correct("None: this case has no groups to compare in its test rows.")
    return wrong(
        "this case has no sensitive attribute and no categorical stand-in with 2 to 20 "
        "groups: there is nothing to compare; the answer is None."
    )


@exercise(
    "08.1",
    notebook=NOTEBOOK,
    title="The largest gap between groups",
    hint=(
        "Group the test rows by the audited column; binary: the selection rate of each group "
        "is the share of its rows the model flags (decision 1); regression: the mean absolute "
        "error of each group. The gap is the largest value minus the smallest."
    ),
)
def _gap(
    answer: Any, *, y_true: Any, y_pred: Any, groups: Any = None, task: str
) -> Any:
    if groups is None:
        return _no_groups(answer)
    frame = _frame(y_true, y_pred, groups)
    rates = _rates(frame, task)
    binary = task == "binary"
    what = "the gap in selection rate" if binary else "the gap in mean absolute error"
    value = expect_number(answer, what=what)
    column = "selection_rate" if binary else "abs_error"
    truth = _spread(rates[column])
    same = lambda a, b: close_to(a, b, rtol=1e-6, atol=1e-9)  # noqa: E731
    if same(value, truth):
        low, high = rates[column].idxmin(), rates[column].idxmax()
        return correct(
            f"{value:.4g}, between {high} and {low}: "
            + (
                "this is the demographic parity difference. Whether it matters depends on "
                "whether the groups' base rates differ too: demographic parity ignores who "
                "qualifies."
                if binary
                else "the model's errors are not shared evenly; check whether the group "
                "with the larger error is also the smaller one in the training rows."
            )
        )
    if binary:
        mistakes = {
            "ratio": (
                float(rates[column].min() / rates[column].max())
                if rates[column].max() > 0
                else float("nan"),
                "that is the ratio of the smallest selection rate to the largest (the "
                "disparate-impact ratio); the exercise asks for the difference.",
            ),
            "base": (
                _spread(rates["base_rate"]),
                "that is the gap in base rates, computed from the true labels; the selection "
                "rate is about the model's decisions.",
            ),
            "tpr": (
                _spread(rates["tpr"]),
                "that is the gap in true positive rates (equal opportunity); the selection "
                "rate counts every flagged row over all rows of the group.",
            ),
            "overall": (
                float((frame["pred"] == 1).mean()),
                "that is the selection rate over all rows; compute it group by group and "
                "take the largest minus the smallest.",
            ),
        }
    else:
        mistakes = {
            "bias": (
                _spread(rates["error"]),
                "that is the gap in mean signed error (bias): take absolute errors.",
            ),
            "rmse": (
                _spread(rates["sq"] ** 0.5),
                "that is the gap in root mean squared error; the exercise asks for the mean "
                "absolute error.",
            ),
            "prediction": (
                _spread(rates["pred"]),
                "that is the gap in mean prediction; the errors are prediction minus truth.",
            ),
        }
    mistake = named_mistake(value, truth, mistakes.values())
    return mistake or wrong(
        f"{value:.4g} is not {what} between the groups ({len(rates)} groups)."
    )


@exercise(
    "08.2",
    notebook=NOTEBOOK,
    title="The group the model fails most",
    hint=(
        "Binary: among the groups that have actual positives, the one with the lowest "
        "true positive rate (the share of its actual positives the model flags). "
        "Regression: the group with the largest mean absolute error."
    ),
)
def _worst_group(
    answer: Any, *, y_true: Any, y_pred: Any, groups: Any = None, task: str
) -> Any:
    if groups is None:
        return _no_groups(answer)
    frame = _frame(y_true, y_pred, groups)
    rates = _rates(frame, task)
    names = {str(g): g for g in rates.index}
    if isinstance(answer, (list, tuple, dict, set)) or answer is None:
        return wrong(
            f"expected one group's label (one of {', '.join(names)}), got {describe(answer)}."
        )
    key = str(answer)
    if key not in names:
        return wrong(
            f"{answer!r} is not a group here; the groups are {', '.join(names)}."
        )
    binary = task == "binary"
    column = "tpr" if binary else "abs_error"
    values = rates[column].dropna()
    target = values.min() if binary else values.max()
    worst = [str(g) for g, v in values.items() if v == target]
    mine = rates.loc[names[key]]
    if key in worst:
        return correct(
            f"{answer}: "
            + (
                f"the model flags only {target:.1%} of this group's actual positives. Under "
                "equal opportunity, that is the group whose qualified members lose most."
                if binary
                else f"its predictions miss by {target:.4g} on average, the most of any group."
            )
        )
    if binary:
        if pd_isna(mine["tpr"]):
            return wrong(
                f"{answer} has no actual positives in the test rows: its true positive rate "
                "is undefined; choose among the groups that have some."
            )
        if mine["selection_rate"] == rates["selection_rate"].min():
            return wrong(
                f"{answer} has the lowest selection rate ({mine['selection_rate']:.1%}), "
                "which mixes in how many of its members qualify; the true positive rate "
                "looks only at its actual positives."
            )
        if mine["tpr"] == values.max():
            return wrong(
                f"{answer} has the highest true positive rate ({mine['tpr']:.1%}): the "
                "model serves it best, not worst."
            )
        return wrong(
            f"{answer}'s true positive rate is {mine['tpr']:.1%}; another group's is lower."
        )
    if mine["abs_error"] == values.min():
        return wrong(
            f"{answer} has the smallest mean absolute error ({mine['abs_error']:.4g}): the "
            "model serves it best, not worst."
        )
    if mine["error"] == rates["error"].max() or mine["error"] == rates["error"].min():
        return wrong(
            f"{answer} has the largest mean signed error (bias); the exercise asks for the "
            "largest mean absolute error."
        )
    return wrong(
        f"{answer}'s mean absolute error is {mine['abs_error']:.4g}; another group's is larger."
    )


def pd_isna(value: Any) -> bool:
    import math

    return value is None or (isinstance(value, float) and math.isnan(value))


@exercise(
    "08.3",
    notebook=NOTEBOOK,
    title="The equalized odds difference by hand",
    hint=(
        "Per group, the true positive rate (flagged among actual positives) and the false "
        "positive rate (flagged among actual negatives). Take each rate's largest minus "
        "smallest across groups; the equalized odds difference is the larger of the two."
    ),
)
def _equalized_odds(
    answer: Any, *, y_true: Any, y_pred: Any, groups: Any = None, task: str
) -> Any:
    if task != "binary":
        if answer is None:
            return correct(
                "None: true and false positive rates need a yes/no decision; a regression's "
                "errors compare by group as in 08.1."
            )
        return wrong(
            f"this is a {task} task: there are no true or false positives to compare; "
            "the answer is None."
        )
    if groups is None:
        return _no_groups(answer)
    rates = _rates(_frame(y_true, y_pred, groups), task)
    value = expect_number(answer, what="the equalized odds difference")
    tpr, fpr = _spread(rates["tpr"]), _spread(rates["fpr"])
    truth = max(tpr, fpr)
    same = lambda a, b: close_to(a, b, rtol=1e-6, atol=1e-9)  # noqa: E731
    if same(value, truth):
        which = "true positive" if tpr >= fpr else "false positive"
        return correct(
            f"{value:.4g}: the larger gap is in the {which} rates (TPR gap {tpr:.3g}, FPR "
            f"gap {fpr:.3g}). Equalized odds asks both errors to fall alike on every group."
        )
    mistakes = [
        (
            min(tpr, fpr),
            "that is the smaller of the two gaps; equalized odds holds only when both "
            "are small, so the difference is the larger one.",
        ),
        (
            tpr + fpr,
            "that adds the two gaps; the equalized odds difference is the larger of them.",
        ),
        (
            (tpr + fpr) / 2,
            "that averages the two gaps; the equalized odds difference is the larger of them.",
        ),
        (
            _spread(rates["selection_rate"]),
            "that is the gap in selection rates (demographic parity); compare the rates "
            "among the actual positives and among the actual negatives.",
        ),
    ]
    mistake = named_mistake(value, truth, mistakes)
    return mistake or wrong(
        f"{value:.4g} is not the equalized odds difference between the groups."
    )

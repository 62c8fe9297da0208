"""Exercises of 03_training_data: a leak counted by hand, and what weighted rows are worth."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    exercise,
    expect_int,
    expect_number,
    wrong,
)

NOTEBOOK = "03_training_data.ipynb"


def _seen(train: Any, test: Any) -> Any:
    """For each test row, whether a training row has the same values in every column."""
    import pandas as pd

    known = set(pd.util.hash_pandas_object(train, index=False))
    return pd.util.hash_pandas_object(test, index=False).isin(known)


@exercise(
    "03.1",
    notebook=NOTEBOOK,
    title="Test rows the leaky model saw in training",
    hint="merge the test rows with the de-duplicated training rows on every column "
    "(how='inner'), and count the rows that matched.",
)
def leaked_rows(
    answer: Any, *, train: Any, test: Any, right_train: Any, right_test: Any
) -> Any:
    seen = _seen(train, test)
    expected = int(seen.sum())
    value = expect_int(answer, what="a number of test rows")
    if value == expected:
        return correct(
            f"{expected:,} of the leaky split's {len(test):,} test rows "
            f"({expected / len(test):.1%}) are copies of training rows: the model is "
            "tested on answers it has memorised."
            if expected
            else "No test row of the leaky split copies a training row: here the leak "
            "is elsewhere (time or entities), which the report below checks."
        )
    pairs = len(test.merge(train, how="inner"))
    if value == pairs and pairs != expected:
        return wrong(
            f"{value:,} counts pairs: a test row that matches three training copies "
            "counts three times.",
            hint="drop duplicates of the training rows before the merge.",
        )
    right = int(_seen(right_train, right_test).sum())
    if value == right and right != expected:
        return wrong(
            f"{value:,} is the count for the right split (parts); the question is "
            "about the leaky one (leaky_parts).",
        )
    within = int(test.duplicated().sum())
    if value == within and within != expected:
        return wrong(
            f"{value:,} counts repeats within the test part; the leak is a test row "
            "that also sits in training.",
        )
    return wrong(
        f"{value:,} is not the number of leaky test rows equal to a training row "
        f"(on {test.shape[1]} columns)."
    )


@exercise(
    "03.2",
    notebook=NOTEBOOK,
    title="How many rows the weighted training data are worth",
    hint="Kish's effective sample size: (sum of the weights)^2 / (sum of the squared "
    "weights), with shift.weights. None when shift is None.",
)
def effective_size(answer: Any, *, shift: Any) -> Any:
    if shift is None:
        if answer is None:
            return correct("No weights for this case, so nothing to count: None.")
        return wrong("This case has no weights (shift is None): answer None.")
    w = shift.weights.astype(float)
    expected = float(w.sum() ** 2 / (w**2).sum())
    value = expect_number(answer, what="a number of rows")
    if close_to(value, expected):
        return correct(
            f"The {len(w):,} weighted rows are worth {expected:,.0f} unweighted ones "
            f"({expected / len(w):.0%}): the more uneven the weights, the fewer."
        )
    if close_to(value, float(w.sum())):
        return wrong(
            f"{value:,.4g} is the sum of the weights; uneven weights are worth less "
            "than their sum.",
            hint="square the sum, then divide by the sum of the squares.",
        )
    if close_to(value, float(len(w))):
        return wrong(
            f"{value:,.0f} is the number of rows, as if all weights were equal.",
        )
    if close_to(value, 1 / expected * len(w) ** 2) or close_to(value, 1 / expected):
        return wrong(
            f"{value:,.4g} is the formula upside down.",
            hint="(sum w)^2 on top, sum(w^2) below.",
        )
    return wrong(f"{value:,.4g} is not the effective sample size of the weights.")

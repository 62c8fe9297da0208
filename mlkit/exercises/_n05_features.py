"""Exercises of 05_features: what a log does to a tail, and values training never saw."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    exercise,
    expect_number,
    label,
    wrong,
)

NOTEBOOK = "05_features.ipynb"


@exercise(
    "05.1",
    notebook=NOTEBOOK,
    title="The skewness after a log transform",
    hint="np.log1p(df[column]).skew() for the most skewed column of `shape`; None "
    "when no column is skewed.",
)
def skew_after_log(answer: Any, *, df: Any, skewed: Any, shape: Any) -> Any:
    import numpy as np

    if not skewed:
        if answer is None:
            return correct("No numeric column is skewed enough to need a log: None.")
        return wrong("No column of this case is skewed (skewed is empty): answer None.")
    column = shape.set_index("column").loc[list(skewed), "skewness"].idxmax()
    values = df[column].dropna().astype(float)
    before = float(values.skew())
    expected = float(np.log1p(values).skew())
    value = expect_number(
        answer, what="a skewness", hint="log1p(0) is 0; log(0) is -inf."
    )
    if close_to(value, expected, rtol=1e-2, atol=1e-3):
        return correct(
            f"{label(column)}: skewness {before:.2f} before, {expected:.2f} after "
            "log1p. The long right tail is pulled in, so a few huge values no longer "
            "dominate a linear model's weight."
        )
    if close_to(value, before, rtol=1e-2):
        return wrong(
            f"{value:.3g} is the skewness before the transform.",
            hint=f"apply np.log1p to {label(column)} first.",
        )
    from scipy.stats import skew

    if close_to(value, float(skew(np.log1p(values))), rtol=1e-2):
        return correct(
            f"{value:.3g}, the biased estimate of scipy (pandas gives {expected:.3g}): "
            f"{label(column)} went from {before:.2f} to about that after log1p."
        )
    others = [c for c in skewed if c != column]
    for other in others:
        if close_to(value, float(np.log1p(df[other].dropna()).skew()), rtol=1e-2):
            return wrong(
                f"{value:.3g} is for {label(other)}; the question is about the most "
                f"skewed column, {label(column)}.",
            )
    return wrong(f"{value:.3g} is not the skewness of log1p({column}).")


@exercise(
    "05.2",
    notebook=NOTEBOOK,
    title="Test rows with a category that training never saw",
    hint="test values that are present (notna) and not among the training values "
    "(isin), as a share of all test rows. None when probe_column is None.",
)
def unseen_share(answer: Any, *, train: Any, test: Any, column: Any) -> Any:
    if column is None:
        if answer is None:
            return correct("No category column among the inputs: None.")
        return wrong(
            "No category column among the inputs (probe_column is None): None."
        )
    known = train[column].dropna().unique()
    new = test[column]
    unseen = new.notna() & ~new.isin(known)
    expected = float(unseen.mean())
    value = expect_number(answer, what="a share between 0 and 1")
    if close_to(value, expected, atol=1e-9):
        return correct(
            f"{expected:.2%} of the test rows have a {label(column)} that training "
            "never saw: for those the model knows nothing about this feature."
        )
    with_missing = float((~new.isin(known)).mean())
    if close_to(value, with_missing, atol=1e-9):
        return wrong(
            f"{value:.4g} counts missing values as unseen; a missing value is its "
            "own question (the encoding handles it).",
            hint="keep only new.notna() rows among the unseen.",
        )
    values = new.dropna().unique()
    if len(values) and close_to(
        value, float((~new.dropna().drop_duplicates().isin(known)).mean()), atol=1e-9
    ):
        return wrong(
            f"{value:.4g} is the share of distinct test values that are new; a new "
            "value met by many rows matters more than one met once.",
            hint="count rows, not distinct values.",
        )
    if close_to(value, float(unseen.sum())):
        return wrong(f"{value:g} is a count of rows; give their share.")
    return wrong(f"{value:.4g} is not the share of test rows with an unseen value.")

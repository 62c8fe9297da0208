"""Exercises of 00_start_here: a first look at a case's target and its gaps."""

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

NOTEBOOK = "00_start_here.ipynb"


@exercise(
    "00.1",
    notebook=NOTEBOOK,
    title="The share of the most common target value",
    hint="df[c.spec.target].value_counts(normalize=True) gives each value's share, "
    "largest first.",
)
def most_common_share(answer: Any, *, y: Any) -> Any:
    counts = y.value_counts(dropna=True)
    shares = counts / counts.sum()
    expected = float(shares.iloc[0])
    mode = shares.index[0]
    if (
        isinstance(answer, (str, int, float))
        and not isinstance(answer, bool)
        and str(answer) == str(mode)
        and not (isinstance(answer, float) and close_to(answer, expected))
    ):
        return wrong(
            f"{answer!r} is the most common value itself; the question asks for the "
            "share of rows that hold it.",
            hint="divide its count by the number of rows: normalize=True does it.",
        )
    value = expect_number(answer, what="a share between 0 and 1")
    if close_to(value, expected):
        return correct(
            f"{expected:.1%} of the rows hold {label(shares.index[0])}: a model that always "
            "predicts it is right that often, the bar any real model must clear."
        )
    if close_to(value, float(counts.iloc[0])):
        return wrong(
            f"{value:,.0f} is the number of rows with {label(shares.index[0])}, not their share.",
            hint="divide by the number of rows (value_counts(normalize=True)).",
        )
    if close_to(value, 100 * expected):
        return wrong(
            f"{value:g} is a percentage; give the share as a number between 0 and 1.",
            hint="divide by 100.",
        )
    if len(shares) > 1 and close_to(value, float(shares.iloc[-1])):
        return wrong(
            f"{value:.4g} is the share of the least common value, {label(shares.index[-1])}.",
            hint="value_counts sorts the largest first: take the first share.",
        )
    return wrong(f"{value:.4g} is not the share of the most common value.")


@exercise(
    "00.2",
    notebook=NOTEBOOK,
    title="The share of rows with a missing value",
    hint="df.isna() marks each missing cell; .any(axis=1) asks it of each row.",
)
def missing_rows_share(answer: Any, *, df: Any) -> Any:
    missing = df.isna()
    rows = missing.any(axis=1)
    expected = float(rows.mean())
    value = expect_number(answer, what="a share between 0 and 1")
    if close_to(value, expected):
        return correct(
            f"{expected:.1%} of the rows ({int(rows.sum()):,}) miss at least one value: "
            + (
                "dropping them would cost that much data; the features notebook asks "
                "why they are missing first."
                if expected > 0
                else "this case has no gap."
            )
        )
    if close_to(value, float(rows.sum())):
        return wrong(
            f"{value:,.0f} is the number of rows with a missing value, not their share.",
            hint="take the mean of the row flags instead of their sum.",
        )
    if close_to(value, 100 * expected):
        return wrong(
            f"{value:g} is a percentage; give the share as a number between 0 and 1.",
            hint="divide by 100.",
        )
    if close_to(value, float(missing.to_numpy().mean())):
        return wrong(
            f"{value:.4g} is the share of missing cells; a row with two gaps counts "
            "once in the question, and a row counts whatever its number of columns.",
            hint="reduce each row first with .any(axis=1), then take the mean.",
        )
    if close_to(value, float(missing.any(axis=0).mean())):
        return wrong(
            f"{value:.4g} is the share of columns with a missing value, not of rows.",
            hint="use .any(axis=1) (across the columns of each row).",
        )
    if close_to(value, float(missing.to_numpy().sum())):
        return wrong(
            f"{value:,.0f} counts missing cells, not rows, and is not a share.",
            hint="df.isna().any(axis=1).mean()",
        )
    return wrong(f"{value:.4g} is not the share of rows with a missing value.")

"""Exercises of 02_data: storage formats, and what reading one column costs."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import (
    close_to,
    correct,
    exercise,
    expect_choice,
    expect_number,
    label,
    wrong,
)

NOTEBOOK = "02_data.ipynb"


@exercise(
    "02.1",
    notebook=NOTEBOOK,
    title="The smallest format on disk",
    hint='formats.loc[formats["size (MB)"].idxmin(), "format"]',
)
def smallest_format(answer: Any, *, formats: Any) -> Any:
    table = formats.set_index("format")
    size = table["size (MB)"]
    choice = expect_choice(answer, list(table.index), what="a format's name")
    best = size.idxmin()
    if choice == best:
        return correct(
            f"{best}: {size[best]:.3g} MB against {size['CSV']:.3g} MB for plain CSV. "
            "Binary and compressed formats trade the ease of reading a file by eye "
            "for space and speed."
        )
    if choice == size.idxmax():
        return wrong(
            f"{choice} is the largest ({size[choice]:.3g} MB), not the smallest."
        )
    for column in table.columns:
        if column.startswith("read") and table[column].idxmin() == choice:
            return wrong(
                f"{choice} is the fastest for '{column}', but the question is about "
                f"size: it takes {size[choice]:.3g} MB.",
                hint="look at the 'size (MB)' column.",
            )
    return wrong(f"{choice} takes {size[choice]:.3g} MB; another format takes less.")


@exercise(
    "02.2",
    notebook=NOTEBOOK,
    title="The share of the bytes that one column holds",
    hint="df.memory_usage(deep=True, index=False) gives each column's bytes; deep=True "
    "counts the characters of strings too.",
)
def column_share(answer: Any, *, df: Any, column: str) -> Any:
    deep = df.memory_usage(deep=True, index=False)
    expected = float(deep[column] / deep.sum())
    with_index = float(deep[column] / df.memory_usage(deep=True, index=True).sum())
    value = expect_number(answer, what="a share between 0 and 1")
    if close_to(value, expected) or close_to(value, with_index):
        return correct(
            f"{label(column)} holds {expected:.1%} of the bytes: a column-major format "
            "reads about that share to load it, a row-major one reads everything."
        )
    shallow = df.memory_usage(deep=False, index=False)
    if close_to(value, float(shallow[column] / shallow.sum())):
        return wrong(
            f"{value:.4g} counts each string as a pointer of 8 bytes, not its "
            "characters.",
            hint="pass deep=True to memory_usage.",
        )
    if close_to(value, 1 / df.shape[1]):
        return wrong(
            f"{value:.4g} is one over the number of columns: columns do not all take "
            "the same room (a text column takes far more than a flag).",
        )
    if close_to(value, 100 * expected):
        return wrong(f"{value:g} is a percentage; give a share between 0 and 1.")
    return wrong(f"{value:.4g} is not the share of the bytes held by {label(column)}.")

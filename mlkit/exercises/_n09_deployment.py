"""Checkers of the exercises in 09_deployment: tail latency, the variant that ships, skew."""

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

NOTEBOOK = "09_deployment.ipynb"


@exercise(
    "09.1",
    notebook=NOTEBOOK,
    title="The 99th percentile of latency by hand",
    hint=(
        "Sort the milliseconds of the single-row requests: the 99th percentile is the value "
        "below which 99 % of them fall (np.percentile(latencies, 99)). Not the mean, not the "
        "slowest request."
    ),
)
def _p99(answer: Any, *, latencies: Any) -> Any:
    import numpy as np

    times = np.sort(np.asarray(latencies, dtype=float))
    value = expect_number(answer, what="milliseconds (a number)")
    if value < 0:
        return wrong(f"{value:g} ms: a duration is at least 0.")
    n = len(times)
    # Any usual definition of the percentile lies between the order statistics around it.
    position = 0.99 * (n - 1)
    low, high = times[int(np.floor(position))], times[int(np.ceil(position))]
    p99 = float(np.percentile(times, 99))
    if low - 1e-12 <= value <= high + 1e-12:
        mean = float(times.mean())
        return correct(
            f"p99 {value:.3g} ms: one request in a hundred waits longer. The mean, "
            f"{mean:.3g} ms, is {p99 / mean:.1f} times smaller"
            " and hides the slow requests users notice."
        )

    def near(x: float) -> bool:
        return close_to(value, x, rtol=1e-6, atol=1e-9) and not (low <= x <= high)

    if near(float(times.mean())):
        return wrong(
            f"{value:.3g} ms is the mean: a few slow requests barely move it, and they are "
            "the ones users feel. Take the 99th percentile."
        )
    if near(float(np.median(times))):
        return wrong(
            f"{value:.3g} ms is the median (p50); the tail is the 99th percentile."
        )
    if near(float(times[-1])):
        return wrong(
            f"{value:.3g} ms is the slowest request: one outlier (a garbage collection, "
            "a cold cache) decides it. The 99th percentile is steadier."
        )
    if near(float(np.percentile(times, 95))):
        return wrong(f"{value:.3g} ms is the 95th percentile; take the 99th.")
    return wrong(
        f"{value:.3g} ms is not the 99th percentile of the {n} requests "
        f"(it lies between {low:.3g} and {high:.3g} ms)."
    )


@exercise(
    "09.2",
    notebook=NOTEBOOK,
    title="The variant that ships",
    hint=(
        "Keep the variants that apply and whose metric is at most 1 % (of the original's "
        "value) worse than the original's: mind whether higher or lower is better. Among "
        "them, the smallest size_bytes wins (p50_ms breaks a tie)."
    ),
)
def _variant(answer: Any, *, table: Any, higher_is_better: bool) -> Any:
    if not isinstance(answer, str):
        return wrong(
            f"expected a variant's name (a string from table['variant']), got {describe(answer)}."
        )
    rows = table.set_index("variant")
    if answer not in rows.index:
        return wrong(f"{answer!r} is not a variant; they are {', '.join(rows.index)}.")
    original = float(rows.loc["original", "value"])
    tolerance = 0.01 * max(abs(original), 1e-12)
    usable = rows[rows["applies"].astype(bool)]

    def smallest(loss: Any) -> tuple[str, Any]:
        kept = usable[loss <= tolerance].sort_values(["size_bytes", "p50_ms"])
        return str(kept.index[0]), kept

    change = usable["change"].astype(float)
    loss = -change if higher_is_better else change
    _, kept = smallest(loss)
    same_size = kept.index[kept["size_bytes"] == kept["size_bytes"].iloc[0]]
    mine = rows.loc[answer]
    if answer in same_size:
        return correct(
            f"{answer}: {mine['size_ratio']:.2f} times the original's size, for a "
            f"{rows.loc[answer, 'metric']} of {mine['value']:.4g} against {original:.4g}."
        )
    if not bool(mine["applies"]):
        return wrong(f"{answer} does not apply to this model: {mine['description']}")
    my_loss = -float(mine["change"]) if higher_is_better else float(mine["change"])
    if my_loss > tolerance:
        backwards, _ = smallest(-loss)
        if answer == backwards:
            return wrong(
                f"{answer} is the choice with the metric's direction reversed: its change of "
                f"{mine['change']:+.4g} is a loss, as "
                + ("higher" if higher_is_better else "lower")
                + " is better."
            )
        return wrong(
            f"{answer} loses {my_loss:.4g} of the metric, more than 1 % of the original's "
            f"({tolerance:.4g}): it is small, but not good enough."
        )
    best_value = usable["value"].astype(float)
    best = best_value.idxmax() if higher_is_better else best_value.idxmin()
    if answer == best:
        return wrong(
            f"{answer} has the best metric, but the rule ships the smallest variant that is "
            f"within 1 % of the original: {answer} is {mine['size_ratio']:.2f} times its size."
        )
    return wrong(
        f"{answer} is within 1 % of the original, but a smaller variant is too "
        f"({mine['size_bytes']:,} bytes here)."
    )


@exercise(
    "09.3",
    notebook=NOTEBOOK,
    title="What a planted skew does to the predictions",
    hint=(
        "Predict with the model from the batch features and from the skewed request "
        "features (the model's inputs only, same rows in the same order). Classification: "
        "the share of rows whose predicted class differs. Regression: the mean of the "
        "absolute differences between the two predictions."
    ),
)
def _skew_impact(answer: Any, *, model: Any, batch: Any, served: Any, task: str) -> Any:
    import numpy as np

    before = np.asarray(model.predict(batch))
    after = np.asarray(model.predict(served))
    same = lambda a, b: close_to(a, b, rtol=1e-6, atol=1e-9)  # noqa: E731
    if task == "regression":
        value = expect_number(
            answer, what="the mean absolute change of the predictions"
        )
        change = after.astype(float) - before.astype(float)
        truth = float(np.abs(change).mean())
        if same(value, truth):
            return correct(
                f"{value:.4g} on average, in the target's unit, and no error raised: a skew "
                "is silent. Only a check such as skew_report, or the metric falling once "
                "labels arrive, shows it."
            )
        mistakes = [
            (
                float(change.mean()),
                "that is the mean signed change: rises and falls cancel. Average the "
                "absolute changes.",
            ),
            (
                float(np.abs(change).sum()),
                "that is the total change over the rows; the exercise asks for the mean.",
            ),
        ]
        what = "the mean absolute change of the predictions"
    else:
        value = expect_number(answer, what="a share of rows")
        changed = before != after
        truth = float(changed.mean())
        if same(value, truth):
            return correct(
                f"{value:.1%} of the requests get another answer"
                + (
                    ", and no error is raised: a skew is silent."
                    if truth > 0
                    else ". This model ignores the column, or barely uses it; a skew in a "
                    "column the model leans on would not be so kind."
                )
            )
        mistakes = [
            (
                float(changed.sum()),
                f"that is the number of rows; divide by the {len(changed)} rows compared.",
            ),
            (
                float((np.asarray(batch) != np.asarray(served)).any(axis=1).mean()),
                "that is the share of rows whose features differ; the question is how "
                "many predictions change.",
            ),
        ]
        what = "the share of changed predictions"
    mistake = named_mistake(value, truth, mistakes)
    return mistake or wrong(f"{value:.4g} is not {what} ({len(before)} rows).")

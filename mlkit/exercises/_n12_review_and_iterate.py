"""Exercises of 12_review_and_iterate: progress or noise, defaults, the next change."""

from __future__ import annotations

import json
import math
from typing import Any

from mlkit.exercises._core import correct, describe, exercise, expect_strings, wrong

NOTEBOOK = "12_review_and_iterate.ipynb"


@exercise(
    "12.1",
    notebook=NOTEBOOK,
    title="Progress or noise?",
    hint="the difference of two independent estimates has a margin of "
    "sqrt(half_a² + half_b²), where each half is (high - low) / 2; the difference is "
    "real when its size exceeds that margin.",
)
def progress_or_noise(answer: Any, *, splits: Any, metric: str | None) -> Any:
    if splits is None:
        if answer is None:
            return correct("No model in this case's stages, so nothing to compare.")
        return wrong(
            "This case has no model to refit, so there are no two estimates: answer None."
        )
    if not isinstance(answer, bool):
        import numpy as np

        if not isinstance(answer, np.bool_):
            return wrong(
                f"expected True or False, got {describe(answer)}.",
                hint="compare the size of the difference with its margin: abs(gap) > margin.",
            )
        answer = bool(answer)
    values = splits[metric].to_numpy(dtype=float)
    halves = (splits["high"] - splits["low"]).to_numpy(dtype=float) / 2
    gap = float(values[1] - values[0])
    margin = math.hypot(*halves)
    real = abs(gap) > margin
    overlap = splits["low"].max() <= splits["high"].min()
    if answer == real:
        return correct(
            f"The difference {gap:+.4f} is {'larger' if real else 'no larger'} than its "
            f"margin ±{margin:.4f}: "
            + ("the split changes the estimate." if real else "it is noise.")
        )
    if real and overlap:
        return wrong(
            f"The two intervals overlap, yet the difference {gap:+.4f} exceeds its "
            f"margin ±{margin:.4f}: overlapping 95 % intervals do not mean 'no "
            "difference'. The margin of a difference is smaller than the sum of the "
            "two half-widths.",
            hint="margin = sqrt(half_a² + half_b²), not half_a + half_b.",
        )
    if not real and gap != 0:
        return wrong(
            f"The point estimates differ by {gap:+.4f}, but the margin of the "
            f"difference is ±{margin:.4f}: a difference that small is what two draws of "
            "test rows give anyway.",
            hint="compare abs(gap) with sqrt(half_a² + half_b²), not the points alone.",
        )
    return wrong(
        f"The difference {gap:+.4f} is larger than its margin ±{margin:.4f}.",
    )


@exercise(
    "12.2",
    notebook=NOTEBOOK,
    title="Which decisions were left at the default?",
    hint="the design log's table has a 'source' column: 'default' marks a decision "
    "that a later notebook took from the case because its own notebook did not run.",
)
def left_at_default(answer: Any, *, decisions: Any) -> Any:
    names = expect_strings(answer, what="a list of decision keys")
    expected = set(decisions.loc[decisions["source"] == "default", "key"])
    given = set(names)
    if given == expected:
        return correct(
            f"{len(expected)} decision(s) were left at the case's default"
            + (f": {', '.join(sorted(expected))}." if expected else ".")
        )
    choices = {json.dumps(c, default=str) for c in decisions["choice"]}
    not_keys = given - set(decisions["key"])
    if not_keys and all(json.dumps(n) in choices for n in not_keys):
        return wrong(
            "These are choices, not keys: the question asks which decisions "
            "(their keys, such as 'split.strategy').",
            hint="take the 'key' column of the rows whose 'source' is 'default'.",
        )
    unknown = sorted(given - set(decisions["key"]))
    if unknown:
        return wrong(
            f"{', '.join(map(repr, unknown))} is not a decision of this iteration.",
            hint="take keys from log.to_frame()['key'].",
        )
    extra, missing = sorted(given - expected), sorted(expected - given)
    parts = []
    if extra:
        sources = decisions.set_index("key")["source"]
        parts.append(
            f"{', '.join(extra)} came from "
            + ", ".join(sorted({str(sources[k]) for k in extra}))
            + ", not from the default"
        )
    if missing:
        parts.append(f"{len(missing)} default decision(s) are missing")
    return wrong("; ".join(parts) + ".", hint="filter on source == 'default'.")


@exercise(
    "12.3",
    notebook=NOTEBOOK,
    title="Write the change for the next iteration",
    hint="KEY=VALUE with a key from the design log and another of its options, "
    "for example split.strategy=random; no spaces around '='.",
)
def next_setting(answer: Any, *, log: Any) -> Any:
    if not isinstance(answer, str):
        return wrong(
            f"expected a string KEY=VALUE, got {describe(answer)}.",
            hint="build it with an f-string: f'{key}={value}'.",
        )
    key, sep, value = answer.partition("=")
    if not sep:
        return wrong(
            f"{answer!r} has no '=': mlkit run --set takes KEY=VALUE.",
            hint="join the key and the value with '='.",
        )
    if key != key.strip() or value != value.strip():
        return wrong(
            "Spaces around '=' end up in the key or the value: the shell passes "
            "'--set key = value' as three words.",
            hint="write KEY=VALUE without spaces.",
        )
    decision = log.get(key)
    if decision is None:
        return wrong(
            f"{key!r} is not decided in this iteration, so setting it changes nothing.",
            hint="pick a key from log.to_frame()['key'].",
        )
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if decision.options and parsed not in decision.options:
        return wrong(
            f"{value!r} is not an option of {key}: the options are "
            f"{', '.join(map(repr, decision.options))}.",
            hint="an iteration may only pick another of the options considered.",
        )
    if parsed == decision.choice:
        return wrong(
            f"{key} is already {decision.choice!r} in this iteration: the next one "
            "would repeat it.",
            hint="pick another option, so that the iteration changes one decision.",
        )
    return correct(
        f"`mlkit run CASE --set {answer}` starts an iteration that changes {key} from "
        f"{decision.choice!r} to {parsed!r}; `mlkit compare` then shows what it did."
    )

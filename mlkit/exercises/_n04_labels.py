"""Exercises of 04_labels: agreement beyond chance, and how precise label-error flags are."""

from __future__ import annotations

from typing import Any

from mlkit.exercises._core import close_to, correct, exercise, expect_number, wrong

NOTEBOOK = "04_labels.ipynb"


@exercise(
    "04.1",
    notebook=NOTEBOOK,
    title="Cohen's kappa of two annotators, by hand",
    hint="keep the items both labelled (dropna); observed agreement p_o; chance "
    "agreement p_e = sum over classes of the product of their two shares; "
    "kappa = (p_o - p_e) / (1 - p_e). None when annotations is None.",
)
def cohen_kappa(answer: Any, *, annotations: Any) -> Any:
    if annotations is None:
        if answer is None:
            return correct("A number target has no annotators to compare here: None.")
        return wrong("This case has no annotations (a number target): answer None.")
    from sklearn.metrics import cohen_kappa_score

    a, b = annotations.columns[:2]
    pair = annotations[[a, b]].dropna()
    expected = float(cohen_kappa_score(pair[a], pair[b]))
    observed = float((pair[a] == pair[b]).mean())
    value = expect_number(answer, what="a kappa between -1 and 1")
    if close_to(value, expected):
        return correct(
            f"kappa = {expected:.3f} on the {len(pair)} items both labelled: they "
            f"agree on {observed:.1%} of them, but part of that is chance."
        )
    if close_to(value, observed):
        return wrong(
            f"{value:.3f} is the observed agreement: two annotators who guessed at "
            "random with the same shares would agree that often too.",
            hint="subtract the chance agreement: (p_o - p_e) / (1 - p_e).",
        )
    everything = float((annotations[a] == annotations[b]).mean())
    if close_to(value, everything) or _kappa_on_all(annotations, a, b, value):
        return wrong(
            f"{value:.3f} counts the items one of them did not label as disagreements.",
            hint="keep the rows where both labelled: .dropna().",
        )
    shares_a = pair[a].value_counts(normalize=True)
    shares_b = pair[b].value_counts(normalize=True)
    chance = float((shares_a * shares_b).sum())
    if close_to(value, chance):
        return wrong(f"{value:.3f} is the chance agreement p_e, a step on the way.")
    return wrong(f"{value:.3f} is not Cohen's kappa of {a} and {b}.")


def _kappa_on_all(annotations: Any, a: str, b: str, value: float) -> bool:
    from sklearn.metrics import cohen_kappa_score

    # A missing annotation as a label of its own, as a careless comparison counts it.
    both = annotations[[a, b]].astype(object).fillna("(none)").astype(str)
    return close_to(value, float(cohen_kappa_score(both[a], both[b])))


@exercise(
    "04.2",
    notebook=NOTEBOOK,
    title="The precision of the label-error flags",
    hint="among the rows flagged (found), the share that were flipped on purpose: "
    "flipped[found].mean(). None for a number target or when nothing is flagged.",
)
def flag_precision(answer: Any, *, flipped: Any, flagged: Any) -> Any:
    if flipped is None or flagged is None or not flagged.any():
        if answer is None:
            return correct("Nothing flagged to measure here: None.")
        return wrong("No row is flagged in this case, so there is no precision: None.")
    expected = float(flipped[flagged].mean())
    recall = float(flagged[flipped].mean())
    value = expect_number(answer, what="a share between 0 and 1")
    if close_to(value, expected):
        return correct(
            f"{expected:.1%} of the {int(flagged.sum())} flagged rows were really "
            f"wrong; the others would waste a reviewer's time. (Recall: {recall:.1%} "
            "of the flipped rows were caught.)"
        )
    if close_to(value, recall):
        return wrong(
            f"{value:.3f} is the recall: the share of flipped rows that were flagged. "
            "Precision divides by the flagged rows.",
            hint="flipped[found].mean()",
        )
    if close_to(value, float((flipped & flagged).sum())):
        return wrong(
            f"{value:g} is the number of flagged rows that were flipped; divide by "
            "the number flagged.",
        )
    if close_to(value, float(flagged.mean())):
        return wrong(f"{value:.3f} is the share of all rows that were flagged.")
    return wrong(f"{value:.3f} is not the precision of the flags.")

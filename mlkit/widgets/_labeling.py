"""The labeling-function workbench: type a rule, see how it would change the votes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit.widgets._base import Control, Explorer

if TYPE_CHECKING:
    from mlkit.labeling import LabelingFunction, LFSummary

#: The name the candidate takes when an existing LF already has its rule's name.
CANDIDATE_SUFFIX = " (candidate)"


class LFWorkbench(Explorer):
    """Type a labeling function and see its coverage, overlaps, conflicts and accuracy.

    Chapter 4 of *Designing Machine Learning Systems* writes labeling functions
    (LFs) as heuristics and refines them by measuring them on a labelled dev
    set. The workbench holds the LFs written so far and a candidate typed in a
    box: a regular expression searched in ``text_column``
    (:func:`mlkit.labeling.keyword_lf`) or, without a text column, a condition
    on the columns (:func:`mlkit.labeling.condition_lf`), voting the class
    chosen in ``label``. Each change recomputes
    :func:`mlkit.labeling.lf_summary` of the existing LFs plus the candidate,
    the candidate last. The existing LFs are applied once, when the workbench
    is made.

    Parameters
    ----------
    lfs : sequence of LabelingFunction
        The labeling functions written so far; may be empty.
    df : pandas.DataFrame
        The dev set the LFs are measured on; it is not modified.
    y : array-like of int, optional
        Gold classes of ``df``'s rows. Without them the summary has coverage,
        overlaps and conflicts but no accuracy.
    text_column : str, optional
        The column of text that a typed rule searches. Without it, a typed rule
        is a condition on the columns, such as ``"capital_gain > 5000 and
        age < 30"``, evaluated like a notebook cell: type it yourself, never
        paste text from the data.
    classes : sequence of int, optional
        The classes a rule can vote; by default the classes of ``y``, or
        without ``y`` 0 to k - 1 with k the number of classes the LFs vote
        (at least 2).
    rule : str, default ""
        The first candidate rule; empty for none.
    label : int, optional
        The class the candidate votes; the first of ``classes`` by default.

    Attributes
    ----------
    result : LFSummary
        The summary of the existing LFs and the candidate (last row), or of
        the existing LFs alone while the rule is empty.
    lf : LabelingFunction or None
        The current candidate, to add to the list of LFs once it is good.
    L : numpy.ndarray
        The label matrix of the existing LFs on ``df``.

    Raises
    ------
    MlkitValueError
        With no LF and an empty rule (there is nothing to measure), a rule that
        does not compile or names an unknown column, a ``label`` that is not one
        of ``classes``, or ``y`` of the wrong length.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlkit.labeling import keyword_lf
    >>> from mlkit.widgets import LFWorkbench
    >>> df = pd.DataFrame({"text": ["free money now", "see you at lunch",
    ...                             "win a free phone", "lunch at noon?"]})
    >>> bench = LFWorkbench([keyword_lf("free", 1, column="text")], df,
    ...                     y=[1, 0, 1, 0], text_column="text")
    >>> result = bench.update(rule="lunch", label=0)
    >>> result.to_frame()[["name", "coverage", "empirical_accuracy"]]
                        name  coverage  empirical_accuracy
    0     text ~ 'free' → 1       0.5                 1.0
    1    text ~ 'lunch' → 0       0.5                 1.0
    >>> bench.lf
    LabelingFunction("text ~ 'lunch' → 0", vectorised)
    >>> result.label_coverage
    1.0
    """

    title: ClassVar[str] = "Labeling-function workbench"

    def __init__(
        self,
        lfs: Any,
        df: Any,
        y: Any = None,
        *,
        text_column: Any = None,
        classes: Any = None,
        rule: str = "",
        label: Any = None,
    ) -> None:
        import numpy as np

        from mlkit._validation import check_columns, check_frame
        from mlkit.labeling import ABSTAIN, apply_lfs
        from mlkit.labeling._weak import _as_lfs, _gold_labels

        check_frame(df, "df")
        if text_column is not None:
            check_columns(df, [text_column], "text_column")
        self._df = df.copy()
        existing = [] if lfs is None or _empty(lfs) else _as_lfs(lfs)
        self._names = [lf.name for lf in existing]
        self.L = (
            apply_lfs(existing, self._df, progress=False)
            if existing
            else np.full((len(self._df), 0), ABSTAIN, dtype=np.int64)
        )
        # Gold classes checked and converted once (lf_summary would on every update).
        self._y = None if y is None else _gold_labels(y, len(self._df))
        self._text_column = text_column
        self._classes = self._check_classes(classes)
        if label is None:
            label = self._classes[0]
        controls = {
            "rule": Control(
                "Text",
                "pattern in " + repr(text_column)
                if text_column is not None
                else "condition",
            ),
            "label": Control("Dropdown", "votes class", options=self._classes),
        }
        super().__init__(controls, {"rule": rule, "label": label})

    def _check_classes(self, classes: Any) -> tuple[int, ...]:
        import numbers

        import numpy as np

        if classes is None:
            if self._y is not None:
                return tuple(np.unique(self._y).tolist())
            return tuple(range(max(2, int(self.L.max(initial=-1)) + 1)))
        items = [classes] if isinstance(classes, (str, numbers.Number)) else classes
        found = tuple(items)
        bad = [
            c
            for c in found
            if isinstance(c, (bool, np.bool_))
            or not isinstance(c, numbers.Integral)
            or c < 0
        ]
        if bad or not found:
            raise (MlkitTypeError if bad else MlkitValueError)(
                with_hint(
                    f"'classes' must be int classes 0, 1, ...; got {list(found)!r}.",
                    "pass the classes the labeling functions vote, for example "
                    "classes=[0, 1].",
                )
            )
        return tuple(int(c) for c in found)

    def _candidate(self, rule: str, label: Any) -> LabelingFunction | None:
        """The labeling function of the typed rule, or None for an empty rule."""
        from mlkit.labeling import condition_lf, keyword_lf

        if not rule.strip():
            return None
        if self._text_column is not None:
            lf = keyword_lf(rule, label, column=self._text_column)
        else:
            lf = condition_lf(rule, label)
        if lf.name in self._names:
            lf.name += CANDIDATE_SUFFIX
        return lf

    @property
    def lf(self) -> LabelingFunction | None:
        """The candidate labeling function of the current rule and label; None if empty."""
        return self._candidate(self._values["rule"], self._values["label"])

    def _compute(self, *, rule: str, label: Any) -> LFSummary:
        import numpy as np

        from mlkit._exceptions import MlkitError
        from mlkit.labeling import apply_lfs, lf_summary

        try:
            candidate = self._candidate(rule, label)
            votes = (
                None
                if candidate is None
                else apply_lfs([candidate], self._df, progress=False)
            )
        except MlkitError as error:
            # The rule is what the learner typed: say so, with the reason.
            first = str(error).split("\n")[0]
            raise MlkitValueError(
                with_hint(
                    f"'rule' {rule!r} cannot label the rows: {first}",
                    "type a pattern of words, such as 'free|win', with a text column, "
                    "or a condition on the columns, such as 'age < 30', without one.",
                )
            ) from error
        if candidate is None:
            if self.L.shape[1] == 0:
                raise MlkitValueError(
                    with_hint(
                        "'rule' is empty and there is no labeling function yet: "
                        "there is nothing to measure.",
                        "type a first rule, such as rule='free|win' with a text "
                        "column or rule='age < 30' without one.",
                    )
                )
            return lf_summary(self.L, y=self._y, names=self._names)
        return lf_summary(
            np.hstack([self.L, votes]),
            y=self._y,
            names=[*self._names, candidate.name],
        )

    def _status(self, result: LFSummary) -> str:
        table = result.table
        if not self._values["rule"].strip():
            return (
                f"No candidate: {len(table)} labeling function(s) label "
                f"{result.label_coverage:.1%} of {result.n_rows:,} rows, "
                f"{result.label_conflict:.1%} with conflicting votes."
            )
        row = table.iloc[-1]
        # Rows it labels that no other LF labels: its coverage less its overlaps.
        new = row["coverage"] - row["overlaps"]
        text = (
            f"{row['name']}: coverage {row['coverage']:.1%} "
            f"({new:.1%} of rows newly labelled), conflicts {row['conflicts']:.1%}"
        )
        if result.has_gold:
            accuracy = row["empirical_accuracy"]
            text += (
                ", no row to measure accuracy on"
                if accuracy != accuracy
                else f", accuracy {accuracy:.1%} on {int(row['correct'] + row['incorrect']):,} dev rows"
            )
        return text + f"; all LFs label {result.label_coverage:.1%} of rows."


def _empty(lfs: Any) -> bool:
    """Whether ``lfs`` is an empty list (a single LF or a bad value is not)."""
    try:
        return len(lfs) == 0
    except TypeError:
        return False

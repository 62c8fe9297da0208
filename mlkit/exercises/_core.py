"""Exercises: a registry of checkers, the feedback they give, and ``check``.

A checker receives the learner's answer and the notebook's variables it needs
(passed by name to :func:`check`), computes the right answer from them (the
notebooks run on every case, so no answer is a fixed number) and returns
:func:`correct` or :func:`wrong` with a message about *this* answer. A checker
never raises on an answer of the wrong type: the ``expect_*`` helpers turn such
an answer into a ``wrong`` verdict that says what was expected.
"""

from __future__ import annotations

import html
import math
import os
import reprlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint

if TYPE_CHECKING:
    import pandas as pd

#: Environment variable; ``strict`` makes any answer that is not correct an error.
STRICT_ENV = "MLKIT_EXERCISES"

STATUSES = ("correct", "wrong", "unanswered")
UNANSWERED_MESSAGE = "Replace `...` with your answer and run the cell again."

# Okabe-Ito green and vermillion, and the grey of mlkit's charts.
_COLOURS = {"correct": "#009E73", "wrong": "#D55E00", "unanswered": "#999999"}
_MARKS = {"correct": "✓", "wrong": "✗", "unanswered": "…"}
_VERDICTS = {"correct": "correct", "wrong": "not yet", "unanswered": "not answered yet"}


class MlkitExerciseError(MlkitValueError):
    """An exercise answer that is not correct, in strict mode (``MLKIT_EXERCISES=strict``).

    The solution notebooks are executed in strict mode by the tests, so a solution
    that no longer passes its checker fails loudly instead of showing a red box.
    """


@dataclass(frozen=True)
class Feedback:
    """What a checker says about one answer.

    Attributes
    ----------
    exercise : str
        The exercise id, such as ``"03.2"``.
    status : str
        ``"correct"``, ``"wrong"`` or ``"unanswered"``.
    message : str
        What is right or wrong, specific to the answer given.
    hint : str
        A hint towards the answer; empty when the answer is correct.

    Examples
    --------
    >>> from mlkit.exercises import Feedback
    >>> fb = Feedback("03.2", "wrong", "0.42 is the precision.", hint="Divide by TP + FN.")
    >>> fb.passed
    False
    >>> print(fb)
    ✗ 03.2 not yet: 0.42 is the precision.
    Hint: Divide by TP + FN.
    """

    exercise: str
    status: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise MlkitValueError(
                with_hint(
                    f"'status' must be one of {', '.join(STATUSES)}; got {self.status!r}.",
                    "build feedback with correct(...) or wrong(...) in a checker.",
                )
            )

    @property
    def passed(self) -> bool:
        """True when the answer is correct."""
        return self.status == "correct"

    def __str__(self) -> str:
        first = f"{_MARKS[self.status]} {self.exercise} {_VERDICTS[self.status]}: "
        text = first + self.message
        if self.hint and not self.passed:
            text += f"\nHint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        head = html.escape(
            f"{_MARKS[self.status]} Exercise {self.exercise}: {_VERDICTS[self.status]}"
        )
        body = html.escape(self.message).replace("\n", "<br>")
        hint = ""
        if self.hint and not self.passed:
            hint = (
                '<div style="margin-top:4px"><b>Hint:</b> '
                + html.escape(self.hint).replace("\n", "<br>")
                + "</div>"
            )
        return (
            f'<div class="mlkit-feedback mlkit-feedback-{self.status}" '
            f'style="border-left:6px solid {colour};padding:6px 10px;'
            f'margin:4px 0;background:{colour}14;font-family:sans-serif">'
            f'<div style="color:{colour};font-weight:bold">{head}</div>'
            f"<div>{body}</div>{hint}</div>"
        )


@dataclass(frozen=True)
class Exercise:
    """One registered exercise.

    Attributes
    ----------
    id : str
        ``"NN.k"``: the notebook's number and the exercise's rank in it.
    notebook : str
        The file name of the guided notebook, such as ``"03_training_data.ipynb"``.
    title : str
        A few words that say what the exercise asks.
    hint : str
        The hint shown before any answer is given.
    checker : callable
        ``checker(answer, **context)`` returning :func:`correct` or :func:`wrong`.
    """

    id: str
    notebook: str
    title: str
    hint: str
    checker: Callable[..., Feedback]


_REGISTRY: dict[str, Exercise] = {}


def exercise(
    id: str, *, notebook: str, title: str, hint: str
) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Register the decorated function as the checker of exercise ``id``.

    Parameters
    ----------
    id : str
        ``"NN.k"``, where ``NN`` is the number of ``notebook``.
    notebook : str
        The guided notebook's file name.
    title : str
        What the exercise asks, in a few words.
    hint : str
        The hint shown while the answer is missing or wrong.

    Returns
    -------
    callable
        The decorator; it returns the checker unchanged.
    """

    def register(checker: Callable[..., Feedback]) -> Callable[..., Feedback]:
        if not (
            isinstance(id, str)
            and len(id) == 4
            and id[2] == "."
            and id[:2].isdigit()
            and id[3].isdigit()
            and notebook.startswith(id[:2] + "_")
        ):
            raise MlkitValueError(
                with_hint(
                    f"exercise id {id!r} does not match notebook {notebook!r}.",
                    "use 'NN.k' where NN is the notebook's number and k its rank.",
                )
            )
        known = _REGISTRY.get(id)
        if known is not None and (
            known.checker.__module__,
            known.checker.__qualname__,
        ) != (checker.__module__, checker.__qualname__):
            raise MlkitValueError(
                with_hint(
                    f"exercise {id!r} is registered twice: by "
                    f"{known.checker.__module__}.{known.checker.__qualname__} and "
                    f"{checker.__module__}.{checker.__qualname__}.",
                    "give each exercise its own id.",
                )
            )
        _REGISTRY[id] = Exercise(id, notebook, title, hint, checker)
        return checker

    return register


def correct(message: str) -> Feedback:
    """The verdict of a checker on a right answer (the id is filled in by ``check``).

    Examples
    --------
    >>> from mlkit.exercises._core import correct
    >>> correct("Yes: 12 rows are in both parts.").status
    'correct'
    """
    return Feedback("", "correct", message)


def wrong(message: str, *, hint: str = "") -> Feedback:
    """The verdict of a checker on a wrong answer; ``hint`` defaults to the exercise's.

    Examples
    --------
    >>> from mlkit.exercises._core import wrong
    >>> wrong("0.42 is the precision.", hint="Divide by TP + FN.").status
    'wrong'
    """
    return Feedback("", "wrong", message, hint)


class Rejected(Exception):
    """Raised by the ``expect_*`` helpers; :func:`check` turns it into its verdict."""

    def __init__(self, feedback: Feedback) -> None:
        super().__init__(feedback.message)
        self.feedback = feedback


def describe(answer: Any) -> str:
    """A short description of an answer: its type and a shortened value."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 40
    short.maxlist = short.maxtuple = short.maxdict = 4
    if answer is None:
        return "None"
    kind = type(answer).__name__
    article = "an" if kind[:1].lower() in "aeion" else "a"
    shape = getattr(answer, "shape", None)
    if isinstance(shape, tuple) and len(shape) >= 1:
        # Frames, Series and arrays print on many lines: their shape says enough.
        return f"{article} {kind} of shape {shape}"
    return f"{article} {kind} {short.repr(answer)}"


def label(value: Any) -> str:
    """A value as a learner wrote it: ``1`` rather than ``np.int64(1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlkit.exercises._core import label
    >>> label(np.int64(1)), label("spam")
    ('1', "'spam'")
    """
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        value = item()
    return repr(value)


def _is_missing(answer: Any) -> bool:
    if answer is Ellipsis:
        return True
    if isinstance(answer, (tuple, list)):
        return any(a is Ellipsis for a in answer)
    if isinstance(answer, dict):
        return any(a is Ellipsis for a in answer.values())
    return False


def expect_number(
    answer: Any,
    *,
    what: str = "a number",
    hint: str = "",
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Return ``answer`` as a finite float, or reject it with a message saying why.

    Integers, floats, numpy scalars and one-element arrays or Series are numbers;
    booleans, strings, NaN and collections are not.

    Examples
    --------
    >>> from mlkit.exercises._core import expect_number
    >>> expect_number(3)
    3.0
    """
    value = answer
    # A one-element Series or array (the mean of one column, say) is a number too.
    if getattr(value, "size", None) == 1 and getattr(value, "ndim", 0) >= 1:
        if hasattr(value, "to_numpy"):
            value = value.to_numpy()
        value = value.ravel()[0]
    if isinstance(value, (bool, str, bytes)) or type(value).__name__ in (
        "bool",
        "bool_",
    ):
        raise Rejected(wrong(f"expected {what}, got {describe(answer)}.", hint=hint))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Rejected(
            wrong(f"expected {what}, got {describe(answer)}.", hint=hint)
        ) from None
    if not math.isfinite(number):
        raise Rejected(wrong(f"expected {what}, got {number}.", hint=hint))
    if (low is not None and number < low) or (high is not None and number > high):
        if low is None:
            bounds = f"at most {high:g}"
        elif high is None:
            bounds = f"at least {low:g}"
        else:
            bounds = f"between {low:g} and {high:g}"
        raise Rejected(wrong(f"expected {what} {bounds}; got {number:g}.", hint=hint))
    return number


def expect_int(answer: Any, *, what: str = "a whole number", hint: str = "") -> int:
    """Return ``answer`` as an int, or reject it (``12.0`` is accepted, ``12.5`` is not).

    Examples
    --------
    >>> from mlkit.exercises._core import expect_int
    >>> expect_int(12.0)
    12
    """
    number = expect_number(answer, what=what, hint=hint)
    if number != int(number):
        raise Rejected(wrong(f"expected {what}, got {number:g}.", hint=hint))
    return int(number)


def expect_choice(
    answer: Any,
    options: Iterable[str],
    *,
    what: str = "one of the options",
    hint: str = "",
) -> str:
    """Return ``answer`` as one of ``options`` (case and spaces ignored), or reject it.

    Examples
    --------
    >>> from mlkit.exercises._core import expect_choice
    >>> expect_choice(" Recall", ["precision", "recall"])
    'recall'
    """
    options = list(options)
    listed = ", ".join(repr(o) for o in options)
    if not isinstance(answer, str):
        raise Rejected(
            wrong(
                f"expected {what} ({listed}) as a string, got {describe(answer)}.",
                hint=hint,
            )
        )
    key = answer.strip().lower()
    for option in options:
        if option.lower() == key:
            return option
    import difflib

    close = difflib.get_close_matches(key, [o.lower() for o in options], n=1)
    guess = f" Did you mean {close[0]!r}?" if close else ""
    raise Rejected(wrong(f"{answer!r} is not one of {listed}.{guess}", hint=hint))


def expect_strings(
    answer: Any, *, what: str = "a list of names", hint: str = ""
) -> list[str]:
    """Return ``answer`` as a list of strings (a single string or an Index are accepted).

    Examples
    --------
    >>> from mlkit.exercises._core import expect_strings
    >>> expect_strings(("a", "b"))
    ['a', 'b']
    """
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, (Mapping, bytes)) or not isinstance(answer, Iterable):
        raise Rejected(wrong(f"expected {what}, got {describe(answer)}.", hint=hint))
    items = list(answer)
    bad = [a for a in items if not isinstance(a, str)]
    if bad:
        raise Rejected(
            wrong(
                f"expected {what} (strings); {describe(bad[0])} is not a string.",
                hint=hint,
            )
        )
    return items


def close_to(a: float, b: float, *, rtol: float = 1e-3, atol: float = 1e-6) -> bool:
    """True when two numbers agree within a relative or absolute tolerance."""
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def named_mistake(
    value: float,
    right: float | Iterable[float],
    mistakes: Iterable[tuple[float, str]] | Mapping[str, tuple[float, str]],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    shown: str | None = None,
) -> Feedback | None:
    """``wrong`` naming the first mistake ``value`` matches, or None.

    ``mistakes`` are pairs of a value computed the wrong way and what went wrong
    (or a mapping of names to such pairs). A
    mistake whose value equals a right answer (``right``: one number or several) is
    skipped, since an answer equal to it is right too; a value that is not finite
    never matches. The message starts with ``shown``, the answer as the checker
    prints it (``f"{value:.4g}"`` by default).

    Examples
    --------
    >>> from mlkit.exercises._core import named_mistake
    >>> named_mistake(0.25, 0.75, [(0.25, "that is one minus it.")]).message
    '0.25: that is one minus it.'
    >>> named_mistake(0.5, 0.75, [(0.25, "that is one minus it.")]) is None
    True
    """
    rights = [right] if isinstance(right, int | float) else list(right)
    pairs = mistakes.values() if isinstance(mistakes, Mapping) else mistakes
    for computed, message in pairs:
        if not math.isfinite(computed):
            continue
        if any(close_to(computed, r, rtol=rtol, atol=atol) for r in rights):
            continue
        if close_to(value, computed, rtol=rtol, atol=atol):
            return wrong(f"{shown or format(value, '.4g')}: {message}")
    return None


def strict() -> bool:
    """True when answers that are not correct raise (``MLKIT_EXERCISES=strict``)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() == "strict"


def _unknown(exercise_id: Any) -> MlkitValueError:
    import difflib

    ids = sorted(_REGISTRY)
    close = difflib.get_close_matches(str(exercise_id), ids, n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(map(repr, close))}? " if close else ""
    ) + "mk.exercises.exercises() lists them all."
    return MlkitValueError(
        with_hint(f"'exercise_id' {exercise_id!r} is not a known exercise.", hint)
    )


def get(exercise_id: str) -> Exercise:
    """The registered exercise ``exercise_id``, or an error naming close ids."""
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        raise _unknown(exercise_id)
    return _REGISTRY[exercise_id]


def run_check(exercise_id: str, answer: Any, **context: Any) -> Feedback:
    """Check ``answer`` against exercise ``exercise_id`` (see ``mlkit.exercises.check``)."""
    ex = get(exercise_id)
    is_strict = strict()
    if _is_missing(answer):
        feedback = Feedback(ex.id, "unanswered", UNANSWERED_MESSAGE, ex.hint)
    else:
        try:
            verdict = ex.checker(answer, **context)
        except Rejected as rejected:
            verdict = rejected.feedback
        except Exception as error:
            if is_strict:
                raise
            verdict = wrong(
                f"checking your answer raised {type(error).__name__}: {error}",
            )
        if not isinstance(verdict, Feedback):
            raise MlkitTypeError(
                with_hint(
                    f"the checker of exercise {ex.id} returned {describe(verdict)}.",
                    "a checker returns correct(message) or wrong(message, hint=...).",
                )
            )
        feedback = replace(
            verdict,
            exercise=ex.id,
            hint="" if verdict.passed else (verdict.hint or ex.hint),
        )
    if is_strict and not feedback.passed:
        raise MlkitExerciseError(
            with_hint(
                str(feedback).split("\nHint:")[0],
                feedback.hint or "check the solution against the exercise.",
            )
        )
    return feedback


def table(notebook: str | None = None) -> pd.DataFrame:
    """The registered exercises (see ``mlkit.exercises.exercises``)."""
    import pandas as pd

    rows = sorted(_REGISTRY.values(), key=lambda e: e.id)
    if notebook is not None:
        if not isinstance(notebook, str):
            raise MlkitTypeError(
                with_hint(
                    f"'notebook' must be a string; got {type(notebook).__name__}.",
                    "pass a notebook's name such as '03_training_data', or its number '03'.",
                )
            )
        key = notebook.removesuffix(".ipynb")
        if not key.strip():
            # "".zfill(2) is "00": an empty name would silently pick notebook 00.
            raise MlkitValueError(
                with_hint(
                    f"'notebook' must name a notebook; got {notebook!r}.",
                    "pass a notebook's name such as '03_training_data' or its number "
                    "'03', or leave it out for the exercises of every notebook.",
                )
            )
        names = sorted({e.notebook for e in rows})
        chosen = [
            n for n in names if n.removesuffix(".ipynb") == key or n[:2] == key.zfill(2)
        ]
        if not chosen:
            import difflib

            close = difflib.get_close_matches(notebook, names, n=1, cutoff=0.4)
            raise MlkitValueError(
                with_hint(
                    f"'notebook' {notebook!r} has no exercises.",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"The notebooks with exercises are: {', '.join(names)}.",
                )
            )
        rows = [e for e in rows if e.notebook in chosen]
    return pd.DataFrame(
        {
            "id": [e.id for e in rows],
            "notebook": [e.notebook for e in rows],
            "title": [e.title for e in rows],
        }
    )

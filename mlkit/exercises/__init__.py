"""Exercises in the guided notebooks, their checkers, and the learners' copy.

Each guided notebook holds two to four exercises. An exercise is a markdown cell
``### Exercise NN.k: <title>`` followed by one code cell tagged ``solution``::

    # BEGIN SOLUTION
    answer = ...the solution...
    # END SOLUTION
    mk.exercises.check("03.2", answer, y_train=y_train)

:func:`check` computes the right answer from the notebook's variables passed to it
(so it holds on every case) and says what is right or wrong in *this* answer.
:func:`learners_copy` writes the notebooks with every solution replaced by
``answer = ...  # your answer``; run as is, a check then says "not answered yet".
With ``MLKIT_EXERCISES=strict`` in the environment an answer that is not correct
raises :class:`MlkitExerciseError`; the tests run the solution notebooks that way.

The checkers live in one module per notebook, ``_nNN_<notebook>.py``, listed in
``_CHECKER_MODULES``; they are imported on the first call of :func:`check` or :func:`exercises`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mlkit.exercises._core import (
    STRICT_ENV,
    Exercise,
    Feedback,
    MlkitExerciseError,
)

if TYPE_CHECKING:
    import pandas as pd

    from mlkit.exercises._copy import learners_copy as learners_copy

__all__ = [
    "STRICT_ENV",
    "Exercise",
    "Feedback",
    "MlkitExerciseError",
    "check",
    "exercises",
    "learners_copy",
]

# One checker module per notebook, named after it; imported on first use so that
# `import mlkit.exercises` stays light. A notebook's checkers join by their name here.
_CHECKER_MODULES: tuple[str, ...] = (
    "_n00_start_here",
    "_n01_scoping",
    "_n02_data",
    "_n03_training_data",
    "_n04_labels",
    "_n05_features",
    "_n06_model_development",
    "_n07_offline_evaluation",
    "_n08_fairness_and_responsible_ml",
    "_n09_deployment",
    "_n10_monitoring",
    "_n11_continual_learning",
    "_n12_review_and_iterate",
)
_loaded = False


def _load_checkers() -> None:
    global _loaded
    if not _loaded:
        for name in _CHECKER_MODULES:
            importlib.import_module(f"{__name__}.{name}")
        _loaded = True


def check(exercise_id: str, answer: Any, **context: Any) -> Feedback:
    """Check an answer to an exercise of a guided notebook.

    Parameters
    ----------
    exercise_id : str
        The exercise's id, ``"NN.k"``, as its heading shows it.
    answer : object
        The learner's answer. ``...`` (the placeholder of the learners' copy)
        means "not answered yet".
    **context
        The notebook's variables the checker needs to compute the right answer.

    Returns
    -------
    Feedback
        ``status`` is ``"correct"``, ``"wrong"`` or ``"unanswered"``; ``message``
        says what is right or wrong in this answer and ``hint`` points to the
        answer. A checker that fails on the answer (a broken model, say) gives a
        ``"wrong"`` feedback with the error's text.

    Raises
    ------
    MlkitValueError
        If ``exercise_id`` is not a known exercise (the hint names close ids).
    MlkitExerciseError
        In strict mode (``MLKIT_EXERCISES=strict``), when the answer is not correct.

    Examples
    --------
    >>> import mlkit as mk
    >>> print(mk.exercises.check("00.1", ...))  # doctest: +ELLIPSIS
    … 00.1 not answered yet: Replace `...` with your answer and run the cell again.
    Hint: ...
    """
    from mlkit.exercises._core import run_check

    _load_checkers()
    return run_check(exercise_id, answer, **context)


def exercises(notebook: str | None = None) -> pd.DataFrame:
    """The exercises of the guided notebooks.

    Parameters
    ----------
    notebook : str, optional
        Only this notebook's exercises: its file name, its name without
        ``.ipynb``, or its number (``"03"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``notebook`` and ``title``, one row per exercise, by id.

    Examples
    --------
    >>> import mlkit as mk
    >>> list(mk.exercises.exercises("00").columns)
    ['id', 'notebook', 'title']
    """
    from mlkit.exercises._core import table

    _load_checkers()
    return table(notebook)


def __getattr__(name: str) -> Any:
    # The copy writer needs nbformat-free JSON work only, but is rarely used.
    if name == "learners_copy":
        from mlkit.exercises._copy import learners_copy

        return learners_copy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

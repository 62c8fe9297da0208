"""Errors and warnings that mlkit raises on purpose.

Every error names what was wrong, what was expected and how to fix it, on a last
line that starts with ``Hint:``. Errors subclass ``ValueError`` or ``TypeError`` so
that code written for scikit-learn catches them too; warnings are small
``UserWarning`` subclasses that a teacher can silence one by one.
"""

from __future__ import annotations


class MlkitError(Exception):
    """Base class of the errors that mlkit raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this to show the error in a notebook: the message and its
        # hint say what to do, so mlkit's own frames would only hide them.
        name = type(self).__name__
        first, *rest = str(self).split("\n")
        return [f"\x1b[0;31m{name}\x1b[0m: {first}", *rest]


class MlkitValueError(MlkitError, ValueError):
    """A value mlkit cannot use; the message says which and how to fix it."""


class MlkitTypeError(MlkitError, TypeError):
    """An argument of the wrong type; the message says which and what to pass."""


class CaseError(MlkitValueError):
    """A case study that cannot be loaded: a bad ``case.toml``, or data that do not match it."""


class DesignLogError(MlkitValueError):
    """A design log or one of its artifacts that cannot be read or written."""


class MlkitWarning(UserWarning):
    """Base class of mlkit's warnings."""


class DefaultsUsedWarning(MlkitWarning):
    """A later stage used the case's default because an earlier decision was not recorded.

    Silence it with ``warnings.simplefilter("ignore", mk.design.DefaultsUsedWarning)``.
    """


class DesignLogWarning(MlkitWarning):
    """Part of a design log could not be read; the rest was."""


def with_hint(message: str, hint: str) -> str:
    """Join an error message and the fix, in the format every mlkit error uses."""
    return f"{message}\nHint: {hint}"

"""Import optional dependencies with an error that says how to install them."""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = (
    "install the notebook extras with `make lab` in a checkout of mlkit, or "
    "`pip install 'dmls-mlkit[lab]'`, then restart the kernel."
)


def require(module: str, *, purpose: str, package: str | None = None) -> ModuleType:
    """Import ``module``; if it is missing, raise an ImportError that says how to get it.

    Parameters
    ----------
    module : str
        Dotted name of the module to import, for example ``"skops.io"``.
    purpose : str
        What mlkit needs it for, completing the sentence "... is needed to ...".
    package : str, optional
        Name of the distribution to install, when it differs from the module's.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        name = package or module.split(".")[0]
        raise ImportError(
            f"{name} is needed to {purpose}, and it is not installed.\n"
            f"Hint: {INSTALL_HINT}"
        ) from exc

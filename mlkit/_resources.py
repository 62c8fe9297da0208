"""Where mlkit finds its case studies, notebooks and lock file.

In a checkout (``make lab`` installs mlkit in editable mode) they sit beside the
package; a wheel carries copies under ``mlkit/_bundle``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: Environment variable with extra folders of case studies, separated by os.pathsep.
CASES_PATH_ENV = "MLKIT_CASES_PATH"


def root() -> Path:
    """The folder that holds ``case_studies/`` and ``notebooks/``."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "case_studies").is_dir() and (checkout / "notebooks").is_dir():
        return checkout
    return PACKAGE_DIR / "_bundle"


def is_checkout() -> bool:
    """True when mlkit runs from a source checkout rather than from a wheel."""
    return root() == PACKAGE_DIR.parent


def case_dirs() -> list[Path]:
    """Folders searched for cases by name: the shipped ones, then ``$MLKIT_CASES_PATH``."""
    dirs = [root() / "case_studies"]
    for entry in os.environ.get(CASES_PATH_ENV, "").split(os.pathsep):
        if entry.strip():
            dirs.append(Path(entry).expanduser().resolve())
    return dirs


def notebooks_dir() -> Path:
    """The folder of the guided notebooks."""
    return root() / "notebooks"


def lock_file() -> Path:
    """The committed lock file with the tested versions of every dependency."""
    return root() / "requirements" / "lock.txt"

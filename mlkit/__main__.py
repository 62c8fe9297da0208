"""``python -m mlkit`` runs the ``mlkit`` command."""

import sys

from mlkit.cli import main

if __name__ == "__main__":
    sys.exit(main())

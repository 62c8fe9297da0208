"""Explorers: interactive shells over mlkit's functions, for notebooks.

Each explorer moves one or a few settings (a threshold, the features of a slice,
a labeling function, a window of production data, the bins of a reliability
diagram) and shows what they change, recomputed by the same pure function that
the rest of mlkit uses. Its current result is ``.result``; ``.update(...)``
changes settings from code. Where no widget front end is available (an HTML
export, a viewer without a kernel) an explorer shows the static table and chart
of its current result, and so does a kernel started with ``MLKIT_WIDGETS=static``,
as the notebooks executed by ``mlkit run`` and the tests are.
"""

from mlkit.widgets._base import KINDS, STATIC_ENV, Control, Explorer, widgets_available
from mlkit.widgets._calibration import CalibrationExplorer
from mlkit.widgets._drift import DriftExplorer
from mlkit.widgets._labeling import LFWorkbench
from mlkit.widgets._slices import SliceExplorer
from mlkit.widgets._threshold import ThresholdExplorer

__all__ = [
    "KINDS",
    "STATIC_ENV",
    "CalibrationExplorer",
    "Control",
    "DriftExplorer",
    "Explorer",
    "LFWorkbench",
    "SliceExplorer",
    "ThresholdExplorer",
    "widgets_available",
]

"""mlkit: helpers for the iterative design process of *Designing Machine Learning Systems*.

The guided notebooks in ``notebooks/`` walk a case study through the process, one
stage per notebook; this package holds what they share. Each module is named after
the stage or concern it serves and is imported on first use, so ``import mlkit``
stays fast and changes nothing::

    import mlkit as mk

    case = mk.cases.load("spam")          # a case study: spec, framing, data
    log = mk.design.DesignLog(case.name)  # the decisions of one iteration
    mk.charts.enable_offline()            # charts that draw with no internet

Modules
-------
cases
    Case studies: load a case's validated spec and its data, list the cases.
design
    The stages of the design process, the design log and its comparisons.
labeling
    Labels: labeling functions and a label model, annotator agreement, active
    learning, and label errors.
sampling
    Sampling and class imbalance: reservoir, stratified and weighted samples,
    importance weights, resampling and a comparison of imbalance treatments.
splitting
    Train, validation and test splits that match deployment, a time-and-group
    splitter for ``cv=``, and a report of leaks between two parts.
features
    Encoding a case's columns by kind, feature importance (SHAP and permutation),
    leaks through features, and how well test values are covered by training.
models
    Model development: candidate models from simple to complex, and learning
    curves.
evaluation
    Baselines, metrics and the expected cost of errors, slices and weak slices,
    behavioural tests, and the decision threshold of least cost.
calibration
    Reliability of predicted probabilities (ECE, Brier score) and recalibration.
fairness
    Metrics per group of sensitive features (intersections included), the
    disparities between groups, and bootstrap intervals that tell gaps from noise.
deployment
    Serving: one feature path for batch and requests, latency and throughput,
    compression, batch against online prediction, safe model files, skew checks.
monitoring
    Data distribution shifts: drift of each column against a reference (KS and
    chi-square tests, PSI, Wasserstein distance), drift over windows of time, a
    multivariate test, label shift, prediction drift, performance estimated
    before labels arrive, and how verdicts depend on sample size.
experiments
    Continual learning and testing in production: retraining schedules, champion
    and challenger, A/B tests, canary and shadow releases, bandits, interleaving,
    degenerate feedback loops.
exercises
    The exercises of the guided notebooks: ``check`` an answer, list the
    exercises, and write the learners' copy of the notebooks without solutions.
charts
    Altair charts in one visual style, and an offline renderer for notebooks.
widgets
    Explorers for notebooks: a threshold, slices, labeling functions, drift and
    calibration, each a slider or a box away from the numbers it changes.
cli
    The ``mlkit`` command: ``lab``, ``cases``, ``run`` (with ``--set``), ``compare``,
    ``new-case``, ``doctor``, ``learners-copy``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_SUBMODULES = (
    "calibration",
    "cases",
    "charts",
    "cli",
    "deployment",
    "design",
    "evaluation",
    "exercises",
    "experiments",
    "fairness",
    "features",
    "labeling",
    "models",
    "monitoring",
    "sampling",
    "splitting",
    "widgets",
)

__all__ = ["__version__", *_SUBMODULES]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from mlkit import calibration as calibration
    from mlkit import cases as cases
    from mlkit import charts as charts
    from mlkit import cli as cli
    from mlkit import deployment as deployment
    from mlkit import design as design
    from mlkit import evaluation as evaluation
    from mlkit import exercises as exercises
    from mlkit import experiments as experiments
    from mlkit import fairness as fairness
    from mlkit import features as features
    from mlkit import labeling as labeling
    from mlkit import models as models
    from mlkit import monitoring as monitoring
    from mlkit import sampling as sampling
    from mlkit import splitting as splitting
    from mlkit import widgets as widgets


def __getattr__(name: str):
    # PEP 562: import a submodule the first time it is used, so that `import mlkit`
    # does not pay for pandas, scikit-learn or altair.
    if name in _SUBMODULES:
        return importlib.import_module(f"mlkit.{name}")
    raise AttributeError(f"module 'mlkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

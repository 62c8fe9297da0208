"""Evaluation: baselines, metrics, slices, behavioural tests and the decision threshold.

Chapter 6 of the book: a model is only as good as the comparison it wins, on the
slices that matter, under the changes it will meet, at the threshold the business
can afford.

- **Metrics**: :data:`METRICS` maps the metric names a design log records to
  scikit-learn scorers; :func:`score` computes one, :func:`suggest_metric` picks
  the threshold-free one for a task, :func:`expected_cost` prices the errors.
- **Baselines**: :func:`baselines` scores random, zero-rule, stratified, heuristic
  and existing solutions on the same rows and metrics as the model.
- **Slices**: :func:`slice_metrics` gives counts, metrics and bootstrap intervals
  per slice; :func:`find_weak_slices` searches the slices (one or two features)
  where the model does worst.
- **Behavioural tests**: :func:`perturbation_test`, :func:`invariance_test` and
  :func:`directional_test` check how predictions react to changes of the input;
  :func:`perturb_text` makes the small edits of text a model should shrug off.
- **Threshold**: :func:`cost_threshold` picks the decision threshold of least
  business cost from a model's scores; :func:`threshold_report` shows what one
  threshold does: its confusion matrix, precision, recall, cost and group gaps.
"""

from __future__ import annotations

from mlkit.evaluation._baselines import BASELINES, Baselines, baselines
from mlkit.evaluation._behaviour import (
    BehaviourTest,
    directional_test,
    invariance_test,
    perturb_text,
    perturbation_test,
)
from mlkit.evaluation._metrics import (
    METRICS,
    RARE_CLASS_SHARE,
    expected_cost,
    higher_is_better,
    score,
    suggest_metric,
)
from mlkit.evaluation._slices import (
    SliceMetrics,
    WeakSlices,
    find_weak_slices,
    slice_metrics,
)
from mlkit.evaluation._threshold import (
    ThresholdChoice,
    ThresholdReport,
    cost_threshold,
    threshold_report,
)

__all__ = [
    "BASELINES",
    "METRICS",
    "RARE_CLASS_SHARE",
    "Baselines",
    "BehaviourTest",
    "SliceMetrics",
    "ThresholdChoice",
    "ThresholdReport",
    "WeakSlices",
    "baselines",
    "cost_threshold",
    "directional_test",
    "expected_cost",
    "find_weak_slices",
    "higher_is_better",
    "invariance_test",
    "perturb_text",
    "perturbation_test",
    "score",
    "slice_metrics",
    "suggest_metric",
    "threshold_report",
]

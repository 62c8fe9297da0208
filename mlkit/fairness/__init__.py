"""Fairness: how a model's decisions and errors fall on groups of people.

Chapter 11 of *Designing Machine Learning Systems*, "The Human Side of Machine
Learning", ends on responsible AI: a model that is accurate overall can select
one group far less often than another, or miss most of the positives of a
minority, and only measuring per group shows it. The chapter's advice is to
find such biases before deployment (on the slices that matter, as in chapter 6),
to choose the fairness criterion that fits the harm, and to record the choice.

- **Group metrics**: :func:`group_metrics` gives, for each group of one
  sensitive feature or of several crossed (intersectional groups), the base
  rate, selection rate, true and false positive rates, false negative rate,
  precision, accuracy and, from probabilities, the calibration error; the
  disparities of fairlearn (demographic parity, equalized odds, equal
  opportunity); and stratified bootstrap intervals that say which gaps could
  be noise.
- **Warnings**: :class:`UndefinedRateWarning` for a rate with nothing to count
  in a group, :class:`SmallGroupWarning` for a group too small to judge.
- **Mitigation**: :func:`compare_mitigations` trains and decides the same model
  with no mitigation, :func:`reweighing` (pre-processing), fairlearn's
  exponentiated gradient (in-processing) and its threshold optimizer
  (post-processing), and compares accuracy, cost and disparities in one table
  and a trade-off chart.

Examples
--------
>>> import numpy as np
>>> from mlkit.fairness import group_metrics
>>> rng = np.random.default_rng(0)
>>> group = rng.choice(["a", "b", "c"], 3000)
>>> y = rng.integers(0, 2, 3000)
>>> pred = np.where(rng.random(3000) < 0.15, 1 - y, y)
>>> result = group_metrics(y, pred, sensitive_features=group)
>>> result.by_group.index.tolist()
['a', 'b', 'c']
>>> sorted(result.disparities().index)[:2]
['demographic_parity_difference', 'demographic_parity_ratio']
"""

from __future__ import annotations

from mlkit.fairness._metrics import (
    DISPARITIES,
    GROUP_METRICS,
    INTERVAL_METRICS,
    GroupMetrics,
    SmallGroupWarning,
    UndefinedRateWarning,
    group_metrics,
)
from mlkit.fairness._mitigation import (
    METHODS,
    MitigationComparison,
    compare_mitigations,
    reweighing,
)

__all__ = [
    "DISPARITIES",
    "GROUP_METRICS",
    "INTERVAL_METRICS",
    "METHODS",
    "GroupMetrics",
    "MitigationComparison",
    "SmallGroupWarning",
    "UndefinedRateWarning",
    "compare_mitigations",
    "group_metrics",
    "reweighing",
]

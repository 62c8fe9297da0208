"""Labels: where they come from, how good they are, and how to get more (chapter 4).

- **Weak supervision**: :func:`labeling_function` turns a heuristic into a labeling
  function (LF) that votes a class or abstains (``ABSTAIN = -1``), and
  :func:`keyword_lf` and :func:`condition_lf` make one from a typed rule (a
  pattern in a text column, a condition on the columns); :func:`apply_lfs`
  builds the label matrix; :func:`lf_summary` measures each LF (coverage, overlaps,
  conflicts, accuracy on a dev set); :func:`majority_vote` and :class:`LabelModel`
  combine the votes, the second by learning each LF's accuracy without labels.
- **Label multiplicity**: :func:`agreement` measures how much annotators agree
  (Cohen's and Fleiss' kappa, Krippendorff's alpha); :func:`resolve` turns several
  annotations into one label and shows where annotators disagree;
  :func:`simulate_annotators` makes annotators of known accuracy, to practise on.
- **Active learning**: :func:`query` picks the rows most worth labelling next;
  :func:`simulate_active_learning` compares query strategies on a labelled pool.
- **Label errors**: :func:`find_label_errors` flags likely mislabelled rows from
  out-of-sample probabilities (confident learning, through cleanlab).
"""

from __future__ import annotations

from mlkit.labeling._active import (
    QUERY_STRATEGIES,
    ActiveLearningCurves,
    query,
    simulate_active_learning,
)
from mlkit.labeling._agreement import (
    RESOLVE_METHODS,
    Agreement,
    Resolution,
    agreement,
    resolve,
    simulate_annotators,
)
from mlkit.labeling._errors import LabelErrors, RareClassWarning, find_label_errors
from mlkit.labeling._weak import (
    ABSTAIN,
    LabelingFunction,
    LabelModel,
    LFSummary,
    apply_lfs,
    condition_lf,
    keyword_lf,
    labeling_function,
    lf_summary,
    majority_vote,
)

__all__ = [
    "ABSTAIN",
    "QUERY_STRATEGIES",
    "RESOLVE_METHODS",
    "ActiveLearningCurves",
    "Agreement",
    "LFSummary",
    "LabelErrors",
    "LabelModel",
    "LabelingFunction",
    "RareClassWarning",
    "Resolution",
    "agreement",
    "apply_lfs",
    "condition_lf",
    "find_label_errors",
    "keyword_lf",
    "labeling_function",
    "lf_summary",
    "majority_vote",
    "query",
    "resolve",
    "simulate_active_learning",
    "simulate_annotators",
]

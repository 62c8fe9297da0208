"""Monitoring: data distribution shifts between the reference and new data.

Chapter 8 of *Designing Machine Learning Systems*, "Data Distribution Shifts and
Monitoring", explains why a model that did well at deployment degrades: the
data it sees drift away from the data it learnt from (covariate shift, label
shift, concept drift), and pipelines break (a column that fills with missing
values, a unit that changes). Since labels often arrive late, the chapter
monitors the inputs: compare the distribution of each feature in production
with a reference, with two-sample tests, and watch how the comparison moves
over windows of time. It warns that a statistically significant difference is
not always a practically important one: with enough rows, every tiny shift is
significant, so a size of the shift matters as much as a p-value.

- **One comparison**: :func:`drift_report` tests each column of current data
  against the reference (Kolmogorov-Smirnov for numbers, chi-square for
  categories, as scipy computes them), corrects the p-values for the number of
  columns (Holm by default), and gives the size of each shift (population
  stability index, Wasserstein distance) and any change in the share missing.
- **Over time**: :func:`drift_over_time` cuts a frame into windows of time and
  compares each with a reference window, to see when a shift began and whether
  it persists.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from mlkit.monitoring import drift_report
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({f"x{i}": rng.normal(size=1000) for i in range(5)})
>>> cur = ref.sample(frac=1, random_state=1).reset_index(drop=True)
>>> cur["x3"] = cur["x3"] + 0.5
>>> report = drift_report(ref, cur)
>>> report.drifted
['x3']
>>> round(float(report.table.loc[3, "wasserstein"]), 3)
0.5
"""

from __future__ import annotations

from mlkit.monitoring._drift import (
    CORRECTIONS,
    PSI_BINS,
    PSI_EPSILON,
    REPORT_COLUMNS,
    DriftOverTime,
    DriftReport,
    drift_over_time,
    drift_report,
)

__all__ = [
    "CORRECTIONS",
    "PSI_BINS",
    "PSI_EPSILON",
    "REPORT_COLUMNS",
    "DriftOverTime",
    "DriftReport",
    "drift_over_time",
    "drift_report",
]

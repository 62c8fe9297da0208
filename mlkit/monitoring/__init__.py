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
- **One column closely**: :func:`column_drift` runs the same test on one
  column and sets the two distributions side by side, on the same bins.
- **Over time**: :func:`drift_over_time` cuts a frame into windows of time and
  compares each with a reference window, to see when a shift began and whether
  it persists.
- **A production stream**: :func:`production_stream` turns a case's data into
  a reference period and windows of production (by time, or shuffled rows),
  and can plant a covariate, label or concept shift of known strength from a
  known window on, to check a detector against the truth.
- **All columns at once**: :func:`multivariate_drift` tests the joint
  distribution with a domain classifier (its ROC AUC on held-out rows and a
  Mann-Whitney test) or the maximum mean discrepancy (permutation test), and
  catches shifts per-column tests miss, such as a correlation that changed.
- **Label shift**: :func:`label_shift` estimates the share of each class in
  production from the model's predictions (black-box shift estimation, with
  EM and the mean probability for comparison) and the weights that re-weight
  the training data to it.
- **Predictions**: :func:`prediction_drift` compares the distribution of the
  model's scores (KS, PSI, quantiles, the share above the threshold), one
  column to watch when labels are late.
- **Performance before labels**: :func:`estimate_performance` estimates
  accuracy, precision, recall, F1 and ROC AUC per window from calibrated
  probabilities (confidence-based performance estimation), with the range the
  realised values should fall in, beside the realised values as labels arrive.
- **A log larger than memory**: :func:`write_prediction_log` writes a
  synthetic prediction log of any size as Parquet files, with shifts planted
  at a known day; :func:`drift_report` takes it as a Dask (or polars,
  pyarrow, DuckDB) table and computes its counts where it lives.
- **Reading verdicts**: :func:`drift_sensitivity` simulates how often drift
  rules fire by sample size, number of columns and test, to show why a tiny
  shift is significant with many rows and why many columns need a correction.

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

from mlkit.monitoring._column import (
    DISTRIBUTION_COLUMNS,
    ColumnDrift,
    column_drift,
)
from mlkit.monitoring._drift import (
    CORRECTIONS,
    EXACT_DISTINCT,
    PSI_BINS,
    PSI_EPSILON,
    REPORT_COLUMNS,
    SKETCH_BITS,
    SKETCH_RELATIVE_WIDTH,
    DriftOverTime,
    DriftReport,
    drift_over_time,
    drift_report,
)
from mlkit.monitoring._label_shift import (
    LABEL_SHIFT_COLUMNS,
    LabelShift,
    label_shift,
)
from mlkit.monitoring._log import LOG_COLUMNS, write_prediction_log
from mlkit.monitoring._multivariate import (
    MULTIVARIATE_COLUMNS,
    MULTIVARIATE_METHODS,
    MultivariateDrift,
    multivariate_drift,
)
from mlkit.monitoring._performance import (
    PERFORMANCE_COLUMNS,
    PERFORMANCE_METRICS,
    PREDICTION_COLUMNS,
    PerformanceEstimate,
    PredictionDrift,
    estimate_performance,
    prediction_drift,
)
from mlkit.monitoring._sensitivity import (
    SENSITIVITY_COLUMNS,
    SENSITIVITY_TESTS,
    DriftSensitivity,
    drift_sensitivity,
)
from mlkit.monitoring._stream import (
    INJECTIONS,
    STREAM_COLUMNS,
    ProductionStream,
    production_stream,
)

__all__ = [
    "CORRECTIONS",
    "DISTRIBUTION_COLUMNS",
    "EXACT_DISTINCT",
    "INJECTIONS",
    "LABEL_SHIFT_COLUMNS",
    "LOG_COLUMNS",
    "MULTIVARIATE_COLUMNS",
    "MULTIVARIATE_METHODS",
    "PERFORMANCE_COLUMNS",
    "PERFORMANCE_METRICS",
    "PREDICTION_COLUMNS",
    "PSI_BINS",
    "PSI_EPSILON",
    "REPORT_COLUMNS",
    "SENSITIVITY_COLUMNS",
    "SENSITIVITY_TESTS",
    "SKETCH_BITS",
    "SKETCH_RELATIVE_WIDTH",
    "STREAM_COLUMNS",
    "ColumnDrift",
    "DriftOverTime",
    "DriftReport",
    "DriftSensitivity",
    "LabelShift",
    "MultivariateDrift",
    "PerformanceEstimate",
    "PredictionDrift",
    "ProductionStream",
    "column_drift",
    "drift_over_time",
    "drift_report",
    "drift_sensitivity",
    "estimate_performance",
    "label_shift",
    "multivariate_drift",
    "prediction_drift",
    "production_stream",
    "write_prediction_log",
]

"""Deployment: serving a model online and in batches, compressing it, and skew.

Chapter 7 of *Designing Machine Learning Systems*, "Model Deployment and
Prediction Service", is about what happens once a model leaves the notebook.
A model can serve **online prediction** (a prediction computed when a request
arrives, from fresh features, within a latency budget) or **batch
prediction** (predictions precomputed periodically and looked up, cheap and
instant but as stale as the last run). Either way, the features a model sees
in production must be computed as they were for training: two pipelines, one
batch and one streaming, drift apart, and the chapter urges to unify them.
And a model that is too large or too slow can be **compressed**: pruned,
quantized, or distilled into a smaller student.

- **One feature path**: :class:`Endpoint` turns a request (a dict) and a
  batch (a DataFrame) into the model's input by the same code, with the
  training data's columns and dtypes and explicit defaults, so that
  ``predict`` one record at a time equals ``predict_batch`` on the same rows.
- **Latency**: :func:`latency_profile` times single-row requests (p50, p95,
  p99) and batches of growing size (rows per second), with the model's size on
  disk, and checks a latency budget with ``.within(budget_ms)``.
- **Compression**: :func:`compare_compression` puts variants of a fitted
  model (fewer trees, shallower trees, float32 inputs, weak features dropped,
  a distilled tree) in one table with the metric they cost and the size and
  latency they save.
- **Batch or online**: :func:`batch_vs_online` scores, on historical rows,
  the predictions a batch job run every hour, day or week would have served
  against fresh online predictions: the price of staleness.
- **Saving**: :func:`save_model` writes a model with skops, and
  :func:`load_model` loads it only if every type in it comes from
  scikit-learn, numpy or scipy, or is named in ``trusted``
  (:func:`check_trusted` does the check).
- **Skew**: :func:`skew_report` compares the features of the same entities
  computed offline and online, column by column, and names the likely cause
  (a unit change, a time zone, a missing default, a renamed category).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.tree import DecisionTreeClassifier
>>> from mlkit.deployment import Endpoint, latency_profile
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"age": rng.integers(18, 80, 500).astype(float),
...                   "visits": rng.poisson(3, 500)})
>>> y = (X["visits"] + rng.normal(size=500) > 3).astype(int)
>>> model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
>>> endpoint = Endpoint(model, X, defaults={"visits": 0})
>>> endpoint.features({"age": 41})
    age  visits
0  41.0       0
>>> one = [endpoint.predict(r) for r in X.head(50).to_dict("records")]
>>> bool((np.array(one) == endpoint.predict_batch(X.head(50))).all())
True
>>> profile = latency_profile(model, X, batch_sizes=(1, 100), n_requests=20)
>>> profile.within(1_000)
True
"""

from __future__ import annotations

from mlkit.deployment._batch_online import (
    BATCH_ONLINE_COLUMNS,
    BatchVsOnline,
    batch_vs_online,
)
from mlkit.deployment._compression import (
    COMPRESSION_COLUMNS,
    VARIANTS,
    CompressionComparison,
    compare_compression,
)
from mlkit.deployment._latency import LATENCY_COLUMNS, LatencyProfile, latency_profile
from mlkit.deployment._serving import (
    TRUSTED_MODULES,
    Endpoint,
    check_trusted,
    load_model,
    save_model,
)
from mlkit.deployment._skew import SKEW_COLUMNS, SkewReport, skew_report

__all__ = [
    "BATCH_ONLINE_COLUMNS",
    "COMPRESSION_COLUMNS",
    "LATENCY_COLUMNS",
    "SKEW_COLUMNS",
    "TRUSTED_MODULES",
    "VARIANTS",
    "BatchVsOnline",
    "CompressionComparison",
    "Endpoint",
    "LatencyProfile",
    "SkewReport",
    "batch_vs_online",
    "check_trusted",
    "compare_compression",
    "latency_profile",
    "load_model",
    "save_model",
    "skew_report",
]

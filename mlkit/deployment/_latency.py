"""Latency of online requests and throughput of batches, and the model's size.

Chapter 7 of *Designing Machine Learning Systems* contrasts online prediction,
where each request waits for its answer and latency is what users feel (the
slowest requests, the p95 and p99, more than the average), with batch
prediction, where many rows are predicted at once and throughput (rows per
second) is what counts. :func:`latency_profile` measures both for a model
behind the same :class:`~mlkit.deployment.Endpoint`, with the size of the
model on disk, so that a latency budget can be checked before deploying.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from mlkit.deployment import latency_profile
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame(rng.normal(size=(300, 4)), columns=list("abcd"))
>>> model = LogisticRegression().fit(X, X["a"] > 0)
>>> profile = latency_profile(model, X, batch_sizes=(1, 100), n_requests=20)
>>> profile.to_frame()["mode"].tolist()
['online', 'batch', 'batch']
>>> profile.online["p50_ms"] <= profile.online["p99_ms"]
True
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mlkit._exceptions import MlkitTypeError, MlkitValueError, with_hint
from mlkit._results import Result
from mlkit._validation import check_frame, check_int, check_random_state
from mlkit.deployment._common import check_model, model_columns, model_name, size_bytes
from mlkit.deployment._serving import Endpoint

if TYPE_CHECKING:
    import altair as alt

__all__ = ["LATENCY_COLUMNS", "LatencyProfile", "latency_profile"]

#: The columns of :attr:`LatencyProfile.table`.
LATENCY_COLUMNS: tuple[str, ...] = (
    "mode",
    "batch_size",
    "ms_per_batch",
    "ms_per_row",
    "rows_per_second",
)

BATCH_SIZES_ERROR = "'batch_sizes' must be {what}; got {got!r}."
BUDGET_ERROR = "'budget_ms' must be a positive number of milliseconds; got {got!r}."


def _check_batch_sizes(batch_sizes: Any) -> tuple[int, ...]:
    hint = "pass rows per batch, such as (1, 10, 100, 1000)."
    if isinstance(batch_sizes, (str, bytes)) or not isinstance(
        batch_sizes, Sequence | np.ndarray
    ):
        raise MlkitTypeError(
            with_hint(
                BATCH_SIZES_ERROR.format(what="a sequence of ints", got=batch_sizes),
                hint,
            )
        )
    values = list(batch_sizes)
    if not values:
        raise MlkitValueError(
            with_hint(
                BATCH_SIZES_ERROR.format(what="at least one size", got=batch_sizes),
                hint,
            )
        )
    if not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
    ):
        raise MlkitTypeError(
            with_hint(BATCH_SIZES_ERROR.format(what="ints", got=batch_sizes), hint)
        )
    if any(v < 1 for v in values):
        raise MlkitValueError(
            with_hint(
                BATCH_SIZES_ERROR.format(what="positive ints", got=batch_sizes),
                "a batch holds at least one row; " + hint,
            )
        )
    return tuple(sorted({int(v) for v in values}))


def time_requests(endpoint: Endpoint, records: list[dict[Any, Any]]) -> np.ndarray:
    """Milliseconds of ``endpoint.predict`` for each record, one after the other."""
    endpoint.predict(records[0])  # the first call pays for lazy set-up
    clock = time.perf_counter
    predict = endpoint.predict
    seconds = np.empty(len(records))
    for i, record in enumerate(records):
        start = clock()
        predict(record)
        seconds[i] = clock() - start
    return seconds * 1000.0


def time_batch(endpoint: Endpoint, frame: pd.DataFrame, repeats: int) -> float:
    """Median milliseconds of ``endpoint.predict_batch(frame)`` over ``repeats`` runs."""
    endpoint.predict_batch(frame)
    clock = time.perf_counter
    seconds = np.empty(repeats)
    for i in range(repeats):
        start = clock()
        endpoint.predict_batch(frame)
        seconds[i] = clock() - start
    return float(np.median(seconds) * 1000.0)


def _bytes(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


@dataclass(frozen=True, repr=False)
class LatencyProfile(Result):
    """Online latency, batch throughput and size on disk of one model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row for online requests and one per batch size; see :meth:`to_frame`.
    online : dict
        ``p50_ms``, ``p95_ms``, ``p99_ms`` and ``mean_ms`` of the single-row
        requests.
    size_bytes : int
        Bytes of the model serialised with skops (``skops.io.dumps``).
    latencies_ms : numpy.ndarray
        Milliseconds of each online request, in the order they were made.
    model : str
        The class of the model (of a pipeline's last step).
    n_rows : int
        Rows of ``X`` the requests and batches were drawn from.
    repeats : int
        Runs of each batch size; their median is reported.
    notes : tuple of str
        Batch sizes capped at the rows of ``X``.
    """

    title: ClassVar[str] = "Latency and throughput"
    table: pd.DataFrame
    online: dict[str, float]
    size_bytes: int
    latencies_ms: np.ndarray = field(compare=False)
    model: str
    n_rows: int
    repeats: int
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per mode of serving.

        Columns: ``mode`` ("online": single-row requests through the endpoint,
        one after the other; "batch": ``predict_batch`` on ``batch_size``
        rows), ``batch_size``, ``ms_per_batch`` (median milliseconds: of the
        requests for "online", of ``repeats`` runs for "batch"), ``ms_per_row``
        and ``rows_per_second`` (``1000 * batch_size / ms_per_batch``).
        """
        return self.table.copy()

    def within(self, budget_ms: float) -> bool:
        """Whether the p99 of online requests is at most ``budget_ms`` milliseconds."""
        if (
            isinstance(budget_ms, bool)
            or not isinstance(budget_ms, numbers.Real)
            or not budget_ms > 0
        ):
            raise MlkitValueError(
                with_hint(
                    BUDGET_ERROR.format(got=budget_ms),
                    "pass the latency the product allows, such as within(100).",
                )
            )
        return bool(self.online["p99_ms"] <= budget_ms)

    def chart(self) -> alt.HConcatChart:
        """Online latency percentiles, and batch throughput against batch size (log)."""
        import altair as alt

        from mlkit.charts import FONT_SIZE, GREY, PALETTE, TEXT, _title

        stats = pd.DataFrame(
            {
                "statistic": ["p50", "p95", "p99"],
                "ms": [self.online[f"{p}_ms"] for p in ("p50", "p95", "p99")],
            }
        )
        base = alt.Chart(stats).encode(
            x=alt.X("statistic:N", sort=list(stats["statistic"]), title="percentile"),
            y=alt.Y("ms:Q", title="milliseconds per request"),
        )
        online = (
            base.mark_bar(color=PALETTE[0]).encode(
                tooltip=["statistic:N", alt.Tooltip("ms:Q", format=".3g")]
            )
            + base.mark_text(dy=-6, fontSize=FONT_SIZE - 1, color=TEXT).encode(
                text=alt.Text("ms:Q", format=".3g")
            )
        ).properties(
            width=180,
            height=220,
            title=_title(
                "Online: one request at a time",
                f"{len(self.latencies_ms):,} requests; mean "
                f"{self.online['mean_ms']:.3g} ms",
            ),
        )
        batch = self.table[self.table["mode"] == "batch"]
        one = float(
            self.table.loc[self.table["mode"] == "online", "rows_per_second"].iloc[0]
        )
        lines = (
            alt.Chart(batch)
            .mark_line(point=True, color=PALETTE[1])
            .encode(
                x=alt.X(
                    "batch_size:Q",
                    scale=alt.Scale(type="log"),
                    title="rows per batch (log scale)",
                ),
                y=alt.Y("rows_per_second:Q", title="rows per second"),
                tooltip=[
                    "batch_size:Q",
                    alt.Tooltip("ms_per_batch:Q", format=".3g"),
                    alt.Tooltip("rows_per_second:Q", format=",.0f"),
                ],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"rows_per_second": [one]}))
            .mark_rule(strokeDash=[4, 3], color=GREY)
            .encode(y="rows_per_second:Q")
        )
        throughput = (lines + rule).properties(
            width=300,
            height=220,
            title=_title(
                "Batch: throughput against batch size",
                f"median of {self.repeats} runs; dashed: one request at a time",
            ),
        )
        return alt.hconcat(online, throughput).properties(
            title=_title(
                f"Serving {self.model}", f"model size {_bytes(self.size_bytes)}"
            )
        )

    def explain(self) -> str:
        o = self.online
        batch = self.table[self.table["mode"] == "batch"]
        best = batch.loc[batch["rows_per_second"].idxmax()]
        one = float(
            self.table.loc[self.table["mode"] == "online", "rows_per_second"].iloc[0]
        )
        text = (
            f"{self.model} answers one request in {o['p50_ms']:.3g} ms at the median "
            f"and {o['p99_ms']:.3g} ms at the p99 ({len(self.latencies_ms):,} requests "
            f"through one Endpoint). In batches of {int(best['batch_size']):,} rows it "
            f"predicts {best['rows_per_second']:,.0f} rows per second, "
            f"{best['rows_per_second'] / one:,.1f} times the rate of one request at a "
            f"time. Saved with skops it takes {_bytes(self.size_bytes)}. "
        )
        if self.notes:
            text += " ".join(self.notes) + " "
        text += (
            "Chapter 7 of Designing Machine Learning Systems: online prediction must "
            "answer within the product's latency budget for nearly every request, so "
            "check the p99 (within(budget_ms)), not the mean; batch prediction trades "
            "fresh predictions for throughput. Timings depend on the machine and its "
            "load: compare models measured on the same machine."
        )
        return text


def latency_profile(
    model: Any,
    X: pd.DataFrame,
    *,
    batch_sizes: Sequence[int] = (1, 10, 100, 1000),
    n_requests: int = 200,
    repeats: int = 5,
    random_state: int | None = 0,
) -> LatencyProfile:
    """Time a model served online (one row per request) and in batches.

    Parameters
    ----------
    model : fitted scikit-learn model or Pipeline
    X : pandas.DataFrame
        Rows to send, such as the test rows; the model's feature columns are
        used (others, such as the target, are ignored) and their dtypes become
        the Endpoint's schema.
    batch_sizes : sequence of int, default (1, 10, 100, 1000)
        Rows per batch. A size larger than ``X`` is capped at its rows, with a
        note.
    n_requests : int, default 200
        Single-row requests, each a row of ``X`` drawn at random (with
        replacement) and sent as a dict through :meth:`Endpoint.predict`,
        timed one by one with ``time.perf_counter``.
    repeats : int, default 5
        Runs of each batch size; the median is reported.
    random_state : int, optional
        Seed of the rows drawn.

    Returns
    -------
    LatencyProfile
        ``.online`` percentiles, ``.table``, ``.size_bytes``, ``.within()``,
        ``.chart()``, ``.explain()``.

    Notes
    -----
    Each online request includes what serving one costs: turning the dict into
    the one-row frame of the schema's dtypes, the preprocessing and the model.
    The first request and the first run of each batch are made before timing,
    so that one-off set-up is not counted. Timings vary from run to run and
    machine to machine; the rows drawn do not.

    A model that starts threads at every call (histogram gradient boosting
    with OpenMP, a random forest with ``n_jobs=-1``) pays for them on every
    single-row request, and on a busy machine that can dominate its p99. A
    server that answers one row at a time often runs such models on one
    thread: ``threadpoolctl.threadpool_limits(1)`` around the calls, or
    ``n_jobs=1``; profile both ways to choose.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from mlkit.deployment import latency_profile
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=500), "z": rng.normal(size=500)})
    >>> model = DecisionTreeRegressor(max_depth=3).fit(X, X["x"] * 2)
    >>> profile = latency_profile(model, X, batch_sizes=(10, 1000), n_requests=20)
    >>> profile.to_frame()["batch_size"].tolist()
    [1, 10, 500]
    >>> profile.notes
    ('Batch size 1,000 is capped at the 500 rows of X.',)
    """
    check_model(model)
    check_frame(X, "X")
    sizes = _check_batch_sizes(batch_sizes)
    n_requests = check_int(n_requests, "n_requests", 1, "200")
    repeats = check_int(repeats, "repeats", 1, "5")
    rng = check_random_state(random_state)
    schema = X[model_columns(model, X, "X")]
    endpoint = Endpoint(model, schema)
    n = len(schema)
    records = schema.iloc[rng.integers(0, n, n_requests)].to_dict("records")
    latencies = time_requests(endpoint, records)
    online = {
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "mean_ms": float(latencies.mean()),
    }
    rows = [
        {
            "mode": "online",
            "batch_size": 1,
            "ms_per_batch": online["p50_ms"],
            "ms_per_row": online["p50_ms"],
            "rows_per_second": 1000.0 / online["p50_ms"],
        }
    ]
    notes = []
    measured: set[int] = set()
    order = rng.permutation(n)
    for size in sizes:
        used = min(size, n)
        if used < size:
            notes.append(f"Batch size {size:,} is capped at the {n:,} rows of X.")
        if used in measured:
            continue
        measured.add(used)
        ms = time_batch(endpoint, schema.iloc[order[:used]], repeats)
        rows.append(
            {
                "mode": "batch",
                "batch_size": used,
                "ms_per_batch": ms,
                "ms_per_row": ms / used,
                "rows_per_second": 1000.0 * used / ms,
            }
        )
    table = pd.DataFrame(rows, columns=list(LATENCY_COLUMNS)).astype(
        {"batch_size": "int64"}
    )
    return LatencyProfile(
        table=table,
        online=online,
        size_bytes=size_bytes(model),
        latencies_ms=latencies,
        model=model_name(model),
        n_rows=n,
        repeats=repeats,
        notes=tuple(notes),
    )

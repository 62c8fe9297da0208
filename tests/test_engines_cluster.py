"""The four statistics on a Dask table spread over many partitions, on a distributed
cluster: the way notebook 10 and a multi-machine cluster run them."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from mlkit.calibration import reliability
from mlkit.evaluation import slice_metrics
from mlkit.fairness import group_metrics
from mlkit.monitoring import drift_report, write_prediction_log


@pytest.fixture(scope="module")
def client():
    # Worker processes on 127.0.0.1: the partial counts sent between workers
    # are those of a cluster of machines.
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    folder = write_prediction_log(tmp_path_factory.mktemp("log"), 60_000, n_files=40)
    return pd.read_parquet(folder), dd.read_parquet(folder)


# Small intersectional groups, on purpose: many of them.
@pytest.mark.filterwarnings("ignore::mlkit.fairness.UndefinedRateWarning")
@pytest.mark.filterwarnings("ignore::mlkit.fairness.SmallGroupWarning")
def test_many_partitions_on_a_cluster_equal_pandas(client, log):
    frame, table = log
    assert table.npartitions == 40
    after, after_table = frame[frame["day"] >= 20], table[table["day"] >= 20]
    # Many groups over many partitions, their partial counts merged between workers.
    got = reliability("label", "score", n_bins=50, data=after_table)
    expected = reliability(after["label"], after["score"], n_bins=50)
    pd.testing.assert_frame_equal(got.table, expected.table, rtol=1e-9)
    got = group_metrics(
        "label",
        "prediction",
        sensitive_features=["segment", "channel", "age"],
        y_prob="score",
        data=after_table,
        min_group_size=0,
    )
    expected = group_metrics(
        after["label"],
        after["prediction"],
        sensitive_features=after[["segment", "channel", "age"]],
        y_prob=after["score"],
        min_group_size=0,
    )
    pd.testing.assert_frame_equal(got.by_group, expected.by_group, rtol=1e-9)
    got = slice_metrics(
        "label",
        "prediction",
        slices=["segment", "age"],
        n_bootstrap=0,
        data=after_table,
    )
    expected = slice_metrics(
        after["label"],
        after["prediction"],
        slices=after[["segment", "age"]],
        n_bootstrap=0,
    )
    pd.testing.assert_frame_equal(got.by_slice, expected.by_slice, rtol=1e-9)
    columns = ["segment", "channel", "age", "amount"]
    got = drift_report(table[table["day"] < 20], after_table, columns=columns)
    expected = drift_report(frame[frame["day"] < 20], after, columns=columns)
    assert got.drifted == expected.drifted
    exact = got.table["column"] != "amount"
    np.testing.assert_allclose(
        got.table.loc[exact, "statistic"], expected.table.loc[exact, "statistic"]
    )
    gap = (
        expected.table["statistic"][~exact].iloc[0]
        - got.table["statistic"][~exact].iloc[0]
    )
    assert 0 <= gap <= got.ks_error["amount"] + 1e-12

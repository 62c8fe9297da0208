"""Notebook 10's optional cluster section, without Dask: it says so and moves on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

import mlkit as mk

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "10_monitoring.ipynb"


def cells():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [c for c in nb.cells if c.get("id", "").startswith("cluster")]


def test_without_dask_the_section_is_skipped_with_a_message(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name.split(".")[0] in ("dask", "distributed"):
            return None  # as on a laptop set up with `make lab`
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    shown = []
    namespace = {
        "mk": mk,
        "display": shown.append,
        "Markdown": lambda text: text,
        "run_dir": "unused",
    }
    for cell in cells():
        if cell.cell_type == "code":
            exec(
                cell.source, namespace
            )  # the notebook's own cells, as a kernel runs them
    assert namespace["has_dask"] is False
    assert len(shown) == 1
    assert "Dask is not installed, so this section is skipped" in shown[0]
    assert 'pip install "dmls-mlkit[engines]"' in shown[0]


def test_the_section_cleans_up_after_itself():
    source = "\n".join(c.source for c in cells() if c.cell_type == "code")
    assert "tempfile.mkdtemp()" in source
    assert "shutil.rmtree(log_folder)" in source
    assert "client.close()" in source
    assert "cluster.close()" in source
    assert 'host="127.0.0.1"' in source

"""Headless execution: kernels started ahead of their notebook, and their settings."""

from __future__ import annotations

import json

import nbformat

from mlkit._execute import KernelPool, execute_notebook, warm_up_modules


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def _printed(nb, index):
    return "".join(out.get("text", "") for out in nb.cells[index].outputs)


def test_warm_up_modules_reads_imports_and_the_parts_of_mlkit_used(tmp_path):
    path = _notebook(
        tmp_path / "n.ipynb",
        "import json\nfrom pathlib import Path\nimport mlkit as mk",
        "mk.charts.enable_offline()\nlog = mk.design.DesignLog('x')",
        "%matplotlib inline\nimport never_reached",  # a magic: not Python, skipped
        "def f():\n    import inside_a_function\n",  # not at the top of a cell
        "from . import relative",
    )
    modules = warm_up_modules(nbformat.read(path, as_version=4))
    assert modules == ["json", "pathlib", "mlkit", "mlkit.charts", "mlkit.design"]


def test_a_modelling_notebook_warms_up_scikit_learn(tmp_path):
    path = _notebook(tmp_path / "n.ipynb", "import mlkit as mk", "mk.models.ladder")
    modules = warm_up_modules(nbformat.read(path, as_version=4))
    assert modules[:2] == ["mlkit", "mlkit.models"]
    assert "sklearn.ensemble" in modules
    assert "skops.io" in modules


def test_a_prepared_kernel_is_fresh_with_its_imports_done(tmp_path):
    path = _notebook(
        tmp_path / "n.ipynb",
        "import sys\nprint('json' in sys.modules, 'mlkit.design' in sys.modules)",
        "import json, os\nimport mlkit as mk\nmk.design",
        "print(sorted(n for n in globals() if not n.startswith('_') and n not in "
        "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')))",
        "print(os.environ['OMP_NUM_THREADS'], os.environ['MLKIT_WIDGETS'])",
    )
    with KernelPool() as pool:
        pool.prepare(path)
        kernel = pool.take(path, tmp_path)
        assert kernel is not None
        assert kernel.is_alive()
        nb = execute_notebook(path, tmp_path / "done.ipynb", kernel=kernel)
        assert not kernel.is_alive()  # shut down once the notebook is done
    assert _printed(nb, 0).split() == ["True", "True"]
    # Nothing of the warm-up is left in the namespace, and counting starts at 1.
    assert _printed(nb, 2).strip() == str(["json", "mk", "os", "sys"])
    assert [cell.execution_count for cell in nb.cells] == [1, 2, 3, 4]
    assert _printed(nb, 3).split() == ["1", "static"]


def test_a_kernel_prepared_for_another_notebook_is_not_used(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "1")
    second = _notebook(tmp_path / "b.ipynb", "import sys\nprint('json' in sys.modules)")
    with KernelPool() as pool:
        pool.prepare(first)
        assert pool.take(second, tmp_path) is None
        assert pool.take(first, tmp_path) is None  # discarded, shut down
        nb = execute_notebook(second, tmp_path / "done.ipynb")
    assert nb.cells[0].outputs


def test_a_kernel_nobody_takes_is_shut_down(tmp_path):
    path = _notebook(tmp_path / "n.ipynb", "1")
    pool = KernelPool()
    pool.prepare(path)
    kernel = pool._pending[2].result()
    assert kernel.is_alive()
    pool.close()
    assert not kernel.is_alive()


def test_the_caller_s_thread_settings_reach_the_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    path = _notebook(
        tmp_path / "n.ipynb",
        "import json, os\nprint(json.dumps(os.environ['OMP_NUM_THREADS']))",
    )
    nb = execute_notebook(path, tmp_path / "done.ipynb")
    assert json.loads(_printed(nb, 0)) == "3"

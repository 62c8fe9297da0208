"""The guided notebooks: their conventions, and a run of each on every case it supports.

Each run starts a fresh kernel, headless, with the case injected as papermill would;
network access is blocked in the kernel too (see conftest.py).
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

import mlkit as mk
from mlkit._execute import KernelPool, execute_notebook
from mlkit.design import STAGES, DesignLog

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BY_NOTEBOOK = {s.notebook: s for s in STAGES}
# The shipped cases by name, and the test cases by path (as a user's own case would be).
CASES = {
    "spam": "spam",
    "income": "income",
    "fraud": "fraud",
    "bikes": "bikes",
    "demand": str(ROOT / "tests" / "cases" / "demand"),
    "triage": str(ROOT / "tests" / "cases" / "triage"),
}


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param


def test_the_notebooks_are_the_stages():
    assert {p.name for p in NOTEBOOKS} <= set(BY_NOTEBOOK)
    assert {"00_start_here.ipynb", "01_scoping.ipynb"} <= {p.name for p in NOTEBOOKS}


def test_stored_without_outputs(notebook):
    for cell in code_cells(load(notebook)):
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None


def test_standard_kernel_and_valid_format(notebook):
    nb = load(notebook)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_first_cells_title_then_parameters(notebook):
    nb = load(notebook)
    title, parameters = nb.cells[0], nb.cells[1]
    assert title.cell_type == "markdown"
    assert title.source.startswith("# ")
    assert "What you will learn" in title.source
    assert "What you decide here" in title.source
    assert parameters.metadata.get("tags") == ["parameters"]
    names = [n.targets[0].id for n in ast.parse(parameters.source).body]
    assert names == ["case", "run_dir", "iteration"]
    assert "import mlkit as mk" in nb.cells[2].source
    assert "mk.charts.enable_offline()" in nb.cells[2].source


def test_data_only_through_mlkit_cases(notebook):
    """Case data come from mk.cases; a notebook may only read files it wrote itself,
    in a temporary folder (02_data compares formats that way)."""
    cells = code_cells(load(notebook))
    writes_temp = any("tempfile.mkdtemp()" in cell.source for cell in cells)
    for cell in cells:
        source = cell.source
        assert "case_studies" not in source
        assert not re.search(r"[\"'](\.\./)*data/", source), source
        assert "import *" not in source
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    node.func.attr.startswith("read_")
                    or ast.unparse(node.func) in ("np.load", "json.load", "pickle.load")
                )
            ):
                first = node.args[0] if node.args else None
                assert not isinstance(first, ast.Constant), ast.unparse(node)
                assert writes_temp, ast.unparse(node)


def test_no_placeholders(notebook):
    text = notebook.read_text(encoding="utf-8")
    assert not re.search(r"\bTODO\b|\bFIXME\b|\bXXX\b", text)


def test_only_tagged_cells_may_raise(notebook):
    tags = Counter(
        tag for c in load(notebook).cells for tag in c.metadata.get("tags", [])
    )
    # Exercises: a `solution` cell in the notebooks, an `exercise` one in the learners' copy.
    assert set(tags) <= {"parameters", "raises-exception", "solution", "exercise"}


def test_no_helper_is_defined_in_two_notebooks():
    defined: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        for cell in code_cells(load(path)):
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined.setdefault(node.name, []).append(path.name)
    shared = {name: where for name, where in defined.items() if len(set(where)) > 1}
    assert not shared, f"move these into mlkit: {shared}"


@pytest.fixture(autouse=True)
def strict_exercises(monkeypatch):
    # The kernel inherits the environment: a solution that its checker does not
    # accept then fails the run instead of showing a red box.
    monkeypatch.setenv(mk.exercises.STRICT_ENV, "strict")


def runs():
    for path in NOTEBOOKS:
        stage = BY_NOTEBOOK[path.name]
        for name, case in CASES.items():
            if mk.cases.load(case).spec.applies(stage.slug):
                yield pytest.param(path, case, id=f"{path.stem}-{name}")


RUNS = list(runs())


@pytest.fixture(scope="module")
def kernels():
    """Each notebook's kernel starts, with its imports, while the one before runs."""
    with KernelPool() as pool:
        yield pool


@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    """One run folder per case, shared by the notebooks in the order of the stages:
    each notebook reads what the earlier ones decided and saved, as in `mlkit run`."""
    base = tmp_path_factory.mktemp("chained")
    return lambda name: base / name


@pytest.mark.notebook
@pytest.mark.parametrize(("path", "case"), RUNS)
def test_notebook_runs_on_case(path, case, tmp_path, chained, kernels):
    runs_dir = chained(Path(case).name)
    # Where `mlkit run` puts the executed copy, for the design report below.
    out = runs_dir / mk.cases.load(case).name / "iter-1" / path.name
    kernel = kernels.take(path, path.parent)
    index = [r.values for r in RUNS].index((path, case))
    if index + 1 < len(RUNS):
        kernels.prepare(RUNS[index + 1].values[0])
    nb = execute_notebook(
        path,
        out,
        parameters={"case": case, "run_dir": str(runs_dir), "iteration": "latest"},
        kernel=kernel,
    )
    errors = [
        (i, o["ename"])
        for i, cell in enumerate(nb.cells)
        for o in cell.get("outputs", [])
        if o["output_type"] == "error"
        and "raises-exception" not in cell.metadata.get("tags", [])
    ]
    assert not errors
    html = [
        o["data"]["text/html"]
        for cell in code_cells(nb)
        for o in cell.outputs
        if "text/html" in o.get("data", {})
    ]
    assert sum("window.vegaEmbed=" in h for h in html) == 1  # the library, once
    # Headless, explorers show their table and chart: a saved widget view would
    # show "model not found" once the kernel is gone.
    assert not any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for cell in code_cells(nb)
        for o in cell.outputs
    )
    assert (
        sum("window.vegaEmbed(el, spec" in h for h in html) >= 1
    )  # and charts using it
    for cell in nb.cells:
        if "raises-exception" in cell.metadata.get("tags", []):
            (error,) = [o for o in cell.outputs if o["output_type"] == "error"]
            assert "Hint:" in "\n".join(error["traceback"])
            assert not any("mlkit/cases.py" in line for line in error["traceback"])
    stage = BY_NOTEBOOK[path.name].slug
    log = DesignLog(mk.cases.load(case).name, run_dir=runs_dir)
    decided = [d for d in log.decisions if d.stage == stage]
    assert decided, f"{path.name} recorded no decision for its stage {stage}"
    for d in decided:
        assert d.rationale, d.key
        json.dumps(d.evidence)


@pytest.mark.notebook
@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_the_chained_run_makes_a_design_report(case, chained):
    from mlkit._report import write_report

    c = mk.cases.load(case)
    log = DesignLog(c.name, run_dir=chained(Path(case).name))
    executed = [
        log.folder / p.name for p in NOTEBOOKS if (log.folder / p.name).is_file()
    ]
    if not executed:
        pytest.skip("run with the notebook tests of this case")
    md_path, html_path = write_report(
        c, log, notebooks=executed, seconds=[0.0] * len(executed)
    )
    report = md_path.read_text()
    for d in log.decisions:
        assert d.question in report, d.key
    assert report.count("chart(s) from the notebook") == len(executed)
    if c.spec.applies("offline_evaluation"):
        assert "## Final metrics on the test rows" in report
        metrics = log.load_artifact("test_metrics")
        assert (metrics["low"] <= metrics["value"]).all()
        assert (metrics["value"] <= metrics["high"]).all()
    if c.spec.applies("fairness"):
        assert "## Model card" in report
    page = html_path.read_text()
    assert "<script src" not in page
    assert page.count('class="mlkit-chart"') >= len(executed)


#: Measured times: keys of evidence, metrics and tables that hold them.
TIMED_KEY = re.compile(r"(^time$|^duration_s$|_ms$|\(ms\)$|seconds$|per_second$)")
#: ... and the words of a rationale that report them.
TIMED_TEXT = re.compile(r"\d[\d,.]*\s?ms\b|\b(faster|slower)\b")


def same(x, y) -> bool:
    """Equal, floats to 1e-12 relative: a tree ensemble's sums may differ in the last bit."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    if isinstance(x, float) and isinstance(y, float):
        return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))
    return x == y


def without_times(value):
    """A design-log entry with its timestamps and measured times taken out."""
    if isinstance(value, dict):
        return {
            k: without_times(v) for k, v in value.items() if not TIMED_KEY.search(k)
        }
    if isinstance(value, list):
        return [without_times(v) for v in value]
    if isinstance(value, str):
        return TIMED_TEXT.sub("<time>", value)
    return value


@pytest.mark.notebook
@pytest.mark.slow
def test_mlkit_run_repeats_the_chained_run_exactly(chained, tmp_path):
    """Determinism: the notebook tests' chained run of a case is a first run;
    `mlkit run` of the same case is a second. Their design logs (every decision,
    its evidence and rationale, every experiment's metrics, every artifact) are
    identical, timestamps and measured times aside."""
    from mlkit._execute import run_case

    c = mk.cases.load(CASES["demand"])
    first = DesignLog(c.name, run_dir=chained("demand"))
    if not (first.folder / NOTEBOOKS[-1].name).is_file():
        pytest.skip("run with the notebook tests of this case")
    second = run_case(c, out=tmp_path, progress=False, echo=lambda _: None).log

    def entries(log):
        lines = log.path.read_text(encoding="utf-8").splitlines()
        return [without_times(json.loads(line)) for line in lines]

    a, b = entries(first), entries(second)
    assert [(e["type"], e.get("key") or e.get("name")) for e in a] == [
        (e["type"], e.get("key") or e.get("name")) for e in b
    ]
    models = set()
    for x, y in zip(a, b, strict=True):
        if x["type"] == "artifact" and x["kind"] == "estimator":
            # skops names each array of a model file after the object's id(), so
            # the bytes differ between runs; the models' predictions are compared.
            models.add(x["name"])
            x, y = dict(x, sha256=None), dict(y, sha256=None)
        assert same(x, y), (x, y)
    assert models, "the run saved no model"
    rows = c.load_data().drop(columns=[c.spec.target]).head(100)
    for name in models:
        model_a, model_b = first.load_artifact(name), second.load_artifact(name)
        features = list(getattr(model_a, "feature_names_in_", rows.columns))
        assert (
            model_a.predict(rows[features]).tolist()
            == model_b.predict(rows[features]).tolist()
        )


@pytest.mark.notebook
@pytest.mark.parametrize(
    ("case", "treatment", "said"),
    [
        ("spam", "class_weight", "class_weight gives"),
        # The ensemble encodes inside its members: oversampling stands in for SMOTE.
        ("spam", "smote", "oversampling stands in"),
        # Boosting has its own encoder: SMOTE runs on the encoded rows.
        ("income", "smote", "smote gives"),
    ],
)
def test_model_development_applies_the_recorded_imbalance_treatment(
    case, treatment, said, tmp_path
):
    runs_dir = tmp_path / "runs"
    name = mk.cases.load(case).name
    DesignLog(name, run_dir=runs_dir).record(
        "imbalance.treatment",
        stage="training_data",
        question="How do we treat class imbalance?",
        choice=treatment,
        rationale="recorded by the test",
    )
    path = ROOT / "notebooks" / "06_model_development.ipynb"
    execute_notebook(
        path,
        tmp_path / path.name,
        parameters={"case": case, "run_dir": str(runs_dir), "iteration": "latest"},
    )
    log = DesignLog(name, run_dir=runs_dir)
    runs = log.experiments(stage="model_development")
    (treated,) = [n for n in runs["name"] if n.endswith(f"+{treatment}")]
    (decision,) = [d for d in log.decisions if d.key == "model.imbalance"]
    assert said in decision.rationale
    assert treated.split("+")[0] in decision.rationale

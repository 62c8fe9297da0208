"""The guided notebooks in a real browser: JupyterLab in headless Chromium.

A throwaway JupyterLab serves copies of the notebooks on 127.0.0.1, with a random
token. Each test opens one notebook with the ``playwright`` package driving Debian's
``chromium`` (``/usr/bin/chromium``; playwright never downloads a browser here),
blocks every request to another host, runs all cells and checks what a person
would see: no cell shows an error (except cells tagged ``raises-exception``), the
charts draw, the ipywidgets sliders render, and moving a slider changes the
numbers shown. Screenshots go to ``shots/<notebook>/`` (ignored by git).

Without chromium or playwright the tests skip and say how to get them; with
``MLKIT_BROWSER_TESTS=require`` (set by ``.ci/run``) they fail instead.

To check another notebook, add a line to ``BROWSER_NOTEBOOKS``: its minimum number
of drawn charts (a little below what it shows, so a rewritten prose cell does not
break the test) and of sliders.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "shots"

# notebook stem -> at least this many drawn charts and rendered sliders; "move" is
# the index of the slider moved (default the first; -1 the last); "controls" are
# more controls to use, each (kind, index among the controls of that kind, value):
# a slider moved right, a text box typed into, a dropdown's option chosen by index;
# each must change the numbers shown. "case" replaces the parameters cell's default
# case in the copy.
BROWSER_NOTEBOOKS = {
    "00_start_here": dict(charts=2, sliders=0),
    "04_labels": dict(charts=6, sliders=0, controls=[("text", 0, "subscribe")]),
    "07_offline_evaluation": dict(
        charts=8, sliders=4, move=-1, controls=[("slider", 2, None)]
    ),
    "08_fairness_and_responsible_ml": dict(charts=4, sliders=1, case="income"),
    "10_monitoring": dict(charts=6, sliders=0, controls=[("select", 1, 1)]),
}
# Small notebooks written by the tests (cells: source and tags). The first passes
# every check, so the slider check runs even while no guided notebook has a slider;
# the second breaks each check, to show that the checks see what goes wrong.
_IMPORTS = "import altair as alt\nimport ipywidgets as widgets\nimport pandas as pd\n"
_CHART = (
    'frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": [3, 1, 4, 2]})\n'
    'alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q")'
)
_SLIDER = 'slider = widgets.IntSlider(value=3, min=0, max=20, description="n")\n'
CHECK_NOTEBOOKS = {
    "widget_check": [
        (_IMPORTS + "\nimport mlkit as mk\n\nmk.charts.enable_offline()", []),
        (_CHART, []),
        ('raise ValueError("shown on purpose")', ["raises-exception"]),
        (
            _SLIDER + 'square = widgets.Label(value="n squared = 9")\n\n\n'
            "def show_square(change):\n"
            '    square.value = f"n squared = {change.new**2}"\n\n\n'
            'slider.observe(show_square, names="value")\n'
            "widgets.VBox([slider, square])",
            [],
        ),
    ],
    "broken_check": [
        (
            _IMPORTS + '\nalt.renderers.enable("html")  # loads Vega from the internet',
            [],
        ),
        (_CHART, []),
        (_SLIDER + 'widgets.VBox([slider, widgets.Label("nothing observes n")])', []),
        ('raise ValueError("not on purpose")', []),
        ('print("after the error")', []),
    ],
}

# Debian's chromium; MLKIT_CHROMIUM names another build of it (a snap, say).
CHROMIUM = os.environ.get("MLKIT_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("MLKIT_BROWSER_TESTS", "").lower() == "require"
CHROMIUM_ARGS = [  # no background traffic: the machine may have no internet
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
# Seconds. Notebooks take 10 to 60 s to run; CI machines are slow and shared.
START_TIMEOUT = 120
KERNEL_TIMEOUT = 120
RUN_TIMEOUT = 300
RENDER_TIMEOUT = 60  # for charts and widgets to draw, for a slider to answer
MAX_SHOTS = 40  # element screenshots per notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The toolbar says "idle" before a kernel is attached, so a kernel name is required too
# (else "run all" silently runs nothing).
JS_KERNEL_READY = """() => {
  const panel = document.querySelector('.jp-NotebookPanel');
  const status = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const name = panel && panel.querySelector('.jp-Toolbar-kernelName');
  const shown = name ? name.textContent.trim() : '';
  return !!status && status.dataset.status === 'idle' && shown !== ''
    && shown !== 'No Kernel';
}"""
# Finished when the kernel is idle, no cell waits ("[*]") and one cell ran ("[1]").
# Not "every cell ran": after an untagged error Run All stops, and the test should
# report that error rather than time out.
JS_RUN_FINISHED = """() => {
  const status = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim());
  return !!status && status.dataset.status === 'idle'
    && !prompts.some(p => p.includes('*')) && prompts.some(p => /\\d/.test(p));
}"""
# The notebook as the page holds it (needs --expose-app-in-browser): tags, execution
# counts and error outputs per cell, in the order of the cells on the page.
JS_CELLS = """(path) => {
  const panel = [...window.jupyterapp.shell.widgets('main')]
    .find(w => w.context && w.context.path === path);
  return panel.content.model.toJSON().cells.map(c => {
    const source = Array.isArray(c.source) ? c.source.join('') : c.source;
    return {
      type: c.cell_type,
      source: source,
      tags: (c.metadata && c.metadata.tags) || [],
      count: c.execution_count === undefined ? null : c.execution_count,
      errors: (c.outputs || []).filter(o => o.output_type === 'error')
        .map(o => o.ename + ': ' + o.evalue),
    };
  });
}"""
SEL_DRAWN = ".jp-Notebook .vega-embed svg.marks, .jp-Notebook .vega-embed canvas.marks"
SEL_SLIDER = ".jp-Notebook .jp-OutputArea-output .widget-slider"
SEL_WIDGET_AREA = ".jp-Notebook .jp-OutputArea-output:has(.jupyter-widgets)"
# Every mlkit chart (see mlkit.charts._chart_html) drew or wrote why it could not.
JS_CHARTS_SETTLED = """() => [...document.querySelectorAll('.jp-Notebook .mlkit-chart')]
  .every(el => el.querySelector('svg.marks, canvas.marks') || el.textContent.trim() !== '')"""
JS_BROKEN_CHARTS = """() => [...document.querySelectorAll('.jp-Notebook .mlkit-chart')]
  .filter(el => !el.querySelector('svg.marks, canvas.marks'))
  .map(el => el.textContent.trim().slice(0, 200))"""
# How much of the notebook is scrolled out of sight; back to its top.
JS_SCROLLER = """document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')
  || document.querySelector('.jp-NotebookPanel .jp-Notebook')"""
JS_HIDDEN_HEIGHT = f"""() => {{
  const scroller = {JS_SCROLLER};
  return Math.max(0, scroller.scrollHeight - scroller.clientHeight);
}}"""
JS_SCROLL_TOP = f"() => {{ ({JS_SCROLLER}).scrollTop = 0; }}"
JS_COUNT_AT_LEAST = "([sel, n]) => document.querySelectorAll(sel).length >= n"
# Text of the outputs of the slider's cell and of the next code cell, without the
# sliders themselves (their readout moves anyway) and without scripts (chart specs).
JS_OUTPUT_TEXT = """(slider) => {
  const cell = slider.closest('.jp-Cell');
  let next = cell.nextElementSibling;
  while (next && !next.classList.contains('jp-CodeCell')) next = next.nextElementSibling;
  return [cell, next].filter(Boolean).map(c => {
    const area = c.querySelector('.jp-OutputArea');
    if (!area) return '';
    const copy = area.cloneNode(true);
    copy.querySelectorAll('.widget-slider, script, style').forEach(e => e.remove());
    return copy.textContent.replace(/\\s+/g, ' ').trim();
  }).join(' | ');
}"""
JS_TEXT_CHANGED = "([el, before]) => el.textContent.trim() !== before"
JS_OUTPUT_CHANGED = f"([slider, before]) => ({JS_OUTPUT_TEXT})(slider) !== before"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "the Python package playwright is missing: install the test tools with "
            "`make test` or `pip install -e '.[test]'`"
        )
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"no Chromium at {CHROMIUM}: install Debian's browser with "
            "`sudo apt-get install chromium` (playwright drives it; "
            "`playwright install` is not needed)"
        )
    return None


def _skip_or_fail() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if REQUIRE:
        pytest.fail(f"MLKIT_BROWSER_TESTS=require, but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def _set_case(path: Path, case: str) -> None:
    """Make ``case`` the default of a copied notebook's parameters cell."""
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    first, rest = cell.source.split("\n", 1)
    assert first.startswith("case = "), first
    cell.source = f"case = {case!r}" + "\n" + rest
    nbformat.write(nb, path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_notebook(path: Path, cells: list[tuple[str, list[str]]]) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})
            for source, tags in cells
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it answers, and the folder it serves."""

    url: str
    token: str
    root: Path

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def _lab_settings(settings: Path) -> None:
    """No autosave (the served copies stay as they were), every cell in the DOM
    (windowing off, so all outputs can be found and screenshot), no news toast."""
    files = {
        "docmanager-extension/plugin": {"autosave": False},
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for name, values in files.items():
        target = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _stop(process: subprocess.Popen) -> None:
    """Stop JupyterLab and what it started: it shuts its kernels down on SIGTERM."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on copies of the notebooks, on 127.0.0.1 with a random token."""
    _skip_or_fail()
    root = tmp_path_factory.mktemp("browser")
    # The notebooks' default run_dir is "../runs": with the copies in root/notebooks,
    # their runs land in root/runs.
    shutil.copytree(
        ROOT / "notebooks",
        root / "notebooks",
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "runs"),
    )
    for stem, expected in BROWSER_NOTEBOOKS.items():
        if "case" in expected:
            _set_case(root / "notebooks" / f"{stem}.ipynb", expected["case"])
    (root / "checks").mkdir()
    for name, cells in CHECK_NOTEBOOKS.items():
        _write_notebook(root / "checks" / f"{name}.ipynb", cells)
    home = tmp_path_factory.mktemp("jupyter_home")
    _lab_settings(home / "settings")
    # Nothing from the user's ~/.jupyter leaks in, nothing is left there.
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    )
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # The tests read each cell's outputs from the page's notebook model.
        "--expose-app-in-browser",
    ]
    if os.geteuid() == 0:  # JupyterLab refuses to run as root without it
        command.append("--allow-root")
    log_path = home / "jupyterlab.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    found = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"jupyter lab exited with {process.returncode}:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            try:
                found.api("GET", "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"jupyter lab did not answer within {START_TIMEOUT} s:\n"
                        + log_path.read_text(errors="replace")[-3000:]
                    )
                time.sleep(0.25)
        yield found
    finally:
        with contextlib.suppress(OSError):
            found.shut_down_kernels()
        _stop(process)


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(locator, path: Path) -> None:
    """Screenshot one element; a picture that cannot be taken fails no test."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):
        locator.scroll_into_view_if_needed(timeout=5_000)
        locator.screenshot(path=str(path), timeout=10_000)


def _wait(page, script: str, arg: Any, timeout_s: float) -> bool:
    """Wait until ``script`` is true in the page; False when it timed out."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(script, arg=arg, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        return False
    return True


def _move_slider(page, shots: Path, timeout_s: float, move: int) -> dict[str, Any]:
    """Press ArrowRight on a slider's handle (``move``: its index), as a keyboard
    user would, and report the readout and the text of the outputs around it,
    before and after."""
    slider = page.locator(SEL_SLIDER).nth(move)
    handle_el = slider.element_handle()
    readout = slider.locator(".widget-readout").first
    area = slider.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]"
    )
    slider.scroll_into_view_if_needed()
    before = readout.text_content().strip()
    text_before = page.evaluate(JS_OUTPUT_TEXT, handle_el)
    _shot(area, shots / "slider_before.png")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    _wait(page, JS_TEXT_CHANGED, [readout.element_handle(), before], timeout_s)
    # The kernel's observer answers after the readout moved.
    _wait(page, JS_OUTPUT_CHANGED, [handle_el, text_before], timeout_s)
    page.wait_for_timeout(500)  # let the last key press's update arrive too
    _shot(area, shots / "slider_after.png")
    return {
        "readout": [before, readout.text_content().strip()],
        "outputs": [text_before, page.evaluate(JS_OUTPUT_TEXT, handle_el)],
    }


SEL_CONTROL = {
    "slider": SEL_SLIDER + " .noUi-handle",
    "text": ".jp-Notebook .jp-OutputArea-output .widget-text input",
    "select": ".jp-Notebook .jp-OutputArea-output .widget-dropdown select",
}


def _use_control(
    page, shots: Path, timeout_s: float, kind: str, index: int, value: Any
) -> dict[str, Any]:
    """Use one control as a person would (a slider: three ArrowRight; a text box:
    type ``value`` and Enter; a dropdown: choose option number ``value``, or the
    next if that one is chosen already) and
    report the text of the outputs around it, before and after."""
    control = page.locator(SEL_CONTROL[kind]).nth(index)
    element = control.element_handle()
    control.scroll_into_view_if_needed()
    before = page.evaluate(JS_OUTPUT_TEXT, element)
    if kind == "slider":
        control.focus()
        for _ in range(3):
            control.press("ArrowRight")
    elif kind == "text":
        control.fill(value)
        control.press("Enter")
    else:
        # The option asked for, or the next one if it is already chosen.
        current = control.evaluate("e => e.selectedIndex")
        count = control.evaluate("e => e.options.length")
        control.select_option(index=value if value != current else (value + 1) % count)
    _wait(page, JS_OUTPUT_CHANGED, [element, before], timeout_s)
    page.wait_for_timeout(500)
    area = control.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]"
    )
    _shot(area, shots / f"{kind}_{index}_after.png")
    return {
        "control": [kind, index, value],
        "outputs": [before, page.evaluate(JS_OUTPUT_TEXT, element)],
    }


def check_notebook_in_browser(
    browser,
    lab: Lab,
    notebook: Path,
    charts: int,
    sliders: int,
    *,
    move: int = 0,
    controls: list[tuple[str, int, Any]] = (),
    render_timeout: float = RENDER_TIMEOUT,
) -> None:
    """Open ``notebook`` (relative to the lab's root) in JupyterLab, run all cells,
    save screenshots to shots/<stem>/, then assert that no cell shows an error, that
    at least ``charts`` charts drew and ``sliders`` sliders rendered, and, when
    ``sliders``, that moving slider number ``move`` changes the numbers shown, as
    must using each of ``controls``."""
    shots = SHOTS / notebook.stem
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    path = notebook.as_posix()
    # ?reset: a fresh workspace, no layout restored from an earlier test.
    url = f"{lab.url}/lab/tree/{urllib.parse.quote(path)}?reset&token={lab.token}"
    blocked: list[str] = []
    console_errors: list[str] = []
    facts: dict[str, Any] = {"notebook": path, "timings_s": {}}
    started = time.perf_counter()

    def route(request_route):
        request_url = request_route.request.url
        host = urllib.parse.urlparse(request_url).hostname
        if request_url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            return request_route.continue_()
        blocked.append(request_url)  # as with no internet: a CDN chart fails here
        return request_route.abort()

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.set_default_timeout(60_000)
        page.route("**/*", route)
        page.on(
            "console",
            lambda m: m.type == "error" and console_errors.append(m.text[:300]),
        )
        page.goto(url)
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
        if not _wait(page, JS_KERNEL_READY, None, KERNEL_TIMEOUT):
            raise AssertionError(
                f"{path}: no kernel was ready after {KERNEL_TIMEOUT} s "
                f"(screenshot in {shots.relative_to(ROOT)}/failure.png)"
            )
        facts["timings_s"]["kernel_ready"] = round(time.perf_counter() - started, 1)

        ran = time.perf_counter()
        # Not awaited: the command's promise settles only when every cell has run.
        page.evaluate(
            "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        )
        finished = _wait(page, JS_RUN_FINISHED, None, RUN_TIMEOUT)
        facts["timings_s"]["run_all"] = round(time.perf_counter() - ran, 1)

        # Charts and widgets render after their cell finished.
        rendered = time.perf_counter()
        _wait(page, JS_CHARTS_SETTLED, None, render_timeout)
        _wait(page, JS_COUNT_AT_LEAST, [SEL_DRAWN, charts], render_timeout)
        if sliders:
            _wait(page, JS_COUNT_AT_LEAST, [SEL_SLIDER, sliders], render_timeout)
        facts["timings_s"]["render"] = round(time.perf_counter() - rendered, 1)

        cells = page.evaluate(JS_CELLS, path)
        n_drawn = page.locator(SEL_DRAWN).count()
        broken_charts = page.evaluate(JS_BROKEN_CHARTS)
        n_sliders = page.locator(SEL_SLIDER).count()
        widget_errors = page.locator(
            ".jp-Notebook .jp-OutputArea-output:has-text('Error displaying widget')"
        ).count()
        moved = (
            _move_slider(page, shots, render_timeout, move)
            if sliders and n_sliders
            else None
        )
        used = [
            _use_control(page, shots, render_timeout, *control)
            for control in controls
            if page.locator(SEL_CONTROL[control[0]]).count() > control[1]
        ]

        # Screenshots before any assertion: charts, widget areas, then the whole
        # notebook in one picture (a viewport as tall as the notebook, since
        # JupyterLab scrolls inside the page).
        for i, chart in enumerate(page.locator(".jp-Notebook .vega-embed").all()):
            if i < MAX_SHOTS:
                _shot(chart, shots / f"chart_{i:02d}.png")
        for i, area in enumerate(page.locator(SEL_WIDGET_AREA).all()):
            if i < MAX_SHOTS:
                _shot(area, shots / f"widgets_{i:02d}.png")
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        page.wait_for_timeout(300)
        hidden = page.evaluate(JS_HIDDEN_HEIGHT)
        height = min(VIEWPORT["height"] + hidden, 16_000)  # Chromium's largest image
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.evaluate(JS_SCROLL_TOP)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "notebook.png"))
    except Exception:
        from playwright.sync_api import Error

        with contextlib.suppress(Error):  # what the page showed when it went wrong
            page.screenshot(path=str(shots / "failure.png"))
        raise
    finally:
        context.close()
        with contextlib.suppress(OSError):
            lab.shut_down_kernels()  # frees memory for the next notebook

    facts["timings_s"]["total"] = round(time.perf_counter() - started, 1)
    errors = [
        f"cell {i}: {' / '.join(c['errors'])}\n    {c['source'].strip()[:120]!r}"
        for i, c in enumerate(cells)
        if c["errors"] and "raises-exception" not in c["tags"]
    ]
    silent = [  # tagged as raising, yet ran without an error
        i
        for i, c in enumerate(cells)
        if "raises-exception" in c["tags"]
        and c["count"] is not None
        and not c["errors"]
    ]
    not_run = [
        i
        for i, c in enumerate(cells)
        if c["type"] == "code" and c["source"].strip() and c["count"] is None
    ]
    facts.update(
        errors=errors,
        cells_not_run=not_run,
        tagged_cells_without_error=silent,
        charts_drawn=n_drawn,
        charts_broken=broken_charts,
        sliders=n_sliders,
        widget_errors=widget_errors,
        slider_moved=moved,
        controls_used=used,
        requests_blocked=sorted(set(blocked)),
        console_errors=console_errors,
    )
    (shots / "summary.json").write_text(json.dumps(facts, indent=2))

    problems = []
    if not finished:
        problems.append(f"the cells were still running after {RUN_TIMEOUT} s")
    if errors:
        problems.append("cells show an error:\n  " + "\n  ".join(errors))
    if silent:
        problems.append(f"cells tagged raises-exception showed no error: {silent}")
    if not_run:
        problems.append(f"cells never ran (Run All stopped early?): {not_run}")
    if n_drawn < charts:
        problems.append(f"{n_drawn} charts drew, expected at least {charts}")
    if broken_charts:
        problems.append(f"charts did not draw: {broken_charts}")
    if n_sliders < sliders:
        problems.append(f"{n_sliders} sliders rendered, expected at least {sliders}")
    if widget_errors:
        problems.append(f"{widget_errors} outputs say 'Error displaying widget'")
    if len(used) < len(controls):
        problems.append(f"controls not found: expected {list(controls)}")
    problems += [
        f"using {use['control']} changed no output: {use['outputs'][0][:200]!r}"
        for use in used
        if use["outputs"][0] == use["outputs"][1]
    ]
    if moved is not None:
        if moved["readout"][0] == moved["readout"][1]:
            problems.append(f"ArrowRight did not move the slider: {moved['readout']}")
        elif moved["outputs"][0] == moved["outputs"][1]:
            problems.append(
                "moving the slider changed no output: "
                f"{moved['outputs'][0][:200]!r} stayed the same"
            )
    if problems and blocked:
        problems.append(f"requests to other hosts were blocked: {sorted(set(blocked))}")
    assert not problems, (
        f"{path} in the browser (screenshots in {shots.relative_to(ROOT)}/):\n- "
        + "\n- ".join(problems)
    )


@pytest.mark.parametrize(
    ("stem", "expected"), BROWSER_NOTEBOOKS.items(), ids=list(BROWSER_NOTEBOOKS)
)
def test_notebook_in_browser(browser, lab, stem, expected):
    expected = {k: v for k, v in expected.items() if k != "case"}
    check_notebook_in_browser(
        browser, lab, Path("notebooks") / f"{stem}.ipynb", **expected
    )


def test_widgets_and_charts_in_browser(browser, lab):
    """The checks on a notebook that passes them all: a chart, a cell tagged
    raises-exception, and a slider whose observer shows a number."""
    check_notebook_in_browser(
        browser, lab, Path("checks/widget_check.ipynb"), charts=1, sliders=1
    )


def test_browser_checks_report_what_breaks(browser, lab):
    with pytest.raises(AssertionError) as failed:
        check_notebook_in_browser(
            browser,
            lab,
            Path("checks/broken_check.ipynb"),
            charts=1,
            sliders=1,
            render_timeout=5,
        )
    message = str(failed.value)
    assert "cell 3: ValueError: not on purpose" in message
    assert "cells never ran (Run All stopped early?): [4]" in message
    assert "0 charts drew, expected at least 1" in message
    assert "moving the slider changed no output" in message
    assert "requests to other hosts were blocked" in message
    assert "shots/broken_check/" in message

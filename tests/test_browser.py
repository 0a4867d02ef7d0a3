"""The series in a real browser, the way readers meet it.

- JupyterLab: a server on a free local port (127.0.0.1, with a token) runs a copy of a
  notebook of the series in the smoke profile; headless Chromium, driven by Playwright,
  opens it, runs every cell from JupyterLab's Run menu and looks at the page: no cell shows
  an error, every explorer (`rg.widgets.explorer`) renders its controls, and moving a
  control redraws its figure. The same checks on copies whose explorer was broken on
  purpose must fail: that is what shows they can.
- The slides: `make slides` (tools/build_slides.py) writes reveal.js beside the pages; a
  deck opened with the network cut off shows its first slide, and a page moved away from
  its reveal.js says so instead of going blank.

Screenshots go to build/browser/. The tests need Playwright for Python (`make install`
installs the `test` extra) and Chromium (Debian: `apt-get install -y chromium`; or set
RG_CHROMIUM to a Chromium binary). Without either they are skipped with the reason;
RG_BROWSER=require (set by .ci/run) makes that a failure instead, RG_BROWSER=skip skips
them. They are marked `browser`, which `make unit` leaves out.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import load_tool

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "browser"
EXPLORER_CALL = "rg.widgets.explorer("
# The first notebook of the series that has an explorer, found by its code so that
# renumbering the series needs no edit here (today notebook 00, quick in the smoke profile).
NOTEBOOK = next(p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
                if EXPLORER_CALL in p.read_text(encoding="utf-8"))

# Chromium's own background connections are refused on a closed network, many at a time;
# these flags keep it to the page (Playwright adds --headless and --no-sandbox itself).
CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]

# Bounds on every wait (seconds). The smoke run of notebook 00 takes about 15 s.
SERVER_START = 60
LAB_OPEN = 45
RUN_ALL = 90
REDRAW = 30

pytestmark = pytest.mark.browser


# --- what is needed, and whether it is there ---------------------------------------------

def chromium_path() -> str | None:
    for name in (os.environ.get("RG_CHROMIUM"), "chromium", "chromium-browser"):
        found = name and shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here, with the command that fixes it; or None."""
    if importlib.util.find_spec("playwright") is None:
        return ("Playwright for Python is not installed: run `make install` "
                "(pip install -e '.[test,slides]')")
    if chromium_path() is None:
        return ("Chromium is not installed: `apt-get install -y chromium` (Debian), or set "
                "RG_CHROMIUM to a Chromium binary")
    return None


def require_browser():
    mode = os.environ.get("RG_BROWSER", "")
    if mode == "skip":
        pytest.skip("RG_BROWSER=skip")
    why = missing()
    if why and mode == "require":
        pytest.fail(f"RG_BROWSER=require, but {why}")
    if why:
        pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, through Playwright's executable_path)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                              args=CHROMIUM_FLAGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


# --- a JupyterLab server -----------------------------------------------------------------

@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# JupyterLab's user settings for the test (JUPYTERLAB_SETTINGS_DIR): every cell attached to
# the page, not only those in view (the schema's `windowingMode`, JupyterLab 4), so that
# the page can be read from top to bottom; and no news or update check over the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`jupyter lab` on 127.0.0.1 with a token, in the smoke profile, serving a temporary
    folder; stopped (and its kernels shut down) at the end of the module."""
    require_browser()
    base = tmp_path_factory.mktemp("browser-lab")
    root = base / "notebooks"
    root.mkdir()
    for plugin, values in LAB_SETTINGS.items():
        path = base / "lab-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RG_") and k != "MPLBACKEND"}
    env.update(
        RG_PROFILE="smoke", RG_PROGRESS="0", RG_DEVICE="cpu",
        RG_DATA_DIR=str(base / "data"), RG_RESULTS_DIR=str(base / "results"),
        # The user's own Jupyter configuration, kernels, settings and workspaces stay out.
        JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data-dir"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}",
               # window.jupyterapp, read to know when the kernel is idle
               "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root without it
    log = base / "jupyterlab.log"
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited ({process.returncode}):\n{server.log_tail()}")
            with contextlib.suppress(OSError):
                server.api("status")
                break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in {SERVER_START} s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(OSError, ValueError):
            for kernel in server.api("kernels"):
                server.api(f"kernels/{kernel['id']}", method="DELETE")
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# --- the notebooks opened there ----------------------------------------------------------

def code_sources(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


# Breakages tried on copies of the notebook: each wraps the explorer's drawing function in
# the explorer's own cell, before `rg.widgets.explorer` is called (nothing else changes).
WRAPPED = """
_rg_explorer = rg.widgets.explorer
def _rg_broken(draw, **kwargs):
    seen = []
    def broken(**values):
        seen.append(values)
{body}
    return _rg_explorer(broken, **kwargs)
rg.widgets.explorer = _rg_broken
"""
BREAKAGES = {
    # every redraw raises: the reader sees a traceback where the new figure should be
    "redraw-raises": WRAPPED.format(body="""\
        if len(seen) > 1:
            raise RuntimeError("redraw broken on purpose by tests/test_browser.py")
        return draw(**values)"""),
    # the controls are ignored: every redraw draws the starting values again
    "controls-ignored": WRAPPED.format(body="""\
        return draw(**seen[0])"""),
}
# What the checks must say about each breakage.
BREAKAGE_FOUND = {"redraw-raises": "raised", "controls-ignored": "did not change"}


def prepare(source: Path, destination: Path, breakage: str | None = None) -> list[int]:
    """Copy a notebook as a reader opens it fresh (outputs and widget state cleared) and
    return the code-cell indices of its explorers. With a breakage, the copy stops after its
    first explorer, which is broken as BREAKAGES says."""
    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if breakage:
        first = next(i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and EXPLORER_CALL in c.source)
        nb.cells = nb.cells[:first + 1]
        nb.cells[first].source = BREAKAGES[breakage] + "\n" + nb.cells[first].source
    nbformat.write(nb, destination)
    return [i for i, s in enumerate(code_sources(nb)) if EXPLORER_CALL in s]


# The open notebook as JupyterLab holds it (window.jupyterapp, exposed by the server's
# --LabApp.expose_app_in_browser): the kernel's status and each code cell's prompt.
STATE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.sessionContext || !panel.content || !panel.content.widgets) {
        return null;
    }
    const session = panel.sessionContext.session;
    const cells = panel.content.widgets.filter(c => c.model.type === 'code');
    return {
        kernel: session && session.kernel ? session.kernel.status : null,
        counts: cells.map(c => c.model.executionCount),
        prompts: cells.map(c => {
            const prompt = c.node.querySelector('.jp-InputPrompt');
            return prompt ? prompt.textContent : '';
        }),
    };
}"""
KERNEL_IDLE = f"() => {{ const s = ({STATE})(); return !!s && s.kernel === 'idle'; }}"
# Idle, the first cell run, and no cell running or waiting ([*]); a cell that raised stops
# the run, and the cells after it go back to an empty prompt.
RUN_FINISHED = f"""() => {{
    const s = ({STATE})();
    return !!s && s.kernel === 'idle' && s.counts.length > 0 && s.counts[0] !== null
        && s.prompts.every(p => !p.includes('*'));
}}"""
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'  # stderr, and error outputs
# A widget's output: JupyterLab marks every other output with its MIME type (data-mime-type,
# set by @jupyterlab/rendermime's renderers), ipywidgets' renderer does not.
WIDGET_VIEW = ".jp-OutputArea-output:not([data-mime-type])"
# Every widget output has rendered (or failed to: "Error displaying widget").
WIDGETS_SETTLED = f"""() => Array.from(document.querySelectorAll('.jp-Notebook {WIDGET_VIEW}'))
    .every(v => v.querySelector('.jupyter-widgets')
                || v.textContent.includes('Error displaying'))"""
# What each code cell shows.
CELLS = f"""() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map(cell => {{
    const prompt = cell.querySelector('.jp-InputPrompt');
    return {{
        prompt: prompt ? prompt.textContent.trim() : '',
        stderr: Array.from(cell.querySelectorAll('{STDERR}')).map(e => e.textContent),
        text: cell.querySelector('.jp-Cell-outputWrapper')
            ? cell.querySelector('.jp-Cell-outputWrapper').textContent : '',
    }};
}})"""
# The src of each image of a cell that is not inside a widget (the static figures).
STATIC_IMAGES = """cell => Array.from(cell.querySelectorAll('.jp-OutputArea-output img'))
    .filter(img => !img.closest('.jupyter-widgets')).map(img => img.src)"""
REDRAWN = f"""out => !!(out.querySelector('img') || out.querySelector('{STDERR}'))"""


def run_all_cells(page) -> str:
    """Run > Run All Cells, from JupyterLab's menu bar, as a reader would."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    return "menu Run > Run All Cells"


def move(control) -> str:
    """Move an explorer's control one step the way a reader would: another option of a
    dropdown, or a slider's handle one step with the arrow keys (left, or right at the
    minimum). Returns what was done."""
    label = (control.locator(".widget-label").first.text_content() or "").strip()
    select = control.locator("select")
    if select.count():
        options = select.locator("option").all_text_contents()
        index = select.evaluate("s => s.selectedIndex")
        new = (index + 1) % len(options)
        select.select_option(index=new)
        return f"dropdown '{label}' from {options[index]!r} to {options[new]!r}"
    readout = control.locator(".widget-readout")
    before = readout.text_content()
    handle = control.locator(".noUi-handle").first
    handle.focus()
    for key in ("ArrowLeft", "ArrowRight", "ArrowRight"):
        handle.press(key)
        with contextlib.suppress(Exception):
            readout.page.wait_for_function("([r, b]) => r.textContent !== b",
                                           arg=[readout.element_handle(), before], timeout=2000)
        if readout.text_content() != before:
            break
    return f"slider '{label}' from {before} to {readout.text_content()}"


def explore(page, index: int, name: str) -> list[str]:
    """Move the first control of the explorer in code cell `index`; the problems seen."""
    where = f"code cell {index + 1} (explorer)"
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    box = cell.locator(".widget-vbox").filter(has=page.locator(".widget-output")).first
    if not box.count():
        return [f"{where}: no explorer rendered"]
    controls = box.locator(".widget-slider, .widget-dropdown")
    if not controls.count():
        return [f"{where}: the explorer shows no slider or dropdown"]
    static = cell.evaluate(STATIC_IMAGES)
    if not static:
        return [f"{where}: no static figure above the controls"]
    outputs = cell.locator(".jp-Cell-outputWrapper")
    outputs.scroll_into_view_if_needed()
    before = outputs.screenshot(path=shot_path(f"{name}-explorer{index + 1}-before"))
    done = move(controls.first)
    out = box.locator(".widget-output").first
    try:
        page.wait_for_function(REDRAWN, arg=out.element_handle(), timeout=REDRAW * 1000)
    except Exception:
        return [f"{where}: no figure appeared under the controls {REDRAW} s after moving {done}"]
    page.wait_for_timeout(500)  # let the image finish rendering before the screenshot
    after = outputs.screenshot(path=shot_path(f"{name}-explorer{index + 1}-after"))
    problems = []
    errors = out.locator(STDERR).all_text_contents()
    if errors:
        problems.append(f"{where}: moving {done} raised: {errors[0][-300:]}")
    redrawn = out.locator("img").evaluate_all("imgs => imgs.map(i => i.src)")
    if not redrawn:
        problems.append(f"{where}: moving {done} drew no figure")
    elif redrawn[-1] in static:
        problems.append(f"{where}: moving {done} did not change the figure (the redraw is "
                        "the figure drawn at the starting values)")
    if before == after:
        problems.append(f"{where}: the screenshots before and after moving {done} are equal")
    return problems


@pytest.fixture(scope="module")
def lab_pages(browser):
    """A browser context for the JupyterLab pages (one cache, so JupyterLab's code loads
    once)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    yield context
    context.close()


def check_in_lab(lab_pages, lab: Lab, name: str, explorers: list[int]) -> list[str]:
    """Open notebook `name` in JupyterLab, run all its cells, move its explorers' controls;
    return every problem a reader would see (empty when none)."""
    page = lab_pages.new_page()
    page.set_default_timeout(30_000)
    stem = Path(name).stem
    problems = []
    try:
        # A workspace of its own, reset, so no other notebook opens beside it.
        page.goto(f"{lab.url}/lab/workspaces/{stem}/tree/{name}?reset&token={lab.token}",
                  timeout=LAB_OPEN * 1000)
        page.wait_for_function(KERNEL_IDLE, timeout=LAB_OPEN * 1000)
        started = time.monotonic()
        run_all_cells(page)
        try:
            page.wait_for_function(RUN_FINISHED, timeout=RUN_ALL * 1000)
        except Exception:
            page.screenshot(path=shot_path(f"{stem}-run-all-timeout"))
            return [f"Run All Cells did not finish in {RUN_ALL} s: {page.evaluate(STATE)}"]
        ran = time.monotonic() - started
        try:
            page.wait_for_function(WIDGETS_SETTLED, timeout=REDRAW * 1000)
        except Exception:
            problems.append(f"widgets still not rendered {REDRAW} s after the run")
        page.screenshot(path=shot_path(f"{stem}-after-run-all"))
        state = page.evaluate(STATE) or {"counts": []}
        not_run = [i + 1 for i, n in enumerate(state["counts"]) if n is None]
        if not_run:
            problems.append(f"code cells {not_run} did not run (Run All Cells stopped early)")
        rendered = page.locator(".jp-Notebook .jupyter-widgets.widget-output").count()
        if rendered < len(explorers):
            problems.append(f"{rendered} explorers rendered, {len(explorers)} in the notebook")
        for index in explorers:
            problems += explore(page, index, stem)
        # Every cell as it stands after the run and the moves.
        for i, cell in enumerate(page.evaluate(CELLS)):
            for text in cell["stderr"]:
                if "Error" in text or "Traceback" in text:
                    problems.append(f"code cell {i + 1} shows an error: {text[-300:]}")
            if "Error displaying widget" in cell["text"]:
                problems.append(f"code cell {i + 1} shows 'Error displaying widget'")
        page.screenshot(path=shot_path(f"{stem}-end"))
        print(f"{name}: all cells ran in {ran:.1f} s in the browser")
        return problems
    finally:
        with contextlib.suppress(Exception):
            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()


def test_a_notebook_runs_and_its_explorers_redraw_in_jupyterlab(lab, lab_pages):
    explorers = prepare(NOTEBOOK, lab.root / NOTEBOOK.name)
    assert explorers, f"{NOTEBOOK.name} has no explorer to move"
    problems = check_in_lab(lab_pages, lab, NOTEBOOK.name, explorers)
    assert not problems, "\n".join(problems + [f"screenshots in {SHOTS}"])


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_checks_catch_a_broken_explorer(lab, lab_pages, breakage):
    name = f"broken-{breakage}.ipynb"
    explorers = prepare(NOTEBOOK, lab.root / name, breakage=breakage)
    problems = check_in_lab(lab_pages, lab, name, explorers)
    assert any(BREAKAGE_FOUND[breakage] in p for p in problems), (
        f"the breakage {breakage!r} went unseen; the checks said: {problems}")


# --- the slides, offline -----------------------------------------------------------------

@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    """One slide deck built as `make slides` builds them, in a temporary folder."""
    build_slides = load_tool("build_slides")
    if build_slides.shipped_reveal_js() is None:
        pytest.skip("sphinx-revealjs, which ships reveal.js, is not installed: `make install`")
    out = tmp_path_factory.mktemp("slides")
    [page] = build_slides.build([NOTEBOOK], out)
    return page


def open_offline(browser, page_path: Path, answers: dict[str, str] | None = None):
    """Open a file:// page with every other request refused, except those whose address
    holds a key of `answers`, which get its value as a script; return the page, the context
    (to close) and the refused addresses."""
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    refused = []

    def files_only(route):
        url = route.request.url
        answer = next((body for part, body in (answers or {}).items() if part in url), None)
        if url.startswith("file:"):
            route.continue_()
        elif answer is not None:
            route.fulfill(status=200, content_type="application/javascript", body=answer)
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", files_only)
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load", timeout=30_000)
    return page, context, refused


def title_of(notebook: Path) -> str:
    first = nbformat.read(notebook, as_version=4).cells[0].source
    return first.lstrip("# ").split("\n", 1)[0].strip()


def test_a_slide_deck_shows_its_first_slide_offline(browser, slides):
    assert (slides.parent / "reveal.js" / "dist" / "reveal.js").is_file()
    page, context, refused = open_offline(browser, slides)
    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady && Reveal.isReady()",
                               timeout=15_000)
        page.wait_for_timeout(500)  # the slide transition
        page.screenshot(path=shot_path("slides-offline"))
        present = page.locator(".reveal .slides > section.present").first
        assert present.is_visible()
        heading = present.locator("h1").first
        assert title_of(NOTEBOOK) in heading.text_content()
        box = heading.bounding_box()
        assert box and box["width"] > 0 and 0 <= box["y"] < 800, box
        assert page.locator("#rg-reveal-missing").count() == 0
    finally:
        context.close()
    print(f"refused while offline: {refused}")


# Online, nbconvert's page also loads require.js (for the widgets), whose `define` makes
# reveal.js's UMD files register as AMD modules instead of setting window.Reveal: the page
# hides it while they load. A stand-in for require.js's `define` shows that it does.
AMD_DEFINE = """
window.amdModules = 0;
window.define = function () { window.amdModules += 1; };
window.define.amd = {};
window.require = function () {};
"""


def test_a_slide_deck_starts_beside_require_js(browser, slides):
    page, context, _ = open_offline(browser, slides, answers={"require.min.js": AMD_DEFINE})
    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady && Reveal.isReady()",
                               timeout=15_000)
        assert page.evaluate("() => window.amdModules") == 0
        assert page.evaluate("() => !!(window.define && window.define.amd)")  # given back
    finally:
        context.close()


def test_a_slide_deck_without_its_reveal_js_says_so(browser, slides, tmp_path):
    alone = tmp_path / slides.name
    shutil.copy(slides, alone)
    page, context, _ = open_offline(browser, alone)
    try:
        page.screenshot(path=shot_path("slides-without-reveal-js"))
        notice = page.locator("#rg-reveal-missing")
        assert notice.is_visible()
        assert "needs reveal.js" in notice.text_content()
        assert title_of(NOTEBOOK) in page.locator("body").inner_text()
    finally:
        context.close()


"""The page in a real headless Chromium (Debian's, driven by Playwright): paste a routine, change
a hold, listen, and hear what the cue sheet says.

Without Chromium the test is skipped, unless VOICEGUIDE_REQUIRE_BROWSER=1 (as `.ci/run` sets it),
when it fails instead. VOICEGUIDE_UPDATE_SCREENSHOT=1 writes the README's picture of the page.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHORT_ROUTINE

CHROMIUM = os.environ.get("VOICEGUIDE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("VOICEGUIDE_REQUIRE_BROWSER") == "1"
SCREENSHOT = Path(__file__).parent / "screenshots" / "serve.png"
FLAGS = [
    "--no-sandbox",  # root in a container has no user namespaces for Chromium's sandbox
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt install chromium)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`voiceguide serve` as a user starts it, on a free port, with its own temporary folder."""
    reason = _missing()
    if reason and REQUIRED:
        pytest.fail(f"VOICEGUIDE_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)
    temp = tmp_path_factory.mktemp("serve-temp")
    env = {
        **os.environ,
        "TMPDIR": str(temp),
        "VOICEGUIDE_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "clip-cache"),
    }
    command = [sys.executable, "-m", "voiceguide", "serve", "--no-browser", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    found = re.search(r"http://127\.0\.0\.1:\d+/", process.stdout.readline())
    assert found, process.stderr.read() if process.stderr else ""
    yield found.group(0)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 0
    assert list(temp.iterdir()) == []


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
        tab = context.new_page()
        problems: list[str] = []
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on("requestfailed", lambda request: problems.append(f"{request.url} failed"))
        tab.goto(server)
        tab.problems = problems
        yield tab
        browser.close()


def wait_for(tab: Any, expression: str, seconds: float = 120) -> Any:
    """Poll an expression in the page. (Playwright's wait_for_function evaluates strings, which
    the page's Content-Security-Policy rightly forbids.)"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = tab.evaluate(expression)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still false after {seconds} s: {expression}")


def step_number(tab: Any, words: str) -> int:
    return int(tab.locator(".step", has_text=words).first.get_attribute("id").removeprefix("step-"))


def test_paste_change_a_hold_listen_and_download(page: Any, tmp_path: Path) -> None:
    tab = page
    wait_for(tab, "document.querySelectorAll('.step').length > 10")  # the built-in routine first
    # Paste the routine over the built-in one, as a user would.
    tab.evaluate("text => navigator.clipboard.writeText(text)", SHORT_ROUTINE)
    tab.click("#text")
    tab.keyboard.press("Control+A")
    tab.keyboard.press("Control+V")
    wait_for(tab, "document.getElementById('summary').textContent.startsWith('Hand warm-up')", 30)
    assert tab.input_value("#text") == SHORT_ROUTINE
    press = step_number(tab, "Press the centre of your right palm")
    mirrored = step_number(tab, "Press the centre of your left palm")
    assert tab.input_value(f"#seconds-{press}") == "12"

    # Change the hold by typing, then one second more with the arrow key.
    tab.fill(f"#seconds-{press}", "7")
    tab.keyboard.press("ArrowUp")
    assert tab.input_value(f"#seconds-{press}") == "8"
    wait_for(tab, f"document.getElementById('seconds-{mirrored}').value === '8'", 30)  # the copy follows

    tab.click("#build")
    wait_for(tab, "document.getElementById('player').duration > 0 && document.getElementById('progress').hidden")
    wait_for(tab, "document.getElementById('player').currentTime > 0.5", 30)  # it plays
    duration = tab.evaluate("document.getElementById('player').duration")
    cues = tab.evaluate("fetch(document.getElementById('download-cues').href).then(r => r.json())")
    assert abs(duration - cues["duration"]) <= 0.030, (duration, cues["duration"])
    holds = {(h["step"], h["seconds"]) for h in cues["holds"]}
    assert {(press, 8), (mirrored, 8)} <= holds

    # A chapter jumps to its step, and the step being heard is highlighted in both lists.
    tab.click(f"#chapters button[data-index='{mirrored}']")
    wait_for(tab, f"document.getElementById('step-{mirrored}').classList.contains('playing')", 30)
    current = tab.get_attribute("#chapters [aria-current]", "data-index")
    assert current == str(mirrored)
    names = {kind: tab.get_attribute(f"#download-{kind}", "download") for kind in ("mp3", "cues", "routine")}
    assert names == {"mp3": "hand-warm-up.mp3", "cues": "hand-warm-up.json", "routine": "hand-warm-up.yaml"}
    tab.evaluate("document.getElementById('player').pause()")
    if os.environ.get("VOICEGUIDE_UPDATE_SCREENSHOT") == "1":
        tab.evaluate("window.scrollTo(0, 0); document.getElementById('text').scrollTop = 0")
        SCREENSHOT.parent.mkdir(exist_ok=True)
        tab.screenshot(path=str(SCREENSHOT))
    assert tab.problems == []


def test_a_single_step_previews_on_its_own(page: Any) -> None:
    tab = page
    press = step_number(tab, "Press the centre of your right palm")
    tab.click(f"#step-{press} button.preview")
    wait_for(tab, "document.querySelectorAll('#chapters li').length === 1", 60)
    wait_for(tab, "document.getElementById('player').duration > 0")
    duration = tab.evaluate("document.getElementById('player').duration")
    assert abs(duration - float(tab.get_attribute("#player", "data-duration"))) <= 0.030
    assert tab.get_attribute("#chapters button", "data-index") == str(press)
    assert tab.text_content("#build") == "Play the whole routine"
    tab.evaluate("document.getElementById('player').pause()")


def test_errors_appear_beside_their_field_in_the_command_lines_words(page: Any) -> None:
    tab = page
    tab.fill("#hold", "-3")
    wait_for(tab, "document.getElementById('error-hold').textContent !== ''", 30)
    assert tab.text_content("#error-hold") == "--hold must be a positive number of seconds, got -3"
    assert tab.get_attribute("#hold", "aria-invalid") == "true"
    tab.fill("#hold", "")
    wait_for(tab, "document.getElementById('error-hold').textContent === ''", 30)
    tab.fill("#text", "Just some words about necks.")
    wait_for(tab, "document.getElementById('error-routine').textContent !== ''", 30)
    assert tab.text_content("#error-routine").startswith("routine: found no instruction to guide")


def test_the_parsers_warnings_appear_beside_their_steps(page: Any) -> None:
    """The plan may carry warnings, {"line", "step", "text"}: added here to the server's answer."""
    tab = page

    def with_warnings(route: Any) -> None:
        answer = route.fetch()
        plan = answer.json()
        plan["warnings"] = [
            {"line": 8, "step": 3, "text": "'firmly' is not a time; held 12 s"},
            {"line": 2, "step": None, "text": "no title line; named after the first heading"},
        ]
        route.fulfill(response=answer, json=plan)

    tab.route("**/api/plan", with_warnings)
    try:
        tab.fill("#text", SHORT_ROUTINE + "\n")
        wait_for(tab, "document.querySelectorAll('.warnings li').length === 2", 30)
        assert tab.text_content("#step-3 .warnings") == "line 8: 'firmly' is not a time; held 12 s"
        assert tab.text_content("#routine-warnings") == "line 2: no title line; named after the first heading"
    finally:
        tab.unroute("**/api/plan")


def test_the_page_is_usable_by_keyboard_and_on_a_phone(page: Any) -> None:
    tab = page
    tab.problems.clear()  # the refusals the test before asked for are logged as failed loads
    tab.fill("#text", SHORT_ROUTINE)
    wait_for(tab, "document.getElementById('summary').textContent.startsWith('Hand warm-up')", 30)
    press = step_number(tab, "Press the centre of your right palm")
    tab.focus(f"#repeat-{press}")
    tab.keyboard.press("ArrowUp")
    wait_for(tab, f"document.getElementById('step-{press}').classList.contains('changed')", 30)
    tab.keyboard.press("Tab")  # from the count to the step's preview button
    assert tab.evaluate("document.activeElement.getAttribute('aria-label')") == f"Preview step {press}"
    tab.set_viewport_size({"width": 390, "height": 844})
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    top = tab.evaluate("id => document.getElementById(id).getBoundingClientRect().top", "listen")
    steps_top = tab.evaluate("id => document.getElementById(id).getBoundingClientRect().top", "steps-panel")
    assert top < steps_top  # on a phone the player comes before the long list of steps
    assert tab.problems == []

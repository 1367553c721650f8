"""The page's JSON API through an HTTP client: plan, build, the files it serves, every refusal,
and `voiceguide serve` as a real process."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.audio import decode
from tests.conftest import SHORT_ROUTINE
from voiceguide import routine_file
from voiceguide.cli import app as cli
from voiceguide.parse import parse_text
from voiceguide.web import api
from voiceguide.web.app import MAX_BODY, create_app

ORIGIN = "http://127.0.0.1:8765"
JSON = {"content-type": "application/json"}
runner = CliRunner()


def client_for(folder: Path) -> TestClient:
    workspace = api.Workspace(folder)
    app = create_app(workspace, (ORIGIN, "http://localhost:8765"), api.starting_source(None))
    return TestClient(app, base_url=ORIGIN)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Module fixtures start before the per-test private cache: point at the same folder.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "clip-cache"))
        with client_for(tmp_path_factory.mktemp("workspace")) as test_client:
            yield test_client


@pytest.fixture(scope="module")
def built(client: TestClient) -> dict[str, Any]:
    """A build of the short routine with step 3 held 7 s (its mirrored copy, step 7, follows)
    and step 4 done twice."""
    options = {"set_holds": {"3": 7}, "set_repeats": {"4": 2}, "chime": "bowl", "breath_cue": "tone"}
    answer = client.post("/api/build", json={"text": SHORT_ROUTINE, "name": "hands.txt", "options": options})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_plan_returns_what_plan_json_prints(client: TestClient, short_routine: Path) -> None:
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": {"hold": 20, "set_holds": {"4": 9}}})
    printed = runner.invoke(cli, ["plan", str(short_routine), "--json", "--hold", "20", "--set", "4=9"])
    assert answer.status_code == 200
    assert answer.json() == json.loads(printed.stdout)
    assert [s["seconds"] for s in answer.json()["steps"] if s["kind"] in ("press", "massage")] == [20, 9, 20, 9]


def test_plan_of_a_routine_object_reads_it_as_a_routine_file(client: TestClient) -> None:
    routine = {"title": "Neck", "sections": [{"title": "Sides", "steps": [{"text": "Tilt your head.", "seconds": 8}]}]}
    answer = client.post("/api/plan", json={"routine": routine})
    assert answer.status_code == 200, answer.text
    assert answer.json()["title"] == "Neck"
    assert [(s["text"], s["seconds"], s["section"]) for s in answer.json()["steps"]] == [
        ("Tilt your head.", 8, "Sides")
    ]


def test_pasted_routine_files_are_told_from_text(client: TestClient) -> None:
    yaml_text = routine_file.dumps(parse_text(SHORT_ROUTINE, "hand.txt"))
    as_file = client.post("/api/plan", json={"text": yaml_text}).json()
    as_text = client.post("/api/plan", json={"text": SHORT_ROUTINE}).json()
    assert [s["text"] for s in as_file["steps"]] == [s["text"] for s in as_text["steps"]]
    named = client.post("/api/plan", json={"text": "title: x\nsteps: 3\n", "name": "mine.yaml"}).json()
    assert named == {
        "error": "mine.yaml:1: a routine file needs `title:` and a list under `sections:`",
        "field": "routine",
        "line": 1,
    }


def test_repeats_and_holds_follow_into_mirrored_copies(client: TestClient) -> None:
    options = {"set_holds": {"3": 40}, "set_repeats": {"3": 2}}
    steps = {
        s["index"]: s
        for s in client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": options}).json()["steps"]
    }
    assert (steps[3]["seconds"], steps[3]["repeat"]) == (steps[7]["seconds"], steps[7]["repeat"]) == (40, 2)
    assert steps[7]["copy_of"] == 3


def test_the_built_mp3_decodes_to_the_cue_sheets_length(
    client: TestClient, built: dict[str, Any], tmp_path: Path
) -> None:
    mp3 = client.get(built["mp3"])
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert mp3.headers["content-disposition"] == 'inline; filename="hands.mp3"'
    cues = client.get(built["cues"]).json()
    (tmp_path / "hands.mp3").write_bytes(mp3.content)
    (tmp_path / "hands.json").write_text(json.dumps(cues), encoding="utf-8")
    audio, rate, cue = decode(tmp_path / "hands.mp3")
    assert abs(len(audio) / rate - cue["duration"]) <= 0.030
    assert built["duration"] == cue["duration"]
    holds = sorted((h["step"], h["seconds"]) for h in cue["holds"])
    assert holds == [(3, 7), (4, 3), (4, 3), (7, 7), (8, 3), (8, 3)]
    assert {"chime"} <= {e["kind"] for e in cue["events"]}


def test_the_player_can_seek_in_the_mp3(client: TestClient, built: dict[str, Any]) -> None:
    whole = client.get(built["mp3"]).content
    part = client.get(built["mp3"], headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole[1000:2000]


def test_the_routine_file_builds_from_the_command_line_to_the_same_timeline(
    client: TestClient, built: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "hands.yaml"
    saved.write_bytes(client.get(built["routine"]).content)
    assert built["command"] == "voiceguide build hands.yaml --breath-cue tone --chime bowl"
    flags = shlex.split(built["command"])[3:]
    result = runner.invoke(cli, ["build", str(saved), "-o", str(tmp_path / "cli.mp3"), *flags])
    assert result.exit_code == 0, result.stderr
    from_cli = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    from_page = client.get(built["cues"]).json()
    for part in ("duration", "events", "holds"):
        assert from_cli[part] == from_page[part], part
    assert [s["seconds"] for s in from_cli["steps"]] == [s["seconds"] for s in from_page["steps"]]


def test_every_build_file_is_served_with_its_type(client: TestClient, built: dict[str, Any]) -> None:
    types = {
        "mp3": "audio/mpeg",
        "cues": "application/json",
        "vtt": "text/vtt",
        "lrc": "text/plain",
        "routine": "application/yaml",
    }
    for kind, media_type in types.items():
        answer = client.get(built[kind])
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media_type), kind
        assert re.fullmatch(r"/files/[A-Za-z0-9_-]{22}", built[kind])
    assert client.get(built["routine"]).text.startswith(
        "# Rendered on the page as by:\n#   voiceguide build hands.yaml"
    )


def test_a_single_step_is_built_on_its_own(client: TestClient) -> None:
    answer = client.post("/api/build", json={"text": SHORT_ROUTINE, "options": {"only": 3, "set_holds": {"3": 4}}})
    assert answer.status_code == 200, answer.text
    cue = client.get(answer.json()["cues"]).json()
    assert {e["step"] for e in cue["events"]} - {None} == {3}
    assert [h["seconds"] for h in cue["holds"]] == [4]


def test_the_page_and_its_assets_come_from_the_package(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(set(linked)) == ["/app.js", "/icon.svg", "/style.css"]
    for path in linked:
        asset = client.get(path)
        assert asset.status_code == 200 and asset.content, path
        text = re.sub(r'xmlns="[^"]*"', "", asset.text)  # a namespace's name is not an address
        assert not re.search(r"https?://|[\"'(]//\w", text), f"{path} loads something from the network"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_page_starts_on_the_given_routine(tmp_path: Path, short_routine: Path) -> None:
    start = api.starting_source(short_routine)
    assert start == {"text": SHORT_ROUTINE, "name": "hand_warm_up.txt"}
    with client_for(tmp_path) as test_client:
        begin = test_client.get("/api/start").json()
    assert begin["text"].startswith("# Foot reflexology")
    assert begin["options"]["breath"] == [4.0, 6.0] and begin["options"]["hold"] is None


# ---- Errors: the command line's messages, placed on their field ------------------------------


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"hold": -5}, "hold", "--hold must be a positive number of seconds, got -5"),
        ({"hold": "long"}, "hold", "--hold must be a number, got 'long'"),
        ({"scale": 0}, "scale", "--scale must be positive, got 0"),
        ({"breath": "4"}, "breath", "--breath takes 2 to 4 positive seconds like 4:6 or 4:7:8, got '4'"),
        ({"chime": "gong"}, "chime", "--chime must be one of soft, bowl, none, got 'gong'"),
        ({"rate": 5000}, "rate", "--rate must be 60 to 300 words a minute, got 5000"),
        ({"no_intro": "yes"}, "no_intro", "--no-intro must be true or false, got 'yes'"),
        (
            {"ambience": "/etc/passwd"},
            "ambience",
            "--ambience must be one of brown, pink here; sound files work from the command line",
        ),
    ],
)
def test_bad_settings_get_the_command_lines_message(
    client: TestClient, options: dict[str, Any], field: str, message: str
) -> None:
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": options})
    assert answer.status_code == 400
    assert answer.json() == {"error": message, "field": field}


def test_step_errors_name_the_step(client: TestClient) -> None:
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": {"set_holds": {"5": 30}}})
    assert answer.json() == {
        "error": "--set 5=…: step 5 is not a timed step; see `voiceguide plan`",
        "field": "step",
        "step": 5,
    }
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": {"set_repeats": {"3": 0}}})
    assert answer.json() == {"error": "--repeat 3=0: the count must be 1 or more", "field": "step", "step": 3}
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "options": {"set_holds": {"3": 4000}}})
    assert answer.json()["field"] == "step" and answer.json()["step"] == 3
    assert "longer than --max-hold 1800 s" in answer.json()["error"]


def test_routine_errors_name_the_routine_as_given_never_the_servers_file(client: TestClient) -> None:
    answer = client.post("/api/plan", json={"text": "  \n", "name": "neck.md"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "neck.md: is empty; write the routine's steps in it",
        "field": "routine",
        "line": None,
    }
    answer = client.post("/api/plan", json={"text": "The neck holds tension.", "options": {}})
    assert answer.json()["error"].startswith("routine: found no instruction to guide")
    good = {"text": "Press.", "seconds": 4}
    bad = {
        "title": "x",
        "sections": [{"steps": [good]}, {"title": "y", "steps": [good, {"text": "Press.", "kind": "x"}]}],
    }
    answer = client.post("/api/plan", json={"routine": bad})
    assert answer.json() == {
        "error": "routine: sections[1].steps[1]: kind must be one of intro, note, position, press, massage, hold, "
        "breath, rest, switch, repeat, got 'x'",
        "field": "routine",
        "line": None,
    }
    answer = client.post("/api/plan", json={"routine": {"title": "x", "sections": [good, {"steps": [5]}]}})
    assert answer.json()["error"] == "routine: sections[0]: each section needs a list under `steps:`"


def test_unknown_voices_are_placed_on_the_voice(client: TestClient) -> None:
    answer = client.post("/api/build", json={"text": SHORT_ROUTINE, "options": {"voice": "en-uss"}})
    assert answer.status_code == 400
    assert answer.json()["field"] == "voice"
    assert answer.json()["error"].startswith("unknown voice 'en-uss'; did you mean en-us")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], 'the body must be a JSON object like {"text": "...", "options": {}}'),
        ({"options": {}}, 'give the routine as "text" (text, Markdown or YAML) or as "routine" (an object)'),
        (
            {"text": "x", "routine": {}},
            'give the routine as "text" (text, Markdown or YAML) or as "routine" (an object)',
        ),
        ({"text": "x", "path": "/etc/passwd"}, "unknown field 'path'; give text or routine, and options"),
        ({"text": 5}, '"text" must be a string'),
        ({"text": "x", "options": {"chime_file": "/etc/passwd"}}, "unknown option 'chime_file'; known: "),
    ],
)
def test_malformed_requests_are_refused(client: TestClient, body: Any, message: str) -> None:
    answer = client.post("/api/plan", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(message)


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    answer = client.post("/api/plan", content=b"{not json", headers=JSON)
    assert answer.status_code == 400 and answer.json()["error"].startswith("the body is not JSON")


def test_a_bug_is_a_one_line_500_and_its_traceback_goes_to_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: api.Workspace, body: Any) -> Any:
        raise KeyError("steps")

    monkeypatch.setattr(api.Workspace, "plan", broken)
    workspace = api.Workspace(tmp_path)
    app = create_app(workspace, (ORIGIN,), {"text": "", "name": ""})
    with TestClient(app, base_url=ORIGIN, raise_server_exceptions=False) as test_client:
        answer = test_client.post("/api/plan", json={"text": SHORT_ROUTINE})
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "unexpected KeyError (a bug); the terminal running `voiceguide serve` shows where",
        "field": None,
    }
    assert answer.headers["x-content-type-options"] == "nosniff"


# ---- Refusals: what a page on another site could try ---------------------------------------


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1:9999", "127.0.0.1", "localhost", "[::1]:8765", ""])
def test_a_foreign_host_is_refused(client: TestClient, host: str) -> None:
    """DNS rebinding: a site that points its own name at 127.0.0.1 still sends its own Host."""
    for answer in (
        client.get("/", headers={"host": host}),
        client.get("/api/start", headers={"host": host}),
        client.post("/api/plan", json={"text": SHORT_ROUTINE}, headers={"host": host}),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"] == "this server answers only at http://127.0.0.1:8765 or http://localhost:8765"


def test_both_loopback_names_are_answered(client: TestClient) -> None:
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200
    assert client.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9999", "https://127.0.0.1:8765"])
def test_a_post_from_another_origin_is_refused(client: TestClient, origin: str) -> None:
    for path in ("/api/plan", "/api/build"):
        answer = client.post(path, json={"text": SHORT_ROUTINE}, headers={"origin": origin})
        assert answer.status_code == 403, path
        assert answer.json()["error"].startswith(f"requests from {origin} are refused")


def test_a_post_from_the_page_itself_or_no_browser_is_answered(client: TestClient) -> None:
    assert client.post("/api/plan", json={"text": SHORT_ROUTINE}, headers={"origin": ORIGIN}).status_code == 200
    assert client.post("/api/plan", json={"text": SHORT_ROUTINE}).status_code == 200


def test_a_post_that_is_not_json_is_refused(client: TestClient) -> None:
    """A form on another site can post text/plain without asking; this server reads only JSON."""
    body = json.dumps({"text": SHORT_ROUTINE})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        answer = client.post("/api/plan", content=body, headers={"content-type": content_type})
        assert answer.status_code == 415, content_type


def test_a_body_over_2_mb_gets_413(client: TestClient) -> None:
    big = json.dumps({"text": "Press the point for a minute. " * 80_000}).encode()
    assert len(big) > MAX_BODY
    answer = client.post("/api/plan", content=big, headers=JSON)
    assert answer.status_code == 413
    assert answer.json()["error"].startswith("the body is over 2 MB")


def test_a_streamed_body_over_2_mb_gets_413(client: TestClient) -> None:
    """No Content-Length to check first: the body is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(3 * 1024):
            yield b"x" * 1024

    answer = client.post("/api/plan", content=chunks(), headers=JSON)
    assert answer.status_code == 413


def test_a_body_just_under_the_limit_is_read(client: TestClient) -> None:
    """Read whole: the settings it carries are checked (they are, before the long text is)."""
    body = json.dumps({"text": "Press the point. " * 110_000, "options": {"hold": -1}}).encode()
    assert 1_800_000 < len(body) < MAX_BODY
    answer = client.post("/api/plan", content=body, headers=JSON)
    assert answer.status_code == 400 and answer.json()["field"] == "hold"


@pytest.mark.parametrize(
    "path",
    [
        "/files/nothing-here",
        "/files/../../../etc/passwd",
        "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/files/..%2f..%2fpyproject.toml",
        "/files/",
        "/static/app.js",
        "/../pyproject.toml",
        "/voiceguide/web/static/app.js",
    ],
)
def test_paths_that_were_not_made_get_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_request_never_names_a_path(client: TestClient, tmp_path: Path) -> None:
    """A name is only how messages call the routine: nothing is read or written there."""
    target = tmp_path / "written.md"
    answer = client.post("/api/plan", json={"text": SHORT_ROUTINE, "name": str(target)})
    assert answer.status_code == 200
    assert not target.exists()
    secret = tmp_path / "secret.txt"
    secret.write_text("Press the secret point for 99 seconds.", encoding="utf-8")
    answer = client.post("/api/plan", json={"text": "", "name": str(secret)})
    assert answer.json()["error"] == "secret.txt: is empty; write the routine's steps in it"


def test_only_get_and_post_where_they_belong(client: TestClient) -> None:
    assert client.get("/api/plan").status_code == 405
    assert client.put("/api/build", json={}).status_code == 405
    assert client.post("/", json={}).status_code == 405


# ---- Builds side by side, and the files they leave ---------------------------------------


def test_builds_at_the_same_time_each_get_their_own_files(tmp_path: Path) -> None:
    answers: dict[int, Any] = {}

    def build(seconds: int) -> None:
        body = {"text": SHORT_ROUTINE, "options": {"set_holds": {"3": seconds}}}
        answers[seconds] = test_client.post("/api/build", json=body)

    with client_for(tmp_path) as test_client:
        threads = [threading.Thread(target=build, args=(seconds,)) for seconds in (5, 6, 8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for seconds, answer in answers.items():
            assert answer.status_code == 200, answer.text
            cue = test_client.get(answer.json()["cues"]).json()
            assert [h["seconds"] for h in cue["holds"] if h["step"] == 3] == [seconds]
            mp3 = test_client.get(answer.json()["mp3"]).content
            audio, rate = _decoded(mp3)
            assert abs(len(audio) / rate - cue["duration"]) <= 0.030
        assert len({a.json()["mp3"] for a in answers.values()}) == 3
    assert list((tmp_path / "sources").iterdir()) == []


def _decoded(mp3: bytes) -> tuple[Any, int]:
    import soundfile

    audio, rate = soundfile.read(io.BytesIO(mp3), dtype="float32")
    return audio, rate


def test_old_builds_are_deleted_and_their_addresses_answer_404(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "KEEP_BUILDS", 1)
    with client_for(tmp_path) as test_client:
        first = test_client.post("/api/build", json={"text": SHORT_ROUTINE, "options": {"only": 3}}).json()
        second = test_client.post("/api/build", json={"text": SHORT_ROUTINE, "options": {"only": 4}}).json()
        assert test_client.get(first["mp3"]).status_code == 404
        assert test_client.get(second["mp3"]).status_code == 200
    assert len(list((tmp_path / "builds").iterdir())) == 1


def test_a_failed_build_leaves_no_files(tmp_path: Path) -> None:
    with client_for(tmp_path) as test_client:
        answer = test_client.post("/api/build", json={"text": SHORT_ROUTINE, "options": {"voice": "xx-nothing"}})
        assert answer.status_code == 400
    assert list((tmp_path / "builds").iterdir()) == []


def test_progress_reaches_the_end_of_a_build_and_then_rests(client: TestClient, built: dict[str, Any]) -> None:
    progress = client.get("/api/progress").json()
    assert progress["stage"] is None and progress["waiting"] == 0
    assert progress["done"] == progress["total"] > 0


# ---- `voiceguide serve` -------------------------------------------------------------------


def test_serve_has_help() -> None:
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    words = " ".join(result.output.split())
    assert "voiceguide serve my_routine.txt --port 8800" in words and "(127.0.0.1)" in words


def test_serve_runs_until_ctrl_c_and_removes_its_files(tmp_path: Path, short_routine: Path) -> None:
    import httpx2 as httpx

    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "voiceguide", "serve", str(short_routine), "--no-browser", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"The page is at (http://127\.0\.0\.1:(\d+)/)  \(Ctrl-C stops it\)\n", line)
        assert found, line
        url = found.group(1)
        assert httpx.get(url + "api/start").json()["text"] == SHORT_ROUTINE
        built = httpx.post(url + "api/build", json={"text": SHORT_ROUTINE, "options": {"only": 3}}, timeout=120)
        assert built.status_code == 200
        assert len(list(temp.iterdir())) == 1  # the server's own folder, with the build in it
        assert httpx.get(f"http://localhost:{found.group(2)}/").status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert out == "Stopped; the page's files are removed.\n"
    assert "Traceback" not in err
    assert list(temp.iterdir()) == []


def test_serve_opens_the_page_in_the_default_browser(tmp_path: Path) -> None:
    """Python's webbrowser starts the command in $BROWSER, as a desktop's default browser."""
    opened = tmp_path / "opened"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n", encoding="utf-8")
    env = {**os.environ, "BROWSER": f"{sys.executable} {browser} %s", "TMPDIR": str(tmp_path)}
    command = [sys.executable, "-m", "voiceguide", "serve", "--port", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[4]
        for _ in range(100):
            if opened.exists() and opened.read_text(encoding="utf-8"):
                break
            time.sleep(0.1)
        assert opened.read_text(encoding="utf-8") == url
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_serve_listens_on_loopback_only(tmp_path: Path) -> None:
    from voiceguide.web import server

    listener = server._bind(0)
    try:
        assert listener.getsockname()[0] == "127.0.0.1"
    finally:
        listener.close()


def test_serve_on_a_busy_port_says_so(short_routine: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--no-browser", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"voiceguide: --port {port}: already in use on 127.0.0.1; choose another, or 0 for any free port\n"
    )


def test_serve_of_a_missing_source_stops_before_serving(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", str(tmp_path / "nope.txt"), "--no-browser"])
    assert result.exit_code == 2
    assert "nope.txt: no such file" in result.stderr


def test_a_killed_servers_folder_is_swept_at_the_next_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.web import server

    monkeypatch.setattr(server.tempfile, "gettempdir", lambda: str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f"{server.FOLDER_PREFIX}{dead.stdout.strip()}-x1"
    mine = tmp_path / f"{server.FOLDER_PREFIX}{os.getpid()}-x2"
    for folder in (left, mine):
        (folder / "builds").mkdir(parents=True)
    server._sweep()
    assert not left.exists() and mine.exists()

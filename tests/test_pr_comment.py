"""The sticky pull-request comment, run against a local fake GitHub / GitLab API that records
every request: created once, then updated in place; skipped with a reason without a pull request,
a token or the permission; the token never sent elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tmlogic.tracking.pr_comment import main, marker


class FakeApi:
    """Serves canned answers by (method, path without query); records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                fake.requests.append({"method": self.command, "path": path, "query": query,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "json": json.loads(body) if body else None})
                key = (self.command, path + ("?" + query if (self.command, path + "?" + query) in fake.routes else ""))
                status, answer, headers = fake.routes.get(key, (404, {"message": "Not Found"}, {}))
                raw = json.dumps(answer).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v.replace("BASE", fake.base))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PATCH = do_PUT = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, path: str, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
        self.routes[(method, path)] = (status, answer, headers or {})


@pytest.fixture()
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def _github_env(api: FakeApi, tmp_path: Path, event: dict[str, Any] | None = None, token: str = "ghs_secret") -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event if event is not None else {"pull_request": {"number": 7}}), encoding="utf-8")
    return {"GITHUB_API_URL": api.base, "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_PATH": str(path),
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_TOKEN": token}


def _body(tmp_path: Path) -> Path:
    path = tmp_path / "comment.md"
    path.write_text("## tmlogic: threat_model.md\n\n2 threats fail the build\n", encoding="utf-8")
    return path


def test_the_first_run_creates_the_comment_with_the_token_and_the_marker(api: FakeApi, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    api.route("GET", "/repos/acme/shop/issues/7/comments", 200, [{"id": 1, "body": "a human comment"}])
    api.route("POST", "/repos/acme/shop/issues/7/comments", 201, {"id": 99, "html_url": "https://x/99"})
    assert main(["github", "--body", str(_body(tmp_path))], _github_env(api, tmp_path)) == 0
    get, post = api.requests
    assert get["method"] == "GET" and "per_page=100" in get["query"]
    assert post["method"] == "POST" and post["headers"]["authorization"] == "Bearer ghs_secret"
    assert post["json"]["body"].startswith(marker("tmlogic") + "\n## tmlogic: threat_model.md")
    assert "commented on pull request #7 (https://x/99)" in capsys.readouterr().out


def test_a_later_run_updates_the_same_comment_found_on_a_later_page(api: FakeApi, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    api.route("GET", "/repos/acme/shop/issues/7/comments", 200, [{"id": 1, "body": "hello"}],
              {"Link": '<BASE/repos/acme/shop/issues/7/comments?per_page=100&page=2>; rel="next"'})
    api.route("GET", "/repos/acme/shop/issues/7/comments?per_page=100&page=2", 200,
              [{"id": 42, "body": marker("tmlogic") + "\nold summary"}])
    api.route("PATCH", "/repos/acme/shop/issues/comments/42", 200, {"id": 42, "html_url": "https://x/42"})
    assert main(["github", "--body", str(_body(tmp_path))], _github_env(api, tmp_path)) == 0
    assert [(r["method"], r["path"]) for r in api.requests] == [
        ("GET", "/repos/acme/shop/issues/7/comments"), ("GET", "/repos/acme/shop/issues/7/comments"),
        ("PATCH", "/repos/acme/shop/issues/comments/42")]
    assert "2 threats fail the build" in api.requests[-1]["json"]["body"]
    assert "updated the comment on pull request #7" in capsys.readouterr().out


def test_without_permission_the_step_skips_and_says_which_permission(api: FakeApi, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    api.route("GET", "/repos/acme/shop/issues/7/comments", 200, [])
    api.route("POST", "/repos/acme/shop/issues/7/comments", 403, {"message": "Resource not accessible by integration"})
    assert main(["github", "--body", str(_body(tmp_path))], _github_env(api, tmp_path)) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "HTTP 403: Resource not accessible by integration" in out
    assert "pull-requests: write" in out


def test_without_a_pull_request_or_a_token_nothing_is_sent(api: FakeApi, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    env = _github_env(api, tmp_path, event={"ref": "refs/heads/main"})
    env["GITHUB_EVENT_NAME"] = "push"
    assert main(["github", "--body", str(_body(tmp_path))], env) == 0
    assert "skipped: no pull request for this push" in capsys.readouterr().out
    assert main(["github", "--body", str(_body(tmp_path))], _github_env(api, tmp_path, token="")) == 0
    assert "skipped: no token" in capsys.readouterr().out
    assert api.requests == []


def test_a_link_to_another_host_never_gets_the_token(api: FakeApi, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    api.route("GET", "/repos/acme/shop/issues/7/comments", 200, [],
              {"Link": '<http://127.0.0.2:9/steal?page=2>; rel="next"'})
    assert main(["github", "--body", str(_body(tmp_path))], _github_env(api, tmp_path)) == 0
    assert "refusing to send the token" in capsys.readouterr().out
    assert len(api.requests) == 1


def test_a_missing_body_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["github", "--body", str(tmp_path / "none.md")], {}) == 2
    err = capsys.readouterr().err
    assert "comment body" in err and "not found" in err


def _gitlab_env(api: FakeApi, iid: str = "5") -> dict[str, str]:
    return {"CI_API_V4_URL": api.base + "/api/v4", "CI_PROJECT_ID": "12", "CI_MERGE_REQUEST_IID": iid,
            "TMLOGIC_GITLAB_TOKEN": "glpat-secret"}


def test_gitlab_creates_then_updates_the_merge_request_note(api: FakeApi, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    notes = "/api/v4/projects/12/merge_requests/5/notes"
    api.route("GET", notes, 200, [{"id": 3, "body": "review comment"}], {"X-Next-Page": ""})
    api.route("POST", notes, 201, {"id": 8})
    assert main(["gitlab", "--body", str(_body(tmp_path))], _gitlab_env(api)) == 0
    assert api.requests[-1]["method"] == "POST" and api.requests[-1]["headers"]["private-token"] == "glpat-secret"
    assert "commented on merge request !5" in capsys.readouterr().out
    api.requests.clear()
    api.route("GET", notes, 200, [{"id": 8, "body": marker("tmlogic") + "\nold"}], {"X-Next-Page": ""})
    api.route("PUT", notes + "/8", 200, {"id": 8})
    assert main(["gitlab", "--body", str(_body(tmp_path))], _gitlab_env(api)) == 0
    assert [(r["method"], r["path"]) for r in api.requests] == [("GET", notes), ("PUT", notes + "/8")]
    assert "updated the note on merge request !5" in capsys.readouterr().out


def test_gitlab_without_a_merge_request_skips(api: FakeApi, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["gitlab", "--body", str(_body(tmp_path))], _gitlab_env(api, iid="")) == 0
    assert "skipped: no merge request" in capsys.readouterr().out and api.requests == []

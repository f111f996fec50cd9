"""One sticky pull-request comment (GitHub) or merge-request note (GitLab) with tmlogic's summary:
posted once, then updated in place on every push, found again by a hidden marker.

    python -m tmlogic.tracking.pr_comment github --body tmlogic-results/comment.md
    python -m tmlogic.tracking.pr_comment gitlab --body tmlogic-results/comment.md

GitHub: the workflow's token (GITHUB_TOKEN; the job needs `pull-requests: write`), GITHUB_API_URL,
GITHUB_REPOSITORY and the event in GITHUB_EVENT_PATH. GitLab: a token with the `api` scope in
TMLOGIC_GITLAB_TOKEN (the job token cannot write notes), CI_API_V4_URL, CI_PROJECT_ID and
CI_MERGE_REQUEST_IID. Nothing but the standard library talks to the API.

The comment is a courtesy, not the gate: with no pull request, no token, or a token that may not
write (a fork's pull request gets a read-only one), the step says why it skipped and exits 0. Only
a missing or unreadable body file is an error (exit 2). The token goes only to the API's own host,
and never follows a redirect.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..typing_runtime import Any

__all__ = ["main", "marker", "post_github", "post_gitlab", "Outcome"]

_MAX_PAGES = 50  # 5,000 comments: more than any pull request has; bounds the loop
_MAX_BODY = 65_000  # GitHub refuses comments over 65,536 characters
_TIMEOUT = 30


def marker(key: str) -> str:
    """The hidden line that finds the comment again (one per key: a repository with two models
    can keep two comments)."""
    return f"<!-- tmlogic-comment: {re.sub(r'[^A-Za-z0-9._/-]', '-', key) or 'tmlogic'} -->"


@dataclass(frozen=True)
class Outcome:
    action: str  # "created", "updated", "skipped"
    message: str
    url: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # the token must not travel elsewhere
        return None


class _Api:
    def __init__(self, base: str, headers: Mapping[str, str]) -> None:
        self.base = base.rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.headers = dict(headers)
        self.opener = urllib.request.build_opener(_NoRedirect)

    def call(self, method: str, url: str, body: Mapping[str, str] | None = None) -> tuple[Any, Mapping[str, str]]:
        full = url if url.startswith(("http://", "https://")) else self.base + url
        if urllib.parse.urlsplit(full).netloc != self.host:
            raise urllib.error.URLError(f"refusing to send the token to {urllib.parse.urlsplit(full).netloc}")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(full, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "tmlogic")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for k, v in self.headers.items():
            request.add_unredirected_header(k, v)
        with self.opener.open(request, timeout=_TIMEOUT) as response:
            raw = response.read()
            return (json.loads(raw) if raw else None), dict(response.headers)


def _next_link(headers: Mapping[str, str]) -> str | None:
    for part in (headers.get("Link") or headers.get("link") or "").split(","):
        m = re.match(r'\s*<([^>]+)>\s*;\s*rel="next"', part)
        if m:
            return m.group(1)
    return None


def _with_marker(body: str, key: str) -> str:
    tag = marker(key)
    text = body if len(body) <= _MAX_BODY else body[:_MAX_BODY] + "\n\n(truncated: see the job's reports)\n"
    return f"{tag}\n{text}"


def _http_problem(exc: urllib.error.HTTPError, where: str, fix: str) -> Outcome:
    detail = ""
    try:
        detail = json.loads(exc.read() or b"{}").get("message", "")
    except (ValueError, AttributeError, OSError):
        pass
    if exc.code in (401, 403, 404):
        return Outcome("skipped", f"the token may not write {where} (HTTP {exc.code}{': ' + detail if detail else ''}); "
                                  f"{fix}")
    return Outcome("skipped", f"{where} could not be written (HTTP {exc.code}{': ' + detail if detail else ''}); "
                              "the build is not affected")


def _pull_request_number(env: Mapping[str, str]) -> int | None:
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if isinstance(pr, dict) and isinstance(pr.get("number"), int):
        return int(pr["number"])
    issue = event.get("issue") if isinstance(event, dict) else None
    if isinstance(issue, dict) and issue.get("pull_request") and isinstance(issue.get("number"), int):
        return int(issue["number"])
    return None


def post_github(body: str, env: Mapping[str, str], key: str = "tmlogic") -> Outcome:
    number = _pull_request_number(env)
    if number is None:
        return Outcome("skipped", f"no pull request for this {env.get('GITHUB_EVENT_NAME') or 'event'}; nothing to comment on")
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        return Outcome("skipped", "no token (pass `github-token`, by default the workflow's own GITHUB_TOKEN)")
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repo):
        return Outcome("skipped", f"GITHUB_REPOSITORY {repo!r} is not owner/name")
    api = _Api(env.get("GITHUB_API_URL") or "https://api.github.com",
               {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"})
    text, tag = _with_marker(body, key), marker(key)
    fix = "give the job `permissions: pull-requests: write` (pull requests from forks get a read-only token)"
    try:
        url: str | None = f"/repos/{repo}/issues/{number}/comments?per_page=100"
        existing = None
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            page, headers = api.call("GET", url)
            existing = next((c for c in page or [] if isinstance(c, dict) and tag in str(c.get("body", ""))), None)
            if existing is not None:
                break
            url = _next_link(headers)
        if existing is not None:
            done, _ = api.call("PATCH", f"/repos/{repo}/issues/comments/{int(existing['id'])}", {"body": text})
            return Outcome("updated", f"updated the comment on pull request #{number}", (done or {}).get("html_url"))
        done, _ = api.call("POST", f"/repos/{repo}/issues/{number}/comments", {"body": text})
        return Outcome("created", f"commented on pull request #{number}", (done or {}).get("html_url"))
    except urllib.error.HTTPError as exc:
        return _http_problem(exc, f"comments on pull request #{number}", fix)
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        return Outcome("skipped", f"the GitHub API could not be reached or answered oddly ({exc}); the build is not affected")


def post_gitlab(body: str, env: Mapping[str, str], key: str = "tmlogic") -> Outcome:
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    if not iid.isdigit():
        return Outcome("skipped", "no merge request for this pipeline; nothing to comment on")
    token = env.get("TMLOGIC_GITLAB_TOKEN", "").strip()
    if not token:
        return Outcome("skipped", "no token: set TMLOGIC_GITLAB_TOKEN (a project access token with the api scope) "
                                  "as a masked CI/CD variable")
    project = env.get("CI_PROJECT_ID", "").strip()
    if not project.isdigit():
        return Outcome("skipped", f"CI_PROJECT_ID {project!r} is not a project id")
    api = _Api(env.get("CI_API_V4_URL") or "https://gitlab.com/api/v4", {"PRIVATE-TOKEN": token})
    text, tag = _with_marker(body, key), marker(key)
    base = f"/projects/{project}/merge_requests/{iid}/notes"
    fix = "give TMLOGIC_GITLAB_TOKEN the api scope and at least the Reporter role"
    try:
        existing = None
        page = 1
        for _ in range(_MAX_PAGES):
            notes, headers = api.call("GET", f"{base}?per_page=100&page={page}&sort=asc")
            existing = next((n for n in notes or [] if isinstance(n, dict) and tag in str(n.get("body", ""))), None)
            nxt = headers.get("X-Next-Page") or headers.get("x-next-page") or ""
            if existing is not None or not nxt.strip().isdigit():
                break
            page = int(nxt)
        if existing is not None:
            api.call("PUT", f"{base}/{int(existing['id'])}", {"body": text})
            return Outcome("updated", f"updated the note on merge request !{iid}")
        api.call("POST", base, {"body": text})
        return Outcome("created", f"commented on merge request !{iid}")
    except urllib.error.HTTPError as exc:
        return _http_problem(exc, f"notes on merge request !{iid}", fix)
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        return Outcome("skipped", f"the GitLab API could not be reached or answered oddly ({exc}); the build is not affected")


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tmlogic.tracking.pr_comment",
                                     description="Post or update tmlogic's sticky pull-request comment.")
    parser.add_argument("host", choices=("github", "gitlab"))
    parser.add_argument("--body", required=True, type=Path, help="Markdown file with the comment")
    parser.add_argument("--key", default="tmlogic", help="tells several tmlogic comments apart (one per model)")
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    from ..fileaccess import FileAccessError, read_text

    try:
        # Through the guard: a pull request can commit the body's path as a link to
        # /proc/self/environ, and whatever is read here is posted publicly.
        body = read_text(args.body, what="comment body")
    except FileAccessError as exc:
        sys.stderr.write(exc.render())
        return 2
    outcome = (post_github if args.host == "github" else post_gitlab)(body, env, args.key)
    label = "skipped: " if outcome.action == "skipped" else ""
    sys.stdout.write(f"tmlogic comment: {label}{outcome.message}" + (f" ({outcome.url})" if outcome.url else "") + "\n")
    return 0


if __name__ == "__main__":
    from ..cli.common import guarded_entry  # the CLI's exit codes and safe streams

    sys.exit(guarded_entry(main))

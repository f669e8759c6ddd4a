"""Run ``app.py`` as a real server subprocess for the end-to-end tests.

Test modules load this as a plugin (``pytest_plugins = ["app_server"]``) so that the
session-scoped ``app_server`` fixture is registered once and every module shares one server.
``scripts/screenshot.py`` uses ``running_app`` directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CONTENT_EXAMPLE = EXAMPLES / "content_coffee.jpg"
STYLE_EXAMPLE = EXAMPLES / "style_swirls.jpg"
START_TIMEOUT = 120.0  # seconds for the server to answer (imports torch and gradio)
# Debian's Chromium, headless, as root, on a machine with no outside network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass
class AppServer:
    url: str  # with a trailing slash, like Gradio prints it
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log()[-chars:]

    def log(self) -> str:
        """The server's whole log (a line from start-up, such as ``speed:``, is soon out of the
        tail once earlier tests' jobs have logged)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (all threads; Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    condition: Callable[[], object], timeout: float, interval: float = 0.1, what: str = ""
) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(interval)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextlib.contextmanager
def running_app(
    log_dir: Path | None = None, script: str = "app.py", env: dict[str, str] | None = None
) -> Iterator[AppServer]:
    """Start ``python app.py`` (or another ``script`` that serves it, with ``env`` added to the
    environment) on a free port, wait until it answers, stop it afterwards."""
    scratch = tempfile.TemporaryDirectory(prefix="app-server-")
    log_path = Path(log_dir or scratch.name) / "app-server.log"
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        # Uploads, cached outputs and result PNGs go to a private folder, removed afterwards.
        "GRADIO_TEMP_DIR": str(Path(scratch.name) / "gradio"),
        "TMPDIR": scratch.name,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, script, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group, so that stopping it also stops what it forked (the real
            # `spaces` package forks a GPU worker that outlives a terminated parent).
            start_new_session=True,
        )
    server = AppServer(f"http://127.0.0.1:{port}/", process, log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(server.url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"app.py exited with {process.returncode} before answering:\n"
                    + server.log_tail()
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"app.py did not answer within {START_TIMEOUT:.0f} s:\n" + server.log_tail()
                )
            time.sleep(0.25)
        yield server
    finally:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        _signal_group(process, signal.SIGKILL)  # whatever it forked and left behind
        scratch.cleanup()


def _signal_group(process: subprocess.Popen, signal_number: int) -> None:
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:  # the group is already empty
        pass


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    """One ``python app.py`` subprocess shared by every end-to-end test of the session."""
    with running_app(tmp_path_factory.mktemp("app-server")) as server:
        yield server

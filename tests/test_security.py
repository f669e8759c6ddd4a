"""The running app as an attacker sees it: its file route, URL inputs and the upload limit.

* GET /gradio_api/file=<path> serves uploads and results only: never the app's source,
  /etc/passwd or anything reached by path traversal (403/404, and none of the contents).
* An input given as a URL to a loopback, link-local or private address is refused before any
  request is made (a local HTTP server counts the requests that reach it: none may).
* Inputs naming server files outside the upload folder are refused.
* An upload over STYLE_MAX_UPLOAD (20 MB by default) is refused with 413.
After all of it the server still serves.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import io
import os
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

pytest.register_assert_rewrite("app_server", "test_app_client", "test_hostile_params")

from app_server import CONTENT_EXAMPLE, REPO, STYLE_EXAMPLE  # noqa: E402
from hostile_corpus import bomb_png, fit  # noqa: E402
from test_app_client import assert_readable  # noqa: E402
from test_hostile_params import default_values, file_data, raw_call, upload  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = pytest.mark.slow

APP_SOURCE = REPO / "app.py"
SMALL = {"steps": 10, "size": 128}
MAX_UPLOAD = 20 * 1024 * 1024  # app.py's default STYLE_MAX_UPLOAD="20mb"


def http_get(base_url: str, raw_path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (httpx would normalise ../ and %2e%2e away)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", raw_path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def uploaded(app_server, tmp_path_factory) -> str:
    """The server-side path of one ordinary uploaded PNG."""
    path = tmp_path_factory.mktemp("upload") / "tiny.png"
    Image.new("RGB", (64, 48), (20, 120, 220)).save(path)
    (server_path,) = upload(app_server.url, path)
    return server_path


# --- the file route -------------------------------------------------------------------------

PASSWD_SECRET = b"root:x:0:0"
SOURCE_SECRET = b"def stylize_job"


def file_route_cases(upload_dir: str) -> dict[str, tuple[str, bytes]]:
    """name: (raw request path, bytes the response must not contain)."""
    up = upload_dir.rstrip("/")
    dots = "/".join([".."] * 12)
    encoded_dots = "/".join(["%2e%2e"] * 12)
    return {
        "app.py by absolute path": (f"/gradio_api/file={APP_SOURCE}", SOURCE_SECRET),
        "app.py relative to the working directory": ("/gradio_api/file=app.py", SOURCE_SECRET),
        "app.py url-encoded": (
            f"/gradio_api/file={quote(str(APP_SOURCE), safe='')}",
            SOURCE_SECRET,
        ),
        "engine source": (
            f"/gradio_api/file={REPO / 'style_core' / 'engine.py'}",
            b"def stylize(",
        ),
        "git config": (f"/gradio_api/file={REPO / '.git' / 'config'}", b"[core]"),
        "/etc/passwd": ("/gradio_api/file=/etc/passwd", PASSWD_SECRET),
        "../ from the root": (f"/gradio_api/file={dots}/etc/passwd", PASSWD_SECRET),
        "%2e%2e from the root": (f"/gradio_api/file={encoded_dots}/etc/passwd", PASSWD_SECRET),
        "double-encoded dots": ("/gradio_api/file=%252e%252e/%252e%252e/etc/passwd", PASSWD_SECRET),
        "double slash": ("/gradio_api/file=//etc/passwd", PASSWD_SECRET),
        "encoded slashes": ("/gradio_api/file=%2fetc%2fpasswd", PASSWD_SECRET),
        "....// filter evasion": ("/gradio_api/file=....//....//....//etc/passwd", PASSWD_SECRET),
        "../ out of the upload folder": (f"/gradio_api/file={up}/{dots}/etc/passwd", PASSWD_SECRET),
        "%2e%2e out of the upload folder": (
            f"/gradio_api/file={up}/{encoded_dots}/etc/passwd",
            PASSWD_SECRET,
        ),
        "..%2f out of the upload folder": (
            f"/gradio_api/file={up}/" + "..%2f" * 12 + "etc%2fpasswd",
            PASSWD_SECRET,
        ),
        "../ from the upload folder to app.py": (
            f"/gradio_api/file={up}/{dots}{APP_SOURCE}",
            SOURCE_SECRET,
        ),
        "NUL byte": ("/gradio_api/file=/etc/passwd%00.png", PASSWD_SECRET),
        "file:// scheme": ("/gradio_api/file=file:///etc/passwd", PASSWD_SECRET),
        "process environment": ("/gradio_api/file=/proc/self/environ", b"GRADIO_TEMP_DIR"),
        "static route traversal": ("/static/../app.py", SOURCE_SECRET),
        "assets route traversal": ("/assets/../../app.py", SOURCE_SECRET),
    }


FILE_ROUTE_NAMES = list(file_route_cases("/x"))


def test_file_route_serves_an_upload(app_server, uploaded):
    """The control: the route works, so the refusals below are the route saying no."""
    status, body = http_get(app_server.url, f"/gradio_api/file={uploaded}")
    assert status == 200 and body.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", FILE_ROUTE_NAMES)
def test_file_route_refuses(app_server, uploaded, name):
    raw_path, secret = file_route_cases(str(Path(uploaded).parent))[name]
    status, body = http_get(app_server.url, raw_path)
    assert status in (403, 404), (status, body[:200])
    assert secret not in body
    assert b"Traceback" not in body


# --- inputs as URLs: server-side request forgery ----------------------------------------------


class HitCounter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (250, 0, 0)).save(buffer, format="PNG")
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.end_headers()
        self.wfile.write(buffer.getvalue())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def local_server() -> Iterator[tuple[int, list[str]]]:
    """A tiny HTTP server on 127.0.0.1 that serves a PNG and records every request."""
    HitCounter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HitCounter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    # The detector works: a request from here is counted.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/probe.png", timeout=10) as response:
        assert response.status == 200
    assert HitCounter.hits == ["/probe.png"]
    HitCounter.hits.clear()
    try:
        yield port, HitCounter.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def values(app_server) -> dict:
    return default_values(Client(app_server.url, verbose=False), app_server.url)


URL_TARGETS = {
    "loopback": "http://127.0.0.1:{port}/content.png",
    "localhost name": "http://localhost:{port}/content.png",
    "loopback, short form": "http://127.1:{port}/content.png",
    "loopback, decimal": "http://2130706433:{port}/content.png",
    "ipv6 loopback": "http://[::1]:{port}/content.png",
    "unspecified address": "http://0.0.0.0:{port}/content.png",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "private 10/8": "http://10.0.0.1/content.png",
    "private 192.168/16": "http://192.168.1.1/content.png",
}


@pytest.mark.parametrize("role", ["content", "style"])
@pytest.mark.parametrize("target", list(URL_TARGETS))
def test_url_inputs_to_internal_addresses_are_refused(
    app_server, values, local_server, target, role
):
    port, hits = local_server
    url = URL_TARGETS[target].format(port=port)
    data = {**values, role: file_data(url, url=url, orig_name="content.png")}
    reply = raw_call(app_server.url, {"data": list(data.values())})
    assert reply.kind == "error", reply
    if reply.error is not None:
        assert_readable(reply.error)
    assert hits == [], f"the server fetched {hits}"


def test_url_beside_an_uploaded_path_is_not_fetched(app_server, values, local_server, uploaded):
    port, hits = local_server
    data = {**values, "content": file_data(uploaded, url=f"http://127.0.0.1:{port}/x.png")}
    reply = raw_call(app_server.url, {"data": list(data.values())})
    assert reply.kind == "complete", reply
    assert (reply.data[3]["width"], reply.data[3]["height"]) == fit((64, 48), SMALL["size"])
    assert hits == []


def test_data_url_beside_an_uploaded_path_is_not_decoded(app_server, values, uploaded):
    """A data: URL (here a 60000x60000 bomb) never replaces the upload: no way past the limits."""
    bomb = "data:image/png;base64," + base64.b64encode(bomb_png(60_000, 60_000)).decode()
    data = {**values, "content": file_data(uploaded, url=bomb)}
    reply = raw_call(app_server.url, {"data": list(data.values())})
    assert reply.kind == "complete", reply
    assert (reply.data[3]["width"], reply.data[3]["height"]) == fit((64, 48), SMALL["size"])


def test_proxy_route_does_not_fetch_internal_addresses(app_server, local_server):
    port, hits = local_server
    status, _ = http_get(app_server.url, f"/gradio_api/proxy=http://127.0.0.1:{port}/x.png")
    assert status in (400, 403, 404)
    assert hits == []


# --- inputs naming files on the server --------------------------------------------------------


@pytest.fixture(scope="module")
def outside_image(tmp_path_factory) -> Path:
    """A real PNG on the server's disk, outside its upload folder."""
    path = tmp_path_factory.mktemp("outside") / "private.png"
    Image.new("RGB", (64, 48), (0, 200, 0)).save(path)
    return path


def server_file_inputs(upload_dir: str, outside_image: Path) -> dict[str, str]:
    return {
        "/etc/passwd": "/etc/passwd",
        "app.py": str(APP_SOURCE),
        "app.py, relative": "app.py",
        "traversal out of the upload folder": f"{upload_dir}/../../../../../../../etc/passwd",
        "an image outside the upload folder": str(outside_image),
        "traversal to an image outside": f"{upload_dir}/../../../../../../..{outside_image}",
        "/proc/self/environ": "/proc/self/environ",
    }


@pytest.mark.parametrize("name", list(server_file_inputs("/x", Path("/y"))))
def test_inputs_naming_server_files_are_refused(app_server, values, uploaded, outside_image, name):
    path = server_file_inputs(str(Path(uploaded).parent), outside_image)[name]
    data = {**values, "content": file_data(path)}
    reply = raw_call(app_server.url, {"data": list(data.values())})
    assert reply.kind == "error", reply
    message = reply.error
    if message is not None:  # Gradio withholds its own messages (show_error is off)
        assert_readable(message)
        assert "not an image" not in message  # refused before the app ever opened it


# --- the upload limit -------------------------------------------------------------------------


def test_upload_over_the_limit_is_refused_with_413(app_server):
    payload = os.urandom(MAX_UPLOAD + 1024 * 1024)  # 21 MB
    with httpx.Client(base_url=app_server.url, timeout=120) as http_client:
        response = http_client.post(
            "gradio_api/upload", files=[("files", ("big.png", payload, "image/png"))]
        )
    assert response.status_code == 413, response.text[:300]
    assert "Traceback" not in response.text and "/tmp" not in response.text


def test_upload_just_under_the_limit_is_accepted(app_server):
    payload = os.urandom(MAX_UPLOAD - 1024 * 1024)  # 19 MB: the limit, not the route, says no
    with httpx.Client(base_url=app_server.url, timeout=120) as http_client:
        response = http_client.post(
            "gradio_api/upload", files=[("files", ("big.png", payload, "image/png"))]
        )
    assert response.status_code == 200, response.text[:300]
    (path,) = response.json()
    assert Path(path).name == "big.png"


@pytest.mark.parametrize(
    "filename", ["../../../../evil.png", "/tmp/evil.png", "..\\..\\evil.png", "a/../../evil.png"]
)
def test_upload_filename_cannot_escape_the_upload_folder(app_server, uploaded, filename):
    upload_root = Path(uploaded).parent.parent
    with httpx.Client(base_url=app_server.url, timeout=60) as http_client:
        response = http_client.post(
            "gradio_api/upload", files=[("files", (filename, b"\x89PNG fake", "image/png"))]
        )
    assert response.status_code == 200, response.text[:300]
    (path,) = response.json()
    stored = Path(path).resolve()
    assert stored.is_relative_to(upload_root.resolve()), stored
    assert ".." not in Path(path).parts
    for folder in (upload_root, *upload_root.parents[:3]):
        assert not (folder / "evil.png").exists()


def test_still_serves_after_the_attacks(app_server):
    client = Client(app_server.url, verbose=False)
    *_, progress, png = client.predict(
        content=handle_file(str(CONTENT_EXAMPLE)),
        style=handle_file(str(STYLE_EXAMPLE)),
        **SMALL,
        api_name="/stylize",
    )
    assert progress["done"] is True
    assert Path(png).is_file()

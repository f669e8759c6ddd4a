"""/stylize as AI assistants and API clients see it: an MCP tool over the running app's MCP
endpoint (streamable HTTP at /gradio_api/mcp/), and the API info that the API page and
``Client.view_api()`` show. Every parameter is described, from the table of knobs.

A real ``python app.py`` subprocess (tests/app_server.py), shared with the other app tests.
"""

from __future__ import annotations

import asyncio
import base64
import io

import httpx
import pytest
from gradio_client import Client
from PIL import Image

pytest.register_assert_rewrite("app_server")  # before the import below: no rewrite warning

from app_server import CONTENT_EXAMPLE, STYLE_EXAMPLE  # noqa: E402
from mcp import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from style_app.settings import SETTING_FIELDS  # noqa: E402
from style_core.params import KNOBS  # noqa: E402

pytest_plugins = ["app_server"]

pytestmark = pytest.mark.slow

# The smallest job the page's sliders allow (size 128..., steps 10...).
TINY = {"steps": 10, "size": 128}


async def _with_session(url: str, work):
    timeout = httpx.Timeout(30.0, read=300.0)
    async with httpx.AsyncClient(timeout=timeout) as http:
        async with streamable_http_client(f"{url}gradio_api/mcp/", http_client=http) as streams:
            read, write, _ = streams
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)


def mcp(url: str, work):
    """Run ``await work(session)`` in a fresh MCP session with the app."""
    return asyncio.run(_with_session(url, work))


def stylize_tool(tools) -> object:
    """The /stylize endpoint's tool (Gradio names a tool after its function)."""
    matches = [tool for tool in tools.tools if tool.name == "stylize_job"]
    assert len(matches) == 1, [tool.name for tool in tools.tools]
    return matches[0]


def data_url(path) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def test_mcp_lists_stylize_with_every_parameter_described(app_server):
    tool = stylize_tool(mcp(app_server.url, lambda session: session.list_tools()))
    assert "style" in tool.description.lower() and "VGG19" in tool.description
    properties = tool.inputSchema["properties"]
    expected = ["content", "style", "style2", "blend", *SETTING_FIELDS, "mask", "mask_mode"]
    assert list(properties) == expected
    undescribed = [name for name, schema in properties.items() if not schema.get("description")]
    assert not undescribed, undescribed
    # The knobs' own words, not a copy: a knob's help reaches the tool unchanged.
    assert properties["steps"]["description"] == KNOBS["steps"].help
    assert properties["steps"]["type"] == "integer"
    assert properties["size"]["type"] == "integer"
    assert set(tool.inputSchema["required"]) == {"content", "style"}


def test_mcp_runs_a_tiny_job_from_image_files(app_server):
    arguments = {
        "content": data_url(CONTENT_EXAMPLE),
        "style": data_url(STYLE_EXAMPLE),
        **TINY,
    }

    async def call(session):
        tools = await session.list_tools()
        return await session.call_tool(stylize_tool(tools).name, arguments)

    result = mcp(app_server.url, call)
    assert not result.isError, result.content
    images = [item for item in result.content if item.type == "image"]
    assert images, result.content
    picture = Image.open(io.BytesIO(base64.b64decode(images[0].data)))
    assert max(picture.size) == TINY["size"]
    texts = " ".join(item.text for item in result.content if item.type == "text")
    assert "**Done.**" in texts
    assert "gradio_api/file=" in texts  # the result as a file to fetch, not only inline


def test_api_info_types_and_describes_every_parameter(app_server):
    info = Client(app_server.url, verbose=False).view_api(print_info=False, return_format="dict")
    endpoint = info["named_endpoints"]["/stylize"]
    assert "style transfer" in endpoint["description"]
    parameters = {p["parameter_name"]: p for p in endpoint["parameters"]}
    undescribed = [n for n, p in parameters.items() if not p["python_type"]["description"]]
    assert not undescribed, undescribed
    assert parameters["seed"]["python_type"]["description"] == KNOBS["seed"].help
    for name in ("steps", "size", "seed"):
        assert parameters[name]["python_type"]["type"] == "int", parameters[name]
    labels = [r["label"] for r in endpoint["returns"]]
    assert labels == [
        "Result",
        "Status",
        "Loss curve",
        "Progress",
        "Full-size PNG (settings embedded)",
    ]

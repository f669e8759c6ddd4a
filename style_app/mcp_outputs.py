"""One patch to Gradio's MCP server, so a tool call returns each of /stylize's outputs.

Gradio 6.31's ``GradioMCPServer._execute_tool_without_progress`` (the path taken when the MCP
client sends no progress token, as most do) returns ``[job.result()]``. For an endpoint with
several outputs ``job.result()`` is a tuple, so the five outputs became one text item holding
their repr: no image for the assistant, no file URL. The progress path returns the list of
outputs; this makes the other path do the same. ``gradio_client`` gives a tuple only for
several outputs (JSON values arrive as lists), so a one-output tool is unchanged.
"""

from __future__ import annotations

from typing import Any

from gradio.mcp import GradioMCPServer

_original = GradioMCPServer._execute_tool_without_progress


async def _each_output(self: GradioMCPServer, job: Any) -> list[Any]:
    (result,) = await _original(self, job)
    return list(result) if isinstance(result, tuple) else [result]


def return_each_output() -> None:
    """Apply the patch (idempotent); call before ``launch(mcp_server=True)``."""
    GradioMCPServer._execute_tool_without_progress = _each_output

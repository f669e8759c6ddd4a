"""The Hugging Face Space's entry point: builds the page (``demo``) and, run as a script,
times this device in the background and serves it.

Runs unchanged on a CPU machine, a dedicated-GPU Space and a ZeroGPU Space (CUDA is never
touched at import). Everything else lives in the ``style_app`` package, one concern a module.
"""

from __future__ import annotations

import argparse
import os
import threading

from style_app.config import MAX_UPLOAD
from style_app.layout import build_demo
from style_app.mcp_outputs import return_each_output
from style_app.speed import warm_up

demo = build_demo()


def main() -> None:
    parser = argparse.ArgumentParser(description="Neural style transfer demo")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    )
    parser.add_argument("--share", action="store_true", help="create a public share link")
    args = parser.parse_args()
    # In the background: the page answers at once; pages opened after the warm-up (and every
    # estimate after an upload) show times measured here, earlier ones say they are a guess.
    threading.Thread(target=warm_up, daemon=True).start()
    return_each_output()
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        max_file_size=MAX_UPLOAD,
        footer_links=["api", "gradio"],
        # /stylize and /enlarge are also MCP tools (at /gradio_api/mcp/), described from the
        # table of knobs.
        mcp_server=True,
    )


if __name__ == "__main__":
    main()

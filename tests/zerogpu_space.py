"""Start ``app.py`` as on a ZeroGPU Space, on a machine without a GPU, with the real ``spaces``.

    SPACES_ZERO_GPU=true python tests/zerogpu_space.py --host 127.0.0.1 --port 7861

What is real: the ``spaces`` package (0.51.3) in ZeroGPU mode. Imported first, it patches torch
in this process (``torch.cuda.is_available()`` is True, and ``torch._C._cuda_init`` raises:
spaces/zero/torch/patching.py), and ``spaces.GPU`` runs every call of the job in a forked
worker process, asking its scheduler for the duration the app's duration function gives, and
sends back whatever the job yields (pickled, spaces/zero/wrappers.py).

What is simulated, and why:
* The device API (``SPACES_ZERO_DEVICE_API_URL``), which Hugging Face runs beside a Space and
  which grants the GPU: a local server that grants every request at once and records the
  durations asked for (``ZEROGPU_SIM_LOG``, one JSON line per request).
* ``spaces.zero.torch.init`` and ``move``: in the worker they select the granted GPU and move
  packed weights onto it (``torch.Tensor([0]).cuda()``); there is no GPU here, so they do
  nothing, and the job runs on the CPU (in the worker torch is unpatched, so ``auto`` = CPU).
* To prove that nothing touches CUDA outside the GPU call, ``torch.cuda._lazy_init`` (which
  every CUDA call goes through) raises in the main process, and notes it in that log.
"""

from __future__ import annotations

import http.server
import json
import os
import runpy
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG = Path(os.environ.get("ZEROGPU_SIM_LOG", Path(tempfile.gettempdir()) / "zerogpu-sim.log"))


def note(record: dict) -> None:
    with LOG.open("a") as log:
        log.write(json.dumps(record) + "\n")


class DeviceAPI(http.server.BaseHTTPRequestHandler):
    """spaces/zero/api.py's endpoints: every request granted at once."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        path, _, query = self.path.partition("?")
        body = b""
        if path == "/schedule":
            params = dict(item.split("=", 1) for item in query.split("&") if "=" in item)
            note({"schedule": int(params.get("durationSeconds", 0)), "pid": os.getpid()})
            grant = {"idle": False, "nvidiaIndex": 0, "nvidiaUUID": "GPU-sim", "allowToken": "t"}
            body = json.dumps(grant).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def start_device_api() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeviceAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def main() -> None:
    os.environ["SPACES_ZERO_GPU"] = "true"
    os.environ["SPACES_ZERO_DEVICE_API_URL"] = start_device_api()
    cgroup = Path(tempfile.mkdtemp()) / "cgroup"  # the scheduler's key for this Space
    cgroup.write_text("0::/zerogpu-sim\n")
    os.environ["ZEROGPU_PROC_SELF_CGROUP_PATH"] = str(cgroup)
    import spaces  # noqa: F401 - first, as on the Space: patches torch for ZeroGPU
    import spaces.zero.torch as zero_torch
    import torch

    zero_torch.init = lambda nvidia_uuid: None  # no GPU to select here
    zero_torch.move = lambda callback=None: None  # nothing packed for it to move
    main_pid = os.getpid()
    lazy_init = torch.cuda._lazy_init

    def guarded_lazy_init() -> None:
        if os.getpid() == main_pid:
            note({"cuda_outside_gpu_call": True})
            raise RuntimeError("CUDA touched outside the @spaces.GPU call")
        lazy_init()

    torch.cuda._lazy_init = guarded_lazy_init
    sys.path.insert(0, str(REPO))
    sys.argv = ["app.py", *sys.argv[1:]]
    runpy.run_path(str(REPO / "app.py"), run_name="__main__")


if __name__ == "__main__":
    main()

"""Load benchmark: many client users at once against a local app, and memory over many jobs.

    python benchmarks/load.py [--users 8] [--jobs-per-user 3] [--queue-size 16]

Starts `python app.py` on a free port (bounded queue, one job at a time), runs `--users`
threads that each submit `--jobs-per-user` small jobs (128 px, 10 steps), and reports every
job as completed or refused, p50/p95 latency, and the server's resident memory after 5 and
after 50 sequential jobs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app_latency import running_app  # same folder; starts app.py on a free port
from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
CONTENT = handle_file(str(ROOT / "examples" / "content_chelsea.jpg"))
STYLE = handle_file(str(ROOT / "examples" / "style_stained_glass.jpg"))
SMALL = dict(steps=10, size=128)


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_job(client: Client) -> tuple[str, float, str]:
    start = time.perf_counter()
    try:
        client.predict(content=CONTENT, style=STYLE, api_name="/stylize", **SMALL)
        return "completed", time.perf_counter() - start, ""
    except Exception as error:  # noqa: BLE001 - a refusal is a result here, recorded as such
        return "refused", time.perf_counter() - start, str(error).split("\n")[0][:120]


def user(url: str, jobs: int) -> list[tuple[str, float, str]]:
    client = Client(url, verbose=False)
    return [one_job(client) for _ in range(jobs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--jobs-per-user", type=int, default=3)
    parser.add_argument("--queue-size", type=int, default=16)
    args = parser.parse_args()
    os.environ["STYLE_QUEUE_SIZE"] = str(args.queue_size)
    with running_app() as server:
        url = server.url
        with ThreadPoolExecutor(args.users) as pool:
            start = time.perf_counter()
            futures = [pool.submit(user, url, args.jobs_per_user) for _ in range(args.users)]
            results = [r for f in futures for r in f.result()]
            wall = time.perf_counter() - start
        client = Client(url, verbose=False)
        memory = {}
        for done in range(1, 51):
            status, _, message = one_job(client)
            if status != "completed":
                raise RuntimeError(f"sequential job {done} failed: {message}")
            if done in (5, 50):
                memory[done] = resident_mib(server.process.pid)
    latencies = sorted(t for s, t, _ in results if s == "completed")
    refused = [m for s, _, m in results if s == "refused"]
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0
    print(
        f"{args.users} users x {args.jobs_per_user} jobs ({SMALL}), queue size "
        f"{args.queue_size}, one job at a time; {wall:.1f} s wall\n"
    )
    print("| measure | value |\n|---|---|")
    print(f"| completed | {len(latencies)} of {len(results)} |")
    print(f"| refused cleanly | {len(refused)} {sorted(set(refused))} |")
    print(f"| latency p50 | {statistics.median(latencies):.1f} s |")
    print(f"| latency p95 | {p95:.1f} s |")
    growth = memory[50] / memory[5] - 1
    print(
        f"| server RSS after 5 / 50 sequential jobs | {memory[5]:.0f} / {memory[50]:.0f} MiB "
        f"({growth:+.1%}) |"
    )


if __name__ == "__main__":
    main()

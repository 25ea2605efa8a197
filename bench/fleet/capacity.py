#!/usr/bin/env python3
"""What one `vizjobs serve` replica holds: the figures behind "Capacity" in docs/DEPLOY.md.

On a private PostgreSQL cluster (as scripts/fleet_test.py starts one), one replica of VIZJOBS_BIN
(build it with `cargo build --release -p vizjobs-cli`):

1. JOBS RUNNING jobs (default 10,000) created through the API: create rate, RSS, the replica's
   CPU while idle with them (the lifecycle pass re-reads every active job each second), and the
   database's size;
2. BOARDS dashboards (default 10) of a generated logdir of 1,000,000 scalar points (5 runs x 20
   tags x 10,000 steps, tensorboardX through /work/shared/bench/gen.py), loaded one by one:
   `vizjobs_boards_memory_bytes` and RSS per million points;
3. wrk (2 threads, 32 connections, 10 s each): job details, and one series of a loaded board as
   the dashboard fetches it (10,000 points, binary), with an IAM token.

Usage: VIZJOBS_BIN=target/release/vizjobs python3 bench/fleet/capacity.py [JOBS] [BOARDS]
Needs root (PostgreSQL runs as `postgres`), wrk, and the bench venv's Python for the generator
(BENCH_PYTHON, default /tmp/vizjobs-bench/venv/bin/python). Prints JSON.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import fleet_test as fleet  # noqa: E402  (the same PostgreSQL, replica and client helpers)

JOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
BOARDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
BENCH_PYTHON = os.environ.get("BENCH_PYTHON", "/tmp/vizjobs-bench/venv/bin/python")
GEN = os.path.join(fleet.SHARED, "bench", "gen.py")
POINTS = 5 * 20 * 10_000


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, token, seconds=10):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", f"X-Auth-Token: {token}", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_s": rate, "p99": p99, "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main():
    work = tempfile.mkdtemp(prefix="vizjobs-capacity.", dir="/var/tmp")
    figures = {"jobs": JOBS, "boards": BOARDS, "points_per_board": POINTS,
               "load_average_at_start": os.getloadavg()}
    pg = replica = None
    try:
        logs = os.path.join(work, "logs")
        os.makedirs(os.path.join(logs, "empty"))
        subprocess.run([BENCH_PYTHON, GEN, "--out", os.path.join(logs, "million"), "--runs", "5",
                        "--tags", "20", "--steps", "10000", "--hist-tags", "0", "--image-tags", "0",
                        "--text-tags", "0"], check=True, stdout=subprocess.DEVNULL)
        pg = fleet.Postgres(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIZJOBS_")}
        env.update({"RUST_LOG": "warn", "VIZJOBS_DATABASE_URL": pg.url, "VIZJOBS_LOG_ROOTS": logs,
                    "VIZJOBS_JOB_QUOTA": str(JOBS + BOARDS + 10)})
        replica = fleet.Replica("r1", work, env)
        replica.start()
        replica.wait_ready()
        figures["rss_kib_at_start"] = replica.rss()
        creds = json.load(open(os.path.join(replica.data_dir, "credentials.json")))
        token = fleet.login(replica.address, creds)
        project = creds["project_id"]
        jobs_path = f"/v1/{project}/visualization-jobs"

        began = time.monotonic()
        per_thread = JOBS // 4

        def creator(n):
            client = fleet.Client(replica.address, token)
            for i in range(per_thread):
                fleet.create(client, jobs_path, f"cap-{n}-{i}", os.path.join(logs, "empty") + "/")
        threads = [threading.Thread(target=creator, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        figures["create_per_s"] = round(per_thread * 4 / (time.monotonic() - began), 1)
        api = fleet.Client(replica.address, token)
        fleet.wait_for(lambda: pg.psql("SELECT count(*) FROM jobs WHERE status = 8").strip() == str(per_thread * 4),
                       300, "every job RUNNING", interval=1)
        time.sleep(3)
        cpu0, t0 = cpu_seconds(replica.proc.pid), time.monotonic()
        time.sleep(10)
        figures["idle_cpu_percent_with_jobs"] = round(100 * (cpu_seconds(replica.proc.pid) - cpu0) / (time.monotonic() - t0), 1)
        figures["rss_kib_with_jobs"] = replica.rss()
        figures["database_bytes_with_jobs"] = int(pg.psql("SELECT pg_database_size('vizjobs')"))
        figures["boards_registered"] = replica.metrics()["vizjobs_boards_registered"]

        boards = [fleet.create(api, jobs_path, f"board-{i}", os.path.join(logs, "million") + "/") for i in range(BOARDS)]
        fleet.wait_for(lambda: all(pg.psql(f"SELECT status FROM jobs WHERE id = {b}").strip() == "8" for b in boards),
                       60, "boards RUNNING", interval=0.5)
        rss_before = replica.rss()
        loads = []
        for b in boards:
            began = time.monotonic()
            status, _, body = api.request("GET", f"/vj/{project}/{b}/data/runs", timeout=120)
            assert status == 200 and b"run_004" in body, (status, body[:200])
            loads.append(time.monotonic() - began)
        time.sleep(2)
        metrics = replica.metrics()
        rss_after = replica.rss()
        # The first board reads the logdir; the others (same logdir) restore from the cache.
        figures["first_load_s_cold"] = round(loads[0], 2)
        figures["first_load_s_median_of_the_others"] = round(sorted(loads[1:])[len(loads) // 2 - 1], 2)
        figures["boards_loaded"] = metrics["vizjobs_boards_loaded"]
        figures["boards_memory_bytes"] = metrics["vizjobs_boards_memory_bytes"]
        figures["board_heap_mb_per_million_points"] = round(metrics["vizjobs_boards_memory_bytes"] / BOARDS / 1e6 * 1e6 / POINTS, 1)
        figures["rss_mib_per_million_points"] = round((rss_after - rss_before) / 1024 / BOARDS * 1e6 / POINTS, 1)
        figures["rss_kib_with_boards"] = rss_after

        base = f"http://{replica.address}"
        figures["wrk_details"] = wrk(f"{base}{jobs_path}/{boards[0]}", token)
        figures["wrk_scalars_binary_10000_points"] = wrk(
            f"{base}/vj/{project}/{boards[0]}/data/scalars?run=run_000&tag=train/loss&format=binary", token)
        figures["wrk_runs"] = wrk(f"{base}/vj/{project}/{boards[0]}/data/runs", token)
        figures["rss_kib_at_end"] = replica.rss()
        figures["load_average_at_end"] = os.getloadavg()
    finally:
        if replica and replica.proc and replica.proc.poll() is None:
            replica.proc.kill()
            replica.proc.wait()
        if pg:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

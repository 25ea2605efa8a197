#!/usr/bin/env python3
"""Reopening a job's dashboard with the persistent cache (issue 18), side by side in one run.

For each storage (local disk, and a loopback S3 server: moto) and each repetition, one job over
the logdir goes through three opens in a real `vizjobs serve`:

- first: the first view, cache empty (every byte read);
- reopen: the next view after the board was evicted as idle (same process);
- restart: the first view after the server was stopped (SIGTERM) and started again.

Each open is timed from the first data request until `data/logdir` reports every run loaded.
Bytes fetched and cache hits are the server's own counters (`/metrics`); peak RSS is the
server process's VmHWM after the first view and after the restart (each a fresh process). The
cache's size on disk is compared with the in-memory size of the loaded board
(`vizjobs_boards_memory_bytes`). For local disk the page cache is dropped before every open
(`/proc/sys/vm/drop_caches`, needs root; the output says whether it was).

Only the Python standard library, plus boto3 from moto's own environment to upload the logdir.
Prints one JSON line per open and a table of medians; `--json FILE` keeps every figure.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_page_cache():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def request(method, url, token=None, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, dict(resp.headers), resp.read()


class Server:
    def __init__(self, binary, data_dir, extra, env):
        self.binary, self.data_dir, self.extra, self.env = binary, data_dir, extra, env
        self.proc = None

    def start(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        args = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", self.data_dir, "--lifecycle-interval-secs", "0.2",
                "--idle-evict-secs", "2", "--reload-interval-secs", "3600"] + self.extra
        self.proc = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.data_dir, "server.log"), "a"))
        deadline = time.time() + 60
        while True:
            try:
                request("GET", self.endpoint + "/healthz", timeout=2)
                break
            except (OSError, urllib.error.URLError):
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("vizjobs serve did not come up")
                time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def metrics(self):
        _, _, body = request("GET", self.endpoint + "/metrics")
        out = {}
        for line in body.decode().splitlines():
            if line.startswith("#") or " " not in line:
                continue
            name, value = line.rsplit(" ", 1)
            try:
                out[name] = float(value)
            except ValueError:
                pass
        return out

    def login(self):
        with open(os.path.join(self.data_dir, "credentials.json")) as f:
            c = json.load(f)
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": c["username"], "password": c["password"], "domain": {"name": c["account"]}}}},
            "scope": {"project": {"id": c["project_id"]}}}}
        _, headers, _ = request("POST", self.endpoint + "/v3/auth/tokens", body=body)
        token = {k.lower(): v for k, v in headers.items()}["x-subject-token"]
        return c["project_id"], token


def wait_loaded(server, project, token, job, runs):
    """Seconds from the first data request until every run is loaded."""
    url = f"{server.endpoint}/vj/{project}/{job}/data/logdir"
    started = time.monotonic()
    while True:
        try:
            _, _, body = request("GET", url, token)
            state = json.loads(body)
            if state["status"] == "ready" and state["runs"] >= runs:
                return time.monotonic() - started
        except urllib.error.HTTPError as e:
            if e.code not in (404, 409, 503):
                raise
        if time.monotonic() - started > 1800:
            raise RuntimeError("the board did not load in 30 minutes")
        time.sleep(0.02)


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def one_rep(binary, storage, train_url, runs, extra, env):
    data_dir = tempfile.mkdtemp(prefix="vizjobs-cache-bench-")
    cache_dir = os.path.join(data_dir, "cache")
    server = Server(binary, data_dir, extra, env)
    server.start()
    project, token = server.login()
    _, _, body = request("POST", f"{server.endpoint}/v1/{project}/visualization-jobs", token,
                         {"job_name": "bench", "train_url": train_url})
    job = json.loads(body)["job_id"]
    figures = {}

    def measure(phase):
        before = server.metrics()
        cold = drop_page_cache() if storage == "local" else None
        seconds = wait_loaded(server, project, token, job, runs)
        after = server.metrics()
        delta = lambda name: after.get(name, 0) - before.get(name, 0)
        figures[phase] = {
            "storage": storage, "phase": phase, "seconds": round(seconds, 3),
            "bytes_fetched": int(delta("vizjobs_log_bytes_fetched_total")),
            "cache_hits": int(delta("vizjobs_cache_hits_total")),
            "cache_misses": int(delta("vizjobs_cache_misses_total")),
            "bytes_restored": int(delta("vizjobs_cache_bytes_restored_total")),
            "peak_rss_mib": round(server.peak_rss_mib(), 1),
            "page_cache_dropped": cold,
        }
        print(json.dumps(figures[phase]), flush=True)
        return after

    after = measure("first")
    figures["first"]["memory_bytes"] = int(after.get("vizjobs_boards_memory_bytes", 0))
    # Runs are saved just after the first load is announced (not timed): wait for the entries.
    deadline = time.time() + 300
    while len([n for n in os.listdir(cache_dir) if n.endswith(".vjc")]) < runs:
        if time.time() > deadline:
            raise RuntimeError("the runs were not saved")
        time.sleep(0.1)
    figures["first"]["cache_bytes_on_disk"] = du(cache_dir)
    # Evicted as idle (2 s), then viewed again.
    deadline = time.time() + 60
    while server.metrics().get("vizjobs_boards_loaded", 1) > 0:
        if time.time() > deadline:
            raise RuntimeError("the board was not evicted")
        time.sleep(0.2)
    time.sleep(1)
    measure("reopen")
    server.stop()
    server.start()
    project, token = server.login()
    measure("restart")
    server.stop()
    if os.environ.get("KEEP_SERVER_LOG"):
        subprocess.run(["cp", os.path.join(data_dir, "server.log"), os.environ["KEEP_SERVER_LOG"]])
    subprocess.run(["rm", "-rf", data_dir])
    return figures


def upload(python, endpoint, bucket, prefix, logdir):
    script = r"""
import os, sys, boto3
endpoint, bucket, prefix, logdir = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench",
                  aws_secret_access_key="bench", region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
n = 0
for root, _, files in os.walk(logdir):
    for name in files:
        path = os.path.join(root, name)
        key = prefix + "/" + os.path.relpath(path, logdir)
        s3.upload_file(path, bucket, key)
        n += os.path.getsize(path)
print(n)
"""
    out = subprocess.run([python, "-c", script, endpoint, bucket, prefix, logdir],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--storage", default="local,s3")
    ap.add_argument("--moto", default="moto_server")
    ap.add_argument("--moto-python", default="/opt/vizjobs-s3/venv/bin/python")
    ap.add_argument("--json")
    args = ap.parse_args()
    logdir = os.path.abspath(args.logdir)
    runs = len(json.load(open(logdir + ".manifest.json"))["runs"]) if os.path.exists(
        logdir + ".manifest.json") else int(os.environ.get("RUNS", "50"))
    env = dict(os.environ)
    results = []
    moto = None
    try:
        plans = []
        for storage in args.storage.split(","):
            if storage == "local":
                plans.append((storage, logdir, ["--log-root", os.path.dirname(logdir)]))
            elif storage == "s3":
                port = free_port()
                moto = subprocess.Popen([args.moto, "-H", "127.0.0.1", "-p", str(port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                endpoint = f"http://127.0.0.1:{port}"
                for _ in range(300):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                started = time.time()
                size = upload(args.moto_python, endpoint, "bench", "large", logdir)
                print(f"uploaded {size / 2**20:.0f} MiB to {endpoint} in "
                      f"{time.time() - started:.0f} s", flush=True)
                env["VIZJOBS_S3_SECRET_ACCESS_KEY"] = "bench"
                plans.append((storage, "s3://bench/large/", [
                    "--s3-allow", "bench", "--s3-endpoint", endpoint, "--s3-allow-http", "true",
                    "--s3-path-style", "true", "--s3-access-key-id", "bench",
                    "--log-root", os.path.dirname(logdir)]))
        for rep in range(args.reps):
            for storage, train_url, extra in plans:
                figures = one_rep(args.binary, storage, train_url, runs, extra, env)
                for phase in figures.values():
                    phase["rep"] = rep
                    results.append(phase)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print()
    print("| storage | open | time (s) | ratio to first | bytes fetched | fetched/first "
          "| hits | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for storage in sorted({r["storage"] for r in results}):
        med = {}
        for phase in ("first", "reopen", "restart"):
            rows = [r for r in results if r["storage"] == storage and r["phase"] == phase]
            med[phase] = {k: statistics.median(r[k] for r in rows)
                          for k in ("seconds", "bytes_fetched", "cache_hits", "peak_rss_mib")}
        for phase in ("first", "reopen", "restart"):
            m = med[phase]
            print(f"| {storage} | {phase} | {m['seconds']:.2f} | "
                  f"{m['seconds'] / med['first']['seconds']:.3f} | {m['bytes_fetched']:.0f} | "
                  f"{m['bytes_fetched'] / max(med['first']['bytes_fetched'], 1):.5f} | "
                  f"{m['cache_hits']:.0f} | {m['peak_rss_mib']:.0f} |")
        firsts = [r for r in results if r["storage"] == storage and r["phase"] == "first"]
        print(f"| {storage} | cache on disk vs memory | "
              f"{statistics.median(r['cache_bytes_on_disk'] for r in firsts) / 2**20:.1f} MiB | "
              f"{statistics.median(r['memory_bytes'] for r in firsts) / 2**20:.1f} MiB | | | | |")
    print(f"\npage cache dropped before local opens: "
          f"{all(r['page_cache_dropped'] for r in results if r['storage'] == 'local')}")


if __name__ == "__main__":
    main()

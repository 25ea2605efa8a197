#!/usr/bin/env python3
"""The fleet test: three `vizjobs serve` replicas behind HAProxy on one PostgreSQL.

Run by `scripts/fleet-test` (which installs HAProxy and the S3 test server first). Everything is
real and on loopback: a private PostgreSQL 15 cluster started for the test (so that restarting it
disturbs nobody else), three replicas of the binary in VIZJOBS_BIN, HAProxy with the shipped
`deploy/haproxy/haproxy.cfg` unchanged (addresses from the environment), logs on local disk and in
the S3 test server (moto). Scenarios, in order, each with its checks:

1. affinity: each dashboard is served by one replica, and the replicas' `vizjobs_boards_loaded`
   gauges add up to the number of dashboards viewed (round-robin would load each up to 3 times);
2. kill -9 of the replica holding the most dashboards, while the dashboards are watched through
   the balancer and a burst of creates, stops and deletes runs through it, and while auto-stop
   deadlines fall due; the replica is restarted 5 s later. Checks: every watched dashboard is
   served again within 5 s, by one replica at a time; no acknowledged create, stop or delete is
   lost; no job is left INIT, WAITING or KILLING; each deadline completes its job exactly once
   (one RUNNING -> COMPLETED transition in all the replicas' logs); after the owner is back, each
   board is held once again;
3. rolling restart (SIGTERM, drain, start) of all three under steady load: no failed request;
4. PostgreSQL under load, stopped (`pg_ctl stop -m fast`) for 12 s then started, and restarted
   as after a crash (`pg_ctl restart -m immediate`): every failure is a 503 with Retry-After
   (from a replica, or from HAProxy once every replica reports not ready), and everything
   succeeds again within 10 s of PostgreSQL being back.

Figures (requests, errors, recovery times, boards and RSS per replica) are printed and written as
JSON to FLEET_FIGURES (default: the work directory's figures.json). Exit status 1 on any failed
check. Python 3 standard library only.
"""

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("VIZJOBS_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "vizjobs")
# The shared material beside the repository, as for the other tests (.cargo/config.toml).
SHARED = os.environ.get("VIZJOBS_SHARED") or os.path.join(os.path.dirname(REPO), "shared")
FIXTURE = os.path.join(SHARED, "fixtures", "events", "tbx_basic")
S3_ENDPOINT = os.environ.get("VIZJOBS_FLEET_S3", "http://127.0.0.1:9000")
S3_PYTHON = os.environ.get("VIZJOBS_S3_PYTHON", "/opt/vizjobs-s3/venv/bin/python")
REPLICAS = 3
DASHBOARDS_LOCAL = 4
DASHBOARDS_S3 = 2
SCHEDULED = 5
# Longer than HAProxy needs to see a draining replica (two failed checks, 0.5 s apart once one
# failed): the margin keeps the rolling restart free of errors on a loaded machine.
SHUTDOWN_DELAY_SECS = 3
IDLE_EVICT_SECS = 6
# Longer than the database pool's 10 s acquire timeout: shorter outages only delay requests.
PG_DOWN_SECS = 12
STATUS = {1: "INIT", 7: "WAITING", 8: "RUNNING", 9: "KILLING", 10: "COMPLETED", 11: "FAILED", 12: "KILLED"}
TRANSITIONAL = {1, 7, 9}

failures = []
figures = {}


def check(ok, message):
    print(("  ok    " if ok else "  FAIL  ") + message, flush=True)
    if not ok:
        failures.append(message)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after an error, as a browser would."""

    def __init__(self, address, token=None):
        self.host, port = address.split(":")
        self.port = int(port)
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, timeout=30):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["X-Auth-Token"] = self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        reused = self.conn is not None
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            if response.getheader("connection", "").lower() == "close":
                self.close()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
        except (OSError, http.client.HTTPException) as err:
            self.close()
            if reused and method == "GET":
                # The balancer closed an idle keep-alive connection: every HTTP client sends a
                # safe request again on a new one.
                return self.request(method, path, body, timeout)
            return 0, {"error": repr(err)}, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Postgres:
    """A private PostgreSQL cluster owned by the `postgres` user, under the work directory."""

    def __init__(self, work):
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.version = versions[-1]
        self.dir = os.path.join(work, "pgdata")
        self.port = free_port()
        os.makedirs(self.dir)
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(work, 0o755)
        self.log = os.path.join(work, "postgres.log")
        open(self.log, "w").close()
        shutil.chown(self.log, "postgres", "postgres")
        self.as_postgres([f"{self.bin}/initdb", "-D", self.dir, "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8"], quiet=True)
        self.start()
        self.psql("CREATE DATABASE vizjobs")

    def as_postgres(self, argv, quiet=False):
        out = subprocess.DEVNULL if quiet else None
        subprocess.run(["runuser", "-u", "postgres", "--"] + argv, check=True, stdout=out, cwd="/")

    def pg_ctl(self, *args):
        self.as_postgres([f"{self.bin}/pg_ctl", "-D", self.dir, "-l", self.log, "-w", "-t", "60",
                          "-o", f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"] + list(args),
                         quiet=True)

    def start(self):
        self.pg_ctl("start")

    def restart(self, mode):
        self.pg_ctl("restart", "-m", mode)

    def stop_for(self, seconds):
        """Down for `seconds` (a failover's length), then up again."""
        self.pg_ctl("stop", "-m", "fast")
        time.sleep(seconds)
        self.start()

    def stop(self):
        try:
            self.pg_ctl("stop", "-m", "fast")
        except subprocess.CalledProcessError:
            pass

    def psql(self, sql):
        out = subprocess.run([f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                              "-d", "vizjobs" if "CREATE DATABASE" not in sql else "postgres",
                              "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True)
        return out.stdout

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/vizjobs"


class Replica:
    def __init__(self, name, work, env):
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.data_dir = os.path.join(work, name)
        os.makedirs(self.data_dir)
        self.env = dict(env, VIZJOBS_LISTEN=self.address, VIZJOBS_DATA_DIR=self.data_dir)
        self.proc = None
        self.incarnation = 0
        self.logs = []

    def start(self):
        self.incarnation += 1
        log = os.path.join(self.data_dir, f"server-{self.incarnation}.log")
        self.logs.append(log)
        with open(log, "w") as err, open(os.path.join(self.data_dir, "stdout.log"), "a") as out:
            self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=out, stderr=err)

    def wait_ready(self, timeout=60):
        client = Client(self.address)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {open(self.logs[-1]).read()[-2000:]}")
            return client.request("GET", "/readyz", timeout=2)[0] == 200
        wait_for(ready, timeout, f"{self.name} ready")
        client.close()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def metrics(self):
        status, _, body = Client(self.address).request("GET", "/metrics", timeout=5)
        if status != 200:
            return None
        values = {}
        for line in body.decode().splitlines():
            m = re.match(r"^(vizjobs_boards_\w+) (\d+)", line)
            if m:
                values[m.group(1)] = int(m.group(2))
        return values

    def rss(self):
        return rss_kib(self.proc.pid) if self.proc and self.proc.poll() is None else None


class HAProxy:
    def __init__(self, work, replicas):
        self.port = free_port()
        self.stats_port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        env = dict(os.environ, VIZJOBS_LB_BIND=self.address,
                   VIZJOBS_LB_STATS_BIND=f"127.0.0.1:{self.stats_port}")
        for i, r in enumerate(replicas, 1):
            env[f"VIZJOBS_REPLICA_{i}"] = r.address
        # Another file only to show the checks fail without job-affine routing.
        cfg = os.environ.get("FLEET_HAPROXY_CFG") or os.path.join(REPO, "deploy", "haproxy", "haproxy.cfg")
        self.log = open(os.path.join(work, "haproxy.log"), "w")
        subprocess.run(["haproxy", "-c", "-q", "-f", cfg], env=env, check=True)
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", cfg], env=env, stdout=self.log, stderr=self.log)

    def server_states(self):
        """{server: status} of the api backend, from the stats page's CSV."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"HAProxy exited: {open(self.log.name).read()[-2000:]}")
        status, _, body = Client(f"127.0.0.1:{self.stats_port}").request("GET", "/stats;csv", timeout=5)
        states = {}
        if status == 200:
            for line in body.decode().splitlines():
                cells = line.split(",")
                if len(cells) > 17 and cells[0] == "api" and cells[1] not in ("FRONTEND", "BACKEND"):
                    states[cells[1]] = cells[17]
        return states

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Load:
    """Threads sending requests in a loop; every answer is recorded with its time."""

    def __init__(self, address, token, project, jobs_for_reads, train_url, threads=3, pause=0.02):
        self.address, self.token, self.project = address, token, project
        self.reads = jobs_for_reads
        self.train_url = train_url
        self.stop_flag = threading.Event()
        self.records = []  # (time, kind, status, retry_after)
        self.lock = threading.Lock()
        self.created = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        self.pause = pause

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, n):
        client = Client(self.address, self.token)
        jobs = f"/v1/{self.project}/visualization-jobs"
        i = 0
        while not self.stop_flag.is_set():
            i += 1
            step = (i + n) % 5
            sent = time.monotonic()
            if step == 0:
                kind, (status, headers, body) = "list", client.request("GET", f"{jobs}?per_page=50")
            elif step == 1:
                job = self.reads[i % len(self.reads)]
                kind, (status, headers, body) = "details", client.request("GET", f"{jobs}/{job}")
            elif step in (2, 3):
                job = self.reads[i % len(self.reads)]
                kind, (status, headers, body) = "dashboard", client.request(
                    "GET", f"/vj/{self.project}/{job}/data/runs")
            else:
                kind, (status, headers, body) = "create", client.request(
                    "POST", jobs, {"job_name": f"load-{n}-{i}", "train_url": self.train_url})
                if status == 200:
                    with self.lock:
                        self.created.append(json.loads(body)["job_id"])
            with self.lock:
                self.records.append((time.monotonic(), kind, status, headers.get("retry-after"),
                                     headers.get("x-served-by"), time.monotonic() - sent,
                                     status == 200 or error_code(body).startswith("ModelArts.")))
            time.sleep(self.pause)
        client.close()

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()
        return self.records


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"no vizjobs binary at {BIN} (set VIZJOBS_BIN)")
    work = tempfile.mkdtemp(prefix="vizjobs-fleet.", dir="/var/tmp")
    print(f"==> fleet test in {work} with {BIN}", flush=True)
    pg = replicas = lb = None
    started = time.monotonic()
    try:
        pg = Postgres(work)
        print(f"==> private PostgreSQL {pg.version} on 127.0.0.1:{pg.port}", flush=True)
        logs = os.path.join(work, "logs")
        os.makedirs(os.path.join(logs, "burst"))
        bucket = "fleet-" + secrets.token_hex(4)
        upload_to_s3(bucket)
        master_key = base64.b64encode(secrets.token_bytes(32)).decode()
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIZJOBS_")}
        env.update({
            "RUST_LOG": "warn,vizjobs_server=info",
            "NO_COLOR": "1",
            "VIZJOBS_DATABASE_URL": pg.url,
            "VIZJOBS_MASTER_KEY": master_key,
            "VIZJOBS_LOG_ROOTS": logs,
            "VIZJOBS_JOB_QUOTA": "1000000",
            "VIZJOBS_SHUTDOWN_DELAY_SECS": str(SHUTDOWN_DELAY_SECS),
            "VIZJOBS_IDLE_EVICT_SECS": str(IDLE_EVICT_SECS),
            "VIZJOBS_S3_ALLOW": bucket,
            "VIZJOBS_S3_ENDPOINT": S3_ENDPOINT,
            "VIZJOBS_S3_ALLOW_HTTP": "true",
            "VIZJOBS_S3_PATH_STYLE": "true",
            "VIZJOBS_S3_ACCESS_KEY_ID": "fleet",
            "VIZJOBS_S3_SECRET_ACCESS_KEY": "fleet-secret",
        })
        replicas = [Replica(f"r{i}", work, env) for i in range(1, REPLICAS + 1)]
        lb = HAProxy(work, replicas)
        for r in replicas:
            r.env["VIZJOBS_PUBLIC_URL"] = f"http://{lb.address}"
        # The first replica creates the project and the admin; the others find them.
        replicas[0].start()
        replicas[0].wait_ready()
        for r in replicas[1:]:
            r.start()
        for r in replicas[1:]:
            r.wait_ready()
        wait_for(lambda: set(lb.server_states().values()) == {"UP"} and len(lb.server_states()) == 3,
                 15, "HAProxy sees three replicas UP")
        creds = json.load(open(os.path.join(replicas[0].data_dir, "credentials.json")))
        project = creds["project_id"]
        token = login(lb.address, creds)
        api = Client(lb.address, token)
        jobs_path = f"/v1/{project}/visualization-jobs"

        # Dashboards: local logs and logs in the S3 test server.
        dashboards = []
        for i in range(DASHBOARDS_LOCAL):
            shutil.copytree(FIXTURE, os.path.join(logs, f"dash{i}"))
            dashboards.append(create(api, jobs_path, f"dash-local-{i}", os.path.join(logs, f"dash{i}") + "/"))
        for i in range(DASHBOARDS_S3):
            dashboards.append(create(api, jobs_path, f"dash-s3-{i}", f"s3://{bucket}/dash{i}/"))
        wait_statuses(api, jobs_path, dashboards, {8}, 30)

        print("==> 1. job-affine routing", flush=True)
        owner = {}
        for job in dashboards:
            served = set()
            for _ in range(4):
                status, headers, body = api.request("GET", f"/vj/{project}/{job}/data/runs")
                check(status == 200 and b"train" in body, f"job {job}: data/runs answers 200 with its runs ({status})")
                served.add(headers.get("x-served-by"))
            check(len(served) == 1, f"job {job}: every request served by one replica ({sorted(map(str, served))})")
            owner[job] = served.pop()
        boards = {r.name: r.metrics() for r in replicas}
        held = {name: m["vizjobs_boards_loaded"] for name, m in boards.items()}
        expected = Counter(owner.values())
        check(sum(held.values()) == len(dashboards),
              f"boards loaded across the fleet = dashboards viewed: {held} for {len(dashboards)}")
        check(all(held[name] == expected.get(name, 0) for name in held),
              f"each replica holds the boards of the jobs routed to it: {held} vs {dict(expected)}")
        figures["affinity"] = {"dashboards": len(dashboards), "boards_loaded": held,
                               "rss_kib": {r.name: r.rss() for r in replicas}}

        print("==> 2. kill -9 during watches, a burst and due deadlines", flush=True)
        scheduled = [create(api, jobs_path, f"sched-{i}", os.path.join(logs, "burst") + "/", hours=1)
                     for i in range(SCHEDULED)]
        wait_statuses(api, jobs_path, scheduled, {8}, 30)
        victim_name = Counter(owner.values()).most_common(1)[0][0]
        victim = next(r for r in replicas if r.name == victim_name)
        watched = [j for j in dashboards if owner[j] == victim_name]
        watchers = Watchers(lb.address, token, project, dashboards).start()
        burst = Burst(lb.address, token, jobs_path, os.path.join(logs, "burst") + "/").start()
        time.sleep(2)
        now_ms = int(time.time() * 1000)
        due_ms = now_ms + 2500
        pg.psql(f"UPDATE jobs SET stop_deadline_ms = {due_ms} WHERE id IN ({','.join(map(str, scheduled))})")
        time.sleep(1)
        killed_at = time.monotonic()
        victim.kill9()
        print(f"    killed {victim.name} (owner of jobs {watched}) at +{killed_at - started:.1f} s", flush=True)
        time.sleep(5)
        victim.start()
        victim.wait_ready()
        wait_for(lambda: lb.server_states().get(victim.name) == "UP", 15, f"{victim.name} UP again")
        up_again_at = time.monotonic()
        time.sleep(3)
        burst.finish()
        # Back on its owner, each board is held once again when the stand-in's copy has idled out.
        single_again = None
        deadline = time.monotonic() + IDLE_EVICT_SECS + 10
        while time.monotonic() < deadline:
            loaded = {r.name: (r.metrics() or {}).get("vizjobs_boards_loaded") for r in replicas}
            if sum(v or 0 for v in loaded.values()) == len(dashboards):
                single_again = time.monotonic() - up_again_at
                break
            time.sleep(0.5)
        watch = watchers.finish()
        check(single_again is not None,
              f"after the owner's return, boards loaded = dashboards again ({loaded}, "
              f"{single_again if single_again is None else round(single_again, 1)} s after it was UP)")
        check_watches(watch, watched, killed_at, victim.name)
        check_burst(api, jobs_path, burst, pg)
        check_deadlines(api, jobs_path, scheduled, replicas)
        figures["kill"] = {
            "victim": victim.name, "dashboards_moved": len(watched),
            "burst": burst.summary(), "boards_single_again_s": single_again and round(single_again, 1),
            "boards_loaded_after": loaded, "rss_kib": {r.name: r.rss() for r in replicas},
            "watch_requests": sum(len(v) for v in watch.values()),
            "watch_errors": sum(1 for v in watch.values() for rec in v if rec[1] != 200),
        }

        print("==> 3. rolling restart under steady load", flush=True)
        load = Load(lb.address, token, project, dashboards, os.path.join(logs, "burst") + "/").start()
        time.sleep(1)
        for r in replicas:
            began = time.monotonic()
            r.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            probe = Client(r.address)
            ready, _, body = probe.request("GET", "/readyz", timeout=2)
            alive = probe.request("GET", "/healthz", timeout=2)[0]
            probe.close()
            check(ready == 503 and b"shutting down" in body and alive == 200,
                  f"{r.name} draining: /readyz {ready} {body[:60]!r}, /healthz {alive}")
            code = r.proc.wait(timeout=60)
            check(code == 0, f"{r.name} exits 0 after SIGTERM (drained), in {time.monotonic() - began:.1f} s")
            r.start()
            r.wait_ready()
            wait_for(lambda: lb.server_states().get(r.name) == "UP", 15, f"{r.name} UP")
            time.sleep(1)
        records = load.finish()
        by_status = Counter(rec[2] for rec in records)
        bad = [rec for rec in records if rec[2] != 200]
        check(len(records) > 100 and not bad,
              f"rolling restart: {len(records)} requests, none failed ({dict(by_status)})")
        figures["rolling_restart"] = {"requests": len(records), "statuses": dict(by_status),
                                      "by_kind": dict(Counter(rec[1] for rec in records)),
                                      "rss_kib": {r.name: r.rss() for r in replicas}}
        check_created_exist(api, jobs_path, load.created, "rolling restart")

        for mode in (f"stop -m fast, {PG_DOWN_SECS} s down, start", "restart -m immediate"):
            print(f"==> 4. PostgreSQL under load: pg_ctl {mode}", flush=True)
            load = Load(lb.address, token, project, dashboards, os.path.join(logs, "burst") + "/").start()
            time.sleep(2)
            began = time.monotonic()
            if mode.startswith("stop"):
                pg.stop_for(PG_DOWN_SECS)
            else:
                pg.restart("immediate")
            pg_up = time.monotonic()
            time.sleep(12)
            records = load.finish()
            by_status = Counter(rec[2] for rec in records)
            bad = [rec for rec in records if rec[2] != 200 and not (rec[2] == 503 and rec[3] and rec[6])]
            failed = [rec for rec in records if rec[2] != 200]
            last_failure = max((rec[0] for rec in failed), default=None)
            recovered = 0.0 if last_failure is None else max(0.0, last_failure - pg_up)
            after = [rec for rec in records if rec[0] > pg_up + 15]
            check(not bad, f"{mode}: every failure is a 503 with Retry-After and a ModelArts error "
                           f"body ({dict(by_status)}; others: {Counter(rec[2] for rec in bad)})")
            if mode.startswith("stop"):
                check(len(failed) > 0, f"{mode}: the outage was seen ({len(failed)} answers 503)")
            check(recovered <= 10 and records[-1][2] == 200,
                  f"{mode}: all requests succeed again {recovered:.1f} s after PostgreSQL is back "
                  f"(down for {pg_up - began:.1f} s)")
            check_created_exist(api, jobs_path, load.created, f"PostgreSQL {mode}")
            figures[f"postgres {mode}"] = {
                "requests": len(records), "statuses": dict(by_status),
                "failed_503_with_retry_after": len(failed) - len(bad),
                "503_from_replicas": sum(1 for rec in failed if rec[4]),
                "503_from_haproxy": sum(1 for rec in failed if not rec[4]),
                "slowest_answer_s": round(max(rec[5] for rec in records), 2),
                "down_s": round(pg_up - began, 2), "recovered_s_after_up": round(recovered, 2),
                "requests_after_recovery_window": len(after),
                "rss_kib": {r.name: r.rss() for r in replicas}}
        figures["boards_at_end"] = {r.name: r.metrics() for r in replicas}
        figures["total_s"] = round(time.monotonic() - started, 1)
    finally:
        for r in replicas or []:
            if r.proc and r.proc.poll() is None:
                r.proc.kill()
                r.proc.wait()
        if lb:
            lb.stop()
        if pg:
            pg.stop()
    out = os.environ.get("FLEET_FIGURES") or os.path.join(work, "figures.json")
    with open(out, "w") as f:
        json.dump(figures, f, indent=1)
    print(json.dumps(figures, indent=1))
    if failures:
        print(f"\n{len(failures)} check(s) failed; logs in {work}", file=sys.stderr)
        sys.exit(1)
    print(f"\nfleet test passed in {figures['total_s']} s (figures: {out})")
    if not os.environ.get("FLEET_KEEP"):
        shutil.rmtree(work, ignore_errors=True)


def error_code(body):
    try:
        return str(json.loads(body).get("error_code", ""))
    except (ValueError, AttributeError):
        return ""


def upload_to_s3(bucket):
    """Puts the fixture logdir under two prefixes of a new bucket in the S3 test server."""
    code = """
import os, sys, boto3
endpoint, bucket, src = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="fleet", aws_secret_access_key="fleet-secret")
s3.create_bucket(Bucket=bucket)
for prefix in ("dash0", "dash1"):
    for root, _, files in os.walk(src):
        for name in files:
            path = os.path.join(root, name)
            key = prefix + "/" + os.path.relpath(path, src)
            s3.upload_file(path, bucket, key)
"""
    subprocess.run([S3_PYTHON, "-c", code, S3_ENDPOINT, bucket, FIXTURE], check=True)


def login(address, creds):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": creds["username"], "password": creds["password"], "domain": {"name": creds["account"]}}}},
        "scope": {"project": {"id": creds["project_id"]}}}}
    status, headers, payload = Client(address).request("POST", "/v3/auth/tokens", body)
    if status not in (200, 201):
        raise RuntimeError(f"login failed: {status} {payload[:300]}")
    return headers["x-subject-token"]


def create(api, jobs_path, name, train_url, hours=0):
    body = {"job_name": name, "train_url": train_url}
    if hours:
        body["schedule"] = {"type": "stop", "time_unit": "HOURS", "duration": hours}
    status, _, payload = api.request("POST", jobs_path, body)
    if status != 200:
        raise RuntimeError(f"create {name}: {status} {payload[:300]}")
    return json.loads(payload)["job_id"]


def all_jobs(api, jobs_path):
    jobs, page = {}, 1
    while True:
        status, _, payload = api.request("GET", f"{jobs_path}?per_page=1000&page={page}")
        if status != 200:
            raise RuntimeError(f"list: {status} {payload[:300]}")
        batch = json.loads(payload)["jobs"]
        jobs.update({j["job_id"]: j for j in batch})
        if len(batch) < 1000:
            return jobs
        page += 1


def wait_statuses(api, jobs_path, ids, wanted, timeout):
    def done():
        jobs = all_jobs(api, jobs_path)
        return all(jobs.get(i, {}).get("status") in wanted for i in ids)
    wait_for(done, timeout, f"jobs {ids} in {wanted}", interval=0.3)


class Watchers:
    """One viewer per dashboard, polling its data through the balancer every 100 ms."""

    def __init__(self, address, token, project, jobs):
        self.stop_flag = threading.Event()
        self.records = defaultdict(list)  # job -> [(time, status, served_by)]
        self.threads = [threading.Thread(target=self.run, args=(address, token, project, j), daemon=True)
                        for j in jobs]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, address, token, project, job):
        client = Client(address, token)
        while not self.stop_flag.is_set():
            status, headers, _ = client.request("GET", f"/vj/{project}/{job}/data/runs", timeout=10)
            self.records[job].append((time.monotonic(), status, headers.get("x-served-by")))
            time.sleep(0.1)
        client.close()

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()
        return self.records


class Burst:
    """Creates, stops and deletes through the balancer; a ledger of what was acknowledged."""

    def __init__(self, address, token, jobs_path, train_url, threads=4):
        self.address, self.token, self.jobs_path, self.train_url = address, token, jobs_path, train_url
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.created, self.stopped, self.deleted = set(), set(), set()
        self.unsure = set()  # sent, answer lost: either outcome is allowed
        self.statuses = Counter()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, n):
        client = Client(self.address, self.token)
        mine, i = [], 0
        while not self.stop_flag.is_set():
            i += 1
            status, _, body = client.request("POST", self.jobs_path, {"job_name": f"burst-{n}-{i}",
                                                                      "train_url": self.train_url})
            self.record("create", status)
            if status == 200:
                job = json.loads(body)["job_id"]
                with self.lock:
                    self.created.add(job)
                mine.append(job)
            if i % 3 == 0 and mine:
                job = mine.pop(0)
                status, _, body = client.request("POST", f"{self.jobs_path}/{job}/stop")
                self.record("stop", status)
                with self.lock:
                    (self.stopped if status == 200 else self.unsure).add(job)
            if i % 5 == 0 and mine:
                job = mine.pop(0)
                status, _, body = client.request("DELETE", f"{self.jobs_path}/{job}")
                self.record("delete", status)
                with self.lock:
                    (self.deleted if status == 200 else self.unsure).add(job)
            time.sleep(0.01)
        client.close()

    def record(self, kind, status):
        with self.lock:
            self.statuses[(kind, status)] += 1

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()

    def summary(self):
        return {"acknowledged": {"create": len(self.created), "stop": len(self.stopped),
                                 "delete": len(self.deleted)},
                "answers": {f"{k} {s}": n for (k, s), n in sorted(self.statuses.items())}}


def check_watches(watch, moved, killed_at, victim):
    worst = 0.0
    for job, recs in sorted(watch.items()):
        before = [t for t, s, _ in recs if s == 200 and t <= killed_at]
        after = [t for t, s, _ in recs if s == 200 and t > killed_at]
        if job in moved:
            gap = (after[0] - before[-1]) if before and after else float("inf")
            worst = max(worst, gap)
            check(gap <= 5.0, f"job {job} (on {victim}): served again {gap:.2f} s after its last answer before the kill")
        # One replica at a time: the serving replica changes at most twice (to a stand-in, back).
        servers = [srv for _, s, srv in recs if s == 200]
        switches = sum(1 for a, b in zip(servers, servers[1:]) if a != b)
        check(switches <= (2 if job in moved else 0),
              f"job {job}: {len(recs)} polls, the serving replica changed {switches} times")
        errors = Counter(s for _, s, _ in recs if s != 200)
        check(not errors, f"job {job}: no failed poll through the balancer ({dict(errors)})")
    figures["worst_dashboard_gap_s"] = round(worst, 2)


def check_burst(api, jobs_path, burst, pg):
    settled_by = time.monotonic() + 20
    while True:
        jobs = all_jobs(api, jobs_path)
        moving = {i: j["status"] for i, j in jobs.items() if j["status"] in TRANSITIONAL}
        if not moving or time.monotonic() > settled_by:
            break
        time.sleep(0.5)
    check(not moving, f"no job left INIT, WAITING or KILLING ({moving})")
    lost = sorted(j for j in burst.created - burst.deleted - burst.unsure if j not in jobs)
    check(not lost, f"{len(burst.created)} acknowledged creates: none lost ({lost[:10]})")
    undead = sorted(j for j in burst.deleted if j in jobs)
    check(not undead, f"{len(burst.deleted)} acknowledged deletes: all gone ({undead[:10]})")
    in_db = set(int(x) for x in pg.psql("SELECT id FROM jobs").split())
    check(not (burst.deleted & in_db), "acknowledged deletes are gone from PostgreSQL too")
    not_killed = sorted((j, jobs[j]["status"]) for j in burst.stopped - burst.deleted - burst.unsure
                        if j in jobs and jobs[j]["status"] != 12)
    check(not not_killed, f"{len(burst.stopped)} acknowledged stops: all KILLED ({not_killed[:10]})")
    running = [j for j in burst.created - burst.stopped - burst.deleted - burst.unsure
               if jobs.get(j, {}).get("status") != 8]
    check(not running, f"the other burst jobs are RUNNING ({running[:10]})")
    answers = Counter(s for (_, s), n in burst.statuses.items() for _ in range(n))
    check(answers[200] > 50, f"the burst got answers: {dict(answers)}")


def check_deadlines(api, jobs_path, scheduled, replicas):
    wait_statuses(api, jobs_path, scheduled, {10}, 20)
    transitions = Counter()
    pattern = re.compile(r"job status changed job_id=(\d+) from=(\w+) to=(\w+)")
    for r in replicas:
        for log in r.logs:
            with open(log, errors="replace") as f:
                for m in pattern.finditer(re.sub(r"\x1b\[[0-9;]*m", "", f.read())):
                    if m.group(2) == "RUNNING" and m.group(3) == "COMPLETED":
                        transitions[int(m.group(1))] += 1
    counts = {j: transitions[j] for j in scheduled}
    check(all(n == 1 for n in counts.values()),
          f"each due deadline completed its job once, across all replicas: {counts}")
    jobs = all_jobs(api, jobs_path)
    late = {j: jobs[j]["duration"] for j in scheduled}
    figures["deadlines"] = {"jobs": len(scheduled), "completed_once": sum(1 for n in counts.values() if n == 1),
                            "durations_ms": late}


def check_created_exist(api, jobs_path, created, phase):
    jobs = all_jobs(api, jobs_path)
    missing = [j for j in created if j not in jobs]
    check(not missing, f"{phase}: {len(created)} acknowledged creates all kept ({missing[:10]})")


if __name__ == "__main__":
    main()

//! Time until every scalar series of a logdir is fully served, measured with a client that is
//! not the bottleneck: `bench_tb.py`'s polling protocol (tags until every expected series is
//! listed, then the manifest's canary tag until its last step is served in every run, then every
//! series once), but in Rust, over keep-alive HTTP, parsing every answer completely.
//!
//! `serve_check --logdir DIR --server NAME=API:COMMAND [--server ...] [--reps N]`, where API is
//! `vizjobs` (`/data/tags`, `/data/scalars?run=&tag=`), `vizjobs-binary` (the same with
//! `format=binary`, decoded into points), `vizjobs-multirun` (`POST /data/scalars_multirun`, one
//! request per tag, in the binary form) or `tensorboard` (`scalars_multirun`, one request per
//! tag) and COMMAND a template with `{logdir}`, `{host}`, `{port}`. Repetitions
//! alternate servers; the page cache is warmed before each start. Expected series come from
//! `DIR.manifest.json` (written by `shared/bench/gen.py`). Prints one line per run and medians,
//! with the server's peak memory: the sum of the peak RSS (`VmHWM`) of every process of its
//! tree, read just before it is stopped (an upper bound of the tree's peak total RSS).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::Value;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    logdir: PathBuf,
    /// `NAME=API:COMMAND`, API being `vizjobs`, `vizjobs-binary`, `vizjobs-multirun` or
    /// `tensorboard`.
    #[arg(long = "server", required = true)]
    servers: Vec<String>,
    #[arg(long, default_value_t = 3)]
    reps: usize,
    #[arg(long, default_value_t = 300.0)]
    timeout: f64,
}

#[derive(Clone, Copy, PartialEq)]
enum Api {
    Vizjobs,
    VizjobsBinary,
    VizjobsMultirun,
    TensorBoard,
}

struct Server {
    name: String,
    api: Api,
    template: String,
}

/// What must be served: `(run, tag) -> last step`, and the canary tag.
struct Expected {
    series: BTreeMap<(String, String), f64>,
    canary: Option<String>,
}

#[derive(Default)]
struct Timing {
    all_tags: Option<f64>,
    canary: Option<f64>,
    done: Option<f64>,
    bytes: u64,
    points: u64,
    peak_rss_mib: f64,
}

type Fail = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Fail> {
    let args = Args::parse();
    let logdir = std::fs::canonicalize(&args.logdir)?;
    let expected = manifest(&logdir)?;
    let servers: Vec<Server> = args
        .servers
        .iter()
        .map(|s| parse_server(s))
        .collect::<Result<_, _>>()?;
    let mut results: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for rep in 1..=args.reps {
        for server in &servers {
            warm(&logdir)?;
            let t = run_once(server, &logdir, &expected, args.timeout).await?;
            println!(
                "{:<10} rep {rep}: all tags {}, canary {}, done {} ({} points, {:.1} MB served), peak RSS {:.1} MiB",
                server.name,
                secs(t.all_tags),
                secs(t.canary),
                secs(t.done),
                t.points,
                t.bytes as f64 / 1e6,
                t.peak_rss_mib,
            );
            if let Some(done) = t.done {
                results
                    .entry(server.name.clone())
                    .or_default()
                    .push((done, t.peak_rss_mib));
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    for (name, runs) in results {
        let mut times: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let mut rss: Vec<f64> = runs.iter().map(|r| r.1).collect();
        times.sort_by(f64::total_cmp);
        rss.sort_by(f64::total_cmp);
        println!(
            "{name:<10} median t_done {:.3} s, median peak RSS {:.1} MiB over {} reps",
            times[times.len() / 2],
            rss[rss.len() / 2],
            times.len()
        );
    }
    Ok(())
}

fn secs(t: Option<f64>) -> String {
    t.map_or("-".to_owned(), |t| format!("{t:.2} s"))
}

fn parse_server(spec: &str) -> Result<Server, Fail> {
    let (name, rest) = spec.split_once('=').ok_or("--server NAME=API:COMMAND")?;
    let (api, template) = rest.split_once(':').ok_or("--server NAME=API:COMMAND")?;
    let api = match api {
        "vizjobs" => Api::Vizjobs,
        "vizjobs-binary" => Api::VizjobsBinary,
        "vizjobs-multirun" => Api::VizjobsMultirun,
        "tensorboard" => Api::TensorBoard,
        other => return Err(format!("unknown API `{other}`").into()),
    };
    Ok(Server {
        name: name.to_owned(),
        api,
        template: template.to_owned(),
    })
}

fn manifest(logdir: &Path) -> Result<Expected, Fail> {
    let path = format!("{}.manifest.json", logdir.display());
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let mut series = BTreeMap::new();
    for (run, d) in m["runs"].as_object().ok_or("manifest without runs")? {
        for (tag, step) in d["scalars"].as_object().into_iter().flatten() {
            series.insert((run.clone(), tag.clone()), step.as_f64().unwrap_or(0.0));
        }
    }
    let canary = m["canary"]["tag"].as_str().map(str::to_owned);
    Ok(Expected { series, canary })
}

/// Reads every file once, so that every server starts on a warm page cache.
fn warm(dir: &Path) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 22];
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            warm(&path)?;
        } else {
            let mut f = std::fs::File::open(&path)?;
            while f.read(&mut buf)? > 0 {}
        }
    }
    Ok(())
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The server's process group, ended (TERM, then KILL) when dropped.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

async fn run_once(
    server: &Server,
    logdir: &Path,
    expected: &Expected,
    timeout: f64,
) -> Result<Timing, Fail> {
    use std::os::unix::process::CommandExt;
    let port = free_port()?;
    let command = server
        .template
        .replace("{logdir}", &logdir.display().to_string())
        .replace("{host}", "127.0.0.1")
        .replace("{port}", &port.to_string());
    let words: Vec<&str> = command.split_whitespace().collect();
    let (program, rest) = words.split_first().ok_or("empty command")?;
    let t0 = Instant::now();
    let child = Started(
        Command::new(program)
            .args(rest)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?,
    );
    let client = Poller {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}"),
        api: server.api,
        bytes: 0,
    };
    let mut timing = poll(client, expected, t0, Duration::from_secs_f64(timeout)).await?;
    timing.peak_rss_mib = tree_peak_rss_kib(child.0.id()) as f64 / 1024.0;
    Ok(timing)
}

/// Sum of `VmHWM` over `root` and its descendants, in KiB (Linux `/proc`).
fn tree_peak_rss_kib(root: u32) -> u64 {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last ')'.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while let Some(&pid) = tree.get(i) {
        tree.extend(parents.iter().filter(|p| p.1 == pid).map(|p| p.0));
        i += 1;
    }
    tree.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum()
}

struct Poller {
    http: reqwest::Client,
    base: String,
    api: Api,
    bytes: u64,
}

impl Poller {
    async fn json<T: serde::de::DeserializeOwned>(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Fail> {
        let body = request.send().await?.error_for_status()?.bytes().await?;
        self.bytes += body.len() as u64;
        Ok(serde_json::from_slice(&body)?)
    }

    /// Every `(run, tag)` listed.
    async fn tags(&mut self) -> Result<BTreeSet<(String, String)>, Fail> {
        let path = match self.api {
            Api::Vizjobs | Api::VizjobsBinary | Api::VizjobsMultirun => "/data/tags",
            Api::TensorBoard => "/data/plugin/scalars/tags",
        };
        let index: Value = self
            .json(self.http.get(format!("{}{path}", self.base)))
            .await?;
        let mut out = BTreeSet::new();
        for (run, v) in index.as_object().into_iter().flatten() {
            let tags: Vec<String> = match self.api {
                Api::Vizjobs | Api::VizjobsBinary | Api::VizjobsMultirun => v["scalars"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect(),
                Api::TensorBoard => v
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(t, _)| t.clone())
                    .collect(),
            };
            out.extend(tags.into_iter().map(|t| (run.clone(), t)));
        }
        Ok(out)
    }

    /// `run -> (points, last step)` of one tag in the given runs.
    async fn series(
        &mut self,
        tag: &str,
        runs: &[&str],
    ) -> Result<BTreeMap<String, (u64, f64)>, Fail> {
        let mut out = BTreeMap::new();
        match self.api {
            Api::Vizjobs => {
                for run in runs {
                    let url = format!("{}/data/scalars", self.base);
                    let points: Vec<Row> = self
                        .json(self.http.get(url).query(&[("run", run), ("tag", &tag)]))
                        .await?;
                    out.insert(run.to_string(), summarize(&points, |p| p.0));
                }
            }
            Api::VizjobsBinary => {
                for run in runs {
                    let url = format!("{}/data/scalars", self.base);
                    let request = self.http.get(url).query(&[
                        ("run", *run),
                        ("tag", tag),
                        ("format", "binary"),
                    ]);
                    let body = request.send().await?.error_for_status()?.bytes().await?;
                    self.bytes += body.len() as u64;
                    let points = vizjobs_engine::api::columns::decode(&body)?;
                    let last = points
                        .iter()
                        .map(|p| p.step as f64)
                        .fold(f64::NEG_INFINITY, f64::max);
                    out.insert(run.to_string(), (points.len() as u64, last));
                }
            }
            Api::VizjobsMultirun => {
                let mut form = vec![("tag", tag)];
                form.extend(runs.iter().map(|r| ("runs", *r)));
                let url = format!("{}/data/scalars_multirun?format=binary", self.base);
                let request = self.http.post(url).form(&form);
                let body = request.send().await?.error_for_status()?.bytes().await?;
                self.bytes += body.len() as u64;
                for (run, points) in vizjobs_engine::api::multirun::decode(&body)? {
                    let last = points
                        .iter()
                        .map(|p| p.step as f64)
                        .fold(f64::NEG_INFINITY, f64::max);
                    out.insert(run, (points.len() as u64, last));
                }
            }
            Api::TensorBoard => {
                let mut form = vec![("tag", tag)];
                form.extend(runs.iter().map(|r| ("runs", *r)));
                let url = format!("{}/data/plugin/scalars/scalars_multirun", self.base);
                let answer: BTreeMap<String, Vec<Row>> =
                    self.json(self.http.post(url).form(&form)).await?;
                for (run, points) in answer {
                    out.insert(run, summarize(&points, |p| p.1));
                }
            }
        }
        Ok(out)
    }
}

/// One point as either API sends it: two numbers (step and wall time, in the API's order) and
/// the value (a number, or a string for NaN and infinities).
type Row = (f64, f64, Value);

/// `(points, last step)`.
fn summarize(points: &[Row], step: impl Fn(&Row) -> f64) -> (u64, f64) {
    let last = points.iter().map(step).fold(f64::NEG_INFINITY, f64::max);
    (points.len() as u64, last)
}

async fn poll(
    mut client: Poller,
    expected: &Expected,
    t0: Instant,
    timeout: Duration,
) -> Result<Timing, Fail> {
    let mut t = Timing::default();
    let mut confirmed: BTreeMap<(String, String), u64> = BTreeMap::new();
    while t0.elapsed() < timeout {
        let poll_start = Instant::now();
        let nap = || {
            let elapsed = t0.elapsed().as_secs_f64();
            let wait = 0.25f64
                .max(0.05 * elapsed)
                .max(poll_start.elapsed().as_secs_f64());
            tokio::time::sleep(Duration::from_secs_f64(wait))
        };
        let Ok(present) = client.tags().await else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        if !expected.series.keys().all(|k| present.contains(k)) {
            nap().await;
            continue;
        }
        t.all_tags.get_or_insert(t0.elapsed().as_secs_f64());
        let mut by_tag: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (run, tag) in expected.series.keys() {
            if !confirmed.contains_key(&(run.clone(), tag.clone())) {
                by_tag.entry(tag.as_str()).or_default().push(run.as_str());
            }
        }
        // Canary first, then everything once.
        let canary_pending = t.canary.is_none() && expected.canary.is_some();
        let tags: Vec<(&str, Vec<&str>)> = match (&expected.canary, canary_pending) {
            (Some(c), true) => by_tag.remove_entry(c.as_str()).into_iter().collect(),
            _ => by_tag.into_iter().collect(),
        };
        for (tag, runs) in tags {
            for (run, (n, last)) in client.series(tag, &runs).await? {
                if last >= expected.series[&(run.clone(), tag.to_owned())] {
                    confirmed.insert((run, tag.to_owned()), n);
                }
            }
        }
        if canary_pending {
            let canary = expected.canary.as_deref().unwrap_or_default();
            if expected
                .series
                .keys()
                .filter(|(_, tag)| tag == canary)
                .all(|k| confirmed.contains_key(k))
            {
                t.canary = Some(t0.elapsed().as_secs_f64());
                continue;
            }
        } else if confirmed.len() == expected.series.len() {
            t.done = Some(t0.elapsed().as_secs_f64());
            break;
        }
        nap().await;
    }
    t.bytes = client.bytes;
    t.points = confirmed.values().sum();
    Ok(t)
}

//! `vizjobs serve`: the service, configured from flags, environment and a TOML file.
//!
//! Precedence: a flag beats its environment variable (clap reads both), which beats the config
//! file, which beats the built-in default. The file uses the flags' names with `_` for `-`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use vizjobs_server::App;
use vizjobs_server::clock::SystemClock;
use vizjobs_server::config::ServerConfig;
use vizjobs_engine::EngineConfig;
use vizjobs_server::engine_runner::{EngineRunner, EngineRunnerConfig};
use vizjobs_server::runner::Runner;

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (keys as the flags, with `_` for `-`).
    #[arg(long, env = "VIZJOBS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "VIZJOBS_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database, the master key and credentials.json [default: ./vizjobs-data].
    #[arg(long, env = "VIZJOBS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// postgres://… to share a PostgreSQL database between replicas, or sqlite://PATH
    /// [default: SQLite in the data directory].
    #[arg(long, env = "VIZJOBS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The URL users reach this server at; the base of every service_url [default: http://LISTEN].
    #[arg(long, env = "VIZJOBS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A directory jobs may read local logs from; repeat for several
    /// [default: DATA_DIR/logs]. In the environment, separate paths with ':'.
    #[arg(long = "log-root", env = "VIZJOBS_LOG_ROOTS", value_delimiter = ':')]
    pub log_roots: Vec<PathBuf>,
    /// Jobs a project may hold unless set per project [default: 100].
    #[arg(long, env = "VIZJOBS_JOB_QUOTA")]
    pub job_quota: Option<i64>,
    /// The most jobs RUNNING at once; more wait in WAITING [default: no limit].
    #[arg(long, env = "VIZJOBS_MAX_RUNNING_JOBS")]
    pub max_running_jobs: Option<i64>,
    /// Seconds between lifecycle passes (auto-stop precision, recovery) [default: 1].
    #[arg(long, env = "VIZJOBS_LIFECYCLE_INTERVAL_SECS")]
    pub lifecycle_interval_secs: Option<f64>,
    /// Hours an IAM token or console session lives [default: 24].
    #[arg(long, env = "VIZJOBS_TOKEN_TTL_HOURS")]
    pub token_ttl_hours: Option<f64>,
    /// Base64 of 32 bytes sealing secret keys at rest [default: DATA_DIR/master.key, created on
    /// first start]. Replicas sharing a database must share it.
    #[arg(long, env = "VIZJOBS_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// Require a credential for /metrics [default: false].
    #[arg(long, env = "VIZJOBS_METRICS_PRIVATE")]
    pub metrics_private: Option<bool>,
    /// Failed logins allowed per user and per address within the window [default: 5].
    #[arg(long, env = "VIZJOBS_LOGIN_ATTEMPTS")]
    pub login_attempts: Option<u32>,
    /// The login throttling window in seconds [default: 300].
    #[arg(long, env = "VIZJOBS_LOGIN_WINDOW_SECS")]
    pub login_window_secs: Option<u64>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Seconds a loaded dashboard may sit unviewed before its memory is released [default: 900].
    #[arg(long, env = "VIZJOBS_IDLE_EVICT_SECS")]
    pub idle_evict_secs: Option<f64>,
}

/// Dashboard engine settings, shared by `serve` and `board`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct EngineArgs {
    /// Seconds between rescans of a logdir for new runs, files and records [default: 5].
    #[arg(long, env = "VIZJOBS_RELOAD_INTERVAL_SECS")]
    pub reload_interval_secs: Option<f64>,
    /// Items kept per tag of sampled kinds, e.g. `images=10,histograms=500` (0 keeps all;
    /// kinds: images, audio, histograms, text, pr_curves, tensors) [default: images=10,
    /// audio=10, histograms=500, text=100, pr_curves=100, tensors=100]. Scalars keep every point.
    #[arg(long, env = "VIZJOBS_SAMPLES")]
    pub samples: Option<String>,
}

impl EngineArgs {
    pub fn engine_config(&self, file: &EngineFile) -> anyhow::Result<EngineConfig> {
        let mut config = EngineConfig::default();
        if let Some(secs) = self.reload_interval_secs.or(file.reload_interval_secs) {
            config.reload_interval = positive_secs("reload-interval-secs", secs)?;
        }
        if let Some(spec) = self.samples.as_ref().or(file.samples.as_ref()) {
            for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (kind, n) = part
                    .split_once('=')
                    .with_context(|| format!("samples: expected KIND=N, got {part:?}"))?;
                let n: usize = n
                    .trim()
                    .parse()
                    .with_context(|| format!("samples: {n:?} is not a count"))?;
                let s = &mut config.samples;
                match kind.trim() {
                    "images" => s.images = n,
                    "audio" => s.audio = n,
                    "histograms" => s.histograms = n,
                    "text" => s.text = n,
                    "pr_curves" => s.pr_curves = n,
                    "tensors" => s.tensors = n,
                    other => anyhow::bail!("samples: unknown kind {other:?}"),
                }
            }
        }
        Ok(config)
    }
}

/// Engine settings from a config file.
#[derive(Debug, Default)]
pub struct EngineFile {
    pub reload_interval_secs: Option<f64>,
    pub samples: Option<String>,
}

/// The config file: the same settings, all optional.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    log_roots: Option<Vec<PathBuf>>,
    job_quota: Option<i64>,
    max_running_jobs: Option<i64>,
    lifecycle_interval_secs: Option<f64>,
    token_ttl_hours: Option<f64>,
    master_key: Option<String>,
    metrics_private: Option<bool>,
    login_attempts: Option<u32>,
    login_window_secs: Option<u64>,
    idle_evict_secs: Option<f64>,
    reload_interval_secs: Option<f64>,
    samples: Option<String>,
}

fn positive_secs(name: &str, secs: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{name} must be a positive number, got {secs}"))
}

impl ServeArgs {
    /// Resolves every setting: the server's, and the dashboard runner's.
    pub fn resolve(self) -> anyhow::Result<(ServerConfig, EngineRunnerConfig)> {
        let file: FileConfig = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing the config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let listen = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let data_dir = self
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("vizjobs-data"));
        let mut config = ServerConfig::new(listen, data_dir);
        if let Some(url) = self.public_url.or(file.public_url) {
            config.public_url = url.trim_end_matches('/').to_owned();
        }
        config.database_url = self.database_url.or(file.database_url);
        let roots = if self.log_roots.is_empty() {
            file.log_roots.unwrap_or_default()
        } else {
            self.log_roots
        };
        if !roots.is_empty() {
            config.log_roots = roots;
        }
        if let Some(quota) = self.job_quota.or(file.job_quota) {
            anyhow::ensure!(quota >= 0, "job-quota must not be negative");
            config.default_job_quota = quota;
        }
        config.lifecycle.max_running = self.max_running_jobs.or(file.max_running_jobs);
        if let Some(secs) = self
            .lifecycle_interval_secs
            .or(file.lifecycle_interval_secs)
        {
            config.lifecycle.tick = positive_secs("lifecycle-interval-secs", secs)?;
        }
        if let Some(hours) = self.token_ttl_hours.or(file.token_ttl_hours) {
            config.token_ttl = positive_secs("token-ttl-hours", hours * 3600.0)?;
        }
        config.master_key = self.master_key.or(file.master_key);
        config.metrics_private = self
            .metrics_private
            .or(file.metrics_private)
            .unwrap_or(false);
        if let Some(n) = self.login_attempts.or(file.login_attempts) {
            config.login_attempts = n;
        }
        if let Some(secs) = self.login_window_secs.or(file.login_window_secs) {
            config.login_window = Duration::from_secs(secs);
        }
        let mut runner = EngineRunnerConfig {
            engine: self.engine.engine_config(&EngineFile {
                reload_interval_secs: file.reload_interval_secs,
                samples: file.samples.clone(),
            })?,
            ..EngineRunnerConfig::default()
        };
        if let Some(secs) = self.idle_evict_secs.or(file.idle_evict_secs) {
            runner.idle_evict = positive_secs("idle-evict-secs", secs)?;
        }
        Ok((config, runner))
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let (config, runner_config) = args.resolve()?;
    let listen = config.listen;
    let runner: Arc<dyn Runner> = EngineRunner::new(runner_config);
    let app = App::build(config, runner, Arc::new(SystemClock)).await?;
    if let Some(path) = &app.credentials_written {
        print_first_credentials(path)?;
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let local = listener.local_addr()?;
    tracing::info!("vizjobs listening on http://{local}");
    println!("vizjobs is serving on http://{local}");
    app.serve(listener, shutdown_signal()).await
}

/// Shows the first credentials once, on the terminal that started the server.
fn print_first_credentials(path: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let creds: serde_json::Value = serde_json::from_str(&text)?;
    println!("First start: created a project, an admin user and an access key.");
    for key in [
        "endpoint",
        "project_id",
        "account",
        "username",
        "password",
        "access_key",
        "secret_key",
    ] {
        println!("  {key:<11} {}", creds[key].as_str().unwrap_or_default());
    }
    println!(
        "They are saved in {} (readable by you only); the CLI reads that file by default.",
        path.display()
    );
    Ok(())
}

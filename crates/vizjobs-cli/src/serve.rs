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
use vizjobs_engine::EngineConfig;
use vizjobs_server::App;
use vizjobs_server::clock::SystemClock;
use vizjobs_server::config::{
    Addressing, LogIsolation, ObjectStorageConfig, S3Config, Secret, ServerConfig,
    StaticCredentials,
};
use vizjobs_server::engine_runner::ObjectStorage;
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
    /// Another HOST[:PORT] clients reach this server by and sign AK/SK requests for; repeat for
    /// several [default: only the public URL's]. In the environment, separate with ','.
    #[arg(
        long = "signed-host",
        env = "VIZJOBS_SIGNED_HOSTS",
        value_delimiter = ','
    )]
    pub signed_hosts: Vec<String>,
    /// A directory jobs may read local logs from; repeat for several
    /// [default: DATA_DIR/logs]. In the environment, separate paths with ':'.
    #[arg(long = "log-root", env = "VIZJOBS_LOG_ROOTS", value_delimiter = ':')]
    pub log_roots: Vec<PathBuf>,
    /// `shared`: every project may read anywhere under the log roots and allowed buckets (one
    /// team). `project`: a project reads only ROOT/PROJECT_ID/… and BUCKET[/PREFIX]/PROJECT_ID/…
    /// (several teams; see docs/AUTH.md) [default: shared].
    #[arg(long, env = "VIZJOBS_LOG_ISOLATION", value_name = "shared|project")]
    pub log_isolation: Option<LogIsolation>,
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
    /// Connections served at once; past it only health checks are answered, on a small
    /// reserve [default: the open-files limit less 72].
    #[arg(long, env = "VIZJOBS_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Connections served at once from one client address [default: half of max-connections].
    #[arg(long, env = "VIZJOBS_MAX_CONNECTIONS_PER_CLIENT")]
    pub max_connections_per_client: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Seconds a loaded dashboard may sit unviewed before its memory is released [default: 900].
    #[arg(long, env = "VIZJOBS_IDLE_EVICT_SECS")]
    pub idle_evict_secs: Option<f64>,
    /// Boxed: these many settings would make every `Command` as large as `serve`'s.
    #[command(flatten)]
    pub s3: Box<S3Args>,
}

/// Object storage (S3, OBS, MinIO...) settings; see docs/OBJECT_STORAGE.md. It is on when
/// `s3-allow` lists at least one entry. The secret key is read from
/// `VIZJOBS_S3_SECRET_ACCESS_KEY` or from a file, never from a flag or the config file.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct S3Args {
    /// A `BUCKET` or `BUCKET/PREFIX` jobs may read logs under; repeat for several. In the
    /// environment, separate entries with ','.
    #[arg(long = "s3-allow", env = "VIZJOBS_S3_ALLOW", value_delimiter = ',')]
    pub s3_allow: Vec<String>,
    /// https://host[:port] of the S3-compatible service [default: AWS S3 in the region].
    #[arg(long, env = "VIZJOBS_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// Region requests are signed for [default: us-east-1].
    #[arg(long, env = "VIZJOBS_S3_REGION")]
    pub s3_region: Option<String>,
    /// Access key ID [default: the standard AWS environment and instance credentials].
    #[arg(long, env = "VIZJOBS_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// A file holding the secret access key (else VIZJOBS_S3_SECRET_ACCESS_KEY).
    #[arg(long, env = "VIZJOBS_S3_SECRET_ACCESS_KEY_FILE", value_name = "FILE")]
    pub s3_secret_access_key_file: Option<PathBuf>,
    /// Path-style addressing (endpoint/bucket/key), as MinIO and Ceph want
    /// [default: false: virtual-hosted, bucket.endpoint/key, as S3 and OBS want].
    #[arg(long, env = "VIZJOBS_S3_PATH_STYLE")]
    pub s3_path_style: Option<bool>,
    /// Allow a plain http:// endpoint [default: false].
    #[arg(long, env = "VIZJOBS_S3_ALLOW_HTTP")]
    pub s3_allow_http: Option<bool>,
    /// A PEM file of CA certificates to trust besides the system's.
    #[arg(long, env = "VIZJOBS_S3_CA_CERT", value_name = "FILE")]
    pub s3_ca_cert: Option<PathBuf>,
    /// Skip TLS certificate verification (debugging only) [default: false].
    #[arg(long, env = "VIZJOBS_S3_INSECURE_SKIP_TLS_VERIFY")]
    pub s3_insecure_skip_tls_verify: Option<bool>,
    /// Requests in flight at once per bucket [default: 16].
    #[arg(long, env = "VIZJOBS_S3_MAX_CONCURRENCY")]
    pub s3_max_concurrency: Option<usize>,
    /// Retries of a failed request, with exponential backoff [default: 3].
    #[arg(long, env = "VIZJOBS_S3_RETRIES")]
    pub s3_retries: Option<usize>,
    /// Seconds after which a failing request is no longer retried [default: 15].
    #[arg(long, env = "VIZJOBS_S3_RETRY_TIMEOUT_SECS")]
    pub s3_retry_timeout_secs: Option<f64>,
}

/// Object storage settings from the config file (the secret key cannot be among them).
#[derive(Debug, Default)]
pub struct S3File {
    pub s3_allow: Option<Vec<String>>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key_file: Option<PathBuf>,
    pub s3_path_style: Option<bool>,
    pub s3_allow_http: Option<bool>,
    pub s3_ca_cert: Option<PathBuf>,
    pub s3_insecure_skip_tls_verify: Option<bool>,
    pub s3_max_concurrency: Option<usize>,
    pub s3_retries: Option<usize>,
    pub s3_retry_timeout_secs: Option<f64>,
}

impl S3Args {
    /// The object storage settings, or `None` when no bucket is allowed.
    pub fn resolve(self, file: S3File) -> anyhow::Result<Option<ObjectStorageConfig>> {
        let allowlist = if self.s3_allow.is_empty() {
            file.s3_allow.unwrap_or_default()
        } else {
            self.s3_allow
        };
        let allowlist: Vec<String> = allowlist
            .into_iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        let endpoint = self.s3_endpoint.or(file.s3_endpoint);
        if allowlist.is_empty() {
            anyhow::ensure!(
                endpoint.is_none(),
                "s3-endpoint is set but s3-allow lists no bucket: jobs could read nothing"
            );
            return Ok(None);
        }
        let mut s3 = S3Config {
            endpoint,
            ..S3Config::default()
        };
        if let Some(region) = self.s3_region.or(file.s3_region) {
            s3.region = region;
        }
        let secret = match self
            .s3_secret_access_key_file
            .or(file.s3_secret_access_key_file)
        {
            Some(path) => Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading the S3 secret key file {}", path.display()))?
                    .trim()
                    .to_owned(),
            ),
            None => std::env::var("VIZJOBS_S3_SECRET_ACCESS_KEY").ok(),
        };
        s3.credentials = match (self.s3_access_key_id.or(file.s3_access_key_id), secret) {
            (Some(access_key_id), Some(secret)) => Some(StaticCredentials {
                access_key_id,
                secret_access_key: Secret::new(secret),
                session_token: std::env::var("VIZJOBS_S3_SESSION_TOKEN")
                    .ok()
                    .map(Secret::new),
            }),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!(
                "s3-access-key-id is set but no secret key: set VIZJOBS_S3_SECRET_ACCESS_KEY or s3-secret-access-key-file"
            ),
            (None, Some(_)) => anyhow::bail!("an S3 secret key is set but no s3-access-key-id"),
        };
        if self.s3_path_style.or(file.s3_path_style).unwrap_or(false) {
            s3.addressing = Addressing::Path;
        }
        s3.allow_http = self.s3_allow_http.or(file.s3_allow_http).unwrap_or(false);
        s3.ca_certificate = self.s3_ca_cert.or(file.s3_ca_cert);
        s3.insecure_skip_tls_verify = self
            .s3_insecure_skip_tls_verify
            .or(file.s3_insecure_skip_tls_verify)
            .unwrap_or(false);
        if let Some(n) = self.s3_max_concurrency.or(file.s3_max_concurrency) {
            anyhow::ensure!(n > 0, "s3-max-concurrency must be at least 1");
            s3.max_concurrent_requests = n;
        }
        if let Some(n) = self.s3_retries.or(file.s3_retries) {
            s3.retry.max_retries = n;
        }
        if let Some(secs) = self.s3_retry_timeout_secs.or(file.s3_retry_timeout_secs) {
            s3.retry.retry_timeout = positive_secs("s3-retry-timeout-secs", secs)?;
        }
        Ok(Some(ObjectStorageConfig { s3, allowlist }))
    }
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
    signed_hosts: Option<Vec<String>>,
    log_roots: Option<Vec<PathBuf>>,
    log_isolation: Option<LogIsolation>,
    job_quota: Option<i64>,
    max_running_jobs: Option<i64>,
    lifecycle_interval_secs: Option<f64>,
    token_ttl_hours: Option<f64>,
    master_key: Option<String>,
    metrics_private: Option<bool>,
    login_attempts: Option<u32>,
    login_window_secs: Option<u64>,
    max_connections: Option<usize>,
    max_connections_per_client: Option<usize>,
    idle_evict_secs: Option<f64>,
    reload_interval_secs: Option<f64>,
    samples: Option<String>,
    s3_allow: Option<Vec<String>>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key_file: Option<PathBuf>,
    s3_path_style: Option<bool>,
    s3_allow_http: Option<bool>,
    s3_ca_cert: Option<PathBuf>,
    s3_insecure_skip_tls_verify: Option<bool>,
    s3_max_concurrency: Option<usize>,
    s3_retries: Option<usize>,
    s3_retry_timeout_secs: Option<f64>,
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
        config.signed_hosts = vizjobs_server::config::hosts_of(&config.public_url);
        anyhow::ensure!(
            !config.signed_hosts.is_empty(),
            "public-url {:?} is not an http(s) URL with a host",
            config.public_url
        );
        let extra_hosts = if self.signed_hosts.is_empty() {
            file.signed_hosts.unwrap_or_default()
        } else {
            self.signed_hosts
        };
        config.signed_hosts.extend(extra_hosts);
        config.database_url = self.database_url.or(file.database_url);
        let roots = if self.log_roots.is_empty() {
            file.log_roots.unwrap_or_default()
        } else {
            self.log_roots
        };
        if !roots.is_empty() {
            config.log_roots = roots;
        }
        config.log_isolation = self
            .log_isolation
            .or(file.log_isolation)
            .unwrap_or_default();
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
        if let Some(n) = self.max_connections.or(file.max_connections) {
            anyhow::ensure!(n >= 1, "max-connections must be at least 1");
            config.connection_limits.total = n;
            config.connection_limits.per_client = (n / 2).max(1);
        }
        if let Some(n) = self
            .max_connections_per_client
            .or(file.max_connections_per_client)
        {
            anyhow::ensure!(n >= 1, "max-connections-per-client must be at least 1");
            config.connection_limits.per_client = n;
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
        config.object_storage = (*self.s3).resolve(S3File {
            s3_allow: file.s3_allow,
            s3_endpoint: file.s3_endpoint,
            s3_region: file.s3_region,
            s3_access_key_id: file.s3_access_key_id,
            s3_secret_access_key_file: file.s3_secret_access_key_file,
            s3_path_style: file.s3_path_style,
            s3_allow_http: file.s3_allow_http,
            s3_ca_cert: file.s3_ca_cert,
            s3_insecure_skip_tls_verify: file.s3_insecure_skip_tls_verify,
            s3_max_concurrency: file.s3_max_concurrency,
            s3_retries: file.s3_retries,
            s3_retry_timeout_secs: file.s3_retry_timeout_secs,
        })?;
        if let Some(object) = &config.object_storage {
            let storage = ObjectStorage::new(object.s3.clone()).context("object storage")?;
            runner.object_storage = Some(storage);
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

#[cfg(test)]
mod s3_settings_tests {
    use super::*;

    #[test]
    fn object_storage_is_on_with_an_allowlist_and_reads_the_secret_from_a_file() {
        let secret_file =
            std::env::temp_dir().join(format!("vizjobs-s3-secret-test-{}", std::process::id()));
        std::fs::write(&secret_file, "s3cr3t-value\n").unwrap();
        let args = S3Args {
            s3_allow: vec!["training/exp".into()],
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_access_key_id: Some("reader".into()),
            s3_secret_access_key_file: Some(secret_file.clone()),
            s3_path_style: Some(true),
            s3_allow_http: Some(true),
            ..S3Args::default()
        };
        let file = S3File {
            s3_region: Some("cn-north-4".into()),
            s3_allow: Some(vec!["ignored/because/the/flag/wins".into()]),
            ..S3File::default()
        };
        let object = args.resolve(file);
        let _ = std::fs::remove_file(&secret_file);
        let object = object.unwrap().expect("on");
        assert_eq!(object.allowlist, vec!["training/exp"]);
        assert_eq!(object.s3.region, "cn-north-4");
        assert_eq!(object.s3.addressing, Addressing::Path);
        assert!(object.s3.allow_http);
        let creds = object.s3.credentials.as_ref().expect("credentials");
        assert_eq!(creds.secret_access_key.expose(), "s3cr3t-value");
        assert!(!format!("{object:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn object_storage_settings_that_cannot_work_are_refused() {
        assert!(
            S3Args::default()
                .resolve(S3File::default())
                .unwrap()
                .is_none()
        );
        let endpoint_only = S3Args {
            s3_endpoint: Some("https://minio:9000".into()),
            ..S3Args::default()
        };
        assert!(endpoint_only.resolve(S3File::default()).is_err());
        let key_without_secret = S3Args {
            s3_allow: vec!["b".into()],
            s3_access_key_id: Some("reader".into()),
            s3_secret_access_key_file: Some("/nonexistent/secret".into()),
            ..S3Args::default()
        };
        assert!(key_without_secret.resolve(S3File::default()).is_err());
    }
}

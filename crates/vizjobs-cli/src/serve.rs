//! `vizjobs serve`: the service, configured from flags, environment and a TOML file.
//!
//! Precedence: a flag beats its environment variable (clap reads both), which beats the config
//! file, which beats the built-in default. The file uses the flags' names with `_` for `-` (a
//! repeated flag's key is plural: `--log-root` is `log_roots`). Each setting is declared once,
//! below, through [`settings!`](crate::settings!): see `settings.rs` for how the layers merge.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, FromArgMatches};
use vizjobs_engine::CacheSettings;
use vizjobs_engine::EngineConfig;
use vizjobs_server::App;
use vizjobs_server::clock::SystemClock;
use vizjobs_server::config::{
    Addressing, DEFAULT_DATA_DIR, DEFAULT_LISTEN, LogIsolation, ObjectStorageConfig, S3Config,
    Secret, ServerConfig, StaticCredentials,
};
use vizjobs_server::dashboard::ObjectStorage;
use vizjobs_server::dashboard::Runner;
use vizjobs_server::dashboard::{CacheLocation, EngineRunner, EngineRunnerConfig};

/// The cache's size limit unless set, in GiB.
const DEFAULT_CACHE_MAX_GB: f64 = 10.0;

use crate::settings::{ConfigFile, EnvOnly, Setting};

crate::settings! {
    pub struct ServeArgs {
        /// A TOML file with any of the settings below (keys as the flags, with `_` for `-`).
        #[arg(long, env = "VIZJOBS_CONFIG", value_name = "FILE")]
        @not_in_file
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
        pub signed_hosts: Option<Vec<String>>,
        /// A directory jobs may read local logs from; repeat for several
        /// [default: DATA_DIR/logs]. In the environment, separate paths with ':'.
        #[arg(long = "log-root", env = "VIZJOBS_LOG_ROOTS", value_delimiter = ':')]
        pub log_roots: Option<Vec<PathBuf>>,
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
        @secret
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
        /// Seconds to keep serving after SIGTERM with /readyz answering 503, so that load
        /// balancers stop routing here before the listener closes [default: 0].
        #[arg(long, env = "VIZJOBS_SHUTDOWN_DELAY_SECS")]
        pub shutdown_delay_secs: Option<f64>,
        #[command(flatten)]
        pub engine: EngineArgs,
        /// Seconds a loaded dashboard may sit unviewed before its memory is released [default: 900].
        #[arg(long, env = "VIZJOBS_IDLE_EVICT_SECS")]
        pub idle_evict_secs: Option<f64>,
        /// Directory of the persistent cache of parsed logs: a dashboard opened again (after
        /// eviction or a restart) restores from it and reads only what the logs gained; replicas
        /// may share one [default: DATA_DIR/cache].
        #[arg(long, env = "VIZJOBS_CACHE_DIR", value_name = "DIR")]
        pub cache_dir: Option<PathBuf>,
        /// Size limit of the cache directory in GiB, least recently used entries deleted past
        /// it; 0 turns the cache off [default: 10].
        #[arg(long, env = "VIZJOBS_CACHE_MAX_GB")]
        pub cache_max_gb: Option<f64>,
        /// Boxed: these many settings would make every `Command` as large as `serve`'s.
        #[command(flatten)]
        pub s3: Box<S3Args>,
    }
}

crate::settings! {
    /// Object storage (S3, OBS, MinIO...) settings; see docs/OBJECT_STORAGE.md. It is on when
    /// `s3-allow` lists at least one entry. The secret key is read from
    /// `VIZJOBS_S3_SECRET_ACCESS_KEY` or from a file, never from a flag or the config file.
    pub struct S3Args {
        /// A `BUCKET` or `BUCKET/PREFIX` jobs may read logs under; repeat for several. In the
        /// environment, separate entries with ','.
        #[arg(long = "s3-allow", env = "VIZJOBS_S3_ALLOW", value_delimiter = ',')]
        pub s3_allow: Option<Vec<String>>,
        /// https://host[:port] of the S3-compatible service [default: AWS S3 in the region].
        #[arg(long, env = "VIZJOBS_S3_ENDPOINT")]
        pub s3_endpoint: Option<String>,
        /// Region requests are signed for [default: us-east-1].
        #[arg(long, env = "VIZJOBS_S3_REGION")]
        pub s3_region: Option<String>,
        /// Access key ID [default: the standard AWS environment and instance credentials].
        #[arg(long, env = "VIZJOBS_S3_ACCESS_KEY_ID")]
        pub s3_access_key_id: Option<String>,
        /// The secret access key: only from the environment (never a flag, visible in `ps`, nor
        /// the config file).
        #[arg(
            long,
            env = "VIZJOBS_S3_SECRET_ACCESS_KEY",
            hide = true,
            hide_env_values = true,
            value_parser = EnvOnly
        )]
        @secret @not_in_file
        pub s3_secret_access_key: Option<String>,
        /// A file holding the secret access key (else VIZJOBS_S3_SECRET_ACCESS_KEY).
        #[arg(long, env = "VIZJOBS_S3_SECRET_ACCESS_KEY_FILE", value_name = "FILE")]
        pub s3_secret_access_key_file: Option<PathBuf>,
        /// The session token of temporary (STS) credentials: only from the environment.
        #[arg(
            long,
            env = "VIZJOBS_S3_SESSION_TOKEN",
            hide = true,
            hide_env_values = true,
            value_parser = EnvOnly
        )]
        @secret @not_in_file
        pub s3_session_token: Option<String>,
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
}

crate::settings! {
    /// Dashboard engine settings, shared by `serve` and `board`.
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
}

impl S3Args {
    /// The object storage settings, or `None` when no bucket is allowed.
    pub fn resolve(mut self) -> anyhow::Result<Option<ObjectStorageConfig>> {
        let allowlist: Vec<String> = self
            .s3_allow
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect();
        if allowlist.is_empty() {
            anyhow::ensure!(
                self.s3_endpoint.is_none(),
                "s3-endpoint is set but s3-allow lists no bucket: jobs could read nothing"
            );
            return Ok(None);
        }
        let s3 = self.s3_config()?;
        Ok(Some(ObjectStorageConfig { s3, allowlist }))
    }

    /// The client settings alone, whatever `s3-allow` says (a program reading its own bucket
    /// needs no allowlist).
    pub fn s3_config(self) -> anyhow::Result<S3Config> {
        let mut s3 = S3Config {
            endpoint: self.s3_endpoint,
            ..S3Config::default()
        };
        if let Some(region) = self.s3_region {
            s3.region = region;
        }
        let secret = match self.s3_secret_access_key_file {
            Some(path) => Some(
                std::fs::read_to_string(&path)
                    .with_context(|| format!("reading the S3 secret key file {}", path.display()))?
                    .trim()
                    .to_owned(),
            ),
            None => self.s3_secret_access_key,
        };
        s3.credentials = match (self.s3_access_key_id, secret) {
            (Some(access_key_id), Some(secret)) => Some(StaticCredentials {
                access_key_id,
                secret_access_key: Secret::new(secret),
                session_token: self.s3_session_token.map(Secret::new),
            }),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!(
                "s3-access-key-id is set but no secret key: set VIZJOBS_S3_SECRET_ACCESS_KEY or s3-secret-access-key-file"
            ),
            (None, Some(_)) => anyhow::bail!("an S3 secret key is set but no s3-access-key-id"),
        };
        if self.s3_path_style.unwrap_or(false) {
            s3.addressing = Addressing::Path;
        }
        s3.allow_http = self.s3_allow_http.unwrap_or(false);
        s3.ca_certificate = self.s3_ca_cert;
        s3.insecure_skip_tls_verify = self.s3_insecure_skip_tls_verify.unwrap_or(false);
        if let Some(n) = self.s3_max_concurrency {
            anyhow::ensure!(n > 0, "s3-max-concurrency must be at least 1");
            s3.max_concurrent_requests = n;
        }
        if let Some(n) = self.s3_retries {
            s3.retry.max_retries = n;
        }
        if let Some(secs) = self.s3_retry_timeout_secs {
            s3.retry.retry_timeout = positive_secs("s3-retry-timeout-secs", secs)?;
        }
        Ok(s3)
    }

    /// The settings from the `VIZJOBS_S3_*` environment variables only.
    pub fn from_env() -> anyhow::Result<Self> {
        let matches = Self::augment_args(clap::Command::new("s3"))
            .try_get_matches_from(["s3"])
            .context("VIZJOBS_S3_* settings")?;
        Ok(Self::from_arg_matches(&matches)?)
    }
}

impl EngineArgs {
    pub fn engine_config(&self) -> anyhow::Result<EngineConfig> {
        let mut config = EngineConfig::default();
        if let Some(secs) = self.reload_interval_secs {
            config.reload_interval = positive_secs("reload-interval-secs", secs)?;
        }
        if let Some(spec) = &self.samples {
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

fn positive_secs(name: &str, secs: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{name} must be a positive number, got {secs}"))
}

impl ServeArgs {
    /// The settings the `VIZJOBS_*` environment gives, as clap reads it for `vizjobs serve`.
    fn from_environment() -> anyhow::Result<Self> {
        let no_flags = Self::augment_args(clap::Command::new("serve"))
            .try_get_matches_from(["serve"])
            .and_then(|matches| Self::from_arg_matches(&matches));
        no_flags.map_err(|err| {
            let message = err.to_string();
            anyhow::anyhow!("{}", message.trim_start_matches("error: ").trim_end())
        })
    }

    /// Completes the settings from the environment and the config file, by precedence.
    fn layered(mut self) -> anyhow::Result<Self> {
        self.or(Self::from_environment()?);
        if let Some(path) = self.config.clone() {
            ConfigFile::read(&path)?.fill(&mut self)?;
        }
        Ok(self)
    }

    /// Resolves every setting: the server's, and the dashboard runner's.
    pub fn resolve(self) -> anyhow::Result<(ServerConfig, EngineRunnerConfig)> {
        self.layered()?.into_configs()
    }

    /// The typed configurations, with the built-in defaults for what is still unset.
    fn into_configs(self) -> anyhow::Result<(ServerConfig, EngineRunnerConfig)> {
        let settings = self;
        let listen = settings.listen.unwrap_or(DEFAULT_LISTEN);
        let data_dir = settings
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let mut config = ServerConfig::new(listen, data_dir);
        if let Some(url) = settings.public_url {
            config.public_url = url.trim_end_matches('/').to_owned();
        }
        config.signed_hosts = vizjobs_server::config::hosts_of(&config.public_url);
        anyhow::ensure!(
            !config.signed_hosts.is_empty(),
            "public-url {:?} is not an http(s) URL with a host",
            config.public_url
        );
        config
            .signed_hosts
            .extend(settings.signed_hosts.unwrap_or_default());
        config.database_url = settings.database_url;
        if let Some(roots) = settings.log_roots.filter(|r| !r.is_empty()) {
            config.log_roots = roots;
        }
        config.log_isolation = settings.log_isolation.unwrap_or_default();
        if let Some(quota) = settings.job_quota {
            anyhow::ensure!(quota >= 0, "job-quota must not be negative");
            config.default_job_quota = quota;
        }
        config.lifecycle.max_running = settings.max_running_jobs;
        if let Some(secs) = settings.lifecycle_interval_secs {
            config.lifecycle.tick = positive_secs("lifecycle-interval-secs", secs)?;
        }
        if let Some(hours) = settings.token_ttl_hours {
            config.token_ttl = positive_secs("token-ttl-hours", hours * 3600.0)?;
        }
        config.master_key = settings.master_key;
        config.metrics_private = settings.metrics_private.unwrap_or(false);
        if let Some(n) = settings.login_attempts {
            config.login_attempts = n;
        }
        if let Some(secs) = settings.login_window_secs {
            config.login_window = Duration::from_secs(secs);
        }
        if let Some(n) = settings.max_connections {
            anyhow::ensure!(n >= 1, "max-connections must be at least 1");
            config.connection_limits.total = n;
            config.connection_limits.per_client = (n / 2).max(1);
        }
        if let Some(n) = settings.max_connections_per_client {
            anyhow::ensure!(n >= 1, "max-connections-per-client must be at least 1");
            config.connection_limits.per_client = n;
        }
        if let Some(secs) = settings.shutdown_delay_secs {
            config.shutdown_delay = Duration::try_from_secs_f64(secs)
                .with_context(|| format!("shutdown-delay-secs must not be negative, got {secs}"))?;
        }
        let mut runner = EngineRunnerConfig {
            engine: settings.engine.engine_config()?,
            ..EngineRunnerConfig::default()
        };
        if let Some(secs) = settings.idle_evict_secs {
            runner.idle_evict = positive_secs("idle-evict-secs", secs)?;
        }
        let cache_gb = settings.cache_max_gb.unwrap_or(DEFAULT_CACHE_MAX_GB);
        anyhow::ensure!(
            cache_gb.is_finite() && cache_gb >= 0.0,
            "cache-max-gb must be a size in GiB (0: no cache), got {cache_gb}"
        );
        if cache_gb > 0.0 {
            runner.cache = Some(CacheLocation {
                dir: settings
                    .cache_dir
                    .unwrap_or_else(|| config.data_dir.join("cache")),
                settings: CacheSettings {
                    max_bytes: (cache_gb * (1u64 << 30) as f64) as u64,
                    ..CacheSettings::default()
                },
            });
        }
        config.object_storage = settings.s3.resolve()?;
        if let Some(object) = &config.object_storage {
            let storage = ObjectStorage::new(object.s3.clone()).context("object storage")?;
            runner.object_storage = Some(storage);
        }
        Ok((config, runner))
    }
}

/// Resolves on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
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
    let (config, mut runner_config) = args.resolve()?;
    runner_config.open_cache()?;
    let listen = config.listen;
    let engine_runner = EngineRunner::new(runner_config);
    let runner: Arc<dyn Runner> = engine_runner.clone();
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
    let served = app.serve(listener, shutdown_signal()).await;
    // The boards save what they parsed since their last save to the cache before the process
    // ends.
    tokio::task::spawn_blocking(move || engine_runner.close_all())
        .await
        .context("closing the dashboards")?;
    served
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
mod settings_tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use clap::{ArgAction, Command};

    use super::*;

    fn serve_command() -> Command {
        ServeArgs::augment_args(Command::new("serve"))
    }

    /// Settings that are flags and variables but no key of the config file.
    const NOT_IN_FILE: [&str; 3] = ["config", "s3_secret_access_key", "s3_session_token"];

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(Path::new("/etc/vizjobs/test.toml"), text).unwrap()
    }

    fn help_of(arg: &clap::Arg) -> String {
        arg.get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string().replace('\n', " "))
            .unwrap_or_default()
    }

    /// The `X` of a help's `[default: X]`.
    fn stated_default(arg: &clap::Arg) -> Option<String> {
        let help = help_of(arg);
        let start = help.find("[default: ")? + "[default: ".len();
        let end = start + help[start..].find(']')?;
        Some(help[start..end].to_owned())
    }

    #[test]
    fn every_setting_has_a_flag_a_variable_and_a_key_of_one_name() {
        let command = serve_command();
        let mut ids = Vec::new();
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            ids.push(id);
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
            assert_eq!(
                env.as_deref(),
                Some(format!("VIZJOBS_{}", id.to_uppercase()).as_str()),
                "{id}: its variable"
            );
            let long = arg.get_long().unwrap_or_else(|| panic!("{id} has no flag"));
            let dashed = id.replace('_', "-");
            let repeated = matches!(arg.get_action(), ArgAction::Append);
            assert!(
                long == dashed || (repeated && format!("{long}s") == dashed),
                "{id}: flag --{long} (a repeated flag may be the key's singular)"
            );
            // A key the file takes fails on a table, a value no setting has, with its name;
            // a key it does not take is unknown.
            let mut settings = ServeArgs::default();
            let err = file(&format!("{id} = {{}}"))
                .fill(&mut settings)
                .expect_err(id);
            let err = format!("{err:#}");
            assert!(err.contains("test.toml"), "{err}");
            if NOT_IN_FILE.contains(&id) {
                assert!(err.contains(&format!("unknown key `{id}`")), "{err}");
            } else {
                assert!(err.contains(&format!("key `{id}`")), "{err}");
                assert!(!err.contains("unknown key"), "{err}");
            }
        }
        assert!(ids.len() >= 35, "only {} settings: {ids:?}", ids.len());
        for id in [
            "log_isolation",
            "signed_hosts",
            "max_connections",
            "max_connections_per_client",
            "reload_interval_secs",
            "s3_retry_timeout_secs",
            "s3_secret_access_key",
            "s3_session_token",
        ] {
            assert!(ids.contains(&id), "{id} is declared");
        }
    }

    #[test]
    fn the_config_file_fills_only_what_flags_and_environment_left_unset() {
        let mut settings = ServeArgs {
            job_quota: Some(11),
            engine: EngineArgs {
                samples: Some("images=3".into()),
                ..EngineArgs::default()
            },
            s3: Box::new(S3Args {
                s3_allow: Some(vec!["from/the/flag".into()]),
                ..S3Args::default()
            }),
            ..ServeArgs::default()
        };
        file(
            "job_quota = 7\nlifecycle_interval_secs = 1\nlog_roots = ['/a', '/b']\n\
             log_isolation = 'project'\nsamples = 'images=9'\nreload_interval_secs = 2.5\n\
             s3_allow = ['ignored/because/the/flag/wins']\ns3_region = 'cn-north-4'\n\
             master_key = 'from-the-file'",
        )
        .fill(&mut settings)
        .unwrap();
        assert_eq!(settings.job_quota, Some(11), "the flag wins");
        assert_eq!(
            settings.lifecycle_interval_secs,
            Some(1.0),
            "an integer is a number"
        );
        assert_eq!(
            settings.log_roots,
            Some(vec![PathBuf::from("/a"), PathBuf::from("/b")])
        );
        assert_eq!(settings.log_isolation, Some(LogIsolation::Project));
        assert_eq!(settings.engine.samples.as_deref(), Some("images=3"));
        assert_eq!(settings.engine.reload_interval_secs, Some(2.5));
        assert_eq!(settings.s3.s3_allow, Some(vec!["from/the/flag".into()]));
        assert_eq!(settings.s3.s3_region.as_deref(), Some("cn-north-4"));
        assert_eq!(settings.master_key.as_deref(), Some("from-the-file"));
        let shown = format!("{settings:?}");
        assert!(!shown.contains("from-the-file"), "{shown}");
        assert!(shown.contains("master_key: Some(***)"), "{shown}");

        let (config, runner) = settings.into_configs().unwrap();
        assert_eq!(config.default_job_quota, 11);
        assert_eq!(config.log_isolation, LogIsolation::Project);
        assert_eq!(runner.engine.samples.images, 3);
        assert_eq!(runner.engine.reload_interval, Duration::from_millis(2500));
        assert_eq!(config.object_storage.expect("on").s3.region, "cn-north-4");
    }

    #[test]
    fn layers_merge_by_precedence() {
        let mut flags = ServeArgs {
            job_quota: Some(11),
            ..ServeArgs::default()
        };
        flags.or(ServeArgs {
            job_quota: Some(9),
            token_ttl_hours: Some(2.0),
            s3: Box::new(S3Args {
                s3_secret_access_key: Some("from-the-environment".into()),
                ..S3Args::default()
            }),
            ..ServeArgs::default()
        });
        assert_eq!(flags.job_quota, Some(11));
        assert_eq!(flags.token_ttl_hours, Some(2.0));
        assert_eq!(
            flags.s3.s3_secret_access_key.as_deref(),
            Some("from-the-environment")
        );
        // The file has no say on a secret kept to the environment: it cannot even name it.
        let err = file("s3_secret_access_key = 'from-the-file'")
            .fill(&mut flags)
            .unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("unknown key `s3_secret_access_key`"), "{err}");
        assert!(!err.contains("from-the-file"), "{err}");
        assert_eq!(
            flags.s3.s3_secret_access_key.as_deref(),
            Some("from-the-environment")
        );
    }

    #[test]
    fn secrets_kept_to_the_environment_are_refused_as_flags_without_echoing_them() {
        for flag in ["--s3-secret-access-key", "--s3-session-token"] {
            let err = serve_command()
                .try_get_matches_from(["serve", flag, "hunter2-value"])
                .unwrap_err()
                .to_string();
            assert!(err.contains("never taken from a flag"), "{err}");
            assert!(!err.contains("hunter2-value"), "{err}");
        }
        let command = serve_command();
        for id in ["master_key", "s3_secret_access_key", "s3_session_token"] {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .expect(id);
            assert!(arg.is_hide_env_values_set(), "{id}");
        }
    }

    #[test]
    fn a_bad_config_file_is_refused_with_its_name_and_the_key() {
        let err = file("job_qouta = 7")
            .fill(&mut ServeArgs::default())
            .unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("/etc/vizjobs/test.toml"), "{err}");
        assert!(err.contains("unknown key `job_qouta`"), "{err}");
        assert!(
            err.contains("`job_quota`"),
            "the known keys are listed: {err}"
        );
        let err = file("job_quota = 'seven'")
            .fill(&mut ServeArgs::default())
            .unwrap_err();
        assert!(format!("{err:#}").contains("key `job_quota`"), "{err:#}");
        let err = ConfigFile::parse(Path::new("broken.toml"), "job_quota = ").err();
        assert!(format!("{err:#?}").contains("broken.toml"));
    }

    #[test]
    fn the_defaults_in_the_help_are_the_defaults_applied() {
        let (config, runner) = ServeArgs::default().into_configs().unwrap();
        let s3 = S3Args {
            s3_allow: Some(vec!["b".into()]),
            ..S3Args::default()
        }
        .resolve()
        .unwrap()
        .expect("on")
        .s3;
        let secs = |d: Duration| d.as_secs_f64().to_string();
        let n = &runner.engine.samples;
        let applied: BTreeMap<&str, String> = [
            ("listen", config.listen.to_string()),
            ("data_dir", format!("./{}", config.data_dir.display())),
            (
                "log_isolation",
                format!("{:?}", config.log_isolation).to_lowercase(),
            ),
            ("job_quota", config.default_job_quota.to_string()),
            ("lifecycle_interval_secs", secs(config.lifecycle.tick)),
            (
                "token_ttl_hours",
                (config.token_ttl.as_secs_f64() / 3600.0).to_string(),
            ),
            ("metrics_private", config.metrics_private.to_string()),
            ("login_attempts", config.login_attempts.to_string()),
            (
                "login_window_secs",
                config.login_window.as_secs().to_string(),
            ),
            ("idle_evict_secs", secs(runner.idle_evict)),
            (
                "cache_max_gb",
                (runner.cache.as_ref().expect("on").settings.max_bytes >> 30).to_string(),
            ),
            ("shutdown_delay_secs", secs(config.shutdown_delay)),
            ("reload_interval_secs", secs(runner.engine.reload_interval)),
            (
                "samples",
                format!(
                    "images={}, audio={}, histograms={}, text={}, pr_curves={}, tensors={}",
                    n.images, n.audio, n.histograms, n.text, n.pr_curves, n.tensors
                ),
            ),
            ("s3_region", s3.region.clone()),
            (
                "s3_path_style",
                (s3.addressing == Addressing::Path).to_string(),
            ),
            ("s3_allow_http", s3.allow_http.to_string()),
            (
                "s3_insecure_skip_tls_verify",
                s3.insecure_skip_tls_verify.to_string(),
            ),
            ("s3_max_concurrency", s3.max_concurrent_requests.to_string()),
            ("s3_retries", s3.retry.max_retries.to_string()),
            ("s3_retry_timeout_secs", secs(s3.retry.retry_timeout)),
        ]
        .into_iter()
        .collect();
        let command = serve_command();
        for (id, value) in &applied {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == *id)
                .expect(id);
            let stated = stated_default(arg).unwrap_or_else(|| panic!("{id} states no default"));
            let rest = stated.strip_prefix(value.as_str()).unwrap_or_else(|| {
                panic!("{id}: the help says [default: {stated}], the code applies {value}")
            });
            assert!(
                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '.'),
                "{id}: the help says [default: {stated}], the code applies {value}"
            );
        }
        // Every other setting states its default in words, or has none to state.
        let without = [
            "config",
            "s3_allow",
            "s3_ca_cert",
            "s3_secret_access_key_file",
        ];
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            assert_eq!(
                stated_default(arg).is_some(),
                !without.contains(&id),
                "{id}: {}",
                help_of(arg)
            );
        }
    }

    #[test]
    fn the_object_storage_table_of_the_docs_matches_the_declarations() {
        let doc = include_str!("../../../docs/OBJECT_STORAGE.md");
        let section = &doc[doc.find("## Settings").unwrap()..];
        let section = &section[..section[3..].find("\n## ").unwrap_or(section.len())];
        // environment variable -> (flag column, default column)
        let mut rows = BTreeMap::new();
        for line in section.lines().filter(|l| l.starts_with("| ")).skip(1) {
            let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
            if cells.len() < 4 || cells[1].starts_with("---") {
                continue;
            }
            let env = cells[1].split('`').nth(1).expect("a variable");
            rows.insert(
                env.to_owned(),
                (
                    cells[0].trim_start_matches("| ").to_owned(),
                    cells[2].to_owned(),
                ),
            );
        }
        let command = S3Args::augment_args(Command::new("s3"));
        let mut seen = 0;
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            let env = arg.get_env().unwrap().to_string_lossy().into_owned();
            let (flag, default) = rows
                .get(&env)
                .unwrap_or_else(|| panic!("{env} is not in docs/OBJECT_STORAGE.md"));
            seen += 1;
            if arg.is_hide_set() {
                assert_eq!(flag, "—", "{id} has no flag to document");
            } else {
                let long = format!("`--{}`", arg.get_long().unwrap());
                assert!(flag.starts_with(&long), "{id}: {flag} vs {long}");
            }
            if let Some(value) = default.strip_prefix('`').and_then(|d| d.strip_suffix('`')) {
                let stated = stated_default(arg).unwrap_or_default();
                assert!(
                    stated.starts_with(value),
                    "{id}: the docs say {value}, the help {stated}"
                );
            }
        }
        assert_eq!(
            seen,
            rows.len(),
            "the docs list a setting that is not declared"
        );
    }
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
            s3_allow: Some(vec!["training/exp".into(), " ".into()]),
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_region: Some("cn-north-4".into()),
            s3_access_key_id: Some("reader".into()),
            s3_secret_access_key: Some("the-file-beats-the-variable".into()),
            s3_secret_access_key_file: Some(secret_file.clone()),
            s3_session_token: Some("t0ken-value".into()),
            s3_path_style: Some(true),
            s3_allow_http: Some(true),
            ..S3Args::default()
        };
        let shown = format!("{args:?}");
        assert!(!shown.contains("the-file-beats-the-variable"), "{shown}");
        assert!(!shown.contains("t0ken-value"), "{shown}");
        let object = args.resolve();
        let _ = std::fs::remove_file(&secret_file);
        let object = object.unwrap().expect("on");
        assert_eq!(object.allowlist, vec!["training/exp"]);
        assert_eq!(object.s3.region, "cn-north-4");
        assert_eq!(object.s3.addressing, Addressing::Path);
        assert!(object.s3.allow_http);
        let creds = object.s3.credentials.as_ref().expect("credentials");
        assert_eq!(creds.secret_access_key.expose(), "s3cr3t-value");
        assert_eq!(
            creds.session_token.as_ref().map(Secret::expose),
            Some("t0ken-value")
        );
        let shown = format!("{object:?}");
        assert!(!shown.contains("s3cr3t-value") && !shown.contains("t0ken-value"));
    }

    #[test]
    fn object_storage_settings_that_cannot_work_are_refused() {
        assert!(S3Args::default().resolve().unwrap().is_none());
        let endpoint_only = S3Args {
            s3_endpoint: Some("https://minio:9000".into()),
            ..S3Args::default()
        };
        assert!(endpoint_only.resolve().is_err());
        let key_without_secret = S3Args {
            s3_allow: Some(vec!["b".into()]),
            s3_access_key_id: Some("reader".into()),
            s3_secret_access_key_file: Some("/nonexistent/secret".into()),
            ..S3Args::default()
        };
        assert!(key_without_secret.resolve().is_err());
        let secret_without_key = S3Args {
            s3_allow: Some(vec!["b".into()]),
            s3_secret_access_key: Some("s".into()),
            ..S3Args::default()
        };
        assert!(secret_without_key.resolve().is_err());
    }
}

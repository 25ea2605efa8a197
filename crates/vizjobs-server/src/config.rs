//! The server's settings, once resolved from flags, environment and config file (by the CLI,
//! where each setting is declared once, with its flag, variable, key, help and default).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

pub use crate::lifecycle::LifecycleConfig;
pub use crate::train_url::LogIsolation;

pub use vizjobs_objstore::{Addressing, RetrySettings, S3Config, Secret, StaticCredentials};

/// Where `vizjobs serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 8080));

/// Where `vizjobs serve` keeps its state unless told otherwise (relative to the working folder).
pub const DEFAULT_DATA_DIR: &str = "vizjobs-data";

/// Logs in S3-compatible object storage.
#[derive(Debug, Clone)]
pub struct ObjectStorageConfig {
    pub s3: S3Config,
    /// `bucket` or `bucket/prefix` entries jobs may read under; others get ModelArts.2791.
    pub allowlist: Vec<String>,
}

/// `Debug` shows every setting but the master key's value.
#[derive(Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The base of every `service_url` (scheme, host and port users reach this server at).
    pub public_url: String,
    /// The `Host` values an AK/SK signature may have been made for: the public URL's, and any
    /// the operator adds (other names the server is reached by).
    pub signed_hosts: Vec<String>,
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` uses `<data_dir>/vizjobs.db`.
    pub database_url: Option<String>,
    /// Directories jobs may read logs from.
    pub log_roots: Vec<PathBuf>,
    /// Whether projects share the log roots (and buckets) or each reads below its own folder.
    pub log_isolation: LogIsolation,
    /// Where `obs://`, `s3://` and bucket `train_url`s are read; `None`: local logs only.
    pub object_storage: Option<ObjectStorageConfig>,
    /// Jobs a project may hold unless its own quota says otherwise.
    pub default_job_quota: i64,
    pub lifecycle: LifecycleConfig,
    /// How long IAM tokens and console sessions live.
    pub token_ttl: Duration,
    /// The master key that encrypts secret keys at rest (base64 of 32 bytes). `None`: kept in
    /// `<data_dir>/master.key`, created on first start.
    pub master_key: Option<String>,
    /// Require a credential for `/metrics` too.
    pub metrics_private: bool,
    /// Failed logins allowed per user and per client address in a window before 429.
    pub login_attempts: u32,
    pub login_window: Duration,
    /// A connection that has not sent a whole request head in this long is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once, overall and per client address.
    pub connection_limits: crate::http::ConnectionLimits,
    /// How long a token lookup is reused; a revocation made outside this process (a password
    /// change by `vizjobs admin`, another replica) takes up to this long to apply here.
    pub token_cache_ttl: Duration,
    /// After SIGTERM, how long `/readyz` answers 503 while every request is still served, so
    /// that a load balancer or Kubernetes stops sending new requests before the listener closes.
    pub shutdown_delay: Duration,
}

impl ServerConfig {
    /// Settings for a server on `listen` keeping its state in `data_dir`, with every other
    /// setting at its default.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        let public_url = format!("http://{listen}");
        Self {
            listen,
            signed_hosts: hosts_of(&public_url),
            public_url,
            log_roots: vec![data_dir.join("logs")],
            log_isolation: LogIsolation::Shared,
            object_storage: None,
            data_dir,
            database_url: None,
            default_job_quota: 100,
            lifecycle: LifecycleConfig::default(),
            token_ttl: Duration::from_secs(24 * 3600),
            master_key: None,
            metrics_private: false,
            login_attempts: 5,
            login_window: Duration::from_secs(300),
            header_read_timeout: crate::http::HEADER_READ_TIMEOUT,
            connection_limits: crate::http::ConnectionLimits::for_this_process(),
            token_cache_ttl: crate::auth::token_cache::TOKEN_CACHE_TTL,
            shutdown_delay: Duration::ZERO,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured, so that a new field cannot be left out unnoticed.
        let Self {
            listen,
            public_url,
            signed_hosts,
            data_dir,
            database_url,
            log_roots,
            log_isolation,
            object_storage,
            default_job_quota,
            lifecycle,
            token_ttl,
            master_key,
            metrics_private,
            login_attempts,
            login_window,
            header_read_timeout,
            connection_limits,
            token_cache_ttl,
            shutdown_delay,
        } = self;
        f.debug_struct("ServerConfig")
            .field("listen", listen)
            .field("public_url", public_url)
            .field("signed_hosts", signed_hosts)
            .field("data_dir", data_dir)
            .field("database_url", database_url)
            .field("log_roots", log_roots)
            .field("log_isolation", log_isolation)
            .field("object_storage", object_storage)
            .field("default_job_quota", default_job_quota)
            .field("lifecycle", lifecycle)
            .field("token_ttl", token_ttl)
            .field("master_key", &master_key.as_ref().map(|_| "***"))
            .field("metrics_private", metrics_private)
            .field("login_attempts", login_attempts)
            .field("login_window", login_window)
            .field("header_read_timeout", header_read_timeout)
            .field("connection_limits", connection_limits)
            .field("token_cache_ttl", token_cache_ttl)
            .field("shutdown_delay", shutdown_delay)
            .finish()
    }
}

/// The `Host` values a client of `public_url` sends: its host and port as written, and with the
/// scheme's default port spelled out or left out.
pub fn hosts_of(public_url: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(public_url) else {
        return Vec::new();
    };
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    match (url.port(), url.port_or_known_default()) {
        (Some(port), _) => vec![format!("{host}:{port}")],
        (None, Some(default)) => vec![host.to_owned(), format!("{host}:{default}")],
        (None, None) => vec![host.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::{ServerConfig, hosts_of};

    #[test]
    fn debug_hides_the_master_key() {
        let mut config = ServerConfig::new(super::DEFAULT_LISTEN, "d".into());
        config.master_key = Some("c2VjcmV0LW1hc3Rlci1rZXk=".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("c2VjcmV0LW1hc3Rlci1rZXk="), "{shown}");
        assert!(shown.contains("master_key: Some(\"***\")"), "{shown}");
    }

    #[test]
    fn hosts_of_a_public_url() {
        assert_eq!(hosts_of("http://127.0.0.1:8080"), ["127.0.0.1:8080"]);
        assert_eq!(
            hosts_of("https://viz.example.com/"),
            ["viz.example.com", "viz.example.com:443"]
        );
        assert_eq!(hosts_of("http://[::1]:9000"), ["[::1]:9000"]);
        assert!(hosts_of("not a url").is_empty());
    }
}

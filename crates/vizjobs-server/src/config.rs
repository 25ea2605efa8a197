//! The server's settings, once resolved from flags, environment and config file (by the CLI).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::lifecycle::LifecycleConfig;

pub use vizjobs_objstore::{Addressing, RetrySettings, S3Config, Secret, StaticCredentials};

/// Logs in S3-compatible object storage.
#[derive(Debug, Clone)]
pub struct ObjectStorageConfig {
    pub s3: S3Config,
    /// `bucket` or `bucket/prefix` entries jobs may read under; others get ModelArts.2791.
    pub allowlist: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The base of every `service_url` (scheme, host and port users reach this server at).
    pub public_url: String,
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` uses `<data_dir>/vizjobs.db`.
    pub database_url: Option<String>,
    /// Directories jobs may read logs from.
    pub log_roots: Vec<PathBuf>,
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
    /// How long a token lookup is reused; a revocation made outside this process (a password
    /// change by `vizjobs admin`, another replica) takes up to this long to apply here.
    pub token_cache_ttl: Duration,
}

impl ServerConfig {
    /// Settings for a server on `listen` keeping its state in `data_dir`, with every other
    /// setting at its default.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            public_url: format!("http://{listen}"),
            log_roots: vec![data_dir.join("logs")],
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
            token_cache_ttl: crate::auth::token_cache::TOKEN_CACHE_TTL,
        }
    }
}

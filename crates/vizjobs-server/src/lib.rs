//! The vizjobs server: the ModelArts-compatible jobs API, authentication, the job lifecycle and
//! the dashboards, assembled into one axum application.
//!
//! Request pipeline, outermost first: metrics → (for `/v1/{project_id}/…` and `/vj/…`) the auth
//! middleware, which resolves the caller and scopes the request to its project → the handler.
//! Open routes (`/healthz`, `/readyz`, `/metrics` unless private, `/openapi.json`, the login
//! endpoints and the console's static files) sit outside the auth layer.

//! Modules by concern; what the CLI and the tests use is public:
//! - [`auth`]: credentials, the auth middleware and its [`auth::Scope`], logins, secrets, the
//!   first start; [`admin`]: what `vizjobs admin` does to the database;
//! - `api`: the jobs API's handlers; `openapi`: its document;
//! - [`dashboard`]: serving jobs' dashboards (the runner interface and the engine runner) and
//!   `vizjobs board`;
//! - `lifecycle`: moving jobs through their statuses; `train_url`: which logs a job may read;
//! - [`http`]: the accept loop; `metrics`, `health`, `static_files`: the open routes;
//! - [`config`], [`clock`]: what the server is given.

pub mod admin;
mod api;
pub mod auth;
mod body;
pub mod clock;
pub mod config;
pub mod dashboard;
mod error;
mod health;
pub mod http;
mod lifecycle;
mod metrics;
pub mod openapi;
mod openapi_extra;
mod private;
mod state;
mod static_files;
mod train_url;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use vizjobs_store::Store;

use crate::auth::Auth;
use crate::auth::password_pool::PasswordPool;
use crate::auth::secrets::MasterKey;
use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::dashboard::runner::Runner;
use crate::lifecycle::Lifecycle;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::train_url::StorageRoots;

/// Opens the database the configuration names: PostgreSQL for `postgres://` URLs, otherwise
/// SQLite (`sqlite://PATH`, or `<data_dir>/vizjobs.db` by default).
pub async fn open_store(config: &ServerConfig) -> anyhow::Result<Arc<dyn Store>> {
    match config.database_url.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = vizjobs_store_sql::PostgresStore::connect(url)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Arc::new(store))
        }
        other => {
            let path = match other {
                Some(url) => PathBuf::from(
                    url.strip_prefix("sqlite://")
                        .or_else(|| url.strip_prefix("sqlite:"))
                        .with_context(|| {
                            format!(
                                "unsupported database URL {url:?}: use postgres:// or sqlite://"
                            )
                        })?,
                ),
                None => config.data_dir.join("vizjobs.db"),
            };
            private::create_file(&path)?;
            let store = vizjobs_store_sql::SqliteStore::open(&path)
                .await
                .with_context(|| format!("opening the SQLite database {}", path.display()))?;
            // SQLite gives its -wal and -shm files the database's mode, but files left by an
            // older version may be wider.
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                private::restrict(std::path::Path::new(&file), 0o600)?;
            }
            Ok(Arc::new(store))
        }
    }
}

/// A built application, ready to serve.
pub struct App {
    pub state: AppState,
    /// Set when this start created the first credentials (printed once by the CLI).
    pub credentials_written: Option<PathBuf>,
}

impl App {
    /// Opens the store, runs the first-start bootstrap, and assembles the state.
    pub async fn build(
        config: ServerConfig,
        runner: Arc<dyn Runner>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        // The data directory holds the database (password hashes, sealed keys) and the first
        // credentials: no other local user has any business in it.
        private::restrict(&config.data_dir, 0o700)?;
        let store = open_store(&config).await?;
        Self::with_store(config, store, runner, clock).await
    }

    pub async fn with_store(
        config: ServerConfig,
        store: Arc<dyn Store>,
        runner: Arc<dyn Runner>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let master: MasterKey = auth::bootstrap::master_key(
            store.as_ref(),
            config.master_key.as_deref(),
            &config.data_dir,
        )
        .await?;
        let credentials_written = auth::bootstrap::first_start(
            store.as_ref(),
            &master,
            &config.data_dir,
            &config.public_url,
            clock.now_ms(),
        )
        .await?;
        let mut roots = StorageRoots::new(&config.log_roots).context("preparing the log roots")?;
        roots.isolation = config.log_isolation;
        if let Some(object) = &config.object_storage {
            roots = roots.with_object_storage(&object.allowlist)?;
        }
        let roots = Arc::new(roots);
        let lifecycle = Lifecycle::new(
            store.clone(),
            runner,
            roots.clone(),
            clock.clone(),
            config.lifecycle.clone(),
        );
        let auth = Arc::new(Auth {
            master,
            passwords: PasswordPool::for_this_machine()
                .context("starting the password checkers")?,
            tokens: auth::token_cache::TokenCache::new(config.token_cache_ttl),
        });
        let state = AppState {
            store,
            lifecycle,
            roots,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            auth,
            draining: Arc::default(),
        };
        Ok(Self {
            state,
            credentials_written,
        })
    }

    /// The whole HTTP application.
    pub fn router(&self) -> Router {
        let state = self.state.clone();
        let api = Router::new()
            .nest("/v1/{project_id}", api::routes())
            .route_layer(from_fn_with_state(state.clone(), auth::require_project));
        let dashboards = dashboard::routes()
            .route_layer(from_fn_with_state(state.clone(), auth::require_project))
            .route_layer(from_fn(dashboard::landing::html_errors));
        let metrics_route = if state.config.metrics_private {
            get(private_metrics)
        } else {
            get(metrics::endpoint)
        };
        Router::new()
            .merge(api)
            .merge(dashboards)
            .route("/", get(static_files::console_page))
            .route("/assets/{*path}", get(static_files::assets))
            .route("/healthz", get(health::healthz))
            .route("/readyz", get(health::readyz))
            .route("/metrics", metrics_route)
            .route("/openapi.json", get(openapi_json))
            .route("/v3/auth/tokens", post(auth::iam::create_token))
            .route("/console/login", post(auth::console::login))
            .route("/console/session", get(auth::console::session))
            .route("/console/logout", post(auth::console::logout))
            .fallback(not_found)
            .layer(from_fn_with_state(state.clone(), metrics::track))
            .layer(from_fn(security_headers))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(60),
            ))
            .with_state(state)
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and stops the
    /// lifecycle manager.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = self.router();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let lifecycle = self.state.lifecycle.clone();
        let mut lifecycle_stop = stop_rx.clone();
        let manager = tokio::spawn(lifecycle.run(async move {
            let _ = lifecycle_stop.wait_for(|stopped| *stopped).await;
        }));
        let health = Router::new()
            .route("/healthz", get(health::healthz))
            .route("/readyz", get(health::readyz))
            .fallback(|| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "1")],
                    "the server is at its connection cap; try again shortly\n",
                )
            })
            .with_state(self.state.clone());
        let options = http::ServeOptions {
            header_read_timeout: self.state.config.header_read_timeout,
            limits: self.state.config.connection_limits,
            health: Some(health),
        };
        // Drain first: the replica says it is not ready and keeps serving, so that balancers
        // take it out of rotation before the listener closes and no request meets a closed port.
        let draining = self.state.draining.clone();
        let delay = self.state.config.shutdown_delay;
        let shutdown = async move {
            shutdown.await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            if !delay.is_zero() {
                tracing::info!(
                    seconds = delay.as_secs_f64(),
                    "draining: /readyz answers 503 before the listener closes"
                );
                tokio::time::sleep(delay).await;
            }
        };
        http::serve(listener, router, shutdown, options).await;
        let _ = stop_tx.send(true);
        let _ = manager.await;
        Ok(())
    }
}

async fn openapi_json() -> Response {
    axum::Json(openapi::document()).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "not found"})),
    )
        .into_response()
}

/// `/metrics` when it requires a credential: any valid token or signature will do.
async fn private_metrics(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    match auth::authenticate(&state, &parts, body).await {
        Ok(_) => metrics::endpoint(State(state)).await,
        Err(err) => err.into_response(),
    }
}

/// Headers that keep browsers from being turned against the user.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::HeaderValue;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers
        .entry("x-frame-options")
        .or_insert(HeaderValue::from_static("DENY"));
    response
}

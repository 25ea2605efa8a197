//! A real server on a loopback port, on SQLite or PostgreSQL, for the HTTP tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vizjobs_server::App;
use vizjobs_server::auth::bootstrap::Credentials;
use vizjobs_server::clock::ManualClock;
use vizjobs_server::config::ServerConfig;
use vizjobs_server::dashboard::{PlaceholderRunner, Runner};
use vizjobs_store::Store;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_url() -> String {
    std::env::var("VIZJOBS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub struct TestServer {
    pub base: String,
    pub creds: Credentials,
    pub token: String,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let runner = Arc::new(PlaceholderRunner::default());
        Self::start_with_runner(backend, runner, tweak).await
    }

    /// A server whose jobs run on `runner` (the engine runner, for real dashboards).
    pub async fn start_with_runner(
        backend: Backend,
        runner: Arc<dyn Runner>,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let (dir, listener, config) = Self::prepare(tweak).await;
        let store: Arc<dyn Store> = match backend {
            Backend::Sqlite => Arc::new(
                vizjobs_store_sql::SqliteStore::open(&config.data_dir.join("vizjobs.db"))
                    .await
                    .expect("sqlite"),
            ),
            Backend::Postgres => {
                let port = config.listen.port();
                let schema = format!("vj_srv_{}_{port}", std::process::id());
                Arc::new(
                    vizjobs_store_sql::PostgresStore::connect_with_schema(&postgres_url(), &schema)
                        .await
                        .expect("PostgreSQL must be running for these tests"),
                )
            }
        };
        Self::launch(dir, listener, config, store, runner).await
    }

    /// A server over a store the test brings (one reached through a fault, say).
    pub async fn start_on(store: Arc<dyn Store>, runner: Arc<dyn Runner>) -> Self {
        let (dir, listener, config) = Self::prepare(|_| {}).await;
        Self::launch(dir, listener, config, store, runner).await
    }

    /// A data directory, a loopback listener and the configuration that uses both.
    async fn prepare(
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> (tempfile::TempDir, tokio::net::TcpListener, ServerConfig) {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = ServerConfig::new(addr, dir.path().join("data"));
        config.lifecycle.tick = Duration::from_millis(50);
        tweak(&mut config);
        std::fs::create_dir_all(&config.data_dir).expect("data dir");
        (dir, listener, config)
    }

    async fn launch(
        dir: tempfile::TempDir,
        listener: tokio::net::TcpListener,
        config: ServerConfig,
        store: Arc<dyn Store>,
        runner: Arc<dyn Runner>,
    ) -> Self {
        let addr = listener.local_addr().expect("addr");
        let clock = Arc::new(ManualClock::default());
        let app = App::with_store(config, store.clone(), runner, clock.clone())
            .await
            .expect("app");
        let creds_path = app.credentials_written.clone().expect("first start");
        let creds: Credentials =
            serde_json::from_str(&std::fs::read_to_string(creds_path).expect("credentials"))
                .expect("credentials JSON");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(app.serve(listener, async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::new();
        let base = format!("http://{addr}");
        let token = login(&client, &base, &creds).await;
        Self {
            base,
            creds,
            token,
            clock,
            store,
            client,
            dir,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    /// The master key this server seals secret keys with (`<data-dir>/master.key`).
    pub fn master_key(&self) -> vizjobs_server::auth::secrets::MasterKey {
        let text = std::fs::read_to_string(self.dir.path().join("data/master.key"))
            .expect("the first start wrote master.key");
        vizjobs_server::auth::secrets::MasterKey::from_base64(&text).expect("a valid master key")
    }

    pub fn project(&self) -> &str {
        &self.creds.project_id
    }

    pub fn jobs_path(&self) -> String {
        format!("/v1/{}/visualization-jobs", self.project())
    }

    /// A request with the admin's token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_as(&self.token, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Creates a job and returns its id.
    pub async fn create(&self, name: &str, extra: Value) -> i64 {
        let mut body = json!({"job_name": name, "train_url": self.logdir()});
        if let (Some(obj), Some(more)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        let (status, answer) = self.call(Method::POST, &self.jobs_path(), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer["job_id"].as_i64().expect("job_id")
    }

    /// A log directory under the default log root.
    pub fn logdir(&self) -> String {
        let dir = self.dir.path().join("data/logs/exp");
        std::fs::create_dir_all(&dir).unwrap();
        format!("{}/", dir.canonicalize().unwrap().display())
    }

    pub async fn details(&self, id: i64) -> Value {
        let (status, answer) = self
            .call(Method::GET, &format!("{}/{id}", self.jobs_path()), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// Waits until the job reaches `status` (the lifecycle runs in the background).
    pub async fn wait_status(&self, id: i64, status: i64) -> Value {
        for _ in 0..200 {
            let job = self.details(id).await;
            if job["status"] == status {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "job {id} never reached status {status}: {}",
            self.details(id).await
        );
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("join").expect("server result");
        }
    }
}

pub async fn login(client: &reqwest::Client, base: &str, creds: &Credentials) -> String {
    let resp = client
        .post(format!("{base}/v3/auth/tokens"))
        .json(&json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": creds.username, "password": creds.password, "domain": {"name": creds.account}}}},
            "scope": {"project": {"id": creds.project_id}}}}))
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Generates one test per backend for each `async fn(&TestServer)` case.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let server = $crate::common::TestServer::start($crate::common::Backend::Sqlite).await;
                    super::$case(&server).await;
                    server.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let server = $crate::common::TestServer::start($crate::common::Backend::Postgres).await;
                    super::$case(&server).await;
                    server.stop().await;
                }
            )*
        }
    };
}

/// Like `on_both_backends!`, for servers whose configuration `$tweak` (a
/// `fn(&mut ServerConfig)` of the test file) adjusts; `$module` names the generated module so
/// several configurations can live in one file.
#[macro_export]
macro_rules! on_both_backends_with {
    ($module:ident, $tweak:ident, $($case:ident),* $(,)?) => {
        mod $module {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let server = $crate::common::TestServer::start_with(
                            $crate::common::Backend::Sqlite,
                            super::super::$tweak,
                        )
                        .await;
                        super::super::$case(&server).await;
                        server.stop().await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let server = $crate::common::TestServer::start_with(
                            $crate::common::Backend::Postgres,
                            super::super::$tweak,
                        )
                        .await;
                        super::super::$case(&server).await;
                        server.stop().await;
                    }
                )*
            }
        }
    };
}

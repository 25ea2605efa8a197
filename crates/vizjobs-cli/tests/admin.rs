//! The real `vizjobs` binary: first start, `vizjobs admin …` against a running server, master
//! key mismatch and rotation, and a scan of everything the server logged for secrets.
//!
//! Servers run with `RUST_LOG=trace` and their stdout/stderr go to files in the data dir, so
//! the tests can read exactly what an operator's log collector would receive.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use vizjobs_server::auth::secrets::MasterKey;
use vizjobs_signer::{SecretKey, Signer};

const CREDENTIAL_KEYS: [&str; 7] = [
    "endpoint",
    "project_id",
    "account",
    "username",
    "password",
    "access_key",
    "secret_key",
];

fn fresh_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "vj-admin-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One run of `vizjobs serve`; killed when dropped.
struct Serve {
    child: Child,
    endpoint: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// How a start ended: serving, or the process exited (with its output).
enum Started {
    Serving(Serve),
    Exited { code: Option<i32>, stderr: String },
}

impl Started {
    fn serving(self) -> Serve {
        match self {
            Started::Serving(s) => s,
            Started::Exited { code, stderr } => {
                panic!("vizjobs serve exited ({code:?}): {stderr}")
            }
        }
    }
}

/// Starts `vizjobs serve` on `data_dir` with `env` and waits until it answers `/healthz`.
async fn serve(data_dir: &Path, env: &[(&str, &str)]) -> Started {
    static RUN: AtomicU32 = AtomicU32::new(0);
    let run = RUN.fetch_add(1, Ordering::SeqCst);
    let port = free_port();
    let logs = data_dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let stdout = data_dir.join(format!("serve-{run}.stdout"));
    let stderr = data_dir.join(format!("serve-{run}.stderr"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--log-root")
        .arg(&logs)
        .args(["--lifecycle-interval-secs", "0.2"])
        .env("RUST_LOG", "trace")
        .env_remove("VIZJOBS_MASTER_KEY")
        .env_remove("VIZJOBS_CONFIG")
        .env_remove("VIZJOBS_DATABASE_URL")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("vizjobs serve starts");
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Started::Exited {
                code: status.code(),
                stderr: std::fs::read_to_string(&stderr).unwrap_or_default(),
            };
        }
        if let Ok(resp) = client.get(format!("{endpoint}/healthz")).send().await
            && resp.status() == StatusCode::OK
        {
            break;
        }
        assert!(Instant::now() < deadline, "vizjobs serve never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Started::Serving(Serve {
        child,
        endpoint,
        stdout,
        stderr,
    })
}

impl Serve {
    /// Everything the process wrote so far, stdout then stderr.
    fn output(&self) -> String {
        let mut text = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        text.push_str(&std::fs::read_to_string(&self.stderr).unwrap_or_default());
        text
    }

    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.output()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `vizjobs admin --data-dir D args…`.
fn admin(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vizjobs"));
    command
        .arg("admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("VIZJOBS_MASTER_KEY")
        .env_remove("VIZJOBS_NEW_MASTER_KEY")
        .env_remove("VIZJOBS_NEW_PASSWORD")
        .env_remove("VIZJOBS_CONFIG")
        .env_remove("VIZJOBS_DATABASE_URL");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("vizjobs admin runs")
}

/// Runs an admin command that must succeed; returns its stdout.
fn admin_ok(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = admin(data_dir, args, env);
    assert!(
        out.status.success(),
        "vizjobs admin {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The value after `name: ` in command output.
fn field(output: &str, name: &str) -> String {
    output
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {output}"))
        .trim()
        .to_owned()
}

fn credentials(data_dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir.join("credentials.json")).unwrap())
        .unwrap()
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .to_owned()
}

/// A client of one server, remembering every secret it sends so the logs can be searched.
struct Client {
    http: reqwest::Client,
    endpoint: String,
    secrets: BTreeSet<String>,
}

impl Client {
    fn new(endpoint: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            endpoint: endpoint.to_owned(),
            secrets: BTreeSet::new(),
        }
    }

    fn remember(&mut self, secret: &str) {
        self.secrets.insert(secret.to_owned());
    }

    async fn answer(&self, resp: reqwest::Response) -> (StatusCode, Value) {
        let status = resp.status();
        let text = resp.text().await.unwrap();
        for secret in &self.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "an answer holds a secret: {text}"
            );
        }
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `POST /v3/auth/tokens`; the token when one is issued.
    async fn login(
        &mut self,
        account: &str,
        user: &str,
        password: &str,
        project_id: &str,
    ) -> (StatusCode, Option<String>) {
        self.remember(password);
        let resp = self
            .http
            .post(format!("{}/v3/auth/tokens", self.endpoint))
            .json(
                &json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": user, "password": password, "domain": {"name": account}}}},
                "scope": {"project": {"id": project_id}}}}),
            )
            .send()
            .await
            .unwrap();
        let token = resp
            .headers()
            .get("x-subject-token")
            .map(|v| v.to_str().unwrap().to_owned());
        if let Some(token) = &token {
            self.remember(token);
        }
        (self.answer(resp).await.0, token)
    }

    /// `with_token` for a token just revoked by an admin command: the server reuses a token
    /// lookup for up to 2 s (`TOKEN_CACHE_TTL`), so the revocation, made in another process,
    /// applies within that; polled for 3 s.
    async fn with_revoked_token(&mut self, token: &str, project: &str) -> (StatusCode, Value) {
        let revoked = Instant::now();
        loop {
            let (status, answer) = self.with_token(token, project).await;
            if status != StatusCode::OK || revoked.elapsed() > Duration::from_secs(3) {
                return (status, answer);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn with_token(&mut self, token: &str, project: &str) -> (StatusCode, Value) {
        self.remember(token);
        let resp = self
            .http
            .get(format!("{}/v1/{project}/visualization-jobs", self.endpoint))
            .header("X-Auth-Token", token)
            .send()
            .await
            .unwrap();
        self.answer(resp).await
    }

    /// A request signed with `ak`/`sk`; `tamper` changes it after signing.
    async fn signed(
        &mut self,
        ak: &str,
        sk: &str,
        method: &str,
        path: &str,
        body: &[u8],
        tamper: bool,
    ) -> (StatusCode, Value) {
        self.remember(sk);
        let url = Url::parse(&format!("{}{path}", self.endpoint)).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let auth = Signer::new(ak, SecretKey::new(sk))
            .sign(
                method,
                &url,
                &mut headers,
                body,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
        self.remember(&auth.signature);
        let mut body = body.to_vec();
        if tamper {
            body.extend_from_slice(b" ");
        }
        let resp = self
            .http
            .request(method.parse::<Method>().unwrap(), url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(resp).await
    }

    async fn list_signed(&mut self, ak: &str, sk: &str, project: &str) -> (StatusCode, Value) {
        let path = format!("/v1/{project}/visualization-jobs?search_content=a%20b%E4%B8%AD");
        self.signed(ak, sk, "GET", &path, b"", false).await
    }
}

fn code(answer: &Value) -> &str {
    answer["error_code"].as_str().unwrap_or("")
}

/// Fails if any remembered secret appears in `log`.
fn assert_log_clean(log: &str, secrets: &BTreeSet<String>) {
    assert!(
        !log.is_empty(),
        "the server logged nothing: is RUST_LOG honoured?"
    );
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        if let Some(at) = log.find(secret.as_str()) {
            let start = log[..at].rfind('\n').map_or(0, |n| n + 1);
            panic!(
                "a secret appears in the server's output: {}",
                &log[start..(at + secret.len()).min(log.len())]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_writes_credentials_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = fresh_dir("first");
    let server = serve(&dir, &[]).await.serving();
    let path = dir.join("credentials.json");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "credentials.json must be readable by its owner only"
    );
    let key_mode = std::fs::metadata(dir.join("master.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(
        key_mode, 0o600,
        "master.key must be readable by its owner only"
    );
    let creds = credentials(&dir);
    let keys: BTreeSet<&str> = creds
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, CREDENTIAL_KEYS.into_iter().collect());
    for key in CREDENTIAL_KEYS {
        assert!(!text(&creds, key).is_empty(), "{key} is empty");
    }
    assert_eq!(text(&creds, "endpoint"), server.endpoint);
    let written = std::fs::read(&path).unwrap();

    // Printed once, on stdout, with where the file is.
    let stdout = std::fs::read_to_string(&server.stdout).unwrap();
    for key in ["password", "secret_key", "access_key", "project_id"] {
        assert_eq!(
            stdout.matches(&text(&creds, key)).count(),
            1,
            "{key} is not printed exactly once:\n{stdout}"
        );
    }
    assert!(stdout.contains(&path.display().to_string()), "{stdout}");
    // The credentials work: the password and the AK/SK.
    let mut client = Client::new(&server.endpoint);
    let project = text(&creds, "project_id");
    let (status, token) = client
        .login(
            &text(&creds, "account"),
            &text(&creds, "username"),
            &text(&creds, "password"),
            &project,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(token.is_some());
    let (ak, sk) = (text(&creds, "access_key"), text(&creds, "secret_key"));
    let (status, answer) = client.list_signed(&ak, &sk, &project).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let first_output = server.stop();

    // A second start changes nothing and prints no secret.
    let server = serve(&dir, &[]).await.serving();
    assert_eq!(std::fs::read(&path).unwrap(), written);
    let secrets = client.secrets.clone();
    let mut client = Client::new(&server.endpoint);
    let (status, answer) = client.list_signed(&ak, &sk, &project).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let second_output = server.stop();
    assert!(!second_output.contains("First start"), "{second_output}");
    for key in ["password", "secret_key"] {
        assert!(
            !second_output.contains(&text(&creds, key)),
            "the second start printed {key}"
        );
    }
    // The first start printed the secrets on stdout only, never in a log line.
    let first_stderr = first_output
        .split_once("They are saved in")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default();
    let mut secrets: BTreeSet<String> = secrets.union(&client.secrets).cloned().collect();
    secrets.insert(text(&creds, "password"));
    assert_log_clean(&first_stderr, &secrets);
    assert_log_clean(&second_output, &secrets);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_change_a_running_server_at_once() {
    let dir = fresh_dir("admin");
    let server = serve(&dir, &[]).await.serving();
    let creds = credentials(&dir);
    let account = text(&creds, "account");
    let default_project = text(&creds, "project_id");
    let mut client = Client::new(&server.endpoint);
    for key in ["password", "secret_key"] {
        client.remember(&text(&creds, key));
    }

    // Projects.
    let team = admin_ok(&dir, &["project", "add", "team-b"], &[])
        .trim()
        .to_owned();
    assert_eq!(team.len(), 32, "{team}");
    let list = admin_ok(&dir, &["project", "list"], &[]);
    assert!(list.contains(&team) && list.contains("team-b") && list.contains(&default_project));
    let fixed = admin_ok(
        &dir,
        &["project", "add", "fixed", "--id", "fixed-id_1"],
        &[],
    );
    assert_eq!(fixed.trim(), "fixed-id_1");
    assert!(
        !admin(&dir, &["project", "add", "bad", "--id", "bad/id"], &[])
            .status
            .success()
    );

    // Users: add with a password from the environment, log in, change it, remove.
    let carol_pw = "Carol-first-passw0rd";
    let out = admin_ok(
        &dir,
        &["user", "add", "carol"],
        &[("VIZJOBS_NEW_PASSWORD", carol_pw)],
    );
    assert!(
        !out.contains(carol_pw),
        "a chosen password is echoed: {out}"
    );
    assert!(admin_ok(&dir, &["user", "list"], &[]).contains("carol"));
    let (status, carol_token) = client.login(&account, "carol", carol_pw, &team).await;
    assert_eq!(status, StatusCode::CREATED);
    let carol_token = carol_token.unwrap();
    assert_eq!(
        client.with_token(&carol_token, &team).await.0,
        StatusCode::OK
    );
    let out = admin_ok(&dir, &["user", "passwd", "carol"], &[]);
    let carol_new = field(&out, "password");
    client.remember(&carol_new);
    let (status, answer) = client.with_revoked_token(&carol_token, &team).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old token survived: {answer}"
    );
    assert_eq!(
        client.login(&account, "carol", carol_pw, &team).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, token) = client.login(&account, "carol", &carol_new, &team).await;
    assert_eq!(status, StatusCode::CREATED);
    admin_ok(&dir, &["user", "remove", "carol"], &[]);
    assert!(!admin_ok(&dir, &["user", "list"], &[]).contains("carol"));
    assert_eq!(
        client.with_revoked_token(&token.unwrap(), &team).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client.login(&account, "carol", &carol_new, &team).await.0,
        StatusCode::UNAUTHORIZED
    );
    let out = admin(&dir, &["user", "remove", "carol"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));

    // Keys: add for the new project, rotate, remove.
    let out = admin_ok(
        &dir,
        &["key", "add", "--user", "admin", "--project", &team],
        &[],
    );
    let (ak, sk) = (field(&out, "access_key"), field(&out, "secret_key"));
    client.remember(&sk);
    assert!(admin_ok(&dir, &["key", "list"], &[]).contains(&ak));
    assert!(!admin_ok(&dir, &["key", "list"], &[]).contains(&sk));
    let (status, answer) = client.list_signed(&ak, &sk, &team).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = client.list_signed(&ak, &sk, &default_project).await;
    assert_eq!((status.as_u16(), code(&answer)), (403, "ModelArts.0210"));
    let (status, answer) = client
        .signed(
            &ak,
            &sk,
            "POST",
            &format!("/v1/{team}/visualization-jobs"),
            b"{}",
            true,
        )
        .await;
    assert_eq!((status.as_u16(), code(&answer)), (403, "ModelArts.0206"));

    let out = admin_ok(&dir, &["key", "rotate", &ak], &[]);
    let (ak2, sk2) = (field(&out, "access_key"), field(&out, "secret_key"));
    client.remember(&sk2);
    assert_ne!(ak, ak2);
    let (status, answer) = client.list_signed(&ak2, &sk2, &team).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the rotated pair does not work: {answer}"
    );
    let (status, answer) = client.list_signed(&ak, &sk, &team).await;
    assert_eq!((status.as_u16(), code(&answer)), (403, "ModelArts.0206"));
    admin_ok(&dir, &["key", "remove", &ak2], &[]);
    let (status, answer) = client.list_signed(&ak2, &sk2, &team).await;
    assert_eq!((status.as_u16(), code(&answer)), (403, "ModelArts.0206"));
    assert!(!admin_ok(&dir, &["key", "list"], &[]).contains(&ak2));
    assert!(!admin(&dir, &["key", "remove", &ak2], &[]).status.success());

    // Static tokens: for their project only, until removed.
    let token = admin_ok(
        &dir,
        &["token", "add", "--project", &team, "--label", "ci-pipeline"],
        &[],
    )
    .trim()
    .to_owned();
    assert!(token.len() >= 40, "{token}");
    let (status, answer) = client.with_token(&token, &team).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = client.with_token(&token, &default_project).await;
    assert_eq!((status.as_u16(), code(&answer)), (403, "ModelArts.0210"));
    let list = admin_ok(&dir, &["token", "list"], &[]);
    assert!(
        list.contains("ci-pipeline") && list.contains(&team),
        "{list}"
    );
    assert!(!list.contains(&token), "token list shows the token itself");
    let id = list
        .lines()
        .find(|l| l.contains("ci-pipeline"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    admin_ok(&dir, &["token", "remove", &id], &[]);
    let (status, answer) = client.with_revoked_token(&token, &team).await;
    assert_eq!((status.as_u16(), code(&answer)), (401, "ModelArts.0203"));

    // An expiring static token.
    let short = admin_ok(
        &dir,
        &["token", "add", "--project", &team, "--expires-hours", "1"],
        &[],
    )
    .trim()
    .to_owned();
    assert_eq!(client.with_token(&short, &team).await.0, StatusCode::OK);

    // Removing the project removes its tokens.
    admin_ok(&dir, &["project", "remove", &team], &[]);
    assert!(!admin_ok(&dir, &["project", "list"], &[]).contains(&team));
    assert_eq!(
        client.with_revoked_token(&short, &team).await.0,
        StatusCode::UNAUTHORIZED
    );

    // The console: a session cookie, wrong passwords, and a logout.
    let console_pw = text(&creds, "password");
    let resp = client
        .http
        .post(format!("{}/console/login", server.endpoint))
        .json(&json!({"account": account, "username": "admin", "password": "wrong-console-pw"}))
        .send()
        .await
        .unwrap();
    client.remember("wrong-console-pw");
    assert_eq!(client.answer(resp).await.0, StatusCode::UNAUTHORIZED);
    let resp = client
        .http
        .post(format!("{}/console/login", server.endpoint))
        .json(&json!({"account": account, "username": "admin", "password": console_pw}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let session = cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .unwrap()
        .1
        .to_owned();
    client.remember(&session);
    let (status, body) = client.answer(resp).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = text(&body, "csrf_token");
    let resp = client
        .http
        .post(format!("{}/console/logout", server.endpoint))
        .header("cookie", format!("vizjobs_session={session}"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    // Garbage: a made-up token, a made-up AK.
    let (status, _) = client
        .with_token("vjt_made-up-token-value-123456", &default_project)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = client
        .list_signed(
            "MADEUPACCESSKEY00000",
            "made-up-secret-key-value",
            &default_project,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nothing the clients sent as a secret reached the server's output.
    let output = server.stop();
    let after_banner = output
        .split_once("They are saved in")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or(output);
    assert!(after_banner.contains("TRACE") || after_banner.contains("DEBUG"));
    assert_log_clean(&after_banner, &client.secrets);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_key_from_the_environment_must_match_and_can_be_rotated() {
    let dir = fresh_dir("master-env");
    let k1 = MasterKey::generate().unwrap();
    let k2 = MasterKey::generate().unwrap();
    let server = serve(&dir, &[("VIZJOBS_MASTER_KEY", &k1)]).await.serving();
    assert!(
        !dir.join("master.key").exists(),
        "a configured master key must not be written to disk"
    );
    let creds = credentials(&dir);
    let (ak, sk, project) = (
        text(&creds, "access_key"),
        text(&creds, "secret_key"),
        text(&creds, "project_id"),
    );
    let mut client = Client::new(&server.endpoint);
    assert_eq!(
        client.list_signed(&ak, &sk, &project).await.0,
        StatusCode::OK
    );
    let first_output = server.stop();

    // Another key: the server refuses to start, saying why, without showing either key.
    match serve(&dir, &[("VIZJOBS_MASTER_KEY", &k2)]).await {
        Started::Serving(_) => panic!("a server started with the wrong master key"),
        Started::Exited { code, stderr } => {
            assert_ne!(code, Some(0));
            assert!(stderr.contains("master key"), "{stderr}");
            assert!(stderr.contains("master-key rotate"), "{stderr}");
            assert!(!stderr.contains(&k1) && !stderr.contains(&k2), "{stderr}");
        }
    }
    assert!(!dir.join("master.key").exists());

    // Rotation needs the right old key, and a failed one changes nothing.
    let k3 = MasterKey::generate().unwrap();
    let wrong = admin(
        &dir,
        &["master-key", "rotate"],
        &[("VIZJOBS_MASTER_KEY", &k2), ("VIZJOBS_NEW_MASTER_KEY", &k3)],
    );
    assert!(!wrong.status.success());
    assert!(matches!(
        serve(&dir, &[("VIZJOBS_MASTER_KEY", &k3)]).await,
        Started::Exited { .. }
    ));
    let out = admin_ok(
        &dir,
        &["master-key", "rotate"],
        &[("VIZJOBS_MASTER_KEY", &k1), ("VIZJOBS_NEW_MASTER_KEY", &k2)],
    );
    assert!(out.contains("re-sealed 1"), "{out}");
    assert!(!out.contains(&k2) && !out.contains(&k1), "{out}");

    // Now the old key is refused and the new one opens the same AK/SK.
    assert!(matches!(
        serve(&dir, &[("VIZJOBS_MASTER_KEY", &k1)]).await,
        Started::Exited { .. }
    ));
    let server = serve(&dir, &[("VIZJOBS_MASTER_KEY", &k2)]).await.serving();
    let mut client = Client::new(&server.endpoint);
    let (status, answer) = client.list_signed(&ak, &sk, &project).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let output = server.stop();
    let secrets: BTreeSet<String> = [k1.clone(), k2.clone(), sk.clone()].into();
    assert_log_clean(&output, &secrets);
    let banner_end = first_output
        .split_once("They are saved in")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default();
    assert_log_clean(&banner_end, &secrets);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_key_file_rotation_keeps_keys_working() {
    let dir = fresh_dir("master-file");
    let server = serve(&dir, &[]).await.serving();
    let creds = credentials(&dir);
    let (ak, sk, project) = (
        text(&creds, "access_key"),
        text(&creds, "secret_key"),
        text(&creds, "project_id"),
    );
    // A second key made with `admin key add` must survive the rotation too.
    let out = admin_ok(
        &dir,
        &["key", "add", "--user", "admin", "--project", &project],
        &[],
    );
    let (ak2, sk2) = (field(&out, "access_key"), field(&out, "secret_key"));
    server.stop();
    let old_key = std::fs::read_to_string(dir.join("master.key")).unwrap();

    let out = admin_ok(&dir, &["master-key", "rotate"], &[]);
    assert!(out.contains("re-sealed 2"), "{out}");
    let new_key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    assert_ne!(old_key.trim(), new_key.trim());
    assert!(
        !out.contains(new_key.trim()),
        "the new key was printed: {out}"
    );

    let server = serve(&dir, &[]).await.serving();
    let mut client = Client::new(&server.endpoint);
    for (ak, sk) in [(&ak, &sk), (&ak2, &sk2)] {
        let (status, answer) = client.list_signed(ak, sk, &project).await;
        assert_eq!(status, StatusCode::OK, "{ak}: {answer}");
    }
    server.stop();
    // The old key, given explicitly, no longer opens them.
    assert!(matches!(
        serve(&dir, &[("VIZJOBS_MASTER_KEY", old_key.trim())]).await,
        Started::Exited { .. }
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_without_the_key_refuses_and_leaves_no_key_behind() {
    // Two data dirs sharing one database, as replicas behind a load balancer would.
    let first = fresh_dir("replica-a");
    let second = fresh_dir("replica-b");
    let db = first.join("vizjobs.db");
    let db_url = format!("sqlite://{}", db.display());
    let server = serve(&first, &[]).await.serving();
    server.stop();
    match serve(&second, &[("VIZJOBS_DATABASE_URL", &db_url)]).await {
        Started::Serving(_) => panic!("a replica with a fresh master key started"),
        Started::Exited { stderr, .. } => assert!(stderr.contains("master key"), "{stderr}"),
    }
    assert!(
        !second.join("master.key").exists(),
        "a refused start left a useless master.key behind"
    );
    // With the shared key it starts, and the first start's AK/SK works there.
    let key = std::fs::read_to_string(first.join("master.key")).unwrap();
    let server = serve(
        &second,
        &[
            ("VIZJOBS_DATABASE_URL", &db_url),
            ("VIZJOBS_MASTER_KEY", key.trim()),
        ],
    )
    .await
    .serving();
    let creds = credentials(&first);
    assert!(!second.join("credentials.json").exists());
    let mut client = Client::new(&server.endpoint);
    let (status, answer) = client
        .list_signed(
            &text(&creds, "access_key"),
            &text(&creds, "secret_key"),
            &text(&creds, "project_id"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    server.stop();
    std::fs::remove_dir_all(&first).ok();
    std::fs::remove_dir_all(&second).ok();
}

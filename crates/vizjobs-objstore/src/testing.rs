//! A real S3-compatible server on a loopback port, for tests and the benchmark.
//!
//! The server is moto's (`moto_server`, from PyPI's `moto[server]`; `.ci/s3.sh` installs it):
//! it installs in seconds, speaks path-style S3 with any credentials, and stops and starts in
//! about a second, so each test runs its own on a free port and can take it down and back up.
//! It keeps objects in memory: a restart comes back empty.
//!
//! The executable is `$VIZJOBS_S3_TEST_SERVER` if set, else `moto_server` on the `PATH`. Not
//! finding it is an error, never a skipped test.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::{Addressing, RetrySettings, S3Config, Secret, StaticCredentials};

/// Seconds a server gets to answer after starting.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct S3TestServer {
    child: Option<Child>,
    port: u16,
}

impl S3TestServer {
    /// Starts a server on a free loopback port and waits until it answers.
    pub fn start() -> std::io::Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let mut server = S3TestServer { child: None, port };
        server.start_again()?;
        Ok(server)
    }

    fn executable() -> PathBuf {
        std::env::var_os("VIZJOBS_S3_TEST_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("moto_server"))
    }

    /// (Re)starts the server on its port, empty.
    pub fn start_again(&mut self) -> std::io::Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        let exe = Self::executable();
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot run the S3 test server {} ({e}); run .ci/s3.sh to install it",
                        exe.display()
                    ),
                )
            })?;
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                return Err(std::io::Error::other(format!(
                    "the S3 test server exited at start ({status}); is port {} free?",
                    self.port
                )));
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(std::io::Error::other("the S3 test server did not come up"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// Stops the server (its objects are lost).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Creates a bucket. (moto takes unsigned requests, and `object_store` has no bucket API.)
    pub fn create_bucket(&self, bucket: &str) -> std::io::Result<()> {
        self.plain_request("PUT", &format!("/{bucket}"), "")
            .map_err(|e| std::io::Error::other(format!("creating bucket {bucket}: {e}")))
    }

    /// Turns moto's credential checks on or off. Off (its default), any key is accepted; on,
    /// every request must be signed with a key moto's IAM knows, which the test credentials are
    /// not, so every request is refused with 403: a way to test access denied.
    pub fn require_auth(&self, on: bool) -> std::io::Result<()> {
        let free_requests = if on { "0" } else { "inf" };
        self.plain_request("POST", "/moto-api/reset-auth", free_requests)
    }

    /// An unsigned request; `Err` unless it answers 200.
    fn plain_request(&self, method: &str, path: &str, body: &str) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let status_line = answer.lines().next().unwrap_or_default();
        if status_line.split_whitespace().nth(1) == Some("200") {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "{method} {path}: {status_line}"
            )))
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Settings that reach this server, with retries short enough for tests.
    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            credentials: Some(StaticCredentials {
                access_key_id: "vizjobs-test".into(),
                secret_access_key: Secret::new("vizjobs-test-secret"),
                session_token: None,
            }),
            addressing: Addressing::Path,
            allow_http: true,
            retry: RetrySettings {
                max_retries: 2,
                retry_timeout: Duration::from_secs(3),
                initial_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(500),
            },
            connect_timeout: Duration::from_secs(2),
            ..S3Config::default()
        }
    }
}

impl Drop for S3TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

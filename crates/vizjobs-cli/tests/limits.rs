//! What the running `vizjobs serve` process holds to, whatever its clients do (issue 21): files
//! no other local user can read, connections capped below the descriptor limit with health
//! checks still answered, and password checks bounded in number and memory.

mod common;

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{Server, fresh_dir, read_json};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn database_files(data_dir: &Path) -> Vec<std::path::PathBuf> {
    ["vizjobs.db", "vizjobs.db-wal", "vizjobs.db-shm"]
        .iter()
        .map(|name| data_dir.join(name))
        .filter(|path| path.exists())
        .collect()
}

/// The data directory holds password hashes, sealed keys and every job: 0700, and the database
/// files 0600, from the first start on; wider modes left by an older version are narrowed.
#[test]
fn the_data_directory_is_private_from_the_first_start() {
    let server = Server::start();
    let data_dir = server.data_dir.clone();
    assert_eq!(mode(&data_dir), 0o700);
    let files = database_files(&data_dir);
    assert!(files.iter().any(|f| f.ends_with("vizjobs.db")), "{files:?}");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&server.credentials_path()), 0o600);

    let data_dir = server.stop_keeping_data();
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for file in database_files(&data_dir) {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let server = Server::start_in(data_dir, &[], None);
    assert_eq!(mode(&server.data_dir), 0o700);
    for file in database_files(&server.data_dir) {
        assert_eq!(mode(&file), 0o600, "{} after a restart", file.display());
    }
}

/// A connection from `ip` to `server` that sends nothing.
fn idle_connection(ip: &str, server: &SocketAddr) -> Option<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    let local: SocketAddr = SocketAddr::new(ip.parse::<IpAddr>().ok()?, 0);
    socket.bind(&local.into()).ok()?;
    socket.connect(&(*server).into()).ok()?;
    Some(socket.into())
}

fn get_from(ip: &str, endpoint: &str, path: &str) -> reqwest::Result<reqwest::blocking::Response> {
    reqwest::blocking::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(10))
        .build()?
        .get(format!("{endpoint}{path}"))
        .send()
}

/// With 256 descriptors, 300 idle sockets starved every request until the header timeout closed
/// them. Now one client holds at most half of the cap, the cap stays below the descriptor limit,
/// and past it a reserve still answers health checks (and tells other requests to retry).
#[test]
fn idle_sockets_cannot_starve_the_server_or_its_health_checks() {
    let server = Server::start_in(fresh_dir(), &[], Some(256));
    let addr: SocketAddr = server
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    // One client's idle sockets: another client is still served.
    let mut idle: Vec<TcpStream> = (0..300)
        .filter_map(|_| idle_connection("127.0.0.1", &addr))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let other = get_from(
        "127.0.0.3",
        &server.endpoint,
        &format!("/v1/{}/visualization-jobs", "p"),
    )
    .expect("another client is served while one holds idle sockets");
    assert_eq!(other.status(), 401, "served (and asked for a credential)");

    // A second client fills the rest of the cap: health checks still answer, other requests
    // are told to come back.
    idle.extend((0..300).filter_map(|_| idle_connection("127.0.0.2", &addr)));
    std::thread::sleep(Duration::from_millis(300));
    let health = get_from("127.0.0.4", &server.endpoint, "/healthz")
        .expect("a health check is answered at the cap");
    assert_eq!(health.status(), 200);
    let busy = get_from("127.0.0.4", &server.endpoint, "/v1/p/visualization-jobs")
        .expect("a request at the cap gets an answer");
    assert_eq!(busy.status(), 503);
    assert!(busy.headers().contains_key("retry-after"));

    // Sockets past the caps were closed at once, not left to hold descriptors.
    let closed = idle
        .iter()
        .filter(|socket| {
            let mut stream: &TcpStream = socket;
            stream
                .set_read_timeout(Some(Duration::from_millis(20)))
                .ok();
            matches!(stream.read(&mut [0u8; 1]), Ok(0))
        })
        .count();
    assert!(
        closed >= 300,
        "only {closed} of 600 sockets past the caps were closed"
    );

    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    let after = get_from("127.0.0.1", &server.endpoint, "/readyz").expect("served again");
    assert_eq!(after.status(), 200);
}

/// Peak resident memory of a process, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib * 1024
}

/// 100 logins at once, no credential needed: each argon2 check takes about 19 MiB, and run all
/// at once they took the process from 0.7 to 2.6 GB. Now checks run one per core on reused
/// memory, a short queue waits, and the rest are refused with 429 and Retry-After.
#[test]
fn concurrent_logins_are_bounded_in_memory() {
    let server = Server::start_with(&["--login-attempts", "100000"]);
    let creds = read_json(&server.credentials_path());
    let url = format!("{}/v3/auth/tokens", server.endpoint);
    let body = |user: &str| {
        serde_json::json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": "wrong password", "domain": {"name": creds["account"]}}}}}})
    };
    // One login first, so that one-off costs (the decoy hash, the pools) are in the baseline.
    let client = reqwest::blocking::Client::new();
    let first = client.post(&url).json(&body("warm-up")).send().unwrap();
    assert_eq!(first.status(), 401);
    let baseline = peak_rss(server.pid());

    let answers: Vec<(u16, bool)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..100)
            .map(|n| {
                let (url, body) = (url.clone(), body(&format!("user-{n}")));
                scope.spawn(move || {
                    let resp = reqwest::blocking::Client::new()
                        .post(url)
                        .json(&body)
                        .send()
                        .expect("every login is answered");
                    (
                        resp.status().as_u16(),
                        resp.headers().contains_key("retry-after"),
                    )
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let refused = answers.iter().filter(|(status, _)| *status == 429).count();
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == 401 || *status == 429),
        "{answers:?}"
    );
    assert!(refused > 0, "a burst past the queue is refused");
    assert!(
        answers
            .iter()
            .all(|(status, retry)| *status != 429 || *retry)
    );

    let cores = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    let grown = peak_rss(server.pid()).saturating_sub(baseline);
    let bound = cores * 20 * 1024 * 1024 + 64 * 1024 * 1024;
    assert!(
        grown <= bound,
        "peak memory grew by {} MiB under 100 concurrent logins (bound {} MiB)",
        grown >> 20,
        bound >> 20
    );
}

//! The HTTP accept loop: hyper HTTP/1.1 connections with the timeouts and limits a public
//! service needs.
//!
//! - `axum::serve` builds hyper's connections without a timer, so hyper's header-read timeout
//!   never applies and a client sending its headers a byte at a time holds a connection and a
//!   task for ever (slowloris). Here every connection gets a timer and a header-read timeout;
//!   once the head is read, the router's own request timeout bounds the body and the handler.
//! - Every open connection holds a file descriptor. Without a cap, a few hundred idle sockets
//!   exhaust the process's descriptors and nothing else is served (not even a database
//!   connection or a log file can be opened). So connections are capped below the descriptor
//!   limit, overall and per client address, and past the cap a small reserve of connections is
//!   still accepted for health checks only, so that an orchestrator does not kill a replica
//!   that is merely busy.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// How long a client may take to send a request's head (the request line and headers).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long in-flight requests may run on after shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connection of the health reserve may take to send its request.
const HEALTH_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Descriptors kept for everything but client connections: database connections, log files
/// being read, object-storage requests.
const DESCRIPTORS_KEPT: u64 = 64;

/// How many connections are served at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once, from all clients.
    pub total: usize,
    /// Connections served at once from one client address.
    pub per_client: usize,
    /// Connections accepted past the caps that may only ask for `/healthz` and `/readyz`.
    pub health_reserve: usize,
}

impl ConnectionLimits {
    /// Limits that fit this process's descriptor limit (`RLIMIT_NOFILE`): the cap and the
    /// health reserve leave [`DESCRIPTORS_KEPT`] descriptors (or a quarter of the limit, if
    /// less) for everything else, and one client may hold half of the cap.
    pub fn for_this_process() -> Self {
        Self::for_descriptor_limit(descriptor_limit())
    }

    pub fn for_descriptor_limit(limit: u64) -> Self {
        let health_reserve = 8;
        let kept = DESCRIPTORS_KEPT.min(limit / 4);
        let total = (limit.saturating_sub(kept) as usize)
            .saturating_sub(health_reserve)
            .clamp(8, 65_536);
        Self {
            total,
            per_client: (total / 2).max(1),
            health_reserve,
        }
    }
}

/// The soft limit on open file descriptors.
fn descriptor_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if ok && limit.rlim_cur != libc::RLIM_INFINITY {
        limit.rlim_cur
    } else {
        // Unknown or unlimited: a cap that no single machine's clients reach by accident.
        65_536
    }
}

/// How a listener serves.
#[derive(Clone)]
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub limits: ConnectionLimits,
    /// What connections of the health reserve are served by; `None`: connections past the caps
    /// are closed at once.
    pub health: Option<Router>,
}

impl ServeOptions {
    /// The default timeouts and the limits of this process, with no health reserve.
    pub fn new() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            limits: ConnectionLimits::for_this_process(),
            health: None,
        }
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// How many reserve connections one client address may hold, so that one client cannot take
/// the whole reserve.
const HEALTH_RESERVE_PER_CLIENT: usize = 2;

/// Counts connections overall and per client address.
struct Admission {
    total: Arc<Semaphore>,
    health: Arc<Semaphore>,
    per_client: usize,
    by_client: Arc<Mutex<HashMap<IpAddr, Held>>>,
}

/// The connections one client address holds.
#[derive(Default)]
struct Held {
    served: usize,
    reserve: usize,
}

/// A connection's place; dropping it frees the place.
struct Place {
    health_only: bool,
    _permit: OwnedSemaphorePermit,
    _client: ClientSlot,
}

struct ClientSlot {
    ip: IpAddr,
    reserve: bool,
    by_client: Arc<Mutex<HashMap<IpAddr, Held>>>,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(held) = map.get_mut(&self.ip) {
            if self.reserve {
                held.reserve = held.reserve.saturating_sub(1);
            } else {
                held.served = held.served.saturating_sub(1);
            }
            if held.served == 0 && held.reserve == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl Admission {
    fn new(limits: ConnectionLimits) -> Self {
        Self {
            total: Arc::new(Semaphore::new(limits.total)),
            health: Arc::new(Semaphore::new(limits.health_reserve)),
            per_client: limits.per_client,
            by_client: Arc::default(),
        }
    }

    /// A served place if the client and the server are under their caps, else a place in the
    /// health reserve if `health_served` and one is free for this client, else none.
    fn admit(&self, ip: IpAddr, health_served: bool) -> Option<Place> {
        let mut map = self.by_client.lock().unwrap_or_else(|p| p.into_inner());
        let held = map.entry(ip).or_default();
        let slot = |reserve| ClientSlot {
            ip,
            reserve,
            by_client: self.by_client.clone(),
        };
        if held.served < self.per_client
            && let Ok(permit) = self.total.clone().try_acquire_owned()
        {
            held.served += 1;
            return Some(Place {
                health_only: false,
                _permit: permit,
                _client: slot(false),
            });
        }
        if health_served
            && held.reserve < HEALTH_RESERVE_PER_CLIENT
            && let Ok(permit) = self.health.clone().try_acquire_owned()
        {
            held.reserve += 1;
            return Some(Place {
                health_only: true,
                _permit: permit,
                _client: slot(true),
            });
        }
        if held.served == 0 && held.reserve == 0 {
            map.remove(&ip);
        }
        None
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and lets the
/// requests in flight finish (for at most 30 s). Handlers can extract
/// `ConnectInfo<SocketAddr>`, as with axum's `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) {
    let graceful = GracefulShutdown::new();
    let admission = Admission::new(options.limits);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: give the system a moment instead of
                    // spinning, and keep serving the connections already open.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(place) = admission.admit(peer.ip(), options.health.is_some()) else {
            refused += 1;
            // One line per hundred refusals: a flood must not also flood the log.
            if refused % 100 == 1 {
                tracing::warn!(%peer, refused, "connection refused: the connection caps are reached");
            }
            drop(stream);
            continue;
        };
        let (router, header_timeout, keep_alive) = match (&options.health, place.health_only) {
            (Some(health), true) => (health.clone(), HEALTH_HEADER_TIMEOUT, false),
            _ => (router.clone(), options.header_read_timeout, true),
        };
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(keep_alive)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            drop(place);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after 30 s of shutdown were cut off");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_stay_below_the_descriptor_limit() {
        for limit in [64, 256, 1024, 1 << 20] {
            let l = ConnectionLimits::for_descriptor_limit(limit);
            assert!(
                ((l.total + l.health_reserve) as u64) < limit,
                "{limit}: {l:?}"
            );
            assert!(l.per_client >= 1 && l.per_client <= l.total);
        }
        let l = ConnectionLimits::for_descriptor_limit(256);
        assert_eq!(l.total, 256 - 64 - 8);
    }

    #[test]
    fn admission_counts_per_client_and_overall() {
        let admission = Admission::new(ConnectionLimits {
            total: 3,
            per_client: 2,
            health_reserve: 3,
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let c: IpAddr = "127.0.0.3".parse().unwrap();
        let served = |p: &Option<Place>| {
            matches!(
                p,
                Some(Place {
                    health_only: false,
                    ..
                })
            )
        };
        let reserve = |p: &Option<Place>| {
            matches!(
                p,
                Some(Place {
                    health_only: true,
                    ..
                })
            )
        };
        let a1 = admission.admit(a, true);
        let _a2 = admission.admit(a, true);
        assert!(served(&a1));
        // a is at its own cap: only the health reserve is left for it, two places of it.
        let a3 = admission.admit(a, true);
        let _a4 = admission.admit(a, true);
        assert!(reserve(&a3));
        assert!(admission.admit(a, true).is_none());
        // b still has room overall; then the overall cap is reached.
        assert!(served(&admission.admit(b, true)));
        let b1 = admission.admit(b, true);
        assert!(served(&b1));
        let c1 = admission.admit(c, true);
        assert!(reserve(&c1), "past the overall cap, the reserve");
        assert!(
            admission.admit(c, false).is_none(),
            "no reserve without health"
        );
        drop(a1);
        assert!(served(&admission.admit(c, true)));
        drop(c1);
        // Every place given back leaves no trace.
        drop((_a2, a3, _a4, b1));
        assert!(admission.by_client.lock().unwrap().is_empty());
    }
}

//! `vizjobs board`: one logdir served directly, like `tensorboard --logdir`, with no jobs and
//! no authentication (the CLI binds it to loopback unless told otherwise).
//!
//! With no authentication, a loopback-only board is still reachable from a page on any site
//! through DNS rebinding: the attacker's name resolves to 127.0.0.1 and the browser sends it as
//! `Host`. So unless remote use is allowed, only loopback names and the address listened on are
//! answered.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use vizjobs_engine::Board;

use crate::static_files;

/// Which `Host` headers a board answers.
#[derive(Debug, Clone)]
pub enum HostCheck {
    /// Loopback names (`localhost`, `127.0.0.0/8`, `[::1]`) and this address.
    LoopbackAnd(IpAddr),
    /// Any host: the operator allowed remote use.
    Any,
}

impl HostCheck {
    fn allows(&self, host: &str) -> bool {
        let HostCheck::LoopbackAnd(listen) = self else {
            return true;
        };
        let name = host_name(host);
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            Ok(ip) => ip.is_loopback() || ip == *listen,
            Err(_) => false,
        }
    }
}

/// The name of a `Host` value, without its port (`[::1]:6006` → `[::1]`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// The dashboard at `/`, its data at `/data/…`, and the assets.
pub fn board_router(board: &Arc<Board>, hosts: HostCheck) -> Router {
    Router::new()
        .route("/", get(|| async { static_files::dashboard_page() }))
        .route("/assets/{*path}", get(static_files::assets))
        .route("/healthz", get(crate::health::healthz))
        .merge(board.router())
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let hosts = hosts.clone();
            async move { check_host(&hosts, request, next).await }
        }))
}

async fn check_host(hosts: &HostCheck, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or_default());
    match host {
        Some(host) if !hosts.allows(host) => (
            StatusCode::MISDIRECTED_REQUEST,
            "This board answers only loopback host names; start it with --allow-remote to serve other names\n",
        )
            .into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_and_the_listen_address_pass() {
        let check = HostCheck::LoopbackAnd("10.1.2.3".parse().unwrap());
        for ok in [
            "localhost",
            "LOCALHOST:6006",
            "127.0.0.1:6006",
            "127.8.9.10",
            "[::1]:6006",
            "[::1]",
            "10.1.2.3:6006",
        ] {
            assert!(check.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:6006",
            "localhost.evil.example",
            "10.1.2.4:6006",
            "",
            "[::2]:6006",
        ] {
            assert!(!check.allows(bad), "{bad}");
        }
        assert!(HostCheck::Any.allows("evil.example"));
    }

    #[tokio::test]
    async fn a_rebound_host_is_refused() {
        use tower::ServiceExt;
        let logdir = tempfile::tempdir().unwrap();
        let board = Board::open(logdir.path().to_path_buf(), Default::default());
        let router = board_router(&board, HostCheck::LoopbackAnd("127.0.0.1".parse().unwrap()));
        let ask = |host: &'static str| {
            Request::builder()
                .uri("/data/runs")
                .header(header::HOST, host)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let refused = router
            .clone()
            .oneshot(ask("rebind.evil.example:6006"))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
        let served = router.oneshot(ask("127.0.0.1:6006")).await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        board.close();
    }
}

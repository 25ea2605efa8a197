//! Prometheus metrics: requests per route and status, latency, and jobs per status.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteOnly {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteOnly, Histogram>,
    jobs: Family<StatusLabels, Gauge>,
    /// This replica's dashboards (see `BoardCounts`): per replica, so that a fleet shows where
    /// each job's board is held.
    boards_registered: Gauge,
    boards_loaded: Gauge,
    boards_memory_bytes: Gauge,
    /// The runner's reads and its persistent cache (`LoadCounters`), mirrored at each scrape.
    load: LoadMetrics,
}

struct LoadMetrics {
    bytes_fetched: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_rejected: Counter,
    cache_bytes_restored: Counter,
    cache_bytes_saved: Counter,
    cache_evicted: Counter,
}

impl LoadMetrics {
    fn register(registry: &mut Registry) -> Self {
        let mut counter = |name: &str, help: &str| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        };
        LoadMetrics {
            bytes_fetched: counter(
                "log_bytes_fetched",
                "Bytes the dashboards read from the logs' storage (disk or object storage)",
            ),
            cache_hits: counter("cache_hits", "Runs restored from the persistent cache"),
            cache_misses: counter(
                "cache_misses",
                "Runs read fresh although the persistent cache is on",
            ),
            cache_rejected: counter(
                "cache_rejected",
                "Cache entries found damaged, of another format, or out of date with their files",
            ),
            cache_bytes_restored: counter(
                "cache_bytes_restored",
                "Bytes of cache entries restored",
            ),
            cache_bytes_saved: counter("cache_bytes_saved", "Bytes of cache entries written"),
            cache_evicted: counter(
                "cache_evicted",
                "Cache entries deleted to keep the cache under its size limit",
            ),
        }
    }

    /// The runner keeps the totals; the counters take their values.
    fn set(&self, c: crate::dashboard::LoadCounters) {
        use std::sync::atomic::Ordering::Relaxed;
        for (counter, value) in [
            (&self.bytes_fetched, c.bytes_fetched),
            (&self.cache_hits, c.cache_hits),
            (&self.cache_misses, c.cache_misses),
            (&self.cache_rejected, c.cache_rejected),
            (&self.cache_bytes_restored, c.cache_bytes_restored),
            (&self.cache_bytes_saved, c.cache_bytes_saved),
            (&self.cache_evicted, c.cache_evicted),
        ] {
            counter.inner().store(value, Relaxed);
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("vizjobs");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let jobs = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register("jobs", "Visualization jobs by status", jobs.clone());
        let boards_registered = Gauge::default();
        let boards_loaded = Gauge::default();
        let boards_memory_bytes = Gauge::default();
        registry.register(
            "boards_registered",
            "Dashboards started in this replica, loaded or not",
            boards_registered.clone(),
        );
        registry.register(
            "boards_loaded",
            "Dashboards whose logs this replica holds in memory",
            boards_loaded.clone(),
        );
        registry.register(
            "boards_memory_bytes",
            "Heap bytes of the dashboards this replica holds",
            boards_memory_bytes.clone(),
        );
        let load = LoadMetrics::register(&mut registry);
        Self {
            registry,
            requests,
            latency,
            jobs,
            load,
            boards_registered,
            boards_loaded,
            boards_memory_bytes,
        }
    }
}

impl Metrics {
    pub fn set_jobs(&self, counts: &[(vizjobs_api::JobStatus, i64)]) {
        for status in vizjobs_api::JobStatus::ALL {
            let n = counts
                .iter()
                .find(|(s, _)| *s == status)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            self.jobs
                .get_or_create(&StatusLabels {
                    status: status.name().to_owned(),
                })
                .set(n);
        }
    }

    pub fn set_boards(&self, boards: crate::dashboard::BoardCounts) {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.boards_registered.set(gauge(boards.registered));
        self.boards_loaded.set(gauge(boards.loaded));
        self.boards_memory_bytes.set(gauge(boards.memory_bytes));
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Records every request under its route pattern (never the raw path, whose ids would make the
/// label set unbounded) and its method (unknown ones as `OTHER`, likewise).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(request.method()).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RouteOnly { method, route };
    state
        .metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&RouteLabels {
            method: labels.method,
            route: labels.route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// The method as a label: a client may send any token as a method (hyper accepts them), so
/// anything but the standard methods counts as one value, keeping the label set bounded.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    static KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("OTHER", Method::as_str)
}

/// `GET /metrics`.
pub async fn endpoint(State(state): State<AppState>) -> Response {
    match state.store.count_by_status().await {
        Ok(counts) => state.metrics.set_jobs(&counts),
        Err(err) => tracing::warn!("metrics: cannot count jobs: {err}"),
    }
    state.metrics.set_boards(state.lifecycle.runner().boards());
    state
        .metrics
        .load
        .set(state.lifecycle.runner().load_counters());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

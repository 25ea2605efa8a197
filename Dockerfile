# syntax=docker/dockerfile:1
# The vizjobs image: `vizjobs serve` as a non-root user on a slim Debian, configured by VIZJOBS_*
# variables (see `vizjobs serve --help` and docs/DEPLOY.md). Build from the repository root:
#   docker build -t vizjobs:dev .
# CI has no container engine: it lints this file with hadolint (scripts/lint-deploy) instead.

# 1. The web front end (TypeScript + Vite), built once and embedded by the Rust build.
FROM node:20.19.0-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# 2. The binary. VIZJOBS_WEB_DIST makes crates/vizjobs-web embed the bundle above without Node.js.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist /web-dist
ENV VIZJOBS_WEB_DIST=/web-dist \
    CARGO_TARGET_DIR=/src/target
RUN cargo build --release --locked -p vizjobs-cli \
    && cp /src/target/release/vizjobs /vizjobs

# 3. The runtime: the binary, CA certificates for S3/OBS over TLS, curl for the health check.
FROM debian:12-slim
# Versions come from the pinned Debian release; apt pins would break on every security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/vizjobs --shell /usr/sbin/nologin vizjobs \
    && install -d -o vizjobs -g vizjobs -m 0700 /var/lib/vizjobs \
    && install -d -o vizjobs -g vizjobs -m 0700 /var/cache/vizjobs \
    && install -d -o vizjobs -g vizjobs -m 0755 /logs
COPY --from=build /vizjobs /usr/local/bin/vizjobs
# Every setting has a VIZJOBS_* variable; these are the image's defaults. The database URL and
# the master key (VIZJOBS_MASTER_KEY, or DATA_DIR/master.key mounted from a secret) come from the
# deployment: never as flags, which `ps` would show.
ENV VIZJOBS_LISTEN=0.0.0.0:8080 \
    VIZJOBS_DATA_DIR=/var/lib/vizjobs \
    VIZJOBS_CACHE_DIR=/var/cache/vizjobs \
    VIZJOBS_LOG_ROOTS=/logs \
    VIZJOBS_SHUTDOWN_DELAY_SECS=5
USER 10001:10001
WORKDIR /var/lib/vizjobs
EXPOSE 8080
# /healthz: the process answers; /readyz (used by balancers and Kubernetes): the database too.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS \"http://127.0.0.1:${VIZJOBS_LISTEN##*:}/healthz\" >/dev/null || exit 1"]
# SIGTERM (docker stop, Kubernetes) drains: /readyz answers 503 for VIZJOBS_SHUTDOWN_DELAY_SECS,
# then the listener closes and requests in flight finish.
ENTRYPOINT ["/usr/local/bin/vizjobs"]
CMD ["serve"]

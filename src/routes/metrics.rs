//! `GET /metrics` for Prometheus, and the middleware that counts every request.
//!
//! Served to the addresses in `metrics_allow` (loopback by default), the client's
//! address being told by `client_ip` (so `trusted_proxies` and `X-Forwarded-For`
//! apply), or to whoever sends `Authorization: Bearer METRICS_TOKEN`. Anyone else
//! gets a 403 that says so, and nothing else.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::db::queries;

const SCRAPE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Counts the request under its route pattern and status, and times it.
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().clone();
    // Known before routing (the resource map is built at start), so that an error
    // that escapes as `Err` is counted under its route too.
    let route = crate::telemetry::RoutePattern::of(&req);
    let done = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &done {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        metrics.request(&method, route.as_str(), status.as_u16(), started.elapsed());
    }
    done
}

/// `GET /metrics`
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !allowed(&req, &state) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body(
                "/metrics is served only to the addresses in metrics_allow, or with \
                 Authorization: Bearer <metrics_token>\n",
            );
    }
    let st = state.clone();
    let waiting = web::block(move || {
        // A busy pool must not hold the scrape for the pool's whole 10 s: without a
        // connection soon, the outbox's depth is left as last read.
        let mut conn = st.pool.get_timeout(SCRAPE_WAIT).ok()?;
        queries::outbox::waiting_by_kind(&mut conn)
            .inspect_err(|e| tracing::warn!(error = %e, "metrics: cannot count the outbox"))
            .ok()
    })
    .await
    .ok()
    .flatten();
    state.metrics.refresh(
        &state.pool.state(),
        state.pool.max_size(),
        waiting.as_deref(),
    );
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(state.metrics.encode())
}

fn allowed(req: &HttpRequest, state: &AppState) -> bool {
    let access = &state.config.server.metrics;
    if let Some(token) = &access.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(token.as_bytes()))) {
            return true;
        }
    }
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return false;
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = super::client_ip(peer, &forwarded, &state.config.server.trusted_proxies);
    // An IPv4 client may reach an IPv6 socket as ::ffff:a.b.c.d.
    let client = match client {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, std::net::IpAddr::V4),
        v4 => v4,
    };
    access.allow.iter().any(|net| net.contains(&client))
}

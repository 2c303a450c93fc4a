//! Structured logs through `tracing`: readable text by default, JSON lines with
//! `log_format = "json"`; `RUST_LOG` filters as usual.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    // tracing-actix-web logs every 4xx answer at WARN, with the error's debug form: a
    // flood of refused posts would flood the log. Our own code logs what matters
    // (internal errors, moderation, logins); 5xx from the middleware still shows.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tracing_actix_web=error"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // Colours only for a person at a terminal who did not ask for none
        // (`NO_COLOR`): the journal, a log file or `podman logs` would keep the
        // escape codes as text.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        );
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The span of each request names its route pattern (`/admin/act/{token}`), never
/// the path or query itself: those carry edit, unsubscribe and one-click tokens, and
/// page keys of readers, which have no place in logs.
pub struct RouteSpan;

/// The route pattern a request matched (`None`: no route), found once per request
/// and kept in its extensions: the metrics and the log span both name it, and finding
/// it walks the app's routes again.
#[derive(Clone)]
pub struct RoutePattern(pub Option<std::rc::Rc<str>>);

impl RoutePattern {
    pub fn of(request: &actix_web::dev::ServiceRequest) -> RoutePattern {
        use actix_web::HttpMessage;
        if let Some(known) = request.extensions().get::<RoutePattern>() {
            return known.clone();
        }
        let found = RoutePattern(request.match_pattern().map(std::rc::Rc::from));
        request.extensions_mut().insert(found.clone());
        found
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl tracing_actix_web::RootSpanBuilder for RouteSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        let route = RoutePattern::of(request);
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route.as_str().unwrap_or(crate::metrics::NO_ROUTE),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        tracing::debug!(parent: &span, "answered");
    }
}

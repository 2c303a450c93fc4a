//! What the server-rendered pages (the thread page, the demo, the unsubscribe and
//! admin pages) share: security headers, rendering, the error page of each kind of
//! page ([`PageError`]), links to a thread, dates, the page's language.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::ApiError;
use crate::i18n::{AdminWords, Lang, Msg};

use super::reader_lang;
use crate::config::Site;

/// Which pages: the readers' (the thread page, the demo, unsubscribing, the index)
/// or the moderators'. Each has its own security policy and its own error page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    Reader,
    Admin,
}

impl Look {
    /// Nothing but our own origin may load, and no other site may frame a page; the
    /// admin runs no script at all.
    fn csp(self) -> &'static str {
        match self {
            Look::Reader => {
                "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; connect-src 'self'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'"
            }
            Look::Admin => ADMIN_CSP,
        }
    }
}

pub const ADMIN_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                             form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML page with its security headers.
pub fn html(look: Look, status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, look.csp()))
        .body(body)
}

/// `r`, telling the client when to try again (`Retry-After`, in seconds or as given).
pub fn with_retry_after(mut r: HttpResponse, after: impl std::fmt::Display) -> HttpResponse {
    if let Ok(v) = header::HeaderValue::from_str(&after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A template as a page; a template that fails is a 500 that says so.
pub fn render(look: Look, lang: Lang, status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => html(look, status, body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            plain_page(
                look,
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                &Msg::Internal.text(lang),
            )
        }
    }
}

/// One sentence as a page, without a template, so that it cannot fail: the readers'
/// error page, and the last resort when a template fails.
fn plain_page(look: Look, lang: Lang, status: StatusCode, text: &str) -> HttpResponse {
    let text = askama::filters::escape(text, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default();
    html(
        look,
        status,
        format!(
            "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>Causerie</title><p>{text}</p></html>",
            lang.code(),
        ),
    )
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage<'a> {
    lang: Lang,
    w: &'static AdminWords,
    message: &'a str,
    is_error: bool,
}

/// The admin's page of one sentence: what was done, or what went wrong.
pub fn admin_message(status: StatusCode, lang: Lang, text: &str) -> HttpResponse {
    render(
        Look::Admin,
        lang,
        status,
        &MessagePage {
            lang,
            w: AdminWords::of(lang),
            message: text,
            is_error: status.is_client_error() || status.is_server_error(),
        },
    )
}

/// Why a server-rendered page is not shown, as the page that says so in the
/// reader's (or moderator's) language, so that handlers can use `?`.
#[derive(Debug)]
pub enum PageError {
    /// A sentence on the error page of `look`.
    Says {
        look: Look,
        lang: Lang,
        status: StatusCode,
        text: String,
    },
    /// Elsewhere first: the login page, when there is no session.
    SeeOther(String),
}

impl PageError {
    pub fn says(look: Look, lang: Lang, status: StatusCode, text: impl Into<String>) -> PageError {
        PageError::Says {
            look,
            lang,
            status,
            text: text.into(),
        }
    }

    /// An [`ApiError`] said on a page. An internal cause is logged here, once, and
    /// never shown.
    pub fn from_api(look: Look, lang: Lang, e: ApiError) -> PageError {
        PageError::says(look, lang, e.status(), e.text(lang))
    }
}

/// `result.on_page(Look::Admin, lang)?`: an API error becomes that page's error.
pub trait OnPage<T> {
    fn on_page(self, look: Look, lang: Lang) -> Result<T, PageError>;
}

impl<T> OnPage<T> for Result<T, ApiError> {
    fn on_page(self, look: Look, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::from_api(look, lang, e))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Says { status, text, .. } => write!(f, "{status}: {text}"),
            PageError::SeeOther(to) => write!(f, "see {to}"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Says { status, .. } => *status,
            PageError::SeeOther(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Says {
                look: Look::Admin,
                lang,
                status,
                text,
            } => admin_message(*status, *lang, text),
            PageError::Says {
                look: Look::Reader,
                lang,
                status,
                text,
            } => plain_page(Look::Reader, *lang, *status, text),
            PageError::SeeOther(to) => see_other(to),
        }
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Where the thread of `page` is shown without JavaScript: `/t`, for every page (the
/// demo article's comments come from the embed, which needs JavaScript). Never an
/// address taken from the request, so no open redirect.
pub fn thread_href(site: &str, page: &str, lang: Lang) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
    format!("/t?site={site}&page={enc}&lang={}", lang.code())
}

pub fn human_date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The language of a no-JS page: `?lang=`, else the reader's, else the site's.
/// The site and language of a reader's page (the `site` and `lang` it names, else
/// as `request_site` and `page_lang` decide); an unknown site is the error page.
pub fn reader_page<'c>(
    req: &HttpRequest,
    config: &'c crate::config::Config,
    site: Option<&str>,
    lang: Option<&str>,
) -> Result<(&'c Site, Lang), PageError> {
    let site = super::request_site(req, config, site, true)
        .on_page(Look::Reader, super::request_lang(req))?;
    Ok((site, page_lang(req, site, lang)))
}

/// [`reader_page`] for a form posted by a reader: its origin checked too.
pub fn reader_form<'c>(
    req: &HttpRequest,
    config: &'c crate::config::Config,
    site: Option<&str>,
    lang: Option<&str>,
) -> Result<(&'c Site, Lang), PageError> {
    let (site, lang) = reader_page(req, config, site, lang)?;
    super::check_origin(req, config, site).on_page(Look::Reader, lang)?;
    Ok((site, lang))
}

pub fn page_lang(req: &HttpRequest, site: &Site, asked: Option<&str>) -> Lang {
    asked
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| reader_lang(req, site.settings.lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;

    impl std::fmt::Display for Broken {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            Err(std::fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(source = "<p>{{ part }}</p>", ext = "html")]
    struct Failing {
        part: Broken,
    }

    #[test]
    fn a_template_that_fails_is_a_500_that_says_so() {
        let r = render(
            Look::Reader,
            Lang::Fr,
            StatusCode::OK,
            &Failing { part: Broken },
        );
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = actix_web::rt::System::new()
            .block_on(actix_web::body::to_bytes(r.into_body()))
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains(&Msg::Internal.text(Lang::Fr)), "{body}");
    }
}

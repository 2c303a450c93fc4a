//! What the server-rendered pages (the thread page, the demo, the unsubscribe and
//! admin pages) share: security headers, links to a thread, dates, the page's language.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::i18n::Lang;

use super::request_lang;

/// The security headers of an HTML page: nothing but our own origin may load, and no
/// other site may frame it.
pub fn html_headers(
    builder: &mut actix_web::HttpResponseBuilder,
) -> &mut actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// Where the thread of `page` is shown without JavaScript: `/t`, for every page (the
/// demo article's comments come from the embed, which needs JavaScript). Never an
/// address taken from the request, so no open redirect.
pub fn thread_href(page: &str, lang: Lang) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
    format!("/t?page={enc}&lang={}", lang.code())
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
pub fn page_lang(req: &HttpRequest, asked: Option<&str>) -> Lang {
    asked
        .and_then(Lang::from_tag)
        .unwrap_or_else(|| request_lang(req))
}

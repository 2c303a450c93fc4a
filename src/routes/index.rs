//! `/`, the page that says Causerie runs, and the answer for any other address.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::i18n::Lang;
use crate::routes::html::{render, Look};

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    lang: Lang,
}

/// `GET /`
pub async fn index() -> HttpResponse {
    let lang = Lang::En;
    render(Look::Reader, lang, StatusCode::OK, &IndexPage { lang })
}

pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Nothing here. Try /demo, /t?page=/your/page or /api/v1/config.")
}

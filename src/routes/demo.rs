//! `/demo`: the French article the product grew from, with its comments under it, as
//! a site owner's page would show them: through the embed script.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::demo::{article, Article, DEMO_PAGE};
use crate::i18n::Lang;
use crate::routes::html::{page_lang, render, thread_href, Look, OnPage, PageError};
use crate::routes::{request_lang, request_site};

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage<'a> {
    lang: Lang,
    article: Article,
    /// The Causerie server, as a site owner writes it in the snippet.
    server: &'a str,
    page: &'static str,
    /// The site asked for (`?site=`), which the snippet names.
    site: Option<String>,
    /// The comment box's language (the article stays French).
    box_lang: Lang,
    noscript_href: String,
    noscript_text: &'static str,
}

/// `GET /demo[?site=ID][&lang=en]`: the seed article with the comment box embedded
/// exactly as a site owner embeds it, through `/embed.js`. The box speaks French
/// like the article, or the language of the site asked for, unless `?lang=`.
/// Without JavaScript, a link leads to the thread at `/t`.
pub async fn demo(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let asked_site = param("site");
    let site = request_site(&req, &state.config, asked_site, false)
        .on_page(Look::Reader, request_lang(&req))?;
    let box_lang = match (param("lang"), asked_site) {
        (Some(l), _) => page_lang(&req, site, Some(l)),
        (None, Some(_)) => site.settings.lang,
        (None, None) => Lang::Fr,
    };
    let page = DemoPage {
        lang: Lang::Fr,
        article: article(),
        server: state
            .config
            .server
            .public_url
            .as_str()
            .trim_end_matches('/'),
        page: DEMO_PAGE,
        site: asked_site.map(|_| site.id.to_string()),
        box_lang,
        noscript_href: thread_href(site.id.as_str(), DEMO_PAGE, box_lang),
        noscript_text: match box_lang {
            Lang::Fr => "Lire les commentaires et en laisser un sans JavaScript",
            Lang::En => "Read the comments and leave one without JavaScript",
        },
    };
    Ok(render(Look::Reader, box_lang, StatusCode::OK, &page))
}

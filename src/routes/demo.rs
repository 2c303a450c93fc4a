//! `/demo`: the French article the product grew from, with its comments under it, as
//! a site owner's page would show them: through the embed script.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::demo::{article, Article, DEMO_PAGE};
use crate::i18n::Lang;
use crate::routes::html::{page_lang, render, thread_href, Look};

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage<'a> {
    lang: Lang,
    article: Article,
    /// The Causerie server, as a site owner writes it in the snippet.
    server: &'a str,
    page: &'static str,
    /// The comment box's language (the article stays French).
    box_lang: Lang,
    noscript_href: String,
    noscript_text: &'static str,
}

/// `GET /demo`: the seed article with the comment box embedded exactly as a site
/// owner embeds it, through `/embed.js`; in French like the article, unless
/// `?lang=en`. Without JavaScript, a link leads to the thread at `/t`.
pub async fn demo(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    let box_lang = asked.map(|l| page_lang(&req, Some(&l))).unwrap_or(Lang::Fr);
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
        box_lang,
        noscript_href: thread_href(DEMO_PAGE, box_lang),
        noscript_text: match box_lang {
            Lang::Fr => "Lire les commentaires et en laisser un sans JavaScript",
            Lang::En => "Read the comments and leave one without JavaScript",
        },
    };
    render(Look::Reader, box_lang, StatusCode::OK, &page)
}

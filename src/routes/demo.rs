//! `/demo`: the French article the product grew from, with its comments under it, as
//! a site owner's page would show them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::PageKey;
use crate::i18n::Lang;
use crate::routes::nojs::{add_post_notice, error_page, load_view, page_lang, ThreadView};
use crate::routes::{html_headers, AppState};

pub const DEMO_PAGE: &str = "/demo";
const ARTICLE: &str = include_str!("../../assets/demo/article-cloudwatt.txt");

pub struct Block {
    pub heading: bool,
    pub text: String,
}

pub struct Article {
    pub illustration: String,
    pub title: String,
    pub blocks: Vec<Block>,
    pub footer: String,
}

/// The seed text: an illustration name, the title, paragraphs and short headings,
/// then a category line; what follows it is WordPress's form, which ours replaces.
pub fn article() -> Article {
    let mut lines = ARTICLE.lines().map(str::trim).filter(|l| !l.is_empty());
    let illustration = lines.next().unwrap_or_default().to_owned();
    let title = lines.next().unwrap_or_default().to_owned();
    let mut blocks = Vec::new();
    let mut footer = String::new();
    for line in lines {
        if line.starts_with("Catégorie") {
            footer = line.to_owned();
            break;
        }
        // The seed's headings are its short lines that end without a full stop.
        let heading = line.len() < 80 && !line.ends_with('.');
        blocks.push(Block {
            heading,
            text: line.to_owned(),
        });
    }
    Article {
        illustration,
        title,
        blocks,
        footer,
    }
}

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage {
    lang: Lang,
    article: Article,
    view: ThreadView,
}

pub fn render(view: ThreadView, status: StatusCode) -> HttpResponse {
    let page = DemoPage {
        lang: Lang::Fr,
        article: article(),
        view,
    };
    match page.render() {
        Ok(body) => html_headers(&mut HttpResponse::build(status)).body(body),
        Err(e) => {
            tracing::error!(error = %e, "demo template failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// `GET /demo`: in French like the article, unless `?lang=en`.
pub async fn demo(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let q: HashMap<String, String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let lang = q
        .get("lang")
        .map(|l| page_lang(&req, Some(l)))
        .unwrap_or(Lang::Fr);
    let page = PageKey::parse(DEMO_PAGE).expect("the demo page key is valid");
    let reply_to = q.get("reply").and_then(|r| r.parse().ok());
    match load_view(&state, page, article().title, lang, reply_to).await {
        Ok(mut view) => {
            add_post_notice(&mut view, &q);
            render(view, StatusCode::OK)
        }
        Err(e) => error_page(e, lang),
    }
}

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::app::{AppState, Db};
use crate::db::queries;
use crate::domain::{FieldErrors, PageKey};
use crate::error::ApiError;
use crate::i18n::Msg;
use crate::routes::{request_site, site_param};

/// An index page rarely lists more; the bound keeps one request's query small.
pub const MAX_PAGES: usize = 200;

/// `GET /api/v1/counts?page=A&page=B` → `{"A": 3, "B": 0}`, keyed by the pages
/// exactly as asked, so that `count.js` finds its elements again.
pub async fn counts(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let site = request_site(&req, &state.config, site_param(&req).as_deref(), false)?
        .id
        .to_string();
    let asked: Vec<String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "page")
        .map(|(_, v)| v.into_owned())
        .collect();
    let mut errors = FieldErrors::new();
    if asked.is_empty() {
        errors.insert("page", Msg::Required);
    } else if asked.len() > MAX_PAGES {
        errors.insert("page", Msg::TooManyPages { max: MAX_PAGES });
    }
    let mut keys = Vec::with_capacity(asked.len());
    for a in &asked {
        match PageKey::parse(a) {
            Ok(k) => keys.push(k.as_str().to_owned()),
            Err(m) => {
                errors.insert("page", m);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let found: BTreeMap<String, i64> = state
        .db(move |conn, _| queries::comments::count_approved_by_page(conn, &site, &keys))
        .await?
        .into_iter()
        .collect();
    let answer: BTreeMap<&str, i64> = asked
        .iter()
        .map(|a| {
            let key = PageKey::parse(a)
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default();
            (a.as_str(), found.get(&key).copied().unwrap_or(0))
        })
        .collect();
    Ok(HttpResponse::Ok().json(answer))
}

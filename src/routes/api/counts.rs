use std::collections::BTreeMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::app::{AppState, Db};
use crate::db::queries;
use crate::domain::{FieldErrors, PageKey};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Msg;
use crate::routes::{request_site, site_param};

/// An index page rarely lists more; the bound keeps one request's query small.
pub const MAX_PAGES: usize = 200;

/// Approved comments per page, keyed by the pages exactly as asked.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"/2024/hello": 3, "/2024/bye/": 0}))]
pub struct Counts<'a>(BTreeMap<&'a str, i64>);

/// The query of `GET /api/v1/counts`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read from the query string by hand
struct CountsParams {
    /// The pages' URL paths: `page=A&page=B`, at most 200.
    #[param(min_items = 1, max_items = 200)]
    page: Vec<String>,
}

/// `GET /api/v1/counts?page=A&page=B` → `{"A": 3, "B": 0}`, keyed by the pages
/// exactly as asked, so that `count.js` finds its elements again.
#[utoipa::path(
    operation_id = "countComments",
    tag = "comments",
    params(super::SiteParam, CountsParams),
    responses(
        (status = 200, description = "Approved comments per page; `0` for a page without any.", body = Counts),
        (status = 403, description = "`site_mismatch`: the request's `Origin` belongs to another site than `site`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no site has this id.", body = ErrorBody),
        (status = 422, description = "`invalid_input`: no `page`, more than 200, or one that is not a path.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u32))),
    )
)]
#[get("/counts")]
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
    Ok(HttpResponse::Ok().json(Counts(answer)))
}

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::app::AppState;
use crate::domain::{AUTHOR_MAX, BODY_MAX, EMAIL_MAX, WEBSITE_MAX};
use crate::error::ApiError;
use crate::i18n::{Lang, Words};
use crate::routes::{request_site, site_param};
use crate::sanitize::{whitelist_markup, WHITELIST};

/// `GET /api/v1/config`: all the embed needs to build the form.
/// It also hands out a signed `form_token` (the time the form appeared), so it is
/// never cached.
pub async fn config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let chosen = request_site(&req, &state.config, site_param(&req).as_deref(), false)?;
    let site = &chosen.settings;
    let markup = whitelist_markup();
    let help: serde_json::Map<String, serde_json::Value> = Lang::ALL
        .iter()
        .map(|l| {
            (
                l.code().to_owned(),
                json!(format!("{} {}", Words::of(*l).whitelist_intro, markup)),
            )
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "form_token": state.secret.sign("form", &crate::db::now().to_string()),
            "honeypot": crate::abuse::HONEYPOT,
            "required": ["author", "email", "body"],
            "optional": ["website", "notify_replies", "parent"],
            "limits": {
                "author": AUTHOR_MAX,
                "email": EMAIL_MAX,
                "website": WEBSITE_MAX,
                "body": BODY_MAX,
            },
            "whitelist": WHITELIST
                .iter()
                .map(|t| json!({"tag": t.name, "attributes": t.attributes}))
                .collect::<Vec<_>>(),
            "whitelist_markup": markup,
            "whitelist_help": help,
            "edit_window": crate::clock::secs(site.edit_window),
            "moderation": site.moderation.as_str(),
            "max_depth": site.max_depth,
            "page_size": state.config.server.page_size,
            "languages": Lang::ALL.iter().map(|l| l.code()).collect::<Vec<_>>(),
            "default_language": site.lang.code(),
            "site": {"id": chosen.id.as_str(), "name": chosen.name},
        })))
}

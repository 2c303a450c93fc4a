use std::collections::BTreeMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::config::ModerationMode;
use crate::domain::{PageKey, AUTHOR_MAX, BODY_MAX, EMAIL_MAX, WEBSITE_MAX};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::{Lang, Words};
use crate::routes::{request_site, site_param};
use crate::sanitize::{whitelist_markup, WHITELIST};

/// What the embed needs to build the form of a site.
#[derive(Serialize, ToSchema)]
pub struct EmbedConfig {
    /// Given with `page`: signed, the time the form appeared, for this site and page
    /// only, for 24 hours. Send it back as `form_token` with the comment: one posted
    /// too soon after is held, one for another page is held, an expired one is
    /// answered `403` `token_expired` with a fresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    form_token: Option<String>,
    /// The name of the trap field that people leave empty (a comment that fills
    /// it is held).
    #[schema(example = "homepage")]
    honeypot: &'static str,
    #[schema(example = json!(["author", "email", "body"]))]
    required: [&'static str; 3],
    #[schema(example = json!(["website", "notify_replies", "parent"]))]
    optional: [&'static str; 3],
    limits: Limits,
    /// The HTML tags a comment may use, each with its allowed attributes.
    whitelist: Vec<AllowedTag>,
    /// The same, as `<tag attribute="">` markup to show readers.
    whitelist_markup: String,
    /// The sentence that tells readers which HTML they may use, per language.
    whitelist_help: BTreeMap<&'static str, String>,
    /// Seconds during which an author may edit or remove their comment.
    edit_window: i64,
    moderation: ModerationMode,
    /// How deep replies nest.
    max_depth: u32,
    /// Comments per page of `GET /api/v1/comments` unless `limit` says otherwise.
    page_size: u32,
    /// The languages Causerie speaks.
    #[schema(example = json!(["en", "fr"]))]
    languages: Vec<&'static str>,
    /// The site's language.
    #[schema(example = "en")]
    default_language: &'static str,
    site: SiteRef,
}

/// The limits of the form's fields, in bytes.
#[derive(Serialize, ToSchema)]
struct Limits {
    author: usize,
    email: usize,
    website: usize,
    body: usize,
}

#[derive(Serialize, ToSchema)]
struct AllowedTag {
    tag: &'static str,
    attributes: &'static [&'static str],
}

#[derive(Serialize, ToSchema)]
struct SiteRef {
    #[schema(example = "default")]
    id: String,
    name: String,
}

/// The page whose form is built, for its `form_token`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read from the query string by `config`
pub struct FormPage {
    /// The page's path (or URL), as posted with the comment.
    #[param(example = "/2024/05/hello")]
    page: Option<String>,
}

/// `GET /api/v1/config`: all the embed needs to build the form.
/// It also hands out a signed `form_token` (the time the form appeared), so it is
/// never cached.
#[utoipa::path(
    operation_id = "getConfig",
    tag = "embed",
    params(super::SiteParam, FormPage),
    responses(
        (status = 200, description = "The site's form: fields, limits, whitelist, edit window, moderation, languages. Never cached.", body = EmbedConfig),
        (status = 403, description = "`site_mismatch`: the request's `Origin` belongs to another site than `site`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no site has this id.", body = ErrorBody),
    )
)]
#[get("/config")]
pub async fn config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let chosen = request_site(&req, &state.config, site_param(&req).as_deref(), false)?;
    let site = &chosen.settings;
    let form_token = crate::routes::query_map(&req)
        .get("page")
        .and_then(|p| PageKey::parse(p).ok())
        .map(|page| {
            crate::abuse::form_token(&state.secret, chosen.id.as_str(), &page, crate::db::now())
        });
    let markup = whitelist_markup();
    let whitelist_help = Lang::ALL
        .iter()
        .map(|l| {
            (
                l.code(),
                format!("{} {}", Words::of(*l).whitelist_intro, markup),
            )
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(EmbedConfig {
            form_token,
            honeypot: crate::abuse::HONEYPOT,
            required: ["author", "email", "body"],
            optional: ["website", "notify_replies", "parent"],
            limits: Limits {
                author: AUTHOR_MAX,
                email: EMAIL_MAX,
                website: WEBSITE_MAX,
                body: BODY_MAX,
            },
            whitelist: WHITELIST
                .iter()
                .map(|t| AllowedTag {
                    tag: t.name,
                    attributes: t.attributes,
                })
                .collect(),
            whitelist_markup: markup,
            whitelist_help,
            edit_window: crate::clock::secs(site.edit_window),
            moderation: site.moderation,
            max_depth: site.max_depth,
            page_size: state.config.server.page_size,
            languages: Lang::ALL.iter().map(|l| l.code()).collect(),
            default_language: site.lang.code(),
            site: SiteRef {
                id: chosen.id.to_string(),
                name: chosen.name.clone(),
            },
        }))
}

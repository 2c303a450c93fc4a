//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API (SPEC section
//! 13), made by `utoipa` from the handlers' `#[utoipa::path]` and the types they
//! read and write, once, at start-up.

use std::sync::LazyLock;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{get, web, App, HttpResponse};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Causerie",
        description = "The public API of a Causerie comment server: threads of comments by page, posting, an author's edit and removal, counts per page, reports, readers' requests for their data, and what the embed needs. Errors are `{\"error\", \"message\", \"fields\"}` (schema `Error`).",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "comments", description = "Threads and their comments."),
        (name = "embed", description = "What the embed needs to build its form."),
        (name = "readers", description = "Readers' rights over their data."),
        (name = "meta", description = "This description."),
    ),
    modifiers(&EditToken),
)]
struct ApiDoc;

/// The edit token that `POST /api/v1/comments` hands the author.
struct EditToken;

impl utoipa::Modify for EditToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "`Authorization: Bearer EDIT_TOKEN`, the `edit_token` of the comment's `POST`.".into(),
        );
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("edit_token", SecurityScheme::Http(scheme));
    }
}

/// The document, serialized, and what the API's fallback needs to tell a wrong method
/// from an unknown path.
pub struct Description {
    json: web::Bytes,
    paths: Vec<(ResourceDef, Vec<Method>)>,
}

static DESCRIPTION: LazyLock<Description> = LazyLock::new(|| {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(super::scope())
        .split_for_parts();
    let paths = api
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let methods = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
                (Method::HEAD, &item.head),
                (Method::OPTIONS, &item.options),
                (Method::TRACE, &item.trace),
            ]
            .into_iter()
            .filter(|(_, op)| op.is_some())
            .map(|(m, _)| m)
            .collect();
            (ResourceDef::new(path.as_str()), methods)
        })
        .collect();
    let json = api.to_json().expect("the OpenAPI document serializes");
    Description {
        json: web::Bytes::from(json),
        paths,
    }
});

/// Built on first use; `startup` uses it before it serves.
pub fn description() -> &'static Description {
    &DESCRIPTION
}

impl Description {
    /// The methods documented for the path of a request, if it is one of the API's.
    pub fn methods_at(&self, path: &str) -> Option<Vec<Method>> {
        self.paths
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.clone())
    }

    pub fn json(&self) -> &web::Bytes {
        &self.json
    }
}

/// `GET /api/v1/openapi.json`
#[utoipa::path(
    operation_id = "getOpenApi",
    tag = "meta",
    responses(
        (status = 200, description = "This document: OpenAPI 3.1.", content_type = "application/json", body = serde_json::Value),
    )
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(description().json.clone())
}

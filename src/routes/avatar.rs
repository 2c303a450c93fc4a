use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::avatar::{identicon_svg, is_valid_key};

/// `GET /avatar/{key}.svg`: the identicon of an avatar key. The picture of a key never
/// changes, so browsers may keep it for a year.
pub async fn avatar(path: web::Path<String>) -> HttpResponse {
    let Some(key) = path.strip_suffix(".svg").filter(|k| is_valid_key(k)) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("No such avatar.");
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(identicon_svg(key))
}

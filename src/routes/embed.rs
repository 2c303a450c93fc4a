//! `/embed.js`, `/embed.css` and `/count.js`: the reader-facing embed (SPEC section 6),
//! compiled into the binary, and `/embed-extra.js`, what only some readers need
//! (editing, deleting, reporting), which the script imports on demand so that its first
//! load stays within budget (SPEC section 15). Each is prepared once (whole-line
//! comments and indentation dropped, the stylesheet's and the extra module's versions
//! written into the script, gzipped at the best level) and served with an `ETag`. A URL
//! carrying `?v=` equal to that version is cached for a year; the plain URL site owners
//! paste is cached for five minutes, then revalidated.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use flate2::Compression;
use sha2::{Digest, Sha256};

const JS_SRC: &str = include_str!("../../embed/embed.js");
const CSS_SRC: &str = include_str!("../../embed/embed.css");
const COUNT_SRC: &str = include_str!("../../embed/count.js");
const EXTRA_SRC: &str = include_str!("../../embed/extra.js");
const CSS_VERSION_PLACEHOLDER: &str = "__CAUSERIE_CSS_VERSION__";
const EXTRA_VERSION_PLACEHOLDER: &str = "__CAUSERIE_EXTRA_VERSION__";

/// How long an unversioned URL may be used without asking again.
const SHORT_MAX_AGE: u32 = 300;

pub struct Asset {
    pub body: String,
    /// The body gzipped once at the best level (actix's `Compress` uses the fastest,
    /// which would cost a quarter of the size budget).
    pub gzipped: Vec<u8>,
    /// The first hex digits of the body's SHA-256: the `?v=` value and the ETag.
    pub version: String,
    content_type: &'static str,
    /// Sent with `Access-Control-Allow-Origin: *`: a module script (`import()`) from
    /// another origin is fetched with CORS, unlike a classic one.
    module: bool,
}

impl Asset {
    fn new(body: String, content_type: &'static str) -> Asset {
        let version = hex::encode(&Sha256::digest(body.as_bytes())[..8]);
        let gzipped = crate::routes::gzip(body.as_bytes(), Compression::best());
        Asset {
            body,
            gzipped,
            version,
            content_type,
            module: false,
        }
    }
}

pub static CSS: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(slim(CSS_SRC, Lang::Css), "text/css; charset=utf-8"));

pub static EXTRA: LazyLock<Asset> = LazyLock::new(|| Asset {
    module: true,
    ..Asset::new(slim(EXTRA_SRC, Lang::Js), "text/javascript; charset=utf-8")
});

pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    let js = slim(JS_SRC, Lang::Js)
        .replace(CSS_VERSION_PLACEHOLDER, &CSS.version)
        .replace(EXTRA_VERSION_PLACEHOLDER, &EXTRA.version);
    Asset::new(js, "text/javascript; charset=utf-8")
});

pub static COUNT: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(slim(COUNT_SRC, Lang::Js), "text/javascript; charset=utf-8"));

#[derive(Clone, Copy)]
enum Lang {
    Js,
    Css,
}

/// Drops what only helps people reading the source: indentation, blank lines, and
/// comments that fill whole lines (`// …` in JavaScript, `/* … */` in CSS; `/*! … */`
/// banners stay). Safe because neither file has multi-line strings; no other rewriting.
fn slim(src: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_css_comment = false;
    for line in src.lines().map(str::trim) {
        match lang {
            Lang::Js if line.starts_with("//") => continue,
            Lang::Css if in_css_comment => {
                in_css_comment = !line.contains("*/");
                continue;
            }
            Lang::Css if line.starts_with("/*") && !line.starts_with("/*!") => {
                in_css_comment = !line.contains("*/");
                continue;
            }
            _ => {}
        }
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/embed.js")
            .route(web::get().to(embed_js))
            .route(web::head().to(embed_js)),
    )
    .service(
        web::resource("/embed.css")
            .route(web::get().to(embed_css))
            .route(web::head().to(embed_css)),
    )
    .service(
        web::resource("/count.js")
            .route(web::get().to(count_js))
            .route(web::head().to(count_js)),
    )
    .service(
        web::resource("/embed-extra.js")
            .route(web::get().to(extra_js))
            .route(web::head().to(extra_js)),
    );
}

async fn embed_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &JS)
}

async fn embed_css(req: HttpRequest) -> HttpResponse {
    serve(&req, &CSS)
}

async fn count_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &COUNT)
}

async fn extra_js(req: HttpRequest) -> HttpResponse {
    serve(&req, &EXTRA)
}

fn serve(req: &HttpRequest, asset: &'static Asset) -> HttpResponse {
    // Weak: the same version is sent gzipped or not.
    let etag = format!("W/\"{}\"", asset.version);
    let versioned = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k == "v" && v == asset.version.as_str());
    let cache = if versioned {
        "public, max-age=31536000, immutable".to_owned()
    } else {
        format!("public, max-age={SHORT_MAX_AGE}")
    };
    let matches = crate::routes::if_none_match(req, &etag);
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        // Any site may load the files; only the configured ones may use the API.
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if asset.module {
        // A public file, the same for everyone: no origin needs telling apart.
        res.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    }
    if matches {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, asset.content_type));
    if crate::routes::accepts_gzip(req) {
        res.insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(asset.gzipped.as_slice())
    } else {
        res.body(asset.body.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slimming_keeps_code_and_banners_and_drops_comments() {
        let js = "/*! banner */\n// note\n  const a = 1; // kept\n\n  if (a) {\n    go();\n  }\n";
        assert_eq!(
            slim(js, Lang::Js),
            "/*! banner */\nconst a = 1; // kept\nif (a) {\ngo();\n}\n"
        );
        let css = "/*! b */\n/* one\n   two */\n#x {\n  color: red;\n}\n/* x */\n";
        assert_eq!(slim(css, Lang::Css), "/*! b */\n#x {\ncolor: red;\n}\n");
    }

    #[test]
    fn the_script_loads_this_very_stylesheet() {
        assert!(!JS.body.contains(CSS_VERSION_PLACEHOLDER));
        assert!(JS.body.contains(&format!("/embed.css?v={}", CSS.version)));
        assert_eq!(CSS.version.len(), 16);
    }

    #[test]
    fn the_script_imports_this_very_extra_module() {
        assert!(!JS.body.contains(EXTRA_VERSION_PLACEHOLDER));
        assert!(JS
            .body
            .contains(&format!("/embed-extra.js?v={}", EXTRA.version)));
        assert!(EXTRA.module && !JS.module);
        assert!(EXTRA.body.contains("export default function"));
    }

    /// The budget: both files together at most 10 KB (10,000 bytes) gzipped.
    #[test]
    fn script_and_stylesheet_fit_in_ten_kilobytes_gzipped() {
        let total = JS.gzipped.len() + CSS.gzipped.len();
        assert!(
            total <= 10_000,
            "embed.js + embed.css: {total} bytes gzipped"
        );
    }
}

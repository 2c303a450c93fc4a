//! `GET /api/v1/openapi.json` (SPEC section 13): the document is valid OpenAPI 3.1,
//! it lists exactly the routes the API serves, and the real answers of every route,
//! success and error, are the ones it describes.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, IF_NONE_MATCH, ORIGIN};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{comment, spawn_app, spawn_app_with, TestApp};

/// The official JSON Schema of OpenAPI 3.1 documents (see the README beside it).
const OAS_31_SCHEMA: &str = include_str!("../fixtures/openapi/oas-3.1-schema-2022-10-07.json");

const BLOG: &str = "http://blog.example";
const NOTES: &str = "http://notes.example";

async fn document(app: &TestApp) -> Value {
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    r.json().await.expect("the document is JSON")
}

/// An answer, read whole, to hold against the document.
struct Answer {
    status: u16,
    content_type: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let content_type = headers.get(CONTENT_TYPE).map(|v| {
        v.to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .trim()
            .to_owned()
    });
    Answer {
        status,
        content_type,
        headers,
        body: r.text().await.unwrap(),
    }
}

/// Holds `answer`, of `method` on the documented path `template`, against the
/// document: its status is documented for that operation, its body is present
/// exactly when the document gives content, in a documented media type, and valid
/// against the schema given for that status (with the document's `components` for
/// its `$ref`s); the headers documented for it are there. Returns the body's JSON.
fn conforms(doc: &Value, method: &str, template: &str, answer: &Answer) -> Value {
    let op = &doc["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let documented = &op["responses"][answer.status.to_string()];
    assert!(
        documented.is_object(),
        "{method} {template} answered {} which the document does not give: {}",
        answer.status,
        answer.body
    );
    if let Some(headers) = documented["headers"].as_object() {
        for name in headers.keys() {
            assert!(
                answer.headers.contains_key(name.as_str()),
                "{method} {template} {}: no {name} header",
                answer.status
            );
        }
    }
    let Some(content) = documented["content"].as_object() else {
        assert!(
            answer.body.is_empty(),
            "{method} {template} {}: a body where the document gives none: {}",
            answer.status,
            answer.body
        );
        return Value::Null;
    };
    let media = answer.content_type.as_deref().unwrap_or("(none)");
    let Some(media_type) = content.get(media) else {
        panic!(
            "{method} {template} {}: content type {media} is not documented",
            answer.status
        );
    };
    let body: Value = serde_json::from_str(&answer.body).unwrap_or_else(|e| {
        panic!(
            "{method} {template} {}: not JSON ({e}): {}",
            answer.status, answer.body
        )
    });
    let mut schema = media_type["schema"].clone();
    let schema_obj = schema.as_object_mut().expect("a schema object");
    schema_obj.insert("components".into(), doc["components"].clone());
    let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {}: the body does not match the document: {errors:?}\n{body:#}",
        answer.status
    );
    body
}

/// A request to `path` (the template with its values), sent, read and held against
/// the document; returns the body's JSON.
struct Call<'a> {
    app: &'a TestApp,
    doc: &'a Value,
}

impl Call<'_> {
    async fn check(
        &self,
        method: Method,
        template: &str,
        path: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> (u16, Value) {
        let request = build(self.app.client.request(method.clone(), self.app.url(path)));
        let a = answer(request.send().await.unwrap()).await;
        let body = conforms(self.doc, method.as_str(), template, &a);
        (a.status, body)
    }
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| {
                    [
                        "get", "put", "post", "delete", "patch", "head", "options", "trace",
                    ]
                    .contains(&m.as_str())
                })
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

#[actix_web::test]
async fn the_document_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schema: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the OAS 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["license"]["identifier"], "AGPL-3.0-or-later");
    // Every operation says what it answers, and every error is SPEC's shape.
    for (method, path) in operations(&doc) {
        let responses = doc["paths"][&path][method.to_lowercase()]["responses"]
            .as_object()
            .unwrap();
        assert!(!responses.is_empty(), "{method} {path}");
        for (status, r) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{method} {path} {status}"
                );
            }
        }
    }
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_the_api_serves() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut listed: Vec<String> = operations(&doc)
        .into_iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    listed.sort();
    // SPEC section 5 and 13: the public API.
    assert_eq!(
        listed,
        [
            "DELETE /api/v1/comments/{id}",
            "GET /api/v1/comments",
            "GET /api/v1/config",
            "GET /api/v1/counts",
            "GET /api/v1/openapi.json",
            "POST /api/v1/comments",
            "POST /api/v1/comments/{id}/report",
            "POST /api/v1/my-data",
            "PUT /api/v1/comments/{id}",
        ]
    );
    // What the API answers where it has no route.
    let unknown = answer(
        app.client
            .get(app.url("/api/v1/no-such-route"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unknown.status, 404);
    for (method, path) in operations(&doc) {
        let path = path.replace("{id}", "999999");
        let a = answer(
            app.client
                .request(method.parse().unwrap(), app.url(&path))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            !(a.status == unknown.status && a.body == unknown.body) && a.status != 405,
            "{method} {path} is documented but not served: {} {}",
            a.status,
            a.body
        );
    }
    // A documented path with a method it does not have: 405 with what it allows.
    let r = app
        .client
        .patch(app.url("/api/v1/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let allow = r.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

/// Whoever adds an `/api/v1` route must document it: the API's routes are
/// registered only through `utoipa_actix_web` (whose `service` takes only handlers
/// with `#[utoipa::path]`), so any other way of adding one is refused here.
#[test]
fn api_routes_are_registered_only_where_they_are_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let api = root.join("routes").join("api");
    let mut offences = Vec::new();
    for file in files {
        // The documented scope is `utoipa_actix_web::scope(`; anything else is not.
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("utoipa_actix_web::scope(", "documented scope(");
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        if file.starts_with(&api) {
            // Inside the API: `.service(handler)` on the utoipa scope, nothing else.
            for way in [
                ".route(",
                "web::resource(",
                "Resource::new(",
                "web::scope(",
                "web::get()",
                "web::post()",
                "web::put()",
                "web::delete()",
                "web::method(",
            ] {
                if text.contains(way) {
                    offences.push(format!("{name} registers a route with {way}"));
                }
            }
            let to = text.matches("web::to(").count();
            let fallback = text.matches(".default_service(web::to(not_found))").count();
            if to != fallback {
                offences.push(format!("{name} registers a handler with web::to("));
            }
        } else if text.contains("\"/api") {
            offences.push(format!("{name} names an /api path outside src/routes/api/"));
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

/// Two sites, so that a request can name another site than its `Origin`'s.
fn two_sites(s: &mut causerie::config::Settings) {
    s.moderation = causerie::config::ModerationMode::None;
    s.sites = vec![
        json!({"id": "blog", "name": "Le blog", "origins": [BLOG]}),
        json!({"id": "notes", "name": "Notes", "origins": [NOTES]}),
    ];
}

#[actix_web::test]
async fn every_answer_of_the_read_routes_is_the_documented_one() {
    let app = spawn_app_with(two_sites).await;
    let doc = document(&app).await;
    let call = Call {
        app: &app,
        doc: &doc,
    };
    let none = |r| r;

    // GET /api/v1/openapi.json
    let (s, _) = call
        .check(
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            none,
        )
        .await;
    assert_eq!(s, 200);

    // GET /api/v1/config
    let t = "/api/v1/config";
    assert_eq!(call.check(Method::GET, t, t, none).await.0, 200);
    let (s, v) = call
        .check(Method::GET, t, "/api/v1/config?site=notes", none)
        .await;
    assert_eq!((s, v["site"]["id"].as_str()), (200, Some("notes")));
    let (s, v) = call
        .check(Method::GET, t, "/api/v1/config?site=nope", none)
        .await;
    assert_eq!((s, v["error"].as_str()), (404, Some("not_found")));
    let (s, v) = call
        .check(Method::GET, t, "/api/v1/config?site=notes", |r| {
            r.header(ORIGIN, BLOG)
        })
        .await;
    assert_eq!((s, v["error"].as_str()), (403, Some("site_mismatch")));

    // GET /api/v1/comments
    let t = "/api/v1/comments";
    let (s, v) = call
        .check(Method::GET, t, "/api/v1/comments?page=/a", none)
        .await;
    assert_eq!((s, v["count"].as_i64()), (200, Some(0)));
    for i in 0..3 {
        let mut c = comment("/a", "Camille", &format!("commentaire {i}"));
        c["site"] = json!("blog");
        app.create(&c).await;
    }
    let (s, v) = call
        .check(
            Method::GET,
            t,
            "/api/v1/comments?site=blog&page=/a&limit=2",
            none,
        )
        .await;
    assert_eq!((s, v["comments"].as_array().unwrap().len()), (200, 2));
    assert_eq!(v["more"], true);
    let cursor = v["cursor"].as_str().unwrap().to_owned();
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/comments?site=blog&page=/a&limit=2&cursor={cursor}"
        )))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let v = conforms(&doc, "GET", t, &answer(r).await);
    assert_eq!(v["more"], false);
    let (s, _) = call
        .check(
            Method::GET,
            t,
            &format!("/api/v1/comments?site=blog&page=/a&limit=2&cursor={cursor}"),
            |r| r.header(IF_NONE_MATCH, etag),
        )
        .await;
    assert_eq!(s, 304);
    for bad in [
        "/api/v1/comments",
        "/api/v1/comments?page=/a&limit=0",
        "/api/v1/comments?page=/a&cursor=x",
    ] {
        let (s, v) = call.check(Method::GET, t, bad, none).await;
        assert_eq!(
            (s, v["error"].as_str()),
            (422, Some("invalid_input")),
            "{bad}"
        );
    }
    let (s, _) = call
        .check(Method::GET, t, "/api/v1/comments?site=nope&page=/a", none)
        .await;
    assert_eq!(s, 404);
    let (s, _) = call
        .check(Method::GET, t, "/api/v1/comments?site=notes&page=/a", |r| {
            r.header(ORIGIN, BLOG)
        })
        .await;
    assert_eq!(s, 403);

    // GET /api/v1/counts
    let t = "/api/v1/counts";
    let (s, v) = call
        .check(
            Method::GET,
            t,
            "/api/v1/counts?site=blog&page=/a&page=/b",
            none,
        )
        .await;
    assert_eq!((s, &v), (200, &json!({"/a": 3, "/b": 0})));
    let (s, _) = call.check(Method::GET, t, t, none).await;
    assert_eq!(s, 422);
    let (s, _) = call
        .check(Method::GET, t, "/api/v1/counts?site=nope&page=/a", none)
        .await;
    assert_eq!(s, 404);
    let (s, _) = call
        .check(Method::GET, t, "/api/v1/counts?site=notes&page=/a", |r| {
            r.header(ORIGIN, BLOG)
        })
        .await;
    assert_eq!(s, 403);
}

#[actix_web::test]
async fn every_answer_of_the_write_routes_is_the_documented_one() {
    let app = spawn_app_with(two_sites).await;
    let doc = document(&app).await;
    let call = Call {
        app: &app,
        doc: &doc,
    };
    let t = "/api/v1/comments";
    let json_body = |v: Value| move |r: reqwest::RequestBuilder| r.json(&v);

    // POST /api/v1/comments
    let (s, created) = call
        .check(
            Method::POST,
            t,
            t,
            json_body(comment("/a", "Camille", "bonjour")),
        )
        .await;
    assert_eq!(s, 201);
    let id = created["comment"]["id"].as_i64().unwrap();
    let token = created["edit_token"].as_str().unwrap().to_owned();
    let (s, v) = call
        .check(
            Method::POST,
            t,
            t,
            json_body(comment("/a", "Camille", "bonjour")),
        )
        .await;
    assert_eq!((s, v["error"].as_str()), (409, Some("duplicate")));
    let mut reply = comment("/a", "Dominique", "réponse");
    reply["parent"] = json!(999_999);
    let (s, _) = call.check(Method::POST, t, t, json_body(reply)).await;
    assert_eq!(s, 404);
    let mut elsewhere = comment("/a", "Dominique", "ailleurs");
    elsewhere["site"] = json!("nope");
    let (s, _) = call.check(Method::POST, t, t, json_body(elsewhere)).await;
    assert_eq!(s, 404);
    let mut missing = comment("/a", "Dominique", "");
    missing.as_object_mut().unwrap().remove("email");
    let (s, v) = call.check(Method::POST, t, t, json_body(missing)).await;
    assert_eq!(s, 422);
    assert!(
        v["fields"]["email"].is_string() && v["fields"]["body"].is_string(),
        "{v}"
    );
    let (s, _) = call
        .check(Method::POST, t, t, |r| {
            r.header(CONTENT_TYPE, "application/json")
                .body("{\"page\": ")
        })
        .await;
    assert_eq!(s, 400);
    let (s, _) = call
        .check(Method::POST, t, t, |r| {
            r.header(CONTENT_TYPE, "text/plain").body("hello")
        })
        .await;
    assert_eq!(s, 415);
    let mut huge = comment("/a", "Dominique", "");
    huge["body"] = json!("a".repeat(129 * 1024));
    let (s, _) = call.check(Method::POST, t, t, json_body(huge)).await;
    assert_eq!(s, 413);
    // A day-old form token: 403 with a fresh one, in the documented error shape.
    let mut stale = comment("/a", "Dominique", "onglet d'hier");
    stale["site"] = json!("blog");
    let page = causerie::domain::PageKey::parse("/a").unwrap();
    stale["form_token"] = json!(causerie::abuse::form_token(
        &app.secret(),
        "blog",
        &page,
        causerie::db::now() - 25 * 3600
    ));
    let (s, v) = call.check(Method::POST, t, t, json_body(stale)).await;
    assert_eq!((s, v["error"].as_str()), (403, Some("token_expired")));
    assert!(v["form_token"].is_string(), "{v}");
    let (s, v) = call
        .check(Method::POST, t, t, |r| {
            r.header(ORIGIN, "http://elsewhere.example").json(&comment(
                "/a",
                "Dominique",
                "d'ailleurs",
            ))
        })
        .await;
    assert_eq!((s, v["error"].as_str()), (403, Some("origin_not_allowed")));
    app.create(&comment("/closed", "Camille", "avant")).await;
    app.sql("UPDATE threads SET closed = TRUE WHERE page = '/closed'");
    let (s, v) = call
        .check(
            Method::POST,
            t,
            t,
            json_body(comment("/closed", "Dominique", "après")),
        )
        .await;
    assert_eq!((s, v["error"].as_str()), (403, Some("thread_closed")));

    // PUT /api/v1/comments/{id}
    let t = "/api/v1/comments/{id}";
    let path = format!("/api/v1/comments/{id}");
    let with = |token: &str, body: Value| {
        let token = token.to_owned();
        move |r: reqwest::RequestBuilder| r.bearer_auth(token).json(&body)
    };
    let (s, v) = call
        .check(
            Method::PUT,
            t,
            &path,
            with(&token, json!({"body": "bonjour !"})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["comment"]["edited_at"].is_string(), "{v}");
    let (s, v) = call
        .check(Method::PUT, t, &path, with("wrong", json!({"body": "non"})))
        .await;
    assert_eq!((s, v["error"].as_str()), (403, Some("token_invalid")));
    let (s, v) = call
        .check(Method::PUT, t, &path, json_body(json!({"body": "non"})))
        .await;
    assert_eq!((s, v["error"].as_str()), (403, Some("token_missing")));
    let (s, _) = call
        .check(
            Method::PUT,
            t,
            "/api/v1/comments/999999",
            with(&token, json!({"body": "non"})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = call
        .check(Method::PUT, t, &path, with(&token, json!({"body": "  "})))
        .await;
    assert_eq!(s, 422);
    let (s, _) = call
        .check(Method::PUT, t, &path, |r| {
            r.header(AUTHORIZATION, format!("Bearer {token}"))
                .header(CONTENT_TYPE, "application/json")
                .body("{")
        })
        .await;
    assert_eq!(s, 400);
    let (s, _) = call
        .check(Method::PUT, t, &path, |r| {
            r.header(AUTHORIZATION, format!("Bearer {token}"))
                .header(CONTENT_TYPE, "text/plain")
                .body("bonjour")
        })
        .await;
    assert_eq!(s, 415);
    let (s, _) = call
        .check(
            Method::PUT,
            t,
            &path,
            with(&token, json!({"body": "a".repeat(129 * 1024)})),
        )
        .await;
    assert_eq!(s, 413);

    // DELETE /api/v1/comments/{id}
    let bearer = |token: &str| {
        let token = token.to_owned();
        move |r: reqwest::RequestBuilder| r.bearer_auth(token)
    };
    let (s, v) = call.check(Method::DELETE, t, &path, bearer("wrong")).await;
    assert_eq!((s, v["error"].as_str()), (403, Some("token_invalid")));
    let (s, _) = call.check(Method::DELETE, t, &path, |r| r).await;
    assert_eq!(s, 403);
    let (s, _) = call
        .check(Method::DELETE, t, "/api/v1/comments/999999", bearer(&token))
        .await;
    assert_eq!(s, 404);
    let (s, _) = call.check(Method::DELETE, t, &path, bearer(&token)).await;
    assert_eq!(s, 204);
}

#[actix_web::test]
async fn a_rate_limited_comment_is_the_documented_429() {
    let app = spawn_app_with(|s| {
        s.moderation = causerie::config::ModerationMode::None;
        s.flood_seconds = 3600;
    })
    .await;
    let doc = document(&app).await;
    let call = Call {
        app: &app,
        doc: &doc,
    };
    let t = "/api/v1/comments";
    app.create(&comment("/a", "Camille", "un")).await;
    let (s, v) = call
        .check(Method::POST, t, t, |r| {
            r.json(&comment("/a", "Camille", "deux"))
        })
        .await;
    assert_eq!((s, v["error"].as_str()), (429, Some("too_many_requests")));
}

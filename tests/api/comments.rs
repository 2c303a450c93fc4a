//! The JSON API of SPEC section 5, one behaviour per test.

use serde_json::{json, Value};

use crate::helpers::{comment, spawn_app, spawn_app_with};
use causerie::config::ModerationMode;

#[actix_web::test]
async fn health_check_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = app.get_text("/healthz").await;
    assert_eq!(status, 200);
    assert!(body.contains("ok"));
}

#[actix_web::test]
async fn first_comment_creates_the_thread_and_is_listed() {
    let app = spawn_app().await;
    let created = app
        .create(&comment("/articles/cloud", "Camille", "Bel article !"))
        .await;
    assert_eq!(created["status"], "approved");
    assert!(created["edit_token"].as_str().unwrap().len() >= 32);
    assert!(created["editable_until"].as_str().unwrap().ends_with('Z'));
    let c = &created["comment"];
    assert_eq!(c["author"], "Camille");
    assert_eq!(c["body"], "<p>Bel article !</p>");
    assert_eq!(c["parent"], Value::Null);
    assert_eq!(c["moderator"], false);

    let listed = app.list("/articles/cloud").await;
    assert_eq!(listed["title"], "Rachat de Cloudwatt par Orange");
    assert_eq!(listed["open"], true);
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["comments"].as_array().unwrap().len(), 1);
    assert_eq!(listed["comments"][0]["id"], c["id"]);
    for field in [
        "id",
        "parent",
        "author",
        "website",
        "avatar",
        "body",
        "created_at",
        "edited_at",
        "moderator",
    ] {
        assert!(
            listed["comments"][0].get(field).is_some(),
            "missing {field}"
        );
    }
}

#[actix_web::test]
async fn trailing_slash_query_and_fragment_name_the_same_page() {
    let app = spawn_app().await;
    app.create(&comment("/a/", "Camille", "un")).await;
    app.create(&comment("/a?utm_source=x#c1", "Dominique", "deux"))
        .await;
    assert_eq!(app.list("/a").await["count"], 2);
    assert_eq!(app.list("/a/").await["count"], 2);
}

#[actix_web::test]
async fn unknown_page_is_an_empty_open_thread() {
    let app = spawn_app().await;
    let listed = app.list("/never/commented").await;
    assert_eq!(listed["count"], 0);
    assert_eq!(listed["open"], true);
    assert_eq!(listed["comments"], json!([]));
}

#[actix_web::test]
async fn comments_are_listed_oldest_first_in_pages() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.create(&comment("/p", "Camille", &format!("commentaire {i}")))
            .await;
    }
    let first: Value = app.get_json("/api/v1/comments?page=/p&limit=2").await;
    assert_eq!(first["count"], 5);
    assert_eq!(first["more"], true);
    let bodies = |v: &Value| -> Vec<String> {
        v["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        bodies(&first),
        ["<p>commentaire 0</p>", "<p>commentaire 1</p>"]
    );
    let mut cursor = first["cursor"].as_str().unwrap().to_owned();
    let mut seen = bodies(&first);
    loop {
        let next: Value = app
            .get_json(&format!("/api/v1/comments?page=/p&limit=2&cursor={cursor}"))
            .await;
        seen.extend(bodies(&next));
        if next["more"] == false {
            assert_eq!(next["cursor"], Value::Null);
            break;
        }
        cursor = next["cursor"].as_str().unwrap().to_owned();
    }
    let expected: Vec<String> = (0..5).map(|i| format!("<p>commentaire {i}</p>")).collect();
    assert_eq!(seen, expected);
}

#[actix_web::test]
async fn bad_list_parameters_are_named() {
    let app = spawn_app().await;
    for (query, field) in [
        ("", "page"),
        ("page=nope", "page"),
        ("page=/a&limit=0", "limit"),
        ("page=/a&limit=abc", "limit"),
        ("page=/a&cursor=-4", "cursor"),
    ] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/comments?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{query}");
        let v: Value = r.json().await.unwrap();
        assert!(v["fields"].get(field).is_some(), "{query}: {v}");
    }
}

#[actix_web::test]
async fn rejects_comment_without_required_fields_naming_each_one() {
    let app = spawn_app().await;
    let r = app
        .post_comment(&json!({"page": "/a", "author": "  ", "website": "ftp://x.org"}))
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_input");
    let fields = v["fields"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["author", "body", "email", "website"]);
    assert_eq!(fields["author"], "This field is required.");
    assert_eq!(app.list("/a").await["count"], 0);
}

#[actix_web::test]
async fn error_messages_follow_accept_language() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
        .json(&json!({"page": "/a", "author": "Camille", "email": "pas-une-adresse", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-language"], "fr");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["fields"]["email"],
        "Veuillez saisir une adresse de messagerie valide."
    );
    assert_eq!(
        v["message"],
        "Veuillez vérifier les champs indiqués ci-dessous."
    );
}

#[actix_web::test]
async fn refusals_before_the_handler_also_follow_accept_language() {
    let app = spawn_app().await;
    let unknown = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .header("Accept-Language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["content-language"], "fr");
    let malformed = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Accept-Language", "fr")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["content-language"], "fr");
    let v: Value = malformed.json().await.unwrap();
    assert_eq!(v["error"], "malformed_json");
    let english = app
        .client
        .get(app.url("/api/v1/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), 422);
    assert_eq!(english.headers()["content-language"], "en");
}

#[actix_web::test]
async fn byte_limits_are_those_of_wordpress() {
    let app = spawn_app().await;
    // 'é' is two bytes: 123 of them are 246 bytes, one over the author limit.
    let mut c = comment("/a", "x", "corps");
    c["author"] = json!("é".repeat(123));
    // Local parts stop at 64 (RFC 5321): the extra length goes in the domain.
    c["email"] = json!(format!("{}@{}.example.org", "a".repeat(60), "b".repeat(28)));
    c["website"] = json!(format!("https://example.org/{}", "p".repeat(181)));
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert!(v["fields"]["author"].as_str().unwrap().contains("245"));
    assert!(v["fields"]["email"].as_str().unwrap().contains("100"));
    assert!(v["fields"]["website"].as_str().unwrap().contains("200"));

    c["author"] = json!("é".repeat(122));
    c["email"] = json!(format!("{}@{}.example.org", "a".repeat(60), "b".repeat(27)));
    c["website"] = json!(format!("https://example.org/{}", "p".repeat(180)));
    app.create(&c).await;

    let mut long = comment("/a", "Camille", "");
    long["body"] = json!("a".repeat(65_526));
    let r = app.post_comment(&long).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert!(v["fields"]["body"].as_str().unwrap().contains("65525"));
}

#[actix_web::test]
async fn website_must_be_an_absolute_http_url() {
    let app = spawn_app().await;
    for bad in [
        "javascript:alert(1)",
        "www.example.org",
        "/moi",
        "mailto:a@b.org",
    ] {
        let mut c = comment("/a", "Camille", bad);
        c["website"] = json!(bad);
        let r = app.post_comment(&c).await;
        assert_eq!(r.status(), 422, "{bad}");
    }
    let mut c = comment("/a", "Camille", "ok");
    c["website"] = json!("https://camille.example.fr/blog");
    let v = app.create(&c).await;
    assert_eq!(v["comment"]["website"], "https://camille.example.fr/blog");
}

#[actix_web::test]
async fn a_field_of_the_wrong_type_is_named() {
    let app = spawn_app().await;
    let mut c = comment("/a", "Camille", "x");
    c["author"] = json!(["not", "text"]);
    c["notify_replies"] = json!({"yes": 1});
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["fields"]["author"].as_str().unwrap().contains("type"),
        "{v}"
    );
    assert!(v["fields"].get("notify_replies").is_some(), "{v}");
}

#[actix_web::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies_get_clear_errors() {
    let app = spawn_app().await;
    let r = app
        .post_raw("application/json", "{\"page\": \"/a\", ")
        .await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "malformed_json");

    let r = app.post_raw("text/plain", "hello").await;
    assert_eq!(r.status(), 415);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "unsupported_media_type");

    let mut huge = comment("/a", "Camille", "");
    huge["body"] = json!("a".repeat(129 * 1024));
    let r = app.post_comment(&huge).await;
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "payload_too_large");
    assert!(v["message"].as_str().unwrap().contains("128"));
}

#[actix_web::test]
async fn errors_never_leak_internals() {
    let app = spawn_app().await;
    let r = app.post_raw("application/json", "[1, 2").await;
    let text = r.text().await.unwrap().to_lowercase();
    for leak in ["sql", "diesel", "/src/", ".rs", "panicked", "backtrace"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    let (status, body) = app.get_text("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert!(body.contains("\"error\":\"not_found\""), "{body}");
}

#[actix_web::test]
async fn reply_to_unknown_or_foreign_parent_is_404() {
    let app = spawn_app().await;
    let other = app.create(&comment("/other", "Camille", "ailleurs")).await;
    let mut c = comment("/a", "Dominique", "réponse");
    c["parent"] = json!(9999);
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 404);
    c["parent"] = other["comment"]["id"].clone();
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "not_found");
    c["parent"] = json!("douze");
    assert_eq!(app.post_comment(&c).await.status(), 422);
}

#[actix_web::test]
async fn replies_nest_to_max_depth_then_attach_to_the_deepest_allowed_ancestor() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.max_depth = 2;
    })
    .await;
    let root = app.create(&comment("/a", "A", "racine")).await["comment"]["id"]
        .as_i64()
        .unwrap();
    let mut parent = root;
    let mut ids = vec![root];
    for i in 1..=4 {
        let mut c = comment("/a", &format!("R{i}"), &format!("niveau {i}"));
        c["parent"] = json!(parent);
        let v = app.create(&c).await;
        parent = v["comment"]["id"].as_i64().unwrap();
        ids.push(parent);
    }
    let listed = app.list("/a").await;
    let parents: Vec<Value> = listed["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["parent"].clone())
        .collect();
    // depth 1 under root, depth 2 under it; deeper replies hang under the depth-1 one.
    assert_eq!(
        parents,
        vec![
            Value::Null,
            json!(ids[0]),
            json!(ids[1]),
            json!(ids[1]),
            json!(ids[1])
        ]
    );
}

#[actix_web::test]
async fn posting_the_same_comment_twice_is_409() {
    let app = spawn_app().await;
    let c = comment("/a", "Camille", "Deux fois la même chose");
    app.create(&c).await;
    let r = app.post_comment(&c).await;
    assert_eq!(r.status(), 409);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "duplicate");
    assert_eq!(app.list("/a").await["count"], 1);
}

#[actix_web::test]
async fn first_time_moderation_holds_new_commenters_only() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::FirstTime).await;
    let v = app.create(&comment("/a", "Camille", "premier")).await;
    assert_eq!(v["status"], "pending");
    assert_eq!(app.list("/a").await["count"], 0);
    // A moderator approves it (the admin page is another issue's; the effect is this).
    app.sql(&format!(
        "UPDATE comments SET status = 'approved' WHERE id = {}",
        v["comment"]["id"]
    ));
    let mut again = comment("/b", "Camille", "second");
    again["email"] = json!("CAMILLE@example.org");
    assert_eq!(app.create(&again).await["status"], "approved");
    assert_eq!(
        app.create(&comment("/b", "Dominique", "nouveau")).await["status"],
        "pending"
    );
    assert_eq!(app.list("/b").await["count"], 1);
}

#[actix_web::test]
async fn moderation_all_holds_everything() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::All).await;
    let v = app.create(&comment("/a", "Camille", "premier")).await;
    app.sql(&format!(
        "UPDATE comments SET status = 'approved' WHERE id = {}",
        v["comment"]["id"]
    ));
    assert_eq!(
        app.create(&comment("/a", "Camille", "second")).await["status"],
        "pending"
    );
    let reason = app.stored("SELECT hold_reason AS v FROM comments ORDER BY id DESC LIMIT 1");
    assert_eq!(reason.as_deref(), Some("moderation_all"));
}

#[actix_web::test]
async fn a_closed_thread_refuses_comments() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "avant")).await;
    app.sql("UPDATE threads SET closed = TRUE WHERE page = '/a'");
    let r = app.post_comment(&comment("/a", "Dominique", "après")).await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "thread_closed");
    assert_eq!(app.list("/a").await["open"], false);
}

#[actix_web::test]
async fn bodies_are_sanitized_on_write_and_raw_text_is_kept() {
    let app = spawn_app().await;
    let raw = "<script>alert(1)</script><b onclick=\"x()\">gras</b> <a href=\"javascript:alert(2)\">lien</a>\nhttps://example.org";
    let v = app.create(&comment("/a", "Camille", raw)).await;
    let body = v["comment"]["body"].as_str().unwrap();
    assert_eq!(
        body,
        "<p><b>gras</b> <a rel=\"nofollow ugc noopener\">lien</a><br>\
         <a href=\"https://example.org\" rel=\"nofollow ugc noopener\">https://example.org</a></p>"
    );
    let stored = app.stored(&format!(
        "SELECT body_raw AS v FROM comments WHERE id = {}",
        v["comment"]["id"]
    ));
    assert_eq!(stored.as_deref(), Some(raw));
}

#[actix_web::test]
async fn author_edits_within_the_window_with_the_token() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "premier jet")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let token = v["edit_token"].as_str().unwrap();
    let r = app.edit(id, Some(token), "version <i>corrigée</i>").await;
    assert_eq!(r.status(), 200);
    let edited: Value = r.json().await.unwrap();
    assert_eq!(edited["comment"]["body"], "<p>version <i>corrigée</i></p>");
    assert!(edited["comment"]["edited_at"].is_string());
    let listed = app.list("/a").await;
    assert_eq!(
        listed["comments"][0]["body"],
        "<p>version <i>corrigée</i></p>"
    );
}

#[actix_web::test]
async fn edit_and_delete_need_the_right_token() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "à moi")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let other = app.create(&comment("/a", "Dominique", "à toi")).await;

    let r = app.edit(id, None, "x").await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "token_missing");

    let wrong = other["edit_token"].as_str().unwrap();
    let r = app.edit(id, Some(wrong), "x").await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "token_invalid");

    let r = app.delete(id, Some(wrong)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.list("/a").await["count"], 2);

    let r = app.edit(424242, Some(wrong), "x").await;
    assert_eq!(r.status(), 404);

    let token = v["edit_token"].as_str().unwrap();
    let r = app.edit(id, Some(token), "  ").await;
    assert_eq!(r.status(), 422);
    assert!(r.json::<Value>().await.unwrap()["fields"]
        .get("body")
        .is_some());
}

#[actix_web::test]
async fn edit_and_delete_are_refused_after_the_window() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "ancien")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let token = v["edit_token"].as_str().unwrap();
    // Sixteen minutes ago: one past the default window of fifteen.
    app.sql(&format!(
        "UPDATE comments SET created_at = created_at - 960 WHERE id = {id}"
    ));
    let r = app.edit(id, Some(token), "trop tard").await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "edit_window_closed"
    );
    let r = app.delete(id, Some(token)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.list("/a").await["comments"][0]["body"], "<p>ancien</p>");
}

#[actix_web::test]
async fn author_deletes_within_the_window_and_it_leaves_every_view() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "regret")).await;
    app.create(&comment("/a", "Dominique", "reste")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let r = app
        .delete(id, Some(v["edit_token"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 204);
    let listed = app.list("/a").await;
    assert_eq!(listed["count"], 1);
    assert!(!listed.to_string().contains("regret"));
    let counts: Value = app.get_json("/api/v1/counts?page=/a").await;
    assert_eq!(counts["/a"], 1);
    let (_, page) = app.get_text("/t?page=/a").await;
    assert!(!page.contains("regret"));
    // A second delete finds nothing.
    let r = app
        .delete(id, Some(v["edit_token"].as_str().unwrap()))
        .await;
    assert_eq!(r.status(), 404);
}

#[actix_web::test]
async fn counts_many_pages_in_one_request() {
    let app = spawn_app().await;
    app.create(&comment("/a", "Camille", "1")).await;
    app.create(&comment("/a/", "Dominique", "2")).await;
    app.create(&comment("/b", "Camille", "3")).await;
    let v: Value = app
        .get_json("/api/v1/counts?page=/a/&page=/b&page=/c")
        .await;
    assert_eq!(v, json!({"/a/": 2, "/b": 1, "/c": 0}));
    let r = app
        .client
        .get(app.url("/api/v1/counts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let many: String = (0..201).map(|i| format!("page=/p{i}&")).collect();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/counts?{many}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[actix_web::test]
async fn config_serves_the_whitelist_and_the_rules() {
    let app = spawn_app().await;
    let v: Value = app.get_json("/api/v1/config").await;
    let tags: Vec<&str> = v["whitelist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "a",
            "abbr",
            "acronym",
            "b",
            "blockquote",
            "cite",
            "code",
            "del",
            "em",
            "i",
            "q",
            "strike",
            "strong"
        ]
    );
    assert_eq!(
        v["whitelist_help"]["fr"],
        "Vous pouvez utiliser ces balises et attributs HTML : <a href=\"\" title=\"\"> <abbr title=\"\"> \
         <acronym title=\"\"> <b> <blockquote cite=\"\"> <cite> <code> <del datetime=\"\"> <em> <i> \
         <q cite=\"\"> <strike> <strong>"
    );
    assert_eq!(v["required"], json!(["author", "email", "body"]));
    assert_eq!(v["limits"]["body"], 65525);
    assert_eq!(v["edit_window"], 900);
    assert_eq!(v["moderation"], "none");
    assert_eq!(v["languages"], json!(["en", "fr"]));
}

#[actix_web::test]
async fn cors_allows_only_the_configured_origins() {
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        s.origins = vec!["https://blog.example.fr".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/comments"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let ok = preflight("https://blog.example.fr").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://blog.example.fr"
    );
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    let r = app
        .client
        .get(app.url("/api/v1/comments?page=/a"))
        .header("Origin", "https://blog.example.fr")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://blog.example.fr"
    );

    let r = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Origin", "https://evil.example")
        .json(&comment("/a", "Mallory", "forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "origin_not_allowed"
    );
    assert_eq!(app.list("/a").await["count"], 0);

    let r = app
        .client
        .post(app.url("/api/v1/comments"))
        .header("Origin", "https://blog.example.fr")
        .json(&comment("/a", "Camille", "depuis le blog"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[actix_web::test]
async fn absurd_page_keys_are_refused() {
    let app = spawn_app().await;
    let long = format!("/{}", "x".repeat(2000));
    for bad in ["relative", "//evil.example/a", "/a%00b", long.as_str()] {
        let r = app.post_comment(&comment(bad, "Camille", "x")).await;
        assert_eq!(r.status(), 422, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert!(v["fields"].get("page").is_some());
    }
}

#[actix_web::test]
async fn stored_ip_is_truncated_and_token_only_hashed() {
    let app = spawn_app().await;
    let v = app.create(&comment("/a", "Camille", "x")).await;
    let id = v["comment"]["id"].as_i64().unwrap();
    let ip = app.stored(&format!("SELECT ip AS v FROM comments WHERE id = {id}"));
    assert_eq!(ip.as_deref(), Some("127.0.0.0/24"));
    let hash = app
        .stored(&format!(
            "SELECT edit_token_hash AS v FROM comments WHERE id = {id}"
        ))
        .unwrap();
    let token = v["edit_token"].as_str().unwrap();
    assert_ne!(hash, token);
    assert!(!hash.contains(token));
    assert_eq!(hash.len(), 64);
}

#[actix_web::test]
async fn concurrent_posts_are_each_answered_for_themselves() {
    // Posts arriving together are committed together (group commit on SQLite): one
    // that fails must spoil none of the others, and each 201 must be stored.
    let app = spawn_app().await;
    let posts = (0..40).map(|i| {
        let mut c = comment(
            "/groupe",
            &format!("Lecteur {i}"),
            &format!("commentaire {i}"),
        );
        if i % 10 == 3 {
            c["parent"] = json!(999_999); // unknown parent: 404
        }
        if i % 10 == 7 {
            c["email"] = json!("pas-une-adresse"); // refused before the database
        }
        let app = &app;
        async move { (i, app.post_comment(&c).await.status().as_u16()) }
    });
    let results = futures_util::future::join_all(posts).await;
    let mut created = 0;
    for (i, status) in results {
        let expected = match i % 10 {
            3 => 404,
            7 => 422,
            _ => 201,
        };
        assert_eq!(status, expected, "post {i}");
        created += usize::from(status == 201);
    }
    let listed = app.list("/groupe").await;
    assert_eq!(listed["count"], created);
    assert_eq!(created, 32);
}

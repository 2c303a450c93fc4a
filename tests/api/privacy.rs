//! SPEC section 4: no public response ever carries a commenter's email, or an unsalted
//! hash of it. Comments are posted with canary addresses, then every public route is
//! read and searched, bodies and headers, for the address and its usual hashes.

use md5::Md5;
use reqwest::header::LOCATION;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::helpers::{comment, spawn_app, spawn_app_on, until, TestApp};
use crate::nojs::{filled_form, post_form};

/// The canaries: a local part found nowhere else, so any encoding of the address that
/// keeps it (URL-encoding, entities, JSON escapes) is caught too.
const CANARY: &str = "canary.7f3a@example.org";
const CANARY_MIXED_CASE: &str = " Canary.7F3A@Example.ORG ";
const OTHER: &str = "other.c4e1@example.org";

/// One public answer as a client received it.
struct Seen {
    what: String,
    headers: String,
    body: String,
}

async fn seen(what: impl Into<String>, r: reqwest::Response) -> (Seen, u16) {
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let body = r.text().await.unwrap();
    (
        Seen {
            what: what.into(),
            headers,
            body,
        },
        status,
    )
}

fn hex_digests(s: &str) -> Vec<(&'static str, String)> {
    vec![
        ("md5", hex(&Md5::digest(s.as_bytes()))),
        ("sha1", hex(&Sha1::digest(s.as_bytes()))),
        ("sha256", hex(&Sha256::digest(s.as_bytes()))),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What must never appear, for each email as typed: the address, its local part, and
/// the md5 / sha1 / sha256 hex of the address as typed and as Gravatar normalizes it
/// (trimmed, lowercase). A hash is searched for by its first and last 16 hex digits,
/// so a truncated hash (an avatar key cut to 32 digits, say) is caught too; 64 bits
/// do not match by chance.
fn forbidden(emails: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for typed in emails {
        let normalized = typed.trim().to_lowercase();
        let local = normalized.split('@').next().unwrap().to_owned();
        out.push((format!("local part of {normalized}"), local));
        out.push((format!("address {normalized}"), normalized.clone()));
        for form in [
            typed.to_string(),
            typed.trim().to_string(),
            normalized.clone(),
        ] {
            for (algo, digest) in hex_digests(&form) {
                let tail = &digest[digest.len() - 16..];
                for (part, hex) in [("prefix", &digest[..16]), ("suffix", tail)] {
                    if !out.iter().any(|(_, known)| known == hex) {
                        out.push((format!("{algo}({form:?}) {part}"), hex.to_owned()));
                    }
                }
            }
        }
    }
    out
}

/// Every place where one of `emails` shows through, described.
fn leaks(pages: &[Seen], emails: &[&str]) -> Vec<String> {
    let needles = forbidden(emails);
    let mut leaks = Vec::new();
    for p in pages {
        let headers = p.headers.to_lowercase();
        let body = p.body.to_lowercase();
        for (name, needle) in &needles {
            if headers.contains(needle.as_str()) {
                leaks.push(format!("{}: headers contain the {name}", p.what));
            }
            if body.contains(needle.as_str()) {
                leaks.push(format!("{}: body contains the {name}", p.what));
            }
        }
    }
    leaks
}

fn assert_nothing_leaks(pages: &[Seen], emails: &[&str]) {
    let found = leaks(pages, emails);
    assert!(found.is_empty(), "email leaks:\n{}", found.join("\n"));
}

fn with_email(mut c: Value, email: &str, website: &str) -> Value {
    c["email"] = json!(email);
    c["website"] = json!(website);
    c
}

#[actix_web::test]
async fn no_public_response_contains_the_commenters_email_or_a_hash_of_it() {
    let app = spawn_app().await;
    let page = "/privacy";
    let mut pages: Vec<Seen> = Vec::new();

    // Posts: a top-level comment, a reply by the same person typing the address in
    // another case, a comment by someone else, and one through the no-JS form.
    let top = with_email(
        comment(page, "Camille", "Premier avis."),
        CANARY,
        "https://camille.example.org/",
    );
    let (s, status) = seen("POST top-level comment", app.post_comment(&top).await).await;
    assert_eq!(status, 201, "{}", s.body);
    let created: Value = serde_json::from_str(&s.body).unwrap();
    let top_id = created["comment"]["id"].as_i64().unwrap();
    let token = created["edit_token"].as_str().unwrap().to_owned();
    pages.push(s);

    let mut reply = with_email(
        comment(page, "Camille", "Une précision."),
        CANARY_MIXED_CASE,
        "https://camille.example.org/blog",
    );
    reply["parent"] = json!(top_id);
    let (s, status) = seen("POST reply", app.post_comment(&reply).await).await;
    assert_eq!(status, 201, "{}", s.body);
    pages.push(s);

    let other = with_email(comment(page, "Sacha", "Autre avis."), OTHER, "");
    let (s, status) = seen("POST other commenter", app.post_comment(&other).await).await;
    assert_eq!(status, 201, "{}", s.body);
    pages.push(s);

    for form_page in [format!("/t?page={page}"), "/t?page=/demo".to_owned()] {
        let fields = filled_form(
            &app,
            &form_page,
            &[
                ("author", "Camille"),
                ("email", CANARY),
                ("website", "https://camille.example.org/"),
                ("body", "Envoyé sans JavaScript."),
            ],
        )
        .await;
        let r = post_form(&app, &fields).await;
        assert!(r.headers().contains_key(LOCATION));
        let (s, status) = seen(format!("POST /t from {form_page}"), r).await;
        assert_eq!(status, 303, "{}", s.body);
        pages.push(s);
    }

    // The author's own edit.
    let r = app
        .edit(top_id, Some(&token), "Premier avis, corrigé.")
        .await;
    let (s, status) = seen("PUT edit", r).await;
    assert_eq!(status, 200, "{}", s.body);
    pages.push(s);

    // Errors: the email itself wrong, another field wrong next to a good email, a
    // duplicate, a wrong edit token.
    let bad_email = with_email(
        comment(page, "Camille", "Encore."),
        &format!("{CANARY}@"),
        "",
    );
    let (s, status) = seen(
        "POST with the email wrong",
        app.post_comment(&bad_email).await,
    )
    .await;
    assert_eq!(status, 422, "{}", s.body);
    pages.push(s);

    let mut no_author = with_email(comment(page, "Camille", "Encore."), CANARY, "");
    no_author["author"] = json!("");
    let (s, status) = seen("POST without author", app.post_comment(&no_author).await).await;
    assert_eq!(status, 422, "{}", s.body);
    pages.push(s);

    let mut dup = with_email(comment(page, "Camille", "Une précision."), CANARY, "");
    dup["parent"] = json!(top_id);
    let (s, status) = seen("POST duplicate", app.post_comment(&dup).await).await;
    assert_eq!(status, 409, "{}", s.body);
    pages.push(s);

    let r = app.delete(top_id, Some("not-the-token")).await;
    let (s, status) = seen("DELETE with a wrong token", r).await;
    assert_eq!(status, 403, "{}", s.body);
    pages.push(s);

    // Every public read.
    let reads = [
        format!("/api/v1/comments?page={page}"),
        format!("/api/v1/comments?page={page}&limit=1"),
        "/api/v1/comments?page=/demo".to_owned(),
        format!("/api/v1/counts?page={page}&page=/demo"),
        "/api/v1/config".to_owned(),
        format!("/t?page={page}"),
        format!("/t?page={page}&lang=fr"),
        format!("/t?page={page}&reply={top_id}"),
        "/demo".to_owned(),
        "/t?page=/demo".to_owned(),
        "/embed.js".to_owned(),
        "/embed.css".to_owned(),
        "/count.js".to_owned(),
        "/admin".to_owned(),
        "/".to_owned(),
        "/healthz".to_owned(),
        "/api/v1/nothing-here".to_owned(),
        "/nothing-here".to_owned(),
    ];
    for path in reads {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        let (s, status) = seen(format!("GET {path}"), r).await;
        assert!(status < 500, "GET {path}: {status}");
        pages.push(s);
    }

    // Every avatar shown.
    let list = app.list(page).await;
    let demo = app.list("/demo").await;
    let comments: Vec<&Value> = list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .chain(demo["comments"].as_array().unwrap())
        .collect();
    assert_eq!(comments.len(), 5, "{list}");
    for c in comments {
        let avatar = c["avatar"].as_str().unwrap();
        let r = app.client.get(avatar).send().await.unwrap();
        let (s, status) = seen(format!("GET {avatar}"), r).await;
        assert_eq!(status, 200);
        pages.push(s);
    }

    assert_nothing_leaks(&pages, &[CANARY, CANARY_MIXED_CASE, OTHER]);
}

/// The check itself must catch a leak, or the test above proves nothing.
#[test]
fn the_leak_check_catches_the_address_and_gravatar_hashes() {
    let gravatar_md5 = hex(&Md5::digest(CANARY.as_bytes()));
    let gravatar_sha256 = hex(&Sha256::digest(CANARY.as_bytes()));
    for body in [
        format!("{{\"email\":\"{}\"}}", CANARY_MIXED_CASE.trim()),
        "canary.7f3a%40example.org".to_owned(),
        format!("https://www.gravatar.com/avatar/{gravatar_md5}?d=identicon"),
        format!(
            "https://gravatar.com/avatar/{}",
            gravatar_sha256.to_uppercase()
        ),
    ] {
        let page = Seen {
            what: "sample".into(),
            headers: String::new(),
            body: body.clone(),
        };
        assert!(!leaks(&[page], &[CANARY]).is_empty(), "not caught: {body}");
    }
    // Known vectors: the hashes are the real ones.
    assert_eq!(
        hex(&Md5::digest(b"abc")),
        "900150983cd24fb0d6963f7d28e17f72"
    );
    assert_eq!(
        hex(&Sha1::digest(b"abc")),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}

fn avatar_key(avatar_url: &str) -> String {
    let url = reqwest::Url::parse(avatar_url).expect("an absolute avatar URL");
    let path = url.path();
    let key = path
        .strip_prefix("/avatar/")
        .and_then(|k| k.strip_suffix(".svg"))
        .unwrap_or_else(|| panic!("avatar URL {avatar_url} is not /avatar/KEY.svg"));
    assert_eq!(key.len(), 32, "{avatar_url}");
    assert!(
        key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{avatar_url}"
    );
    assert!(url.query().is_none(), "{avatar_url}");
    key.to_owned()
}

async fn post_as(app: &TestApp, email: &str, body: &str) -> Value {
    app.create(&with_email(comment("/avatars", "Camille", body), email, ""))
        .await
}

#[actix_web::test]
async fn avatars_are_causerie_identicons_keyed_per_commenter() {
    let app = spawn_app().await;
    let a = post_as(&app, CANARY, "Un.").await;
    let b = post_as(&app, CANARY, "Deux.").await;
    let c = post_as(&app, CANARY_MIXED_CASE, "Trois.").await;
    let d = post_as(&app, OTHER, "Quatre.").await;
    let [a, b, c, d] = [a, b, c, d].map(|v| v["comment"]["avatar"].as_str().unwrap().to_owned());

    for url in [&a, &b, &c, &d] {
        let key = avatar_key(url);
        assert!(
            url.starts_with(&app.address),
            "{url} is not served by Causerie"
        );
        // Not Gravatar's md5, nor the first half of a sha256 of the address.
        let md5 = hex(&Md5::digest(CANARY.as_bytes()));
        let sha256 = hex(&Sha256::digest(CANARY.as_bytes()));
        assert_ne!(key, md5);
        assert_ne!(key, sha256[..32]);
    }
    assert_eq!(a, b, "one commenter, one avatar");
    assert_eq!(a, c, "the address's case does not make another commenter");
    assert_ne!(a, d, "another commenter, another avatar");

    let r = app.client.get(&a).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    assert!(!svg.contains("http://") || svg.contains("http://www.w3.org/2000/svg"));
    let other_svg = app
        .client
        .get(&d)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(svg, other_svg);

    // The avatars in the thread page are the same URLs.
    let (_, html) = app.get_text("/t?page=/avatars").await;
    assert!(html.contains(&a) && html.contains(&d));
}

#[actix_web::test]
async fn stored_ip_is_truncated_and_the_edit_token_is_not_stored() {
    let app = spawn_app().await;
    let created = post_as(&app, CANARY, "Un commentaire.").await;
    let id = created["comment"]["id"].as_i64().unwrap();
    let token = created["edit_token"].as_str().unwrap();

    let fields = filled_form(
        &app,
        "/t?page=/avatars",
        &[
            ("author", "Camille"),
            ("email", CANARY),
            ("body", "Par le formulaire."),
        ],
    )
    .await;
    assert_eq!(post_form(&app, &fields).await.status(), 303);

    let ips = app.column("SELECT DISTINCT ip AS v FROM comments");
    assert_eq!(ips, [Some("127.0.0.0/24".to_owned())]);

    let stored = app
        .stored(&format!(
            "SELECT edit_token_hash AS v FROM comments WHERE id = {id}"
        ))
        .expect("an edit token hash is stored");
    assert!(!stored.is_empty());
    assert!(!stored.contains(token), "the edit token is stored as is");
    let anywhere = app.stored(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM comments WHERE \
         coalesce(edit_token_hash, '') || body_raw || body_html || author || coalesce(ip, '') \
         LIKE '%{token}%'"
    ));
    assert_eq!(anywhere.as_deref(), Some("0"));
}

#[actix_web::test]
async fn ip_addresses_past_their_retention_are_forgotten_by_the_purge() {
    // The purge runs when a server starts and hourly after: a comment older than
    // ip_retention_days (30) loses its address at the next start; a recent one keeps
    // it, and neither loses anything else.
    let mut first = spawn_app().await;
    let old = post_as(&first, CANARY, "Un commentaire d’il y a longtemps.").await["comment"]["id"]
        .as_i64()
        .unwrap();
    let recent = post_as(&first, OTHER, "Un commentaire récent.").await["comment"]["id"]
        .as_i64()
        .unwrap();
    let month_ago = causerie::db::now() - 31 * 86_400;
    first.sql(&format!(
        "UPDATE comments SET created_at = {month_ago} WHERE id = {old}"
    ));
    first.stop().await;
    let second = spawn_app_on(&first, |_| {}).await;
    let ip_of = |id: i64| second.stored(&format!("SELECT ip AS v FROM comments WHERE id = {id}"));
    until(20, "the old address forgotten", || ip_of(old).is_none()).await;
    assert_eq!(ip_of(recent).as_deref(), Some("127.0.0.0/24"));
    assert_eq!(
        second.column("SELECT body_raw AS v FROM comments ORDER BY id"),
        [
            Some("Un commentaire d’il y a longtemps.".to_owned()),
            Some("Un commentaire récent.".to_owned())
        ]
    );
}

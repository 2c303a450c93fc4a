//! The no-JavaScript thread page `/t?page=P`, its plain form posting to `/t`, and the
//! demo page `/demo`, seen as a browser without JavaScript sees them.

use reqwest::header::{HeaderMap, ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, ORIGIN};
use reqwest::StatusCode;
use scraper::{ElementRef, Html, Selector};
use serde_json::json;

use crate::helpers::{comment, location, spawn_app, spawn_app_with, TestApp};
use causerie::config::ModerationMode;

/// The tags and attributes the seed's form documents, as its help sentence lists them.
const WHITELIST_MARKUP: &str = r#"<a href="" title=""> <abbr title=""> <acronym title=""> <b> <blockquote cite=""> <cite> <code> <del datetime=""> <em> <i> <q cite=""> <strike> <strong>"#;

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("bad selector {s}: {e:?}"))
}

pub fn first<'a>(doc: &'a Html, s: &str) -> Option<ElementRef<'a>> {
    doc.select(&sel(s)).next()
}

pub fn text_of(doc: &Html, s: &str) -> String {
    first(doc, s)
        .unwrap_or_else(|| panic!("no `{s}` in the page"))
        .text()
        .collect::<String>()
}

pub fn attr_of(doc: &Html, s: &str, attr: &str) -> Option<String> {
    first(doc, s)
        .unwrap_or_else(|| panic!("no `{s}` in the page"))
        .value()
        .attr(attr)
        .map(str::to_owned)
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn doc(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The hidden fields of the comment form, as a browser would send them back.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        self.doc()
            .select(&sel("form#causerie-form input[type=hidden]"))
            .map(|i| {
                let v = i.value();
                (
                    v.attr("name").unwrap_or_default().to_owned(),
                    v.attr("value").unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

pub async fn get_page(app: &TestApp, path: &str, accept_language: Option<&str>) -> Page {
    let mut req = app.client.get(app.url(path));
    if let Some(l) = accept_language {
        req = req.header(ACCEPT_LANGUAGE, l);
    }
    let r = req.send().await.expect("request sent");
    Page {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

/// Posts the form as a browser on Causerie's own page does: same-origin `Origin`.
pub async fn post_form(app: &TestApp, fields: &[(String, String)]) -> reqwest::Response {
    post_form_from(app, fields, Some(app.address.as_str())).await
}

pub async fn post_form_from(
    app: &TestApp,
    fields: &[(String, String)],
    origin: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url("/t")).form(fields);
    if let Some(o) = origin {
        req = req.header(ORIGIN, o);
    }
    req.send().await.expect("request sent")
}

/// The hidden fields of `form_path`'s form plus what the reader typed.
pub async fn filled_form(
    app: &TestApp,
    form_path: &str,
    typed: &[(&str, &str)],
) -> Vec<(String, String)> {
    let page = get_page(app, form_path, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = page.hidden_fields();
    fields.extend(typed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

pub async fn page_of_response(r: reqwest::Response) -> Page {
    Page {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

pub fn stored_count(app: &TestApp) -> i64 {
    app.stored("SELECT CAST(COUNT(*) AS TEXT) AS v FROM comments")
        .unwrap()
        .parse()
        .unwrap()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        fields.iter().filter(|(k, _)| k != name).cloned().collect();
    out.push((name.to_owned(), value.to_owned()));
    out
}

fn without(fields: &[(String, String)], name: &str) -> Vec<(String, String)> {
    fields.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn hidden(page: &Page, name: &str) -> Option<String> {
    page.hidden_fields()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The form's words, checked in one language.
struct FormWords {
    lang: &'static str,
    leave_comment: &'static str,
    privacy: &'static str,
    required_note: &'static str,
    whitelist_intro: &'static str,
    name: &'static str,
}

const EN: FormWords = FormWords {
    lang: "en",
    leave_comment: "Leave a comment",
    privacy: "Your email address will not be published.",
    required_note: "Required fields are marked *",
    whitelist_intro: "You may use these HTML tags and attributes:",
    name: "Name",
};

const FR: FormWords = FormWords {
    lang: "fr",
    leave_comment: "Laisser un commentaire",
    privacy: "Votre adresse de messagerie ne sera pas publiée.",
    required_note: "Les champs obligatoires sont indiqués avec *",
    whitelist_intro: "Vous pouvez utiliser ces balises et attributs HTML :",
    name: "Nom",
};

fn assert_form_in(page: &Page, w: &FormWords, page_key: &str) {
    assert_eq!(page.status, 200, "{}", page.body);
    let doc = page.doc();
    assert_eq!(attr_of(&doc, "html", "lang").as_deref(), Some(w.lang));
    assert_eq!(
        attr_of(&doc, "form#causerie-form", "action").as_deref(),
        Some("/t")
    );
    assert_eq!(
        attr_of(&doc, "form#causerie-form", "method").as_deref(),
        Some("post")
    );
    assert_eq!(text_of(&doc, "form#causerie-form h3"), w.leave_comment);
    let hint = text_of(&doc, "form#causerie-form p.cz-hint");
    assert!(hint.contains(w.privacy), "privacy sentence missing: {hint}");
    assert!(
        hint.contains(w.required_note),
        "required note missing: {hint}"
    );
    assert_eq!(
        text_of(&doc, "form#causerie-form p.cz-help"),
        format!("{} {}", w.whitelist_intro, WHITELIST_MARKUP)
    );
    // Name, email and comment are marked required; the website is not.
    for id in ["cz-author", "cz-email", "cz-body"] {
        let mark = text_of(&doc, &format!("label[for={id}] span"));
        assert_eq!(mark, "*", "{id} is not marked required");
        assert!(
            attr_of(&doc, &format!("#{id}"), "required").is_some(),
            "{id} lacks `required`"
        );
    }
    assert!(first(&doc, "label[for=cz-website] span").is_none());
    assert!(attr_of(&doc, "#cz-website", "required").is_none());
    assert!(text_of(&doc, "label[for=cz-author]").starts_with(w.name));
    assert_eq!(hidden(page, "page").as_deref(), Some(page_key));
    let token = hidden(page, "form_token").unwrap_or_default();
    assert!(!token.is_empty(), "no form token");
}

#[actix_web::test]
async fn thread_page_shows_the_form_in_english_by_default() {
    let app = spawn_app().await;
    let page = get_page(&app, "/t?page=/a", None).await;
    assert_form_in(&page, &EN, "/a");
}

#[actix_web::test]
async fn thread_page_speaks_french_to_a_french_reader() {
    let app = spawn_app().await;
    let page = get_page(&app, "/t?page=/a", Some("fr-FR,fr;q=0.9,en;q=0.5")).await;
    assert_form_in(&page, &FR, "/a");
}

#[actix_web::test]
async fn thread_page_speaks_french_when_the_link_asks_for_it() {
    let app = spawn_app().await;
    let page = get_page(&app, "/t?page=/a&lang=fr", Some("en")).await;
    assert_form_in(&page, &FR, "/a");
}

#[actix_web::test]
async fn nojs_post_redirects_back_to_the_thread_and_shows_the_comment() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", "Camille"),
            ("email", "camille@example.org"),
            ("website", ""),
            ("body", "Un commentaire sans JavaScript."),
        ],
    )
    .await;
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with("/t?site=default&page=%2Fa"),
        "redirected to {to}"
    );

    let page = get_page(&app, &to, None).await;
    assert_eq!(page.status, 200);
    let doc = page.doc();
    assert_eq!(text_of(&doc, ".cz-notice"), "Your comment is published.");
    let comments: Vec<_> = doc.select(&sel("li.cz-comment")).collect();
    assert_eq!(comments.len(), 1);
    let shown: String = comments[0].text().collect();
    assert!(shown.contains("Camille"), "{shown}");
    assert!(shown.contains("Un commentaire sans JavaScript."), "{shown}");
    // The form is empty again, ready for the next comment.
    assert_eq!(text_of(&doc, "textarea#cz-body"), "");
    assert_eq!(app.list("/a").await["count"], 1);
}

#[actix_web::test]
async fn nojs_post_held_for_moderation_says_so_and_does_not_show_the_comment() {
    let app = spawn_app_with(|s| s.moderation = ModerationMode::FirstTime).await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", "Nouveau Venu"),
            ("email", "nouveau@example.org"),
            ("body", "Mon tout premier commentaire."),
        ],
    )
    .await;
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.contains("pending=1"), "redirected to {to}");

    let page = get_page(&app, &to, None).await;
    assert_eq!(page.status, 200);
    let doc = page.doc();
    assert_eq!(
        text_of(&doc, ".cz-notice"),
        "Your comment is awaiting moderation."
    );
    assert!(!page.body.contains("Mon tout premier commentaire."));
    assert_eq!(doc.select(&sel("li.cz-comment")).count(), 0);
    assert_eq!(stored_count(&app), 1, "the held comment is stored");
}

#[actix_web::test]
async fn nojs_form_reports_each_field_error_next_to_it() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", "   "),
            ("email", "pas-une-adresse"),
            ("website", "javascript:alert(1)"),
            ("body", ""),
        ],
    )
    .await;
    let page = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = page.doc();
    assert_eq!(
        text_of(&doc, ".cz-notice.cz-error"),
        "Please check the fields marked below."
    );
    for (id, message) in [
        ("cz-author", "This field is required."),
        ("cz-email", "Please enter a valid email address."),
        (
            "cz-website",
            "Please enter a full web address starting with http:// or https://.",
        ),
        ("cz-body", "This field is required."),
    ] {
        let field = first(&doc, &format!("#{id}")).unwrap();
        assert_eq!(field.value().attr("aria-invalid"), Some("true"), "{id}");
        let described = field.value().attr("aria-describedby").unwrap_or_default();
        assert_eq!(text_of(&doc, &format!("#{described}")), message, "{id}");
    }
    assert_eq!(stored_count(&app), 0);
}

#[actix_web::test]
async fn nojs_form_marks_only_the_failing_fields() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", "Camille"),
            ("email", "camille.example.org"),
            ("body", "Un texte valable."),
        ],
    )
    .await;
    let page = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = page.doc();
    assert_eq!(
        attr_of(&doc, "#cz-email", "aria-invalid").as_deref(),
        Some("true")
    );
    for id in ["cz-author", "cz-website", "cz-body"] {
        assert!(
            attr_of(&doc, &format!("#{id}"), "aria-invalid").is_none(),
            "{id}"
        );
    }
    assert_eq!(doc.select(&sel(".cz-field-error")).count(), 1);
}

#[actix_web::test]
async fn nojs_form_errors_are_in_the_form_language() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a&lang=fr", &[("email", "x@")]).await;
    let page = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = page.doc();
    assert_eq!(attr_of(&doc, "html", "lang").as_deref(), Some("fr"));
    assert_eq!(
        text_of(&doc, "#cz-author-error"),
        "Ce champ est obligatoire."
    );
    assert_eq!(
        text_of(&doc, "#cz-email-error"),
        "Veuillez saisir une adresse de messagerie valide."
    );
    assert_eq!(
        text_of(&doc, ".cz-notice.cz-error"),
        "Veuillez vérifier les champs indiqués ci-dessous."
    );
}

/// What a reader typed, with everything that could break out of an attribute or a
/// textarea if it were not escaped.
const TYPED_AUTHOR: &str = r#"Jean "Le Grand" <b>d'Arc</b>"#;
const TYPED_EMAIL: &str = r#"jean"><script>alert('e')</script>"#;
const TYPED_WEBSITE: &str = r#"notaurl" onfocus="alert(1)"#;
const TYPED_BODY: &str = "Premier paragraphe « cité ».\n\n</textarea><script>alert(\"body\")</script>\n<img src=x onerror=alert(2)> & 'fin'";

fn assert_typed_text_kept(page: &Page) {
    let doc = page.doc();
    assert_eq!(
        attr_of(&doc, "#cz-author", "value").as_deref(),
        Some(TYPED_AUTHOR)
    );
    assert_eq!(
        attr_of(&doc, "#cz-email", "value").as_deref(),
        Some(TYPED_EMAIL)
    );
    assert_eq!(
        attr_of(&doc, "#cz-website", "value").as_deref(),
        Some(TYPED_WEBSITE)
    );
    assert_eq!(text_of(&doc, "textarea#cz-body"), TYPED_BODY);
    // Nothing typed became markup: no script, no handler, no extra image.
    assert_eq!(doc.select(&sel("script")).count(), 0, "{}", page.body);
    assert_eq!(doc.select(&sel("img")).count(), 0, "{}", page.body);
    assert_eq!(doc.select(&sel("[onfocus], [onerror]")).count(), 0);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains("</textarea><script>"));
}

#[actix_web::test]
async fn nojs_form_keeps_typed_text_on_error() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", TYPED_AUTHOR),
            ("email", TYPED_EMAIL),
            ("website", TYPED_WEBSITE),
            ("body", TYPED_BODY),
            ("notify_replies", "on"),
        ],
    )
    .await;
    let page = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_typed_text_kept(&page);
    let doc = page.doc();
    assert!(attr_of(&doc, "input[name=notify_replies]", "checked").is_some());
    // The form still posts to the same page, with a fresh token.
    assert_eq!(hidden(&page, "page").as_deref(), Some("/a"));
    assert!(!hidden(&page, "form_token").unwrap_or_default().is_empty());
    assert_eq!(stored_count(&app), 0);
}

#[actix_web::test]
async fn nojs_form_kept_text_can_be_sent_again_once_corrected() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/a",
        &[
            ("author", "Camille"),
            ("email", "camille"),
            ("body", "Texte à ne pas perdre."),
        ],
    )
    .await;
    let page = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The reader fixes the email in the returned form and sends it again.
    let doc = page.doc();
    let mut again = page.hidden_fields();
    again.push((
        "author".into(),
        attr_of(&doc, "#cz-author", "value").unwrap(),
    ));
    again.push(("email".into(), "camille@example.org".into()));
    again.push(("body".into(), text_of(&doc, "textarea#cz-body")));
    let r = post_form(&app, &again).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app.list("/a").await;
    assert_eq!(list["comments"][0]["body"], "<p>Texte à ne pas perdre.</p>");
}

async fn assert_refused_keeping_text(app: &TestApp, fields: Vec<(String, String)>, notice: &str) {
    let page = page_of_response(post_form(app, &fields).await).await;
    assert!(
        page.status.is_client_error(),
        "status {} for a bad form token",
        page.status
    );
    let doc = page.doc();
    assert_eq!(text_of(&doc, ".cz-notice.cz-error"), notice);
    assert_eq!(
        attr_of(&doc, "#cz-author", "value").as_deref(),
        Some("Camille")
    );
    assert_eq!(
        attr_of(&doc, "#cz-email", "value").as_deref(),
        Some("camille@example.org")
    );
    assert_eq!(text_of(&doc, "textarea#cz-body"), "Un texte « précieux ».");
    assert_eq!(stored_count(app), 0);
}

const VALID_TYPED: [(&str, &str); 3] = [
    ("author", "Camille"),
    ("email", "camille@example.org"),
    ("body", "Un texte « précieux »."),
];

#[actix_web::test]
async fn nojs_post_with_a_forged_form_token_is_refused_keeping_the_text() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a", &VALID_TYPED).await;
    let real = fields
        .iter()
        .find(|(k, _)| k == "form_token")
        .unwrap()
        .1
        .clone();
    // "issued:site:page.signature"
    let (data, signature) = real.rsplit_once('.').unwrap();
    let (issued, bound) = data.split_once(':').unwrap();
    assert_eq!(bound, "default:/a");
    let not_this_site = "This form was not issued by this site; please send it again.";
    for forged in [
        format!("{data}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        // An earlier time, or another page, under the real signature.
        format!(
            "{}:{bound}.{signature}",
            issued.parse::<i64>().unwrap() - 10
        ),
        format!("{issued}:default:/b.{signature}"),
        String::new(),
        "garbage".into(),
    ] {
        let f = with(&fields, "form_token", &forged);
        assert_refused_keeping_text(&app, f, not_this_site).await;
    }
}

#[actix_web::test]
async fn nojs_post_without_a_form_token_is_refused_keeping_the_text() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a", &VALID_TYPED).await;
    assert_refused_keeping_text(
        &app,
        without(&fields, "form_token"),
        "This form was not issued by this site; please send it again.",
    )
    .await;
}

/// A form token is the issue time, site and page signed with the instance secret. The
/// test reads the secret from the database, as only the instance itself could, to make
/// a form that looks 25 hours old, or another page's.
#[actix_web::test]
async fn nojs_post_of_a_form_older_than_a_day_is_refused_keeping_the_text() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a", &VALID_TYPED).await;
    let day_old = app.form_token("/a", 25 * 3600);
    assert_refused_keeping_text(
        &app,
        with(&fields, "form_token", &day_old),
        "This form is too old; please send it again.",
    )
    .await;
    // The previous release's tokens (a time alone) too: sent again, they work.
    let unbound = app.secret().sign("form", &causerie::db::now().to_string());
    assert_refused_keeping_text(
        &app,
        with(&fields, "form_token", &unbound),
        "This form is too old; please send it again.",
    )
    .await;

    // Control: the same signing with a recent time is accepted, so the refusal above
    // is about age, not about a badly made token.
    let recent = app.form_token("/a", 23 * 3600);
    let r = post_form(&app, &with(&fields, "form_token", &recent)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored_count(&app), 1);
}

#[actix_web::test]
async fn nojs_post_with_another_pages_form_token_is_refused_keeping_the_text() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a", &VALID_TYPED).await;
    let of_b = app.form_token("/b", 60);
    assert_refused_keeping_text(
        &app,
        with(&fields, "form_token", &of_b),
        "This form was not issued by this site; please send it again.",
    )
    .await;
    // The page's own token, as the form carried it, is accepted.
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored_count(&app), 1);
}

#[actix_web::test]
async fn nojs_post_from_a_foreign_site_is_refused() {
    let app = spawn_app().await;
    let fields = filled_form(&app, "/t?page=/a", &VALID_TYPED).await;
    let r = post_form_from(&app, &fields, Some("https://evil.example")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("This site is not allowed to send comments here."),
        "{body}"
    );
    let r = post_form_from(&app, &fields, Some("null")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_count(&app), 0);
}

#[actix_web::test]
async fn nojs_reply_link_offers_a_reply_form_and_nests_the_reply() {
    let app = spawn_app().await;
    let top = app.create(&comment("/a", "Camille", "Premier avis.")).await;
    let top_id = top["comment"]["id"].as_i64().unwrap();

    let thread = get_page(&app, "/t?page=/a", None).await;
    let doc = thread.doc();
    let reply_href = attr_of(&doc, &format!("#causerie-c{top_id} a.cz-reply"), "href").unwrap();
    assert!(
        reply_href.contains(&format!("reply={top_id}")),
        "{reply_href}"
    );
    assert!(
        hidden(&thread, "parent").is_none(),
        "no parent before Reply is followed"
    );

    let reply_form = get_page(&app, &reply_href, None).await;
    assert_eq!(hidden(&reply_form, "parent"), Some(top_id.to_string()));
    assert!(text_of(&reply_form.doc(), "form#causerie-form").contains("Replying to comment"));

    let mut fields = reply_form.hidden_fields();
    fields.extend(
        [
            ("author", "Dominique"),
            ("email", "dominique@example.org"),
            ("body", "Je réponds."),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = get_page(&app, &location(&r), None).await;
    let doc = page.doc();
    let items: Vec<_> = doc.select(&sel("li.cz-comment")).collect();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].value().id(),
        Some(format!("causerie-c{top_id}").as_str())
    );
    let reply_classes: Vec<&str> = items[1].value().classes().collect();
    assert!(reply_classes.contains(&"cz-depth-1"), "{reply_classes:?}");
    assert!(items[1].text().collect::<String>().contains("Je réponds."));
    let list = app.list("/a").await;
    assert_eq!(list["comments"][1]["parent"], top_id);
}

const XSS_AUTHOR: &str = "<img src=x onerror=alert(1)>";
const XSS_WEBSITE: &str = r#"https://x.example/"><script>"#;

/// Only the avatars are images, the author is text, nothing runs.
fn assert_author_and_website_inert(page: &Page) {
    assert_eq!(page.status, 200);
    let doc = page.doc();
    assert_eq!(doc.select(&sel("script")).count(), 0, "{}", page.body);
    assert_eq!(doc.select(&sel("[onerror]")).count(), 0);
    let comments = doc.select(&sel("li.cz-comment")).count();
    assert_eq!(comments, 1);
    let images: Vec<_> = doc.select(&sel("img")).collect();
    assert_eq!(images.len(), comments, "an image that is not an avatar");
    for img in images {
        let src = img.value().attr("src").unwrap_or_default();
        assert!(src.contains("/avatar/") && src.ends_with(".svg"), "{src}");
    }
    let link = first(&doc, "li.cz-comment .cz-meta a[rel~=nofollow]").expect("the author's link");
    assert_eq!(link.text().collect::<String>(), XSS_AUTHOR);
    let href = link.value().attr("href").unwrap();
    assert!(href.starts_with("https://x.example/"), "{href}");
    assert!(!href.contains('"') && !href.contains('<'), "{href}");
    assert!(
        !page.body.contains(XSS_AUTHOR),
        "the author's name came out unescaped"
    );
}

#[actix_web::test]
async fn author_name_and_website_are_inert_on_the_thread_page() {
    let app = spawn_app().await;
    let mut c = comment("/a", "Camille", "Bonjour.");
    c["author"] = json!(XSS_AUTHOR);
    c["website"] = json!(XSS_WEBSITE);
    app.create(&c).await;
    assert_author_and_website_inert(&get_page(&app, "/t?page=/a", None).await);
}

const DEMO_TITLE: &str = "Rachat de Cloudwatt par Orange et remise en question du Cloud souverain";

/// The demo's thread is taken and shown without JavaScript at `/t?page=/demo`, the
/// page its `<noscript>` link leads to.
#[actix_web::test]
async fn author_name_and_website_are_inert_on_the_demo_thread() {
    let app = spawn_app().await;
    let fields = filled_form(
        &app,
        "/t?page=/demo",
        &[
            ("author", XSS_AUTHOR),
            ("email", "x@example.org"),
            ("website", XSS_WEBSITE),
            ("body", "Bonjour."),
        ],
    )
    .await;
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_author_and_website_inert(&get_page(&app, "/t?page=/demo", None).await);

    // The demo page itself shows comments through the embed only: nothing of the
    // comment is in its HTML, and its one script is the embed.
    let demo = get_page(&app, "/demo", None).await;
    let doc = demo.doc();
    assert!(!demo.body.contains("onerror"), "{}", demo.body);
    assert!(!demo.body.contains("x.example"), "{}", demo.body);
    let scripts: Vec<_> = doc.select(&sel("script")).collect();
    assert_eq!(scripts.len(), 1, "{}", demo.body);
    assert!(scripts[0]
        .value()
        .attr("src")
        .unwrap_or_default()
        .starts_with("/embed.js"));
    assert_eq!(doc.select(&sel("img")).count(), 0, "{}", demo.body);
}

/// SPEC 1: "/demo shows the seed article with the comment box embedded", embedded as
/// SPEC 6 tells site owners to, with a way in for readers without JavaScript.
fn assert_demo_page(app: &TestApp, page: &Page, box_lang: &str, noscript_text: &str) {
    assert_eq!(page.status, 200);
    let doc = page.doc();
    assert_eq!(attr_of(&doc, "html", "lang").as_deref(), Some("fr"));
    assert_eq!(text_of(&doc, "article h1"), DEMO_TITLE);
    let headings: Vec<String> = doc
        .select(&sel("article h2"))
        .map(|h| h.text().collect())
        .collect();
    assert!(
        headings
            .iter()
            .any(|h| h == "Cloudwatt : un décollage difficile"),
        "{headings:?}"
    );
    assert!(text_of(&doc, "article").contains("Créée en Septembre 2012"));
    // The seed's own WordPress form is gone: the comment box replaces it.
    assert!(
        !page.body.contains("Laisser un commentaire"),
        "{}",
        page.body
    );
    assert!(
        first(&doc, "div#causerie").is_some(),
        "no #causerie container"
    );
    let script = first(&doc, "script[data-causerie]").expect("the embed snippet");
    let attrs = script.value();
    assert!(attrs
        .attr("src")
        .unwrap_or_default()
        .starts_with("/embed.js"));
    assert!(attrs.attr("async").is_some());
    assert_eq!(attrs.attr("data-causerie"), Some(app.address.as_str()));
    assert_eq!(attrs.attr("data-page"), Some("/demo"));
    assert_eq!(attrs.attr("data-lang"), Some(box_lang));
    let fallback = format!("/t?site=default&page=%2Fdemo&lang={box_lang}");
    let noscript = text_of(&doc, "noscript");
    let inner = Html::parse_fragment(&noscript);
    let link = first(&inner, "a").unwrap_or_else(|| first(&doc, "noscript a").expect("a link"));
    assert_eq!(link.value().attr("href"), Some(fallback.as_str()));
    assert_eq!(link.text().collect::<String>(), noscript_text);
}

#[actix_web::test]
async fn demo_page_shows_the_seed_article_in_french_with_the_comment_box_embedded() {
    let app = spawn_app().await;
    let page = get_page(&app, "/demo", None).await;
    assert_demo_page(
        &app,
        &page,
        "fr",
        "Lire les commentaires et en laisser un sans JavaScript",
    );
}

#[actix_web::test]
async fn demo_page_comment_box_speaks_english_when_asked() {
    let app = spawn_app().await;
    let page = get_page(&app, "/demo?lang=en", None).await;
    assert_demo_page(
        &app,
        &page,
        "en",
        "Read the comments and leave one without JavaScript",
    );
}

#[actix_web::test]
async fn embed_script_of_the_demo_page_is_served() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/embed.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.contains("javascript"), "{ct}");
    assert!(!r.text().await.unwrap().is_empty());
}

#[actix_web::test]
async fn demo_thread_without_javascript_takes_a_comment_and_shows_it() {
    let app = spawn_app().await;
    let form = get_page(&app, "/t?page=/demo&lang=fr", None).await;
    assert_form_in(&form, &FR, "/demo");
    // The demo thread is titled by its article, not by its path.
    assert_eq!(hidden(&form, "title").as_deref(), Some(DEMO_TITLE));
    assert_eq!(text_of(&form.doc(), "h1"), DEMO_TITLE);

    let mut fields = form.hidden_fields();
    fields.extend(
        [
            ("author", "Lectrice"),
            ("email", "lectrice@example.org"),
            ("body", "Article très clair, merci."),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let r = post_form(&app, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with("/t?site=default&page=%2Fdemo"),
        "redirected to {to}"
    );
    let page = get_page(&app, &to, None).await;
    let doc = page.doc();
    assert_eq!(text_of(&doc, ".cz-notice"), "Votre commentaire est publié.");
    let items: Vec<String> = doc
        .select(&sel("li.cz-comment"))
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(items.len(), 1);
    assert!(items[0].contains("Lectrice") && items[0].contains("Article très clair, merci."));
    // The embed on /demo reads the same thread.
    let list = app.list("/demo").await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["title"], DEMO_TITLE);
}

fn assert_page_headers(what: &str, headers: &HeaderMap) {
    let csp = headers
        .get(CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(
        headers
            .get("x-content-type-options")
            .map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{what}"
    );
    let ct = headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/html"), "{what}: {ct}");
}

#[actix_web::test]
async fn html_pages_forbid_framing_and_content_sniffing() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/t?page=/a",
        "/t?page=/a&lang=fr",
        "/demo",
        "/t?page=nonsense",
    ] {
        let page = get_page(&app, path, None).await;
        assert_page_headers(path, &page.headers);
    }
    let fields = filled_form(&app, "/t?page=/a", &[("author", "")]).await;
    let invalid = page_of_response(post_form(&app, &fields).await).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_page_headers("the form with errors", &invalid.headers);
    let foreign =
        page_of_response(post_form_from(&app, &fields, Some("https://evil.example")).await).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_page_headers("the refused post", &foreign.headers);
}

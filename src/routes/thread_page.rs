//! `/t?page=P`, the thread page: the thread as a plain HTML page with a plain form, for readers
//! without JavaScript. The form posts to `/t` and answers `303` back to the thread, or
//! the page again with each field's error and everything the reader typed.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::abuse::FormToken;
use crate::app::{AppState, Db};
use crate::comments::{self as service, PostError};
use crate::config::Site;
use crate::db::models::Comment;
use crate::db::{now, queries};
use crate::demo;
use crate::domain::{CommentInput, FieldErrors, PageKey, Status};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg, Words};
use crate::routes::html::{
    human_date, page_lang, render, thread_href, with_retry_after, Look, OnPage, PageError,
};
use crate::routes::{check_origin, query_map, request_lang, request_site, truncated_ip};
use crate::sanitize::whitelist_markup;

/// How long a rendered form may wait before it is posted.
/// The no-JS page shows this many comments at most; the API pages through more.
const NOJS_MAX_COMMENTS: i64 = 2000;

#[derive(Default)]
pub struct FieldView {
    pub value: String,
    pub error: Option<String>,
}

pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub website: Option<String>,
    pub avatar: String,
    pub body: String,
    pub date: String,
    pub iso: String,
    pub depth: usize,
    pub moderator: bool,
    pub reply_href: String,
    pub report_href: String,
    /// Its author erased their data: a placeholder for the replies under it.
    pub erased: bool,
}

pub struct ThreadView {
    pub lang: Lang,
    pub words: &'static Words,
    pub rights: &'static crate::i18n::RightsWords,
    /// The thread's site, sent back by the form.
    pub site: String,
    pub page: String,
    /// The heading: the thread's public title, else the page's own (`default_title`).
    pub title: String,
    /// What the form sends as the page's title: the public title, or the page's own
    /// title when one is known (the demo's, or what the reader's post sent); never
    /// the bare path, which would otherwise name the thread after its address.
    pub form_title: String,
    pub open: bool,
    pub comments: Vec<CommentView>,
    pub notice: Option<String>,
    pub notice_is_error: bool,
    pub form_token: String,
    pub whitelist: String,
    pub reply_to: Option<i64>,
    pub cancel_href: String,
    pub author: FieldView,
    pub email: FieldView,
    pub website: FieldView,
    pub body: FieldView,
    pub notify_replies: bool,
}

impl ThreadView {
    /// The comments shown, placeholders aside.
    pub fn count(&self) -> usize {
        self.comments.iter().filter(|c| !c.erased).count()
    }
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    lang: Lang,
    view: ThreadView,
}

/// Comments in reading order: each followed by its replies, depth for indentation.
/// A reply whose parent is not shown (held, removed) is shown at the top level.
fn reading_order(rows: Vec<Comment>) -> Vec<(Comment, usize)> {
    let ids: std::collections::HashSet<i64> = rows.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i64>, Vec<Comment>> = HashMap::new();
    for c in rows {
        let key = c.parent_id.filter(|p| ids.contains(p));
        children.entry(key).or_default().push(c);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(Comment, usize)> = children
        .remove(&None)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|c| (c, 0))
        .collect();
    while let Some((c, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(c.id)) {
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
        }
        out.push((c, depth));
    }
    out
}

/// Loads the thread of `page` and builds its view with an empty form.
pub async fn load_view(
    state: &web::Data<AppState>,
    site: &Site,
    page: PageKey,
    default_title: String,
    lang: Lang,
    reply_to: Option<i64>,
) -> Result<ThreadView, ApiError> {
    let key = page.as_str().to_owned();
    let site_id = site.id.to_string();
    let (thread, rows) = state
        .db(move |conn, _| -> Result<_, ApiError> {
            let thread = queries::threads::find_by_page(conn, &site_id, &key)?;
            let mut rows = match &thread {
                Some(t) => queries::comments::list_approved(conn, t.id, 0, NOJS_MAX_COMMENTS)?,
                None => Vec::new(),
            };
            if let Some(t) = &thread {
                let upto = rows.last().map(|c| c.id);
                let ids: Vec<i64> = queries::comments::placeholders(conn, t.id, 0, upto)?
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                if !ids.is_empty() {
                    rows.extend(queries::comments::find_all(conn, &ids)?);
                    rows.sort_by_key(|c| c.id);
                }
            }
            Ok((thread, rows))
        })
        .await?;
    let base = thread_href(site.id.as_str(), page.as_str(), lang);
    let comments = reading_order(rows)
        .into_iter()
        .map(|(c, depth)| {
            let public =
                service::PublicComment::new(&c, &state.secret, &state.config.server.public_url);
            CommentView {
                id: c.id,
                author: c.author,
                website: c.website,
                avatar: public.avatar,
                body: c.body_html,
                date: human_date(c.created_at),
                iso: public.created_at,
                depth: depth.min(8),
                moderator: c.moderator,
                reply_href: format!("{base}&reply={}#causerie-form", c.id),
                report_href: format!(
                    "/t/report?site={}&comment={}&lang={}",
                    site.id,
                    c.id,
                    lang.code()
                ),
                erased: c.erased_at.is_some(),
            }
        })
        .collect();
    let reply_to = reply_to.filter(|id| {
        // Only offer to reply to a comment of this thread that is shown.
        let shown: &Vec<CommentView> = &comments;
        shown.iter().any(|c| c.id == *id && !c.erased)
    });
    Ok(ThreadView {
        lang,
        words: Words::of(lang),
        rights: crate::i18n::RightsWords::of(lang),
        site: site.id.to_string(),
        page: page.as_str().to_owned(),
        form_title: thread
            .as_ref()
            .and_then(|t| t.public_title())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                Some(default_title.clone())
                    .filter(|d| d != page.as_str())
                    .unwrap_or_default()
            }),
        title: thread
            .as_ref()
            .and_then(|t| t.public_title())
            .map(str::to_owned)
            .unwrap_or(default_title),
        open: thread
            .as_ref()
            .is_none_or(|t| service::thread_open(t, &site.settings, now())),
        comments,
        notice: None,
        notice_is_error: false,
        form_token: crate::abuse::form_token(&state.secret, site.id.as_str(), &page, now()),
        whitelist: whitelist_markup(),
        reply_to,
        cancel_href: format!("{base}#causerie-form"),
        author: FieldView::default(),
        email: FieldView::default(),
        website: FieldView::default(),
        body: FieldView::default(),
        notify_replies: false,
    })
}

/// Adds the notice for `?posted=ID` or `?pending=1` after a successful post.
pub fn add_post_notice(view: &mut ThreadView, q: &HashMap<String, String>) {
    if q.contains_key("pending") {
        view.notice = Some(Msg::Pending.text(view.lang));
    } else if q.contains_key("posted") {
        view.notice = Some(Msg::Posted.text(view.lang));
    }
}

/// `GET /t?page=P`
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let q = query_map(&req);
    let site = request_site(&req, &state.config, q.get("site").map(String::as_str), true)
        .on_page(Look::Reader, request_lang(&req))?;
    let lang = page_lang(&req, site, q.get("lang").map(String::as_str));
    let page = PageKey::parse(q.get("page").map(String::as_str).unwrap_or(""))
        .map_err(|m| unprocessable(lang, m))?;
    let reply_to = q.get("reply").and_then(|r| r.parse().ok());
    let title = if page.as_str() == demo::DEMO_PAGE {
        demo::article().title
    } else {
        page.as_str().to_owned()
    };
    let mut view = load_view(&state, site, page, title, lang, reply_to)
        .await
        .on_page(Look::Reader, lang)?;
    add_post_notice(&mut view, &q);
    Ok(render_thread(view, StatusCode::OK))
}

fn unprocessable(lang: Lang, m: Msg) -> PageError {
    PageError::says(
        Look::Reader,
        lang,
        StatusCode::UNPROCESSABLE_ENTITY,
        m.text(lang),
    )
}

fn render_thread(view: ThreadView, status: StatusCode) -> HttpResponse {
    let lang = view.lang;
    render(Look::Reader, lang, status, &ThreadPage { lang, view })
}

/// The thread page's form. Every field may be missing: the parser says which are
/// required, in the reader's language.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThreadForm {
    site: Option<String>,
    page: Option<String>,
    title: Option<String>,
    parent: Option<String>,
    author: Option<String>,
    email: Option<String>,
    website: Option<String>,
    body: Option<String>,
    notify_replies: Option<String>,
    form_token: Option<String>,
    lang: Option<String>,
    /// [`crate::abuse::HONEYPOT`], which serde needs spelled out.
    homepage: Option<String>,
}

/// `POST /t` (form-encoded).
pub async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ThreadForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let site = request_site(&req, &state.config, form.site.as_deref(), true)
        .on_page(Look::Reader, request_lang(&req))?;
    let lang = page_lang(&req, site, form.lang.as_deref());
    check_origin(&req, &state.config, site).on_page(Look::Reader, lang)?;
    let site_id = site.id.clone();
    let input = CommentInput {
        page: form.page,
        title: form.title,
        parent: form.parent,
        author: form.author,
        email: form.email,
        website: form.website,
        body: form.body,
        notify_replies: form
            .notify_replies
            .is_some_and(|v| v == "on" || v == "true"),
    };
    let page =
        PageKey::parse(input.page.as_deref().unwrap_or("")).map_err(|m| unprocessable(lang, m))?;
    // The form's own token is required here: it is the form's proof of origin too.
    let token = FormToken::read(
        &state.secret,
        form.form_token.as_deref(),
        site.id.as_str(),
        &page,
        now(),
    );
    let token_problem = match token {
        FormToken::Issued(_) => None,
        FormToken::Expired => Some(Msg::FormExpired),
        FormToken::Missing | FormToken::Forged => Some(Msg::FormInvalid),
    };
    let mut retry_after = None;
    let outcome: Result<(), (Msg, FieldErrors)> = match (token_problem, input.parse()) {
        (Some(problem), _) => Err((problem, FieldErrors::new())),
        (None, Err(errors)) => Err((Msg::CheckFields, errors)),
        (None, Ok(mut comment)) => {
            comment.bot_signal = crate::abuse::bot_signal(
                &state.config.limits,
                form.homepage.as_deref(),
                &token,
                now(),
            );
            let ip = truncated_ip(&req);
            let submission = service::Submission::new(comment);
            let res = state
                .write(move |tx, st| {
                    let site = st.config.sites.of_thread(site_id.as_str());
                    service::post(tx, &st.config, site, &submission, ip.as_deref(), now())
                        .inspect_err(|e| st.metrics.comment_refused(e))
                        .map_err(|e| match e {
                            PostError::Db(db) => ApiError::from(db),
                            other => ApiError::from(other),
                        })
                })
                .await;
            if let Ok(posted) = &res {
                state.metrics.comment_written(posted.comment.status);
            }
            match res {
                Ok(posted) => {
                    let base = thread_href(site.id.as_str(), page.as_str(), lang);
                    let target = if posted.status == Status::Approved {
                        format!("{base}&posted={id}#causerie-c{id}", id = posted.comment.id)
                    } else {
                        format!("{base}&pending=1#causerie")
                    };
                    return Ok(HttpResponse::SeeOther()
                        .insert_header((header::LOCATION, target))
                        .finish());
                }
                Err(ApiError::NotFound(m)) | Err(ApiError::Conflict(m)) => {
                    Err((m, FieldErrors::new()))
                }
                Err(ApiError::Forbidden { msg, .. }) => Err((msg, FieldErrors::new())),
                Err(ApiError::TooMany {
                    retry_after: wait,
                    msg,
                }) => {
                    retry_after = Some((StatusCode::TOO_MANY_REQUESTS, wait.to_string()));
                    Err((msg, FieldErrors::new()))
                }
                // Busy, or out of disk space: the form again, the text kept, and when
                // to try again.
                Err(e @ (ApiError::Unavailable | ApiError::NoRoom)) => {
                    let wait = match e {
                        ApiError::NoRoom => crate::error::NO_ROOM_RETRY_AFTER,
                        _ => crate::error::UNAVAILABLE_RETRY_AFTER,
                    };
                    retry_after = Some((StatusCode::SERVICE_UNAVAILABLE, wait.to_owned()));
                    Err((e.message(), FieldErrors::new()))
                }
                Err(other) => return Err(PageError::from_api(Look::Reader, lang, other)),
            }
        }
    };
    let (problem, errors) = outcome.unwrap_err();
    let title = input
        .title
        .clone()
        .unwrap_or_else(|| page.as_str().to_owned());
    let reply_to = input.parent.as_deref().and_then(|p| p.parse().ok());
    let mut view = load_view(&state, site, page, title, lang, reply_to)
        .await
        .on_page(Look::Reader, lang)?;
    let keep = |v: &Option<String>, k: &str| FieldView {
        value: v.clone().unwrap_or_default(),
        error: errors.get(k).map(|m| m.text(lang)),
    };
    view.author = keep(&input.author, "author");
    view.email = keep(&input.email, "email");
    view.website = keep(&input.website, "website");
    view.body = keep(&input.body, "body");
    view.notify_replies = input.notify_replies;
    view.notice = Some(problem.text(lang));
    view.notice_is_error = true;
    Ok(match retry_after {
        Some((status, wait)) => with_retry_after(render_thread(view, status), wait),
        None => render_thread(view, StatusCode::UNPROCESSABLE_ENTITY),
    })
}

/// Form bodies over the limit or unreadable get a page that says so.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(super::api::MAX_BODY)
        .error_handler(|err, req| {
            let lang = request_lang(req);
            let (status, msg) = match err {
                actix_web::error::UrlencodedError::Overflow { .. } => {
                    (StatusCode::PAYLOAD_TOO_LARGE, Msg::BodyTooLarge)
                }
                actix_web::error::UrlencodedError::Payload(e)
                    if super::connection::is_timeout(&e) =>
                {
                    (StatusCode::REQUEST_TIMEOUT, Msg::BodyTooSlow)
                }
                _ => (StatusCode::BAD_REQUEST, Msg::FormInvalid),
            };
            PageError::says(Look::Reader, lang, status, msg.text(lang)).into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, parent: Option<i64>) -> Comment {
        Comment {
            id,
            thread_id: 1,
            parent_id: parent,
            depth: 0,
            author: String::new(),
            email: String::new(),
            website: None,
            body_raw: String::new(),
            body_html: String::new(),
            status: Status::Approved,
            hold_reason: None,
            moderator: false,
            notify_replies: false,
            ip: None,
            edit_token_hash: None,
            created_at: 0,
            edited_at: None,
            page_title: None,
            erased_at: None,
            status_at: None,
        }
    }

    #[test]
    fn the_form_names_the_honeypot_as_the_embed_does() {
        assert_eq!(crate::abuse::HONEYPOT, "homepage");
    }

    #[test]
    fn replies_follow_their_parent_and_orphans_go_to_the_top() {
        let rows = vec![
            c(1, None),
            c(2, None),
            c(3, Some(1)),
            c(4, Some(3)),
            c(5, Some(99)),
        ];
        let order: Vec<(i64, usize)> = reading_order(rows)
            .into_iter()
            .map(|(c, d)| (c.id, d))
            .collect();
        assert_eq!(order, vec![(1, 0), (3, 1), (4, 2), (2, 0), (5, 0)]);
    }
}

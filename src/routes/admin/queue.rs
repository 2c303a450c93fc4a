use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{action_label, admin_lang, flag_in, forged, safe_back, says, status_label};
use crate::app::{AppState, Db};
use crate::auth::{Session, SiteScope};
use crate::comments::rfc3339;
use crate::db::queries::admin::QueueFilter;
use crate::db::queries::{self, admin as q};
use crate::db::{now, DbConn};
use crate::domain::Action;
use crate::domain::{AuthorName, CommentBody, PageKey, Status, Website};
use crate::error::ApiError;
use crate::i18n::{AdminWords, Lang};
use crate::moderation::{actions as admin, AdminError};
use crate::routes::html::{render, see_other, thread_href, Look, OnPage, PageError};
use crate::routes::query_map_of;

const PER_PAGE: i64 = 50;

pub struct Tab {
    label: &'static str,
    count: i64,
    href: String,
    current: bool,
}

pub struct Item {
    id: i64,
    author: String,
    email: String,
    website: Option<String>,
    ip: Option<String>,
    date: String,
    iso: String,
    reason: Option<String>,
    body: String,
    /// The comment's site, by its name (only when the instance has several).
    site: Option<String>,
    site_id: String,
    page: String,
    page_enc: String,
    title: String,
    thread_href: String,
    moderator: bool,
    actions: Vec<(Action, &'static str)>,
}

/// An option of the site filter.
pub struct SiteChoice {
    id: String,
    name: String,
    selected: bool,
}

pub struct ThreadBox {
    site: String,
    page: String,
    /// The public title, `None` while no published comment has given one.
    title: Option<String>,
    /// A moderator named it.
    locked: bool,
    open: bool,
}

/// The title a moderator sees for comment `c`'s page: the thread's public title, or
/// else the one the comment's request proposed, said to be only that, or else the
/// page's path.
pub(super) fn title_for_moderators(
    w: &AdminWords,
    t: &crate::db::models::Thread,
    c: &crate::db::models::Comment,
) -> String {
    match (t.public_title(), c.page_title.as_deref()) {
        (Some(title), _) => title.to_owned(),
        (None, Some(p)) if !p.trim().is_empty() => format!("{p} ({})", w.title_proposed),
        (None, _) => t.page.clone(),
    }
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    lang: Lang,
    w: &'static AdminWords,
    session_name: String,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    skipped: Option<&'static str>,
    tabs: Vec<Tab>,
    /// Comments with open reports (the Reported view), and its address.
    reported: i64,
    reported_href: String,
    status: &'static str,
    q: String,
    page_filter: String,
    /// The sites the moderator may see, when there are several to choose from.
    sites: Vec<SiteChoice>,
    site_filter: String,
    thread: Option<ThreadBox>,
    /// The form that moves the page's thread (shown with the thread's box).
    moving: MoveBox,
    /// The form that names the page's thread.
    renaming: RenameBox,
    items: Vec<Item>,
    bulk_actions: Vec<(&'static str, &'static str)>,
    back: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The form of the page filter view that moves the page's thread, as typed, with
/// the refusal to show (when the move was refused).
#[derive(Default)]
pub struct MoveBox {
    pub to: String,
    pub merge: bool,
    pub error: Option<String>,
}

/// The form of the page filter view that names the page's thread, as typed, when
/// the title was refused.
#[derive(Default)]
pub struct RenameBox {
    pub title: Option<String>,
    pub error: Option<String>,
}

/// The page filter view's forms a refusal shows again, with what was typed.
#[derive(Default)]
pub struct Refused {
    pub moving: MoveBox,
    pub renaming: RenameBox,
}

/// `GET /admin?status=pending&site=blog&page=/a&q=words&p=2`
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let query = req.query_string().to_owned();
    queue_page(&state, session, lang, &query, Refused::default()).await
}

/// The queue as `query` asks for it; with a refused form (a move, a title) when
/// `refused` holds one (then answered `422`).
pub(super) async fn queue_page(
    state: &web::Data<AppState>,
    session: Session,
    lang: Lang,
    query: &str,
    refused: Refused,
) -> Result<HttpResponse, PageError> {
    let Refused { moving, renaming } = refused;
    let w = AdminWords::of(lang);
    let qs = query_map_of(query);
    let status = qs
        .get("status")
        .and_then(|s| s.parse::<Status>().ok())
        .unwrap_or(Status::Pending);
    let page_filter = qs.get("page").cloned().unwrap_or_default();
    let search = qs.get("q").cloned().unwrap_or_default();
    let p = qs
        .get("p")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let page_key = PageKey::parse(&page_filter).ok();
    // A site the moderator may not see is, for them, no site: the filter is ignored.
    let site_filter = qs
        .get("site")
        .filter(|s| state.config.sites.get(s).is_some() && session.sites.allows(s))
        .cloned();
    let visible_sites: Vec<&crate::config::Site> = state
        .config
        .sites
        .iter()
        .filter(|s| session.sites.allows(s.id.as_str()))
        .collect();
    let several_sites = state.config.sites.len() > 1;
    let filter = QueueFilter {
        status: Some(status),
        site: site_filter.clone(),
        scope: session.sites.limited_to().map(<[String]>::to_vec),
        page: page_key.as_ref().map(|k| k.as_str().to_owned()),
        search: Some(search.clone()).filter(|s| !s.trim().is_empty()),
    };
    let f = filter.clone();
    let (mut rows, (counts, reported), thread) = state
        .db(move |conn, st| -> Result<_, ApiError> {
            let rows = q::list(conn, &f, (p - 1) * PER_PAGE, PER_PAGE + 1)?;
            let counts = q::counts(conn, &f)?;
            let reported_sites = f.site.clone().map(|s| vec![s]).or_else(|| f.scope.clone());
            let reported = queries::reports::count_reported(conn, reported_sites.as_deref())?;
            // The page's thread box: on the site filtered on, else the first site the
            // moderator may see.
            let site = f.site.clone().unwrap_or_else(|| {
                let first = st.config.sites.iter().find(|s| {
                    f.scope
                        .as_ref()
                        .is_none_or(|scope| scope.iter().any(|id| id == s.id.as_str()))
                });
                first.unwrap_or(st.config.sites.first()).id.to_string()
            });
            let thread = match &f.page {
                Some(page) => queries::threads::find_by_page(conn, &site, page)?
                    .filter(|t| f.scope.as_ref().is_none_or(|s| s.contains(&t.site)))
                    .map(|t| {
                        let rules = &st.config.sites.of_thread(&t.site).settings;
                        let open = crate::comments::thread_open(&t, rules, now());
                        (t, open)
                    }),
                None => None,
            };
            Ok((rows, (counts, reported), thread))
        })
        .await
        .on_page(Look::Admin, lang)?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let base = |status: Status, p: i64| {
        let mut h = format!("/admin?status={}&lang={}", status.as_str(), lang.code());
        if let Some(site) = &site_filter {
            h.push_str(&format!("&site={}", enc(site)));
        }
        if !page_filter.is_empty() {
            h.push_str(&format!("&page={}", enc(&page_filter)));
        }
        if !search.is_empty() {
            h.push_str(&format!("&q={}", enc(&search)));
        }
        if p > 1 {
            h.push_str(&format!("&p={p}"));
        }
        h
    };
    let tabs = counts
        .iter()
        .map(|(s, n)| Tab {
            label: status_label(w, *s),
            count: *n,
            href: base(*s, 1),
            current: *s == status,
        })
        .collect();
    let items = rows
        .into_iter()
        .map(|(c, t)| Item {
            title: title_for_moderators(w, &t, &c),
            actions: Action::ALL
                .into_iter()
                .filter(|a| a.applies_to(c.status))
                .map(|a| (a, action_label(w, a)))
                .collect(),
            id: c.id,
            author: c.author,
            email: c.email,
            website: c.website,
            ip: c.ip,
            date: crate::routes::html::human_date(c.created_at),
            iso: rfc3339(c.created_at),
            reason: c.hold_reason.map(|r| r.text(lang)),
            body: c.body_html,
            page_enc: enc(&t.page),
            thread_href: thread_href(&t.site, &t.page, lang),
            site: several_sites.then(|| {
                state
                    .config
                    .sites
                    .get(&t.site)
                    .map_or_else(|| t.site.clone(), |s| s.name.clone())
            }),
            site_id: t.site,
            page: t.page,
            moderator: c.moderator,
        })
        .collect();
    let notice = if flag_in(query, "moved") {
        Some(w.moved)
    } else if flag_in(query, "renamed") {
        Some(w.renamed)
    } else if flag_in(query, "merged") {
        Some(w.merged)
    } else {
        flag_in(query, "done").then_some(w.done)
    };
    let error = flag_in(query, "forged").then_some(w.forged);
    let skipped = flag_in(query, "skipped").then_some(w.skipped);
    let sites = if visible_sites.len() > 1 {
        visible_sites
            .iter()
            .map(|s| SiteChoice {
                id: s.id.to_string(),
                name: s.name.clone(),
                selected: site_filter.as_deref() == Some(s.id.as_str()),
            })
            .collect()
    } else {
        Vec::new()
    };
    let status_code = if moving.error.is_some() || renaming.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        Look::Admin,
        lang,
        status_code,
        &QueuePage {
            lang,
            w,
            session_name: session.name,
            csrf: session.csrf,
            notice,
            error,
            skipped,
            tabs,
            reported,
            reported_href: match &site_filter {
                Some(site) => format!("/admin/reports?lang={}&site={}", lang.code(), enc(site)),
                None => format!("/admin/reports?lang={}", lang.code()),
            },
            status: status.as_str(),
            thread: thread.map(|(t, open)| ThreadBox {
                title: t.public_title().map(str::to_owned),
                site: t.site,
                locked: t.title_locked,
                page: t.page,
                open,
            }),
            items,
            bulk_actions: Action::ALL
                .iter()
                .map(|a| (a.as_str(), action_label(w, *a)))
                .collect(),
            back: base(status, p),
            prev_href: (p > 1).then(|| base(status, p - 1)),
            next_href: more.then(|| base(status, p + 1)),
            q: search,
            page_filter,
            sites,
            site_filter: site_filter.unwrap_or_default(),
            moving,
            renaming,
        },
    ))
}

/// The query string of an admin address (`/admin?status=…`), without its `?`.
pub(super) fn query_of(back: &str) -> &str {
    back.split_once('?').map_or("", |(_, q)| q)
}

/// Adds `done=1` (or `forged=1`) to a back address, for the notice on return.
pub(super) fn with_flag(back: &str, flag: &str) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}{flag}=1")
}

/// The queue's moderation form: one button (`one=approve:12`), or the bulk select
/// with the checked `ids`. Read from the pairs by hand: `ids` repeats, which
/// `web::Form` (serde_urlencoded) cannot put in a `Vec`.
pub struct ModerateForm {
    csrf: String,
    back: Option<String>,
    one: Option<String>,
    bulk: Option<String>,
    ids: Vec<i64>,
}

impl ModerateForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> ModerateForm {
        let mut form = ModerateForm {
            csrf: String::new(),
            back: None,
            one: None,
            bulk: None,
            ids: Vec::new(),
        };
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => form.csrf = v,
                "back" => form.back = Some(v),
                "one" => form.one = Some(v),
                "bulk" => form.bulk = Some(v),
                "ids" => form.ids.extend(v.parse::<i64>().ok()),
                _ => {}
            }
        }
        form
    }

    /// What to do: the button pressed, else the bulk action on the selection; `None`
    /// when no action was chosen.
    fn work(&self) -> Option<Vec<(i64, Action)>> {
        if let Some(one) = &self.one {
            return Some(
                one.split_once(':')
                    .and_then(|(a, id)| Some((id.parse().ok()?, Action::parse(a)?)))
                    .into_iter()
                    .collect(),
            );
        }
        let action = self.bulk.as_deref().and_then(Action::parse)?;
        Some(self.ids.iter().map(|id| (*id, action)).collect())
    }
}

/// `POST /admin/moderate`
pub async fn moderate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = ModerateForm::from_pairs(form.into_inner());
    let back = safe_back(form.back.as_deref());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let Some(work) = form.work() else {
        return Ok(see_other(&back));
    };
    let lang = admin_lang(&req, None);
    let one_button = form.one.is_some();
    let who = session.name.clone();
    let scope = session.sites.clone();
    // One unit for the whole bulk action: all of it or none.
    let skipped = state
        .write(move |tx, st| -> Result<usize, ApiError> {
            let mut skipped = 0;
            for (id, action) in work {
                match admin::apply_within(tx, &st.config, &scope, id, action, now()) {
                    Ok(_) => tracing::info!(comment = id, action = action.as_str(), moderator = %who, "moderated"),
                    // Purged meanwhile by another moderator, or of a site this
                    // moderator does not moderate (the same to them): left alone.
                    Err(AdminError::NotFound) => skipped += 1,
                    Err(AdminError::Db(e)) => return Err(e.into()),
                }
            }
            Ok(skipped)
        })
        .await
        .on_page(Look::Admin, lang)?;
    if skipped == 0 {
        return Ok(see_other(&with_flag(&back, "done")));
    }
    // A button names one comment, as its page does: not there is not found.
    if one_button {
        return Err(says(
            StatusCode::NOT_FOUND,
            lang,
            AdminWords::of(lang).not_found,
        ));
    }
    Ok(see_other(&with_flag(&with_flag(&back, "done"), "skipped")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThreadForm {
    csrf: String,
    back: Option<String>,
    site: String,
    page: String,
    closed: Option<String>,
}

/// `POST /admin/threads`: open or close the comments of one page.
pub async fn thread(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<ThreadForm>,
) -> Result<HttpResponse, PageError> {
    let back = safe_back(form.back.as_deref());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let Ok(page) = PageKey::parse(&form.page) else {
        return Ok(see_other(&back));
    };
    // Our form always names the site; one that does not means the first (the only
    // one, without [[sites]]).
    let site = match form.site.trim() {
        "" => state.config.sites.first().id.to_string(),
        named => named.to_owned(),
    };
    if !session.sites.allows(&site) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let closed = form.closed.as_deref() == Some("1");
    state
        .write(move |tx, _| admin::set_thread_closed(tx, &site, page.as_str(), closed))
        .await
        .on_page(Look::Admin, admin_lang(&req, None))?;
    Ok(see_other(&with_flag(&back, "done")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RenameForm {
    csrf: String,
    back: Option<String>,
    site: String,
    page: String,
    title: String,
}

/// `POST /admin/threads/title`: a moderator names the page's thread. The title is
/// public at once and locked: no reader's request changes it afterwards.
pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<RenameForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let back = safe_back(form.back.as_deref());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let lang = admin_lang(&req, None);
    let w = AdminWords::of(lang);
    let Ok(page) = PageKey::parse(&form.page) else {
        return Err(says(StatusCode::NOT_FOUND, lang, w.not_found));
    };
    let site = match form.site.trim() {
        "" => state.config.sites.first().id.to_string(),
        named => named.to_owned(),
    };
    if !session.sites.allows(&site) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let refusal = match crate::domain::parse_title(&form.title) {
        Ok(Some(title)) => Ok(title),
        Ok(None) => Err(w.rename_blank.to_owned()),
        Err(m) => Err(format!("{}: {}", w.rename_label, m.text(lang))),
    };
    let title = match refusal {
        Ok(title) => title,
        // The view the form was sent from, again, with the reason and what was typed.
        Err(error) => {
            let renaming = RenameBox {
                title: Some(form.title),
                error: Some(error),
            };
            let refused = Refused {
                renaming,
                ..Refused::default()
            };
            return queue_page(&state, session, lang, query_of(&back), refused).await;
        }
    };
    let (s, t) = (site.clone(), title.clone());
    let renamed = state
        .write(move |tx, _| -> Result<bool, ApiError> {
            Ok(
                match queries::threads::find_by_page(tx, &s, page.as_str())? {
                    Some(thread) => queries::threads::rename(tx, thread.id, &t)?,
                    None => false,
                },
            )
        })
        .await
        .on_page(Look::Admin, lang)?;
    if !renamed {
        return Err(says(StatusCode::NOT_FOUND, lang, w.not_found));
    }
    tracing::info!(moderator = %session.name, site = %site, page = %form.page, "thread renamed");
    Ok(see_other(&with_flag(&back, "renamed")))
}

#[derive(Template)]
#[template(path = "admin/edit.html")]
struct EditPage {
    lang: Lang,
    w: &'static AdminWords,
    session_name: String,
    csrf: String,
    error: Option<String>,
    back: String,
    id: i64,
    status: &'static str,
    reason: Option<String>,
    email: String,
    title: String,
    thread_href: String,
    author: String,
    website: String,
    body: String,
    reply: String,
}

struct EditValues {
    author: String,
    website: String,
    body: String,
    reply: String,
}

/// A comment with its thread's site, page and title.
type Loaded = (crate::db::models::Comment, String, String, String);

/// Comment `id`, if it exists on a site of `scope`: another site's comment is as
/// one that does not exist.
fn load_comment(conn: &mut DbConn, scope: &SiteScope, id: i64) -> Result<Option<Loaded>, ApiError> {
    let Some(c) = queries::comments::find(conn, id)? else {
        return Ok(None);
    };
    let t = queries::threads::find(conn, c.thread_id)?;
    let (site, page, title) = t
        .map(|t| (t.title_or_page().to_owned(), t))
        .map(|(title, t)| (t.site, t.page, title))
        .unwrap_or_default();
    if !scope.allows(&site) {
        return Ok(None);
    }
    Ok(Some((c, site, page, title)))
}

async fn edit_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    session: Session,
    id: i64,
    values: Option<EditValues>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(req, None);
    let w = AdminWords::of(lang);
    let scope = session.sites.clone();
    let (c, site, page, title) = state
        .db(move |conn, _| load_comment(conn, &scope, id))
        .await
        .on_page(Look::Admin, lang)?
        .ok_or_else(|| says(StatusCode::NOT_FOUND, lang, w.not_found))?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let values = values.unwrap_or(EditValues {
        author: c.author,
        website: c.website.unwrap_or_default(),
        body: c.body_raw,
        reply: String::new(),
    });
    Ok(render(
        Look::Admin,
        lang,
        status,
        &EditPage {
            lang,
            w,
            session_name: session.name,
            csrf: session.csrf,
            error,
            back: format!("/admin?lang={}#c{id}", lang.code()),
            id,
            status: status_label(w, c.status),
            reason: c.hold_reason.map(|r| r.text(lang)),
            email: c.email,
            thread_href: thread_href(&site, &page, lang),
            title,
            author: values.author,
            website: values.website,
            body: values.body,
            reply: values.reply,
        },
    ))
}

/// The comment's number in `/admin/comments/{id}`; anything else is not found.
pub struct CommentId(i64);

impl FromRequest for CommentId {
    type Error = PageError;
    type Future = Ready<Result<CommentId, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .match_info()
            .get("id")
            .and_then(|raw| raw.parse().ok())
            .filter(|id| *id > 0);
        ready(id.map(CommentId).ok_or_else(|| {
            let lang = admin_lang(req, None);
            says(StatusCode::NOT_FOUND, lang, AdminWords::of(lang).not_found)
        }))
    }
}

/// `GET /admin/comments/{id}`: edit it, or reply to it as moderator.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    CommentId(id): CommentId,
) -> Result<HttpResponse, PageError> {
    edit_page(&req, &state, session, id, None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    csrf: String,
    author: String,
    website: String,
    body: String,
}

/// `POST /admin/comments/{id}`: the moderator's edit, re-sanitized.
pub async fn edit_save(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    CommentId(id): CommentId,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let w = AdminWords::of(lang);
    let EditForm {
        csrf,
        author,
        website,
        body,
    } = form.into_inner();
    let values = EditValues {
        author,
        website,
        body,
        reply: String::new(),
    };
    if forged(&req, &state, &session, &csrf) {
        let problem = Some(w.forged.to_owned());
        return edit_page(&req, &state, session, id, Some(values), problem).await;
    }
    let parsed = (
        AuthorName::parse(&values.author),
        Website::parse(&values.website),
        CommentBody::parse(&values.body),
    );
    let (author, website, body) = match parsed {
        (Ok(a), Ok(site), Ok(b)) => (a, site, b),
        (a, site, b) => {
            let problem = [a.err(), site.err(), b.err()]
                .into_iter()
                .flatten()
                .map(|m| m.text(lang))
                .collect::<Vec<_>>()
                .join(" ");
            return edit_page(&req, &state, session, id, Some(values), Some(problem)).await;
        }
    };
    let body = crate::sanitize::SanitizedBody::new(body);
    let scope = session.sites.clone();
    let res = state
        .write(move |tx, _| admin::edit(tx, &scope, id, &author, website.as_ref(), &body, now()))
        .await;
    match res {
        Ok(()) => Ok(see_other(&format!(
            "/admin/comments/{id}?lang={}&done=1",
            lang.code()
        ))),
        Err(ApiError::NotFound(_)) => Err(says(StatusCode::NOT_FOUND, lang, w.not_found)),
        Err(e) => Err(PageError::from_api(Look::Admin, lang, e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    csrf: String,
    body: String,
}

/// `POST /admin/comments/{id}/reply`: a reply published with the moderator badge.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    CommentId(id): CommentId,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, PageError> {
    let lang = admin_lang(&req, None);
    let w = AdminWords::of(lang);
    let ReplyForm { csrf, body: text } = form.into_inner();
    if forged(&req, &state, &session, &csrf) {
        return edit_page(&req, &state, session, id, None, Some(w.forged.to_owned())).await;
    }
    let body = match CommentBody::parse(&text) {
        Ok(b) => b,
        Err(m) => {
            // Keep the moderator's text; reload the comment's own fields.
            let scope = session.sites.clone();
            let loaded = state
                .db(move |conn, _| load_comment(conn, &scope, id))
                .await;
            let mut values = EditValues {
                author: String::new(),
                website: String::new(),
                body: String::new(),
                reply: text,
            };
            if let Ok(Some((c, ..))) = loaded {
                values.author = c.author;
                values.website = c.website.unwrap_or_default();
                values.body = c.body_raw;
            }
            return edit_page(&req, &state, session, id, Some(values), Some(m.text(lang))).await;
        }
    };
    let name = session.name.clone();
    let scope = session.sites.clone();
    let body = crate::sanitize::SanitizedBody::new(body);
    let replied = state
        .write(move |tx, st| {
            match admin::reply_within(tx, &st.config, &scope, id, &name, &body, now()) {
                Ok(c) => Ok(Some(c)),
                Err(AdminError::NotFound) => Ok(None),
                Err(AdminError::Db(e)) => Err(ApiError::from(e)),
            }
        })
        .await
        .on_page(Look::Admin, lang)?
        .ok_or_else(|| says(StatusCode::NOT_FOUND, lang, w.not_found))?;
    tracing::info!(comment = replied.id, moderator = %session.name, "moderator replied");
    Ok(see_other(&format!(
        "/admin?status=approved&lang={}&done=1#c{}",
        lang.code(),
        replied.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> ModerateForm {
        ModerateForm::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn the_moderation_form_reads_a_button_or_the_checked_ids() {
        let one = form(&[("csrf", "t"), ("one", "approve:12"), ("ids", "3")]);
        assert_eq!(one.csrf, "t");
        assert_eq!(one.work(), Some(vec![(12, Action::Approve)]));
        let bulk = form(&[("bulk", "spam"), ("ids", "3"), ("ids", "x"), ("ids", "5")]);
        assert_eq!(
            bulk.work(),
            Some(vec![(3, Action::Spam), (5, Action::Spam)])
        );
        assert_eq!(form(&[("ids", "3")]).work(), None, "no action chosen");
        assert_eq!(form(&[("one", "nonsense")]).work(), Some(vec![]));
    }
}

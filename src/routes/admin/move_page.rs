//! `POST /admin/threads/move`: the page filter view's form that moves the page's
//! thread to another path (SPEC section 11, as `causerie move-page` does). A refusal
//! (a path that is not one, a page that has a thread already and no merge asked) is
//! said on the view again, with what was typed. A moderator limited to some sites
//! moves only their pages, and only within the page's own site.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::queue::{query_of, queue_page, with_flag, MoveBox, Refused};
use super::{admin_lang, forged, safe_back, says};
use crate::app::{AppState, Db};
use crate::auth::Session;
use crate::error::ApiError;
use crate::i18n::{AdminWords, Lang};
use crate::moving::{move_page_within, MovePageError, PageMove};
use crate::routes::html::{see_other, Look, OnPage, PageError};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    csrf: String,
    back: Option<String>,
    site: String,
    from: String,
    to: String,
    merge: Option<String>,
}

/// The view of `back` (its status and language) for the page `to` of `site`, saying
/// what was done (`flag`).
fn view_of_new_page(back: &str, site: &str, to: &str, flag: &str) -> String {
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query_of(back).as_bytes())
        .into_owned()
        .filter(|(k, _)| matches!(k.as_str(), "status" | "lang"))
        .collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .extend_pairs(kept)
        .append_pair("site", site)
        .append_pair("page", to)
        .append_pair(flag, "1");
    format!("/admin?{}", query.finish())
}

/// `POST /admin/threads/move` with `site`, `from`, `to`, `merge` and `csrf`.
pub async fn move_thread(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let back = safe_back(form.back.as_deref());
    let back_lang = url::form_urlencoded::parse(query_of(&back).as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    let lang = admin_lang(&req, back_lang.as_deref());
    if forged(&req, &state, &session, &form.csrf) {
        return Ok(see_other(&with_flag(&back, "forged")));
    }
    let merge = form.merge.as_deref() == Some("1");
    // Our form always names the site; one that does not means the first.
    let site = match form.site.trim() {
        "" => state.config.sites.first().id.to_string(),
        named => named.to_owned(),
    };
    if !session.sites.allows(&site) {
        return Err(says(
            StatusCode::FORBIDDEN,
            lang,
            AdminWords::of(lang).move_not_your_site,
        ));
    }
    let refused = |e: MovePageError| MoveBox {
        to: form.to.clone(),
        merge,
        error: Some(e.text(lang)),
    };
    let asked = match PageMove::parse(
        &state.config.sites,
        Some(&site),
        &form.from,
        &form.to,
        merge,
    ) {
        Ok(asked) => asked,
        Err(e @ MovePageError::UnknownSite(..)) => {
            return Err(says(StatusCode::NOT_FOUND, lang, &e.text(lang)))
        }
        Err(e) => return refuse(&state, session, lang, &back, refused(e)).await,
    };
    let done = state
        .write(move |tx, _| match move_page_within(tx, &asked) {
            Ok(moved) => Ok(Ok(moved)),
            Err(MovePageError::Db(e)) => Err(ApiError::from(e)),
            Err(refusal) => Ok(Err(refusal)),
        })
        .await
        .on_page(Look::Admin, lang)?;
    let moved = match done {
        Ok(moved) => moved,
        Err(e) => return refuse(&state, session, lang, &back, refused(e)).await,
    };
    tracing::info!(
        moderator = %session.name,
        site = %moved.site,
        from = %moved.from,
        to = %moved.to,
        comments = moved.comments,
        merged = moved.merged_into.is_some(),
        "page moved"
    );
    let flag = if moved.merged_into.is_some() {
        "merged"
    } else {
        "moved"
    };
    Ok(see_other(&view_of_new_page(
        &back,
        &moved.site,
        &moved.to,
        flag,
    )))
}

/// The view the form was sent from, again, with the refusal and what was typed.
async fn refuse(
    state: &web::Data<AppState>,
    session: Session,
    lang: Lang,
    back: &str,
    moving: MoveBox,
) -> Result<HttpResponse, PageError> {
    let refused = Refused {
        moving,
        ..Refused::default()
    };
    queue_page(state, session, lang, query_of(back), refused).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_move_the_view_is_the_new_pages_with_the_same_status_and_language() {
        assert_eq!(
            view_of_new_page(
                "/admin?status=approved&lang=fr&page=%2Fa&p=3&done=1",
                "blog",
                "/b é",
                "moved"
            ),
            "/admin?status=approved&lang=fr&site=blog&page=%2Fb+%C3%A9&moved=1"
        );
        assert_eq!(
            view_of_new_page("/admin", "blog", "/b", "merged"),
            "/admin?site=blog&page=%2Fb&merged=1"
        );
    }
}

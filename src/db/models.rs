//! One struct per row shape: what is read (`Thread`, `Comment`) and what is inserted.

use diesel::prelude::*;

use super::schema::{comments, moderators, threads};
use crate::domain::{HoldReason, Status};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = threads)]
pub struct Thread {
    pub id: i64,
    /// The site's id (`[[sites]]`); `default` without sites.
    pub site: String,
    pub page: String,
    /// The public title, '' while no published comment has given one: use
    /// [`Thread::public_title`].
    pub title: String,
    pub closed: bool,
    pub created_at: i64,
    /// A moderator named the thread; no request changes its title any more.
    pub title_locked: bool,
}

impl Thread {
    /// The title the public sees, if a published comment (or a moderator) gave one.
    pub fn public_title(&self) -> Option<&str> {
        Some(self.title.as_str()).filter(|t| !t.is_empty())
    }

    /// The public title, or else the page's path: what a heading or a subject shows.
    pub fn title_or_page(&self) -> &str {
        self.public_title().unwrap_or(self.page.as_str())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = threads)]
pub struct NewThread<'a> {
    pub site: &'a str,
    pub page: &'a str,
    pub title: &'a str,
    pub closed: bool,
    pub created_at: i64,
    pub title_locked: bool,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author: String,
    pub email: String,
    pub website: Option<String>,
    pub body_raw: String,
    pub body_html: String,
    pub status: Status,
    pub hold_reason: Option<HoldReason>,
    pub moderator: bool,
    pub notify_replies: bool,
    pub ip: Option<String>,
    pub edit_token_hash: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The page title this comment's request sent (not public while it is held).
    pub page_title: Option<String>,
    /// The author erased their data; the row stays, empty, while replies hang under it.
    pub erased_at: Option<i64>,
    /// When the status last changed; `None`: at `created_at`.
    pub status_at: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewCommentRow<'a> {
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author: &'a str,
    pub email: &'a str,
    pub website: Option<&'a str>,
    pub body_raw: &'a str,
    pub body_html: &'a str,
    pub status: Status,
    pub hold_reason: Option<&'a HoldReason>,
    pub moderator: bool,
    pub notify_replies: bool,
    pub ip: Option<&'a str>,
    pub edit_token_hash: Option<&'a str>,
    pub created_at: i64,
    pub page_title: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = moderators)]
pub struct Moderator {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
    pub created_at: i64,
}

//! Moving a page's thread to another path, when the page's permalink changed
//! (`causerie move-page`, and the form of the admin's page filter view; SPEC
//! section 11). The thread keeps its id, title, state, comments and unsubscriptions;
//! onto a page that has a thread already the move is refused unless it merges, and
//! then the comments join that thread, whose title and state are kept.
//!
//! The cache learns of both pages from the database triggers (`thread_changes`): a
//! thread's new page and old one when it moves, both threads when comments change
//! thread, and a thread's page when it is removed.

use std::fmt;

use crate::config::Sites;
use crate::db::queries::threads;
use crate::db::{DbConn, Tx};
use crate::domain::PageKey;
use crate::i18n::{AdminWords, Lang, Msg};

/// Which of the two pages an error is about: the command's arguments are named
/// FROM and TO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            End::From => "FROM",
            End::To => "TO",
        })
    }
}

/// A move asked for, its pages parsed and its site known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMove {
    pub site: String,
    pub from: PageKey,
    pub to: PageKey,
    pub merge: bool,
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMoved {
    pub site: String,
    pub from: String,
    pub to: String,
    /// The comments that moved, whatever their status.
    pub comments: i64,
    /// When TO had a thread: how many comments it had before FROM's joined it.
    pub merged_into: Option<i64>,
    /// TO's thread had no title and took FROM's.
    pub took_title: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MovePageError {
    #[error("there is no site `{0}` in the configuration (its sites: {1})")]
    UnknownSite(String, String),
    #[error("{end} `{given}` is not a page: {}", why.text(Lang::En))]
    BadPage { end: End, given: String, why: Msg },
    #[error(
        "{end} `{given}` is a page of the site `{owner}`, not of `{site}`: a page moves \
         within its site (name it with --site {owner})"
    )]
    OtherSite {
        end: End,
        given: String,
        owner: String,
        site: String,
    },
    #[error("FROM and TO are the same page, `{0}`")]
    SamePage(String),
    #[error("`{page}` has no thread on the site `{site}`: there is nothing to move")]
    NoThread { site: String, page: String },
    #[error(
        "`{to}` already has a thread of {}; add --merge to put `{from}`'s comments into it",
        comments_en(*comments)
    )]
    Occupied {
        from: String,
        to: String,
        comments: i64,
    },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn comments_en(n: i64) -> String {
    match n {
        1 => "1 comment".to_owned(),
        n => format!("{n} comments"),
    }
}

impl MovePageError {
    /// Whether this is the moderator's (or operator's) mistake, said to them, rather
    /// than the database's failure.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, MovePageError::Db(_))
    }

    /// The refusal as the admin's form says it, in the moderator's language.
    pub fn text(&self, lang: Lang) -> String {
        let w = AdminWords::of(lang);
        match self {
            MovePageError::UnknownSite(site, _) => {
                Msg::UnknownSite { site: site.clone() }.text(lang)
            }
            MovePageError::BadPage { end, why, .. } => {
                let label = match end {
                    End::From => w.move_from_label,
                    End::To => w.move_to_label,
                };
                format!("{label}{}{}", w.colon, why.text(lang))
            }
            MovePageError::OtherSite { given, owner, .. } => w
                .move_other_site
                .replace("{page}", given)
                .replace("{site}", owner),
            MovePageError::SamePage(page) => w.move_same_page.replace("{page}", page),
            MovePageError::NoThread { page, .. } => w.move_no_thread.replace("{page}", page),
            MovePageError::Occupied { from, to, comments } => w
                .move_occupied
                .replace("{to}", to)
                .replace("{from}", from)
                .replace("{comments}", &w.n_comments(*comments))
                .replace("{merge}", w.move_merge),
            MovePageError::Db(_) => Msg::Internal.text(lang),
        }
    }
}

impl PageMove {
    /// Reads a move as typed: the site (`None`: the first), and FROM and TO as page
    /// keys or full URLs. A URL of another configured site's origin is refused
    /// rather than read for its path: a page moves within its site.
    pub fn parse(
        sites: &Sites,
        site: Option<&str>,
        from: &str,
        to: &str,
        merge: bool,
    ) -> Result<PageMove, MovePageError> {
        let site = match site.map(str::trim).filter(|s| !s.is_empty()) {
            None => sites.first(),
            Some(id) => sites.get(id).ok_or_else(|| {
                let known: Vec<String> = sites.iter().map(|s| s.id.to_string()).collect();
                MovePageError::UnknownSite(id.to_owned(), known.join(", "))
            })?,
        };
        let site = site.id.to_string();
        let page = |end: End, given: &str| -> Result<PageKey, MovePageError> {
            let key = PageKey::parse(given).map_err(|why| MovePageError::BadPage {
                end,
                given: given.to_owned(),
                why,
            })?;
            if let Some(owner) = owner_of_url(sites, given).filter(|o| *o != site) {
                return Err(MovePageError::OtherSite {
                    end,
                    given: given.trim().to_owned(),
                    owner,
                    site: site.clone(),
                });
            }
            Ok(key)
        };
        let (from, to) = (page(End::From, from)?, page(End::To, to)?);
        if from == to {
            return Err(MovePageError::SamePage(from.as_str().to_owned()));
        }
        Ok(PageMove {
            site,
            from,
            to,
            merge,
        })
    }
}

/// The configured site whose origins hold a full URL's origin, if any.
fn owner_of_url(sites: &Sites, given: &str) -> Option<String> {
    let url = url::Url::parse(given.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    sites.by_origin(&origin).map(|s| s.id.to_string())
}

/// `causerie move-page`: parses the move, then makes it in a transaction of its own.
pub fn move_page(
    conn: &mut DbConn,
    sites: &Sites,
    site: Option<&str>,
    from: &str,
    to: &str,
    merge: bool,
) -> Result<PageMoved, MovePageError> {
    let asked = PageMove::parse(sites, site, from, to, merge)?;
    let done = crate::db::transaction(conn, |tx| move_page_within(tx, &asked))?;
    Ok(done.value)
}

/// Makes the move inside the caller's transaction (the admin's goes through the
/// writer): FROM's thread, locked, takes TO's path; or, when TO has a thread and the
/// move merges, FROM's comments and unsubscriptions join it and FROM's thread goes.
pub fn move_page_within(tx: &mut Tx<'_>, asked: &PageMove) -> Result<PageMoved, MovePageError> {
    let (site, from, to) = (&asked.site, asked.from.as_str(), asked.to.as_str());
    let thread = threads::find_by_page_for_update(tx, site, from)?.ok_or_else(|| {
        MovePageError::NoThread {
            site: site.clone(),
            page: from.to_owned(),
        }
    })?;
    let comments = threads::count_comments(tx, thread.id)?;
    let mut took_title = false;
    let merged_into = match threads::find_by_page(tx, site, to)? {
        Some(there) if asked.merge => {
            let theirs = threads::count_comments(tx, there.id)?;
            took_title = threads::merge_into(tx, thread.id, there.id)?;
            Some(theirs)
        }
        Some(there) => {
            return Err(MovePageError::Occupied {
                from: from.to_owned(),
                to: to.to_owned(),
                comments: threads::count_comments(tx, there.id)?,
            })
        }
        None => {
            threads::set_page(tx, thread.id, to)?;
            None
        }
    };
    Ok(PageMoved {
        site: site.clone(),
        from: from.to_owned(),
        to: to.to_owned(),
        comments,
        merged_into,
        took_title,
    })
}

impl fmt::Display for PageMoved {
    /// What `causerie move-page` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from, to, site) = (&self.from, &self.to, &self.site);
        match self.merged_into {
            None => write!(
                f,
                "moved the thread of {from} ({}) to {to} on site {site}",
                comments_en(self.comments)
            ),
            Some(theirs) => write!(
                f,
                "merged the thread of {from} ({}) into the thread of {to} ({}) on site \
                 {site}: it now has {}, under the title of {}",
                comments_en(self.comments),
                comments_en(theirs),
                comments_en(self.comments + theirs),
                if self.took_title { from } else { to }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sites::tests::two_sites;

    #[test]
    fn a_move_is_on_the_site_named_else_the_first_and_takes_urls_for_their_path() {
        let sites = two_sites();
        let m =
            PageMove::parse(&sites, None, "/a/", "https://blog.example.org/b?x=1", false).unwrap();
        assert_eq!(m.site, "blog");
        assert_eq!((m.from.as_str(), m.to.as_str()), ("/a", "/b"));
        let m = PageMove::parse(&sites, Some("notes"), "/a", "/b", true).unwrap();
        assert_eq!(m.site, "notes");
        // A URL of no configured site is read for its path.
        let m = PageMove::parse(&sites, None, "https://old.example/a", "/b", false).unwrap();
        assert_eq!(m.from.as_str(), "/a");
    }

    #[test]
    fn a_move_says_which_argument_is_wrong_and_why() {
        let sites = two_sites();
        let err = PageMove::parse(&sites, None, "/a", "b", false).unwrap_err();
        assert!(matches!(err, MovePageError::BadPage { end: End::To, .. }));
        assert!(
            err.to_string()
                .starts_with("TO `b` is not a page: The page must"),
            "{err}"
        );
        let err = PageMove::parse(&sites, None, "", "/b", false).unwrap_err();
        assert!(
            err.to_string().starts_with("FROM `` is not a page"),
            "{err}"
        );
        let err = PageMove::parse(&sites, Some("nope"), "/a", "/b", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no site `nope` in the configuration (its sites: blog, notes)"
        );
        let err = PageMove::parse(&sites, None, "/a/", "/a", false).unwrap_err();
        assert_eq!(err.to_string(), "FROM and TO are the same page, `/a`");
    }

    #[test]
    fn a_page_never_moves_onto_another_sites_address() {
        let sites = two_sites();
        let err = PageMove::parse(
            &sites,
            Some("blog"),
            "/a",
            "https://notes.example.org/b",
            false,
        )
        .unwrap_err();
        assert!(
            matches!(&err, MovePageError::OtherSite { end: End::To, owner, .. } if owner == "notes"),
            "{err}"
        );
        assert!(err.to_string().contains("--site notes"), "{err}");
        assert!(
            err.text(Lang::Fr).contains("notes"),
            "{}",
            err.text(Lang::Fr)
        );
    }

    #[test]
    fn the_refusal_onto_a_thread_says_how_to_merge_in_both_languages() {
        let err = MovePageError::Occupied {
            from: "/a".into(),
            to: "/b".into(),
            comments: 3,
        };
        assert_eq!(
            err.to_string(),
            "`/b` already has a thread of 3 comments; add --merge to put `/a`'s comments into it"
        );
        assert!(
            err.text(Lang::En).contains("3 comments"),
            "{}",
            err.text(Lang::En)
        );
        assert!(
            err.text(Lang::Fr).contains("3 commentaires"),
            "{}",
            err.text(Lang::Fr)
        );
        let one = MovePageError::Occupied {
            from: "/a".into(),
            to: "/b".into(),
            comments: 1,
        };
        assert!(one.to_string().contains("a thread of 1 comment;"), "{one}");
        assert!(
            one.text(Lang::Fr).contains("de 1 commentaire."),
            "{}",
            one.text(Lang::Fr)
        );
    }
}

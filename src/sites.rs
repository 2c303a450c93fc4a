//! What happens to sites as a whole: moving every thread of one site to another
//! (`causerie move-site`), and the one-time upgrade that gives the threads stored
//! before sites existed to the right site.

use crate::config::Sites;
use crate::db::queries::threads;
use crate::db::DbConn;
use crate::domain::DEFAULT_SITE;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// Threads that changed site (merged ones included).
    pub threads: usize,
    /// Of those, threads whose comments joined a thread the target had for the page.
    pub merged: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("there is no site `{0}` in the configuration (its sites: {1})")]
    UnknownTarget(String, String),
    #[error("`{0}` is both the site to move from and the one to move to")]
    SameSite(String),
    #[error(
        "both sites have a thread for {0}: add --merge to put the comments of `{1}` into \
         the threads of `{2}`, or move those pages first (causerie move-page)"
    )]
    Collision(String, String, String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Moves every thread of `from` to `to` (a configured site), in one transaction.
/// Where `to` has a thread for the same page, the move is refused unless `merge`,
/// which moves that thread's comments and unsubscriptions into `to`'s thread.
pub fn move_site(
    conn: &mut DbConn,
    sites: &Sites,
    from: &str,
    to: &str,
    merge: bool,
) -> Result<Moved, MoveError> {
    if sites.get(to).is_none() {
        let known: Vec<String> = sites.iter().map(|s| s.id.to_string()).collect();
        return Err(MoveError::UnknownTarget(to.to_owned(), known.join(", ")));
    }
    if from == to {
        return Err(MoveError::SameSite(from.to_owned()));
    }
    let done = crate::db::transaction(conn, |conn| {
        let both = threads::pages_on_both(conn, from, to)?;
        if !both.is_empty() && !merge {
            let shown = match both.len() {
                1 => both[0].clone(),
                n => format!("{} and {} other pages", both[0], n - 1),
            };
            return Err(MoveError::Collision(shown, from.to_owned(), to.to_owned()));
        }
        let mut moved = Moved::default();
        for page in &both {
            let (Some(old), Some(new)) = (
                threads::find_by_page(conn, from, page)?,
                threads::find_by_page(conn, to, page)?,
            ) else {
                continue;
            };
            threads::merge_into(conn, old.id, new.id)?;
            moved.merged += 1;
        }
        moved.threads = threads::move_site(conn, from, to)? + moved.merged;
        Ok(moved)
    })?;
    Ok(done.value)
}

/// Threads stored before sites existed are on `default`. If the configuration has
/// no site `default`, they belong to its first site (SPEC section 10): moved once,
/// at start, and said in the log.
pub fn adopt_threads_of_default(conn: &mut DbConn, sites: &Sites) -> Result<usize, MoveError> {
    if sites.get(DEFAULT_SITE).is_some() || threads::count_on_site(conn, DEFAULT_SITE)? == 0 {
        return Ok(0);
    }
    let first = sites.first().id.to_string();
    let moved = move_site(conn, sites, DEFAULT_SITE, &first, false)?;
    Ok(moved.threads)
}

/// Why a request has no site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceError {
    /// It names a site this instance does not serve (404).
    Unknown(String),
    /// Its `Origin` is a page of one site and it names another (403): a page of one
    /// site never writes into another's threads, nor reads them with CORS.
    Foreign { origin_site: String, asked: String },
}

/// The site a request is for (SPEC section 10): the one it names (`site`), else the
/// one whose origins hold `origin` (the request's `Origin`, or for `/t` its
/// `Referer`'s origin), else the first. A request naming a site from another site's
/// page is refused.
pub fn choose<'s>(
    sites: &'s Sites,
    asked: Option<&str>,
    origin: Option<&str>,
) -> Result<&'s crate::config::Site, ChoiceError> {
    let from = origin.and_then(|o| sites.by_origin(o));
    let Some(asked) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(from.unwrap_or_else(|| sites.first()));
    };
    let site = sites
        .get(asked)
        .ok_or_else(|| ChoiceError::Unknown(asked.chars().take(60).collect()))?;
    match from {
        Some(other) if other.id != site.id => Err(ChoiceError::Foreign {
            origin_site: other.id.to_string(),
            asked: site.id.to_string(),
        }),
        _ => Ok(site),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{Config, Settings};

    pub(crate) fn two_sites() -> Sites {
        let sites = ["blog", "notes"]
            .iter()
            .map(|id| {
                serde_json::json!({
                    "id": id,
                    "origins": [format!("https://{id}.example.org")],
                })
            })
            .collect();
        Config::from_settings(Settings {
            sites,
            ..Default::default()
        })
        .unwrap()
        .sites
    }

    fn chosen(
        sites: &Sites,
        asked: Option<&str>,
        origin: Option<&str>,
    ) -> Result<String, ChoiceError> {
        choose(sites, asked, origin).map(|s| s.id.to_string())
    }

    #[test]
    fn the_named_site_wins_then_the_origin_then_the_first() {
        let sites = two_sites();
        assert_eq!(chosen(&sites, Some("notes"), None), Ok("notes".into()));
        assert_eq!(
            chosen(&sites, None, Some("https://notes.example.org")),
            Ok("notes".into())
        );
        assert_eq!(chosen(&sites, None, None), Ok("blog".into()));
        assert_eq!(
            chosen(&sites, None, Some("https://elsewhere.example")),
            Ok("blog".into())
        );
        // From a page of the site it names, or from no site's page: allowed.
        assert_eq!(
            chosen(&sites, Some("notes"), Some("https://notes.example.org")),
            Ok("notes".into())
        );
        assert_eq!(
            chosen(&sites, Some("notes"), Some("https://elsewhere.example")),
            Ok("notes".into())
        );
    }

    #[test]
    fn another_sites_page_and_unknown_sites_are_refused() {
        let sites = two_sites();
        assert_eq!(
            chosen(&sites, Some("notes"), Some("https://blog.example.org")),
            Err(ChoiceError::Foreign {
                origin_site: "blog".into(),
                asked: "notes".into()
            })
        );
        assert_eq!(
            chosen(&sites, Some("nope"), None),
            Err(ChoiceError::Unknown("nope".into()))
        );
    }
}

//! HTTP: the public JSON API, the no-JavaScript thread page, the demo page, avatars
//! and the health check. Handlers parse, call a service or a query inside one
//! `web::block`, and shape the answer; they hold no SQL.

pub mod admin;
pub mod api;
pub mod avatar;
pub mod connection;
pub mod demo;
pub mod embed;
pub mod health;
pub mod html;
pub mod index;
pub mod metrics;
pub mod my_data;
pub mod report_page;
pub mod slashes;
pub mod thread_page;
pub mod unsubscribe;

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{web, HttpRequest};

use crate::app::AppState;
use crate::config::{Config, Site};
use crate::error::ApiError;
use crate::i18n::Lang;

/// The reader's language, from `Accept-Language`, else the first site's (where the
/// request's site is not known yet: its refusals).
pub fn request_lang(req: &HttpRequest) -> Lang {
    let fallback = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.sites.first().settings.lang)
        .unwrap_or_default();
    reader_lang(req, fallback)
}

/// The reader's language, from `Accept-Language`, else `fallback` (their site's).
pub fn reader_lang(req: &HttpRequest, fallback: Lang) -> Lang {
    let header = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::negotiate(header, fallback)
}

/// The origin (`https://host[:port]`) of the request's `Origin` header, or for the
/// thread page's form, which browsers may send without it, of its `Referer`.
fn request_origin(req: &HttpRequest, referer_too: bool) -> Option<String> {
    if let Some(o) = req.headers().get(header::ORIGIN) {
        return o.to_str().ok().map(str::to_owned);
    }
    if !referer_too {
        return None;
    }
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

/// The site a request is for (SPEC section 10): the one it names (`asked`: the
/// `site` parameter, JSON field or form field), else the one its `Origin` (with
/// `referer_too`, its `Referer`) belongs to, else the first. Naming another site than
/// the page's own is a 403; an unknown site a 404.
pub fn request_site<'c>(
    req: &HttpRequest,
    config: &'c Config,
    asked: Option<&str>,
    referer_too: bool,
) -> Result<&'c Site, ApiError> {
    let origin = request_origin(req, referer_too);
    crate::sites::choose(&config.sites, asked, origin.as_deref()).map_err(|e| match e {
        crate::sites::ChoiceError::Unknown(site) => {
            ApiError::NotFound(crate::i18n::Msg::UnknownSite { site })
        }
        crate::sites::ChoiceError::Foreign { .. } => ApiError::Forbidden {
            code: "site_mismatch",
            msg: crate::i18n::Msg::SiteMismatch,
        },
    })
}

/// The site whose page sent a write that names no site (an author's edit or removal,
/// by comment id): `None` without `Origin` or from Causerie's own pages; a 403 from
/// an origin that belongs to no site.
pub fn origin_site(req: &HttpRequest, config: &Config) -> Result<Option<String>, ApiError> {
    if origin_allowed(req, config, Senders::OwnPages) {
        return Ok(None);
    }
    let origin = request_origin(req, false).unwrap_or_default();
    match config.sites.by_origin(&origin) {
        Some(site) => Ok(Some(site.id.to_string())),
        None => Err(ApiError::Forbidden {
            code: "origin_not_allowed",
            msg: crate::i18n::Msg::OriginNotAllowed,
        }),
    }
}

/// Whether a signed token of a link (`ID.SIGNATURE`: unsubscribing, one's data) is
/// worth a query: anything longer or stranger is answered as unknown at once.
pub fn plausible_token(token: &str) -> bool {
    token.len() <= 80
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The query string's parameters (the last value of a repeated one).
pub fn query_map(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    query_map_of(req.query_string())
}

/// [`query_map`] of a query string (an admin view shown again after a form).
pub fn query_map_of(query: &str) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The `site` parameter of the query string, if any.
pub fn site_param(req: &HttpRequest) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "site")
        .map(|(_, v)| v.into_owned())
}

/// Who may send a state-changing request from a browser.
#[derive(Debug, Clone, Copy)]
pub enum Senders<'s> {
    /// Causerie's own pages (the admin).
    OwnPages,
    /// Those and the pages of the site written to (the API and the thread page's form).
    OwnPagesAndSite(&'s Site),
}

/// Whether `Origin` (sent by browsers on every POST) names our public origin, our
/// host, or (for `OwnPagesAndSites`) one of the origins of `site`, the site the
/// request writes to. A request without `Origin` (curl, a server) is not a browser's
/// cross-site request and passes; an unreadable one does not.
pub fn origin_allowed(req: &HttpRequest, config: &Config, senders: Senders<'_>) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let own = config.server.public_url.origin().ascii_serialization();
    let same_host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|host| url::Url::parse(origin).ok().map(|o| authority(&o) == host))
        .unwrap_or(false);
    let of_site = match senders {
        Senders::OwnPages => false,
        Senders::OwnPagesAndSite(site) => site.origins.iter().any(|o| o == origin),
    };
    origin == own || same_host || of_site
}

/// The API's and the thread page's origin check for a write to `site`, as SPEC's 403.
pub fn check_origin(req: &HttpRequest, config: &Config, site: &Site) -> Result<(), ApiError> {
    if origin_allowed(req, config, Senders::OwnPagesAndSite(site)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "origin_not_allowed",
            msg: crate::i18n::Msg::OriginNotAllowed,
        })
    }
}

fn authority(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

/// Whether `If-None-Match` names `etag` (or `*`): the client's copy is current. The
/// comparison is weak, as RFC 9110 wants for this header, so `W/"x"` matches `"x"`.
pub fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = weak(etag);
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || weak(t) == ours)
}

/// `data` gzipped in memory, at `level`.
pub fn gzip(data: &[u8], level: flate2::Compression) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 4), level);
    gz.write_all(data)
        .and_then(|()| gz.finish())
        .expect("gzip into memory cannot fail")
}

/// Whether `Accept-Encoding` lists gzip (or `*`) without refusing it by `q=0`.
pub fn accepts_gzip(req: &HttpRequest) -> bool {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| matches!(p, "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// The client's address, truncated as stored (IPv4 /24, IPv6 /48).
pub fn truncated_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.server.trusted_proxies.as_slice())
        .unwrap_or_default();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(truncate_ip(client_ip(peer, &forwarded, trusted)))
}

/// The address of the client: the peer's, unless the peer is a trusted proxy, in
/// which case the right-most address of `X-Forwarded-For` that is not itself a
/// trusted proxy (the left-most entries are whatever the client chose to send).
pub fn client_ip(peer: IpAddr, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.iter().flat_map(|h| h.split(',')).rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

pub fn truncate_ip(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => truncate_ip(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // From a stranger the header is ignored: anyone can write it.
        assert_eq!(
            client_ip(ip("203.0.113.5"), &["198.51.100.1"], &proxies),
            ip("203.0.113.5")
        );
        // Behind our proxy, the address it saw.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["198.51.100.1"], &proxies),
            ip("198.51.100.1")
        );
        // A client forging an entry cannot hide behind it: the right-most untrusted wins.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                &["1.2.3.4, 198.51.100.1, 10.0.0.3"],
                &proxies
            ),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &proxies), ip("10.0.0.2"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_knows_the_star() {
        let asks = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, value))
                .to_http_request();
            if_none_match(&req, "\"abc\"")
        };
        assert!(asks("\"abc\""));
        assert!(asks("W/\"abc\""));
        assert!(asks("\"x\", \"abc\""));
        assert!(asks("*"));
        assert!(!asks("\"abd\""));
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert!(!if_none_match(&none, "\"abc\""));
    }

    #[test]
    fn addresses_are_truncated() {
        assert_eq!(
            truncate_ip("203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
        assert_eq!(
            truncate_ip("2001:db8:abcd:12:1:2:3:4".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            truncate_ip("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }
}

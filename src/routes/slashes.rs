//! `//` in a path is one `/` (`https://comments.example//api/v1/comments`, from a
//! `public_url` written with a final slash, reaches the API). actix's `NormalizePath`
//! does this with a regex on every request, a few percent of a cached read; most paths
//! have no `//` at all, and those are passed on untouched.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;

pub async fn merge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().contains("//") {
        if let Some(uri) = merged(&req.head().uri) {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
    }
    next.call(req).await
}

/// The same URI with each run of slashes in its path made one; `None` if it cannot be
/// rebuilt (then the request goes on as it came, and matches what it matches).
fn merged(uri: &Uri) -> Option<Uri> {
    let mut path = String::with_capacity(uri.path().len());
    for c in uri.path().chars() {
        if c != '/' || !path.ends_with('/') {
            path.push(c);
        }
    }
    if let Some(q) = uri.query() {
        path.push('?');
        path.push_str(q);
    }
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_slashes_become_one_and_the_query_stays() {
        let uri: Uri = "//t///x/?page=/a//b/&x=1".parse().unwrap();
        let m = merged(&uri).unwrap();
        assert_eq!(m.path(), "/t/x/");
        assert_eq!(m.query(), Some("page=/a//b/&x=1"));
        let abs: Uri = "http://h.example:8080/t//x/".parse().unwrap();
        assert_eq!(
            merged(&abs).unwrap().to_string(),
            "http://h.example:8080/t/x/"
        );
    }
}

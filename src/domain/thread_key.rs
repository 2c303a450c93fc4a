/// A thread's key: its site and its page (SPEC section 10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThreadKey {
    pub site: String,
    pub page: String,
}

impl ThreadKey {
    pub fn new(site: &str, page: &str) -> ThreadKey {
        ThreadKey {
            site: site.to_owned(),
            page: page.to_owned(),
        }
    }
}

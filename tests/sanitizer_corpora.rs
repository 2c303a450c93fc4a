//! Runs the sanitizer over public XSS and formatting corpora
//! (`tests/corpora/`, see its README.md).
//!
//! Safety is checked for every vector of every file: whatever the bytes, the
//! output holds only whitelisted tags and attributes, only allowed URL schemes,
//! and is well-formed. Intent is checked against WordPress, whose comment
//! rules ours follow: the text a reader wrote survives, and the URLs
//! WordPress would link are the ones we link.

use std::collections::BTreeSet;

use causerie::sanitize::{sanitize, WHITELIST};
use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

const LINK_REL: &str = "nofollow ugc noopener";

struct Vector {
    label: String,
    fields: Value,
}

impl Vector {
    fn str(&self, field: &str) -> &str {
        self.fields[field]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no string field `{field}`", self.label))
    }

    fn opt(&self, field: &str) -> Option<&str> {
        self.fields[field].as_str()
    }
}

fn corpus(file: &str) -> Vec<Vector> {
    let path = format!("{}/tests/corpora/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let vectors = json["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no `vectors` array"));
    assert!(!vectors.is_empty(), "{path}: empty corpus");
    vectors
        .iter()
        .enumerate()
        .map(|(index, fields)| {
            let name = ["name", "case", "title", "id"]
                .iter()
                .find_map(|key| match &fields[*key] {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .unwrap_or_default();
            Vector {
                label: format!("{file} #{index} {name:?}"),
                fields: fields.clone(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- safety

/// The URL as a browser reads it: leading/trailing C0 controls and spaces
/// stripped, ASCII tab and newline removed anywhere.
fn browser_url(value: &str) -> String {
    value
        .trim_matches(|c: char| c <= '\u{20}')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

fn assert_safe(label: &str, input: &str) {
    assert_safe_output(label, input, &sanitize(input));
}

fn assert_safe_output(label: &str, input: &str, output: &str) {
    let context = format!("{label}\n  input:  {input:?}\n  output: {output:?}");
    let fragment = Html::parse_fragment(output);

    for node in fragment.tree.root().descendants() {
        match node.value() {
            Node::Comment(_) => panic!("comment survived: {context}"),
            Node::ProcessingInstruction(_) | Node::Doctype(_) => {
                panic!("non-HTML node survived: {context}")
            }
            _ => {}
        }
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        if node.parent().is_some_and(|p| p.value().is_fragment()) && name == "html" {
            continue; // the wrapper scraper's fragment parser adds
        }
        let allowed: &[&str] = match WHITELIST.iter().find(|tag| tag.name == name) {
            Some(tag) => tag.attributes,
            None if name == "p" || name == "br" => &[],
            None => panic!("tag <{name}> not allowed: {context}"),
        };
        for (attribute, value) in element.value().attrs() {
            if name == "a" && attribute == "rel" {
                assert_eq!(value, LINK_REL, "wrong rel: {context}");
                continue;
            }
            assert!(
                allowed.contains(&attribute),
                "attribute {attribute} not allowed on <{name}>: {context}"
            );
            if attribute == "href" || attribute == "cite" {
                let url = url::Url::parse(&browser_url(value)).unwrap_or_else(|e| {
                    panic!("{attribute}={value:?} is not absolute ({e}): {context}")
                });
                assert!(
                    ["http", "https", "mailto"].contains(&url.scheme()),
                    "{attribute}={value:?} has a forbidden scheme: {context}"
                );
            }
            let squashed: String = value
                .to_ascii_lowercase()
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            for bad in ["javascript:", "vbscript:", "data:"] {
                assert!(
                    !squashed.contains(bad),
                    "{bad} in {attribute}={value:?}: {context}"
                );
            }
        }
        if name == "a" {
            assert_eq!(
                element.value().attr("rel"),
                Some(LINK_REL),
                "link without rel: {context}"
            );
        }
    }

    // Well-formed: read naively, tag by tag, the output nests exactly as the
    // HTML parser builds it. Unclosed or misnested tags, or anything the
    // parser would silently re-parent (a <p> inside a <p>), fail here.
    let naive = naive_structure(output).unwrap_or_else(|e| panic!("{e}: {context}"));
    let parsed = parsed_structure(&fragment);
    assert_eq!(naive, parsed, "output is not well-formed: {context}");
    for event in &naive {
        if let Event::Start(_, attributes) = event {
            for attribute in attributes {
                assert!(
                    !attribute.starts_with("on"),
                    "event handler {attribute}: {context}"
                );
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Event {
    Start(String, Vec<String>),
    End(String),
}

/// Reads the output as a plain sequence of tags and checks they balance.
fn naive_structure(html: &str) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| match (quote, c) {
                (None, '"' | '\'') => {
                    quote = Some(c);
                    false
                }
                (Some(q), _) if q == c => {
                    quote = None;
                    false
                }
                (None, '>') => true,
                _ => false,
            })
            .map(|(i, _)| i)
            .ok_or("unterminated tag")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match open.pop() {
                Some(top) if top == name => events.push(Event::End(name)),
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            return Err(format!("not a start tag: <{tag}>"));
        }
        events.push(Event::Start(
            name.clone(),
            attribute_names(&tag[name.len()..]),
        ));
        if name != "br" {
            open.push(name);
        }
    }
    if open.is_empty() {
        Ok(events)
    } else {
        Err(format!("unclosed {open:?}"))
    }
}

fn attribute_names(mut attributes: &str) -> Vec<String> {
    let mut names = Vec::new();
    loop {
        attributes = attributes.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if attributes.is_empty() {
            break;
        }
        let name_end = attributes
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(attributes.len());
        names.push(attributes[..name_end].to_ascii_lowercase());
        attributes = &attributes[name_end..];
        if let Some(value) = attributes.strip_prefix('=') {
            attributes = match value.chars().next() {
                Some(q @ ('"' | '\'')) => match value[1..].find(q) {
                    Some(close) => &value[close + 2..],
                    None => "",
                },
                _ => value.trim_start_matches(|c: char| !c.is_whitespace()),
            };
        }
    }
    names.sort();
    names
}

fn parsed_structure(fragment: &Html) -> Vec<Event> {
    fn walk(element: ElementRef, events: &mut Vec<Event>) {
        let name = element.value().name().to_string();
        let mut attributes: Vec<String> = element
            .value()
            .attrs()
            .map(|(n, _)| n.to_string())
            .collect();
        attributes.sort();
        events.push(Event::Start(name.clone(), attributes));
        for child in element.children().filter_map(ElementRef::wrap) {
            walk(child, events);
        }
        if name != "br" {
            events.push(Event::End(name));
        }
    }
    let mut events = Vec::new();
    for child in fragment
        .root_element()
        .children()
        .filter_map(ElementRef::wrap)
    {
        walk(child, &mut events);
    }
    events
}

fn assert_corpus_safe(file: &str, field: &str) {
    let vectors = corpus(file);
    // Every failing vector is reported, not just the first.
    let failed: Vec<&str> = vectors
        .iter()
        .filter(|vector| {
            let input = vector.str(field);
            std::panic::catch_unwind(|| assert_safe(&vector.label, input)).is_err()
        })
        .map(|vector| vector.label.as_str())
        .collect();
    assert!(failed.is_empty(), "unsafe output for {failed:#?}");
    // Every vector was read with its input: none is empty (a field misnamed in a
    // corpus would give empty strings, safe and meaningless).
    assert!(
        vectors.iter().all(|v| !v.str(field).is_empty()),
        "{file}: a vector without its `{field}`"
    );
}

/// The check above must itself catch what it is there to catch.
#[test]
fn the_safety_check_rejects_unsafe_or_malformed_output() {
    let fine = r#"<p><a href="https://example.com/" rel="nofollow ugc noopener">x</a><br>y</p>"#;
    assert_safe_output("fine", "", fine);
    for bad in [
        "<p><b>unclosed</p>",
        "<p><b>a</p></b>",
        "<p>a<p>nested</p></p>",
        "<p>a<blockquote>b</blockquote></p>",
        "<b>unclosed",
        "<img src=x onerror=alert(1)>",
        r#"<b onclick="alert(1)">x</b>"#,
        r#"<abbr title="javascript:alert(1)">x</abbr>"#,
        r#"<a href="java&#x09;script:alert(1)" rel="nofollow ugc noopener">x</a>"#,
        r#"<a href="/relative" rel="nofollow ugc noopener">x</a>"#,
        r#"<a href="https://example.com/">no rel</a>"#,
        r#"<a href="https://example.com/" rel="nofollow">weak rel</a>"#,
        r#"<q cite="data:text/html,x">x</q>"#,
        "a<!-- comment -->b",
    ] {
        let caught = std::panic::catch_unwind(|| assert_safe_output("bad", "", bad)).is_err();
        assert!(caught, "the safety check let {bad:?} through");
    }
}

#[test]
fn every_wordpress_kses_vector_comes_out_safe() {
    assert_corpus_safe("wordpress-kses.json", "input");
}

#[test]
fn every_wordpress_formatting_vector_comes_out_safe() {
    assert_corpus_safe("wordpress-formatting.json", "input");
}

#[test]
fn every_dompurify_vector_comes_out_safe() {
    assert_corpus_safe("dompurify.json", "payload");
}

#[test]
fn every_h5sc_vector_comes_out_safe() {
    assert_corpus_safe("h5sc.json", "data");
}

#[test]
fn every_owasp_vector_comes_out_safe() {
    assert_corpus_safe("owasp-xss.json", "code");
}

// ---------------------------------------------------------------- intent

/// All text a reader sees, whitespace collapsed; paragraph and line breaks
/// count as whitespace, as they do on screen.
fn visible_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut text = String::new();
    for node in fragment.tree.root().descendants() {
        match node.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) if matches!(e.name(), "p" | "br") => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hrefs(html: &str) -> BTreeSet<String> {
    let links = Selector::parse("a[href]").expect("static selector");
    Html::parse_fragment(html)
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect()
}

/// Elements whose content the sanitizer drops rather than unwraps.
#[rustfmt::skip]
const DROPPED_CONTENT: &[&str] = &[
    "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext",
    "textarea", "title", "template", "object", "applet", "svg", "math",
];

/// The text inside the input's dropped-content elements, as a browser
/// parses the input: WordPress shows it, we deliberately do not.
fn dropped_content(input: &str) -> Vec<String> {
    let fragment = Html::parse_fragment(input);
    let mut dropped = Vec::new();
    for node in fragment.tree.root().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let is_dropped = |e: ElementRef| DROPPED_CONTENT.contains(&e.value().name());
        // An element nested in another dropped one is already in its text.
        let nested = element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(is_dropped);
        if is_dropped(element) && !nested {
            dropped.push(element.text().collect());
        }
    }
    dropped
}

/// Whether `ours` is `theirs` with each of the `dropped` pieces, in order,
/// cut out somewhere. Whitespace is ignored: only the characters a reader
/// sees are compared, and breaks around removed elements differ.
fn is_theirs_without(theirs: &str, ours: &str, dropped: &[String]) -> bool {
    fn cut(theirs: &str, ours: &str, dropped: &[String]) -> bool {
        match dropped.split_first() {
            None => theirs == ours,
            Some((piece, rest)) => theirs.match_indices(piece.as_str()).any(|(at, _)| {
                ours.starts_with(&theirs[..at])
                    && cut(&theirs[at + piece.len()..], &ours[at..], rest)
            }),
        }
    }
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let dropped: Vec<String> = dropped
        .iter()
        .map(|d| squash(d))
        .filter(|d| !d.is_empty())
        .collect();
    cut(&squash(theirs), &squash(ours), &dropped)
}

/// kses vectors whose text differs on purpose. WordPress's kses reads tags
/// with regular expressions; we read them as a browser does (html5ever), so
/// where the two disagree about what is a tag, WordPress shows as text what a
/// browser, and so our sanitizer, treats as markup and removes. (The text of
/// `script`, `style` and other dropped-content elements is not listed here:
/// the comparison itself allows for it, see `dropped_content`.)
const KSES_TEXT_EXCLUSIONS: &[&str] = &[
    // A `>` or `<` inside a quoted attribute value ends the tag for
    // WordPress, which then shows the rest of the tag as text; for a browser
    // the value is part of the (removed) tag.
    "Remote Stylesheet 3",
    "Cookie Manipulation",
    "XML data island w/comment",
    "XML HTML+TIME",
    "Evade Regex Filter 1",
    "Evade Regex Filter 4",
    "Filter Evasion 2",
    // `<!-- -->`, `<![CDATA[` and `<?` are comments to a browser (the last
    // two "bogus comments"); WordPress shows parts of them as text.
    "XML data island w/CDATA",
    "Commented-out Block",
    "SSI",
    "PHP",
    // A tag left open at the end of the input is dropped by a browser;
    // WordPress shows it as text.
    "No Closing Script Tag",
    "Half-Open HTML/JavaScript",
    "Double open angle brackets",
];

#[test]
fn wordpress_kses_html_vectors_keep_the_text_wordpress_keeps() {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut seen_exclusions = Vec::new();
    for vector in corpus("wordpress-kses.json") {
        let function = vector.str("function");
        // The wp_kses_bad_protocol vectors are bare URL strings, not
        // comment bodies: they are checked as link targets below.
        if !function.contains("wp_kses(") && !function.contains("wp_kses_data(") {
            continue;
        }
        let name = vector.opt("name").unwrap_or("");
        let excluded = KSES_TEXT_EXCLUSIONS.contains(&name);
        let input = vector.str("input");
        let ours = visible_text(&sanitize(input));
        let dropped = dropped_content(input);
        let theirs: Vec<String> = match vector.opt("wp_expected") {
            Some(expected) => vec![expected],
            None => vector.fields["wp_expected_one_of"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no expectation", vector.label))
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        }
        .into_iter()
        .map(visible_text)
        .collect();
        let same = theirs.iter().any(|t| is_theirs_without(t, &ours, &dropped));
        if excluded {
            seen_exclusions.push(name.to_string());
            if same {
                mismatches.push(format!(
                    "{}: excluded but matches now, unlist it",
                    vector.label
                ));
            }
            continue;
        }
        if !same {
            mismatches.push(format!(
                "{}\n  ours:   {ours:?}\n  theirs: {theirs:?}",
                vector.label
            ));
        }
        compared += 1;
    }
    assert!(
        mismatches.is_empty(),
        "{} text mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(
        seen_exclusions.len(),
        KSES_TEXT_EXCLUSIONS.len(),
        "unknown exclusion"
    );
    // The corpus has 92 comment bodies beside its exclusions: a change that skipped
    // them would compare nothing and pass.
    assert_eq!(compared, 92, "kses vectors compared");
}

/// `wp_kses_bad_protocol` and `esc_url` vectors are URLs; used as a link
/// target and as a citation, each must be kept exactly when WordPress keeps
/// it and its scheme is one of ours (http, https, mailto).
#[test]
fn wordpress_url_vectors_are_kept_or_dropped_as_wordpress_does() {
    let mut checked = 0;
    let vectors = corpus("wordpress-kses.json")
        .into_iter()
        .chain(corpus("wordpress-formatting.json"));
    for vector in vectors {
        let function = vector.str("function");
        let keep = if function.starts_with("wp_kses_bad_protocol") {
            let one_of = vector.fields["wp_expected_one_of"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no wp_expected_one_of", vector.label));
            // WordPress's test allows its made-up `dummy:` scheme; ours does not.
            !one_of.iter().any(|v| v == "") && !vector.str("input").starts_with("dummy")
        } else if function.starts_with("esc_url") {
            ["http", "https", "mailto"].contains(&vector.str("scheme"))
        } else {
            continue;
        };
        let url = vector.str("input");
        for (markup, attribute) in [
            (format!("<a href=\"{url}\">x</a>"), "a[href]"),
            (format!("<q cite=\"{url}\">x</q>"), "q[cite]"),
        ] {
            let output = sanitize(&markup);
            let selector = Selector::parse(attribute).expect("static selector");
            let kept = Html::parse_fragment(&output)
                .select(&selector)
                .next()
                .is_some();
            assert_eq!(kept, keep, "{}: {markup:?} => {output:?}", vector.label);
        }
        checked += 1;
    }
    assert_eq!(
        checked, 71,
        "URL vectors checked (wp_kses_bad_protocol and esc_url)"
    );
}

/// make_clickable inputs we deliberately link differently from WordPress.
const CLICKABLE_EXCLUSIONS: &[&str] = &[
    // The contract links URLs only, not e-mail addresses.
    "foo@example.com",
    "foo.bar@example.com",
    "Foo.Bar@a.b.c.d.example.com",
    "0@example.com",
    "foo@example-example.com",
    // Comment bodies are HTML: `<http://example.com/>` is a (non-whitelisted)
    // element to an HTML parser, not text; WordPress's make_clickable runs on
    // text it has not parsed as HTML.
    "URL wrapped in angle brackets <http://example.com/>",
    // linkify reads `URL.http` as the scheme (`.` is legal in a scheme), so
    // there is no http URL to link; leaving the run-on text alone is the
    // conservative reading.
    "Period then URL.http://example.com/",
    // `example-image(2).jpg` and `wordpress.org)x` are not valid host names,
    // and linkify does not guess where such a URL ends.
    "http://example-image(2).jpg",
    "http://example-(2)-image.jpg",
    "There was a spoon named (http://wordpress.org)x",
];

#[test]
fn wordpress_make_clickable_cases_link_the_same_urls() {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut seen_exclusions = Vec::new();
    for vector in corpus("wordpress-formatting.json") {
        let function = vector.str("function");
        if !function.contains("make_clickable") && !function.contains("comment_text") {
            continue;
        }
        let input = vector.str("input");
        let excluded = CLICKABLE_EXCLUSIONS.contains(&input);
        let expected = vector
            .opt("wp_expected")
            .or_else(|| vector.opt("wp_expected_contains"))
            .unwrap_or_else(|| panic!("{}: no expectation", vector.label));
        let output = sanitize(input);
        let (ours, theirs) = (hrefs(&output), hrefs(expected));
        if excluded {
            seen_exclusions.push(input.to_string());
            if ours == theirs {
                mismatches.push(format!(
                    "{}: excluded but matches now, unlist it",
                    vector.label
                ));
            }
            continue;
        }
        if ours != theirs {
            mismatches.push(format!(
                "{}: {input:?}\n  ours:   {ours:?}\n  theirs: {theirs:?}",
                vector.label
            ));
        }
        compared += 1;
    }
    assert!(
        mismatches.is_empty(),
        "{} link mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(
        seen_exclusions.len(),
        CLICKABLE_EXCLUSIONS.len(),
        "unknown exclusion"
    );
    assert_eq!(compared, 85, "make_clickable cases compared");
}

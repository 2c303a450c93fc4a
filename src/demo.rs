//! The demo article: the French blog post the product grew from (`assets/demo/`),
//! shown at `/demo` with the comment box under it.

pub const DEMO_PAGE: &str = "/demo";
const ARTICLE: &str = include_str!("../assets/demo/article-cloudwatt.txt");

pub struct Block {
    pub heading: bool,
    pub text: String,
}

pub struct Article {
    pub illustration: String,
    pub title: String,
    pub blocks: Vec<Block>,
    pub footer: String,
}

/// The seed text: an illustration name, the title, paragraphs and short headings,
/// then a category line; what follows it is WordPress's form, which ours replaces.
pub fn article() -> Article {
    let mut lines = ARTICLE.lines().map(str::trim).filter(|l| !l.is_empty());
    let illustration = lines.next().unwrap_or_default().to_owned();
    let title = lines.next().unwrap_or_default().to_owned();
    let mut blocks = Vec::new();
    let mut footer = String::new();
    for line in lines {
        if line.starts_with("Catégorie") {
            footer = line.to_owned();
            break;
        }
        // The seed's headings are its short lines that end without a full stop.
        let heading = line.len() < 80 && !line.ends_with('.');
        blocks.push(Block {
            heading,
            text: line.to_owned(),
        });
    }
    Article {
        illustration,
        title,
        blocks,
        footer,
    }
}

//! `causerie import` as a site owner types it: each format's fixture through the
//! binary (the summary, what is stored, a second run that adds nothing, the dry run,
//! the truncated file), and a 20 MB WordPress export read in bounded memory. The
//! 200 MB one is the benchmark's (`bench/run.sh --import`).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use causerie::db::{self, DbConn};
use diesel::prelude::*;

/// A directory with `causerie.toml` naming the sites `blog` (https://blog.example.fr,
/// first) and `notes` (https://notes.example.org).
struct Owner {
    dir: tempfile::TempDir,
}

impl Owner {
    fn new() -> Owner {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("causerie.db").display());
        std::fs::write(
            dir.path().join("causerie.toml"),
            format!(
                "database_url = \"{url}\"\n\n\
                 [[sites]]\nid = \"blog\"\nname = \"Le blog\"\norigins = [\"https://blog.example.fr\"]\nlang = \"fr\"\n\n\
                 [[sites]]\nid = \"notes\"\nname = \"Notes\"\norigins = [\"https://notes.example.org\"]\n"
            ),
        )
        .unwrap();
        Owner { dir }
    }

    fn causerie(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_causerie"));
        cmd.current_dir(self.dir.path());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CAUSERIE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .env("CAUSERIE_CONFIG", self.dir.path().join("causerie.toml"));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.causerie().args(args).output().unwrap()
    }

    fn db(&self) -> DbConn {
        db::establish(&format!(
            "sqlite://{}",
            self.dir.path().join("causerie.db").display()
        ))
        .unwrap()
    }

    fn count(&self, query: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(query)
            .get_result::<N>(&mut self.db())
            .unwrap()
            .n
    }
}

fn text(o: &Output) -> String {
    common::process::strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    ))
}

#[test]
fn bad_arguments_are_answered_clearly() {
    let owner = Owner::new();
    let o = owner.run(&["import", "wordpress", "nope.xml"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("nope.xml: no such file"), "{}", text(&o));
    let o = owner.run(&["import", "typepad", "x.xml"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("invalid value 'typepad'"), "{}", text(&o));
    let file = owner.dir.path().join("x.xml");
    std::fs::write(&file, "<rss/>").unwrap();
    let o = owner.run(&[
        "import",
        "wordpress",
        file.to_str().unwrap(),
        "--site",
        "nope",
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("--site nope: there is no such site (sites: blog, notes)"),
        "{}",
        text(&o)
    );
    let o = owner.run(&[
        "import",
        "wordpress",
        file.to_str().unwrap(),
        "--map",
        "nothing",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("is not FROM=TO"), "{}", text(&o));
}

/// A WordPress export of about `mb` megabytes: posts of 1 to 40 comments, a reply in
/// four, one comment in twenty-five pending. Returns (comments, pending, posts).
fn generate_wxr(path: &Path, mb: usize) -> (u64, u64, u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(
        f,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n\
         <title>Gros blog</title>\n<link>https://blog.example.fr</link>\n\
         <wp:wxr_version>1.2</wp:wxr_version>\n"
    )
    .unwrap();
    let body = "Merci pour l&#8217;article, c’est <strong>très</strong> utile ; \
                je reviendrai lire la suite &amp; les commentaires. "
        .repeat(4);
    let (mut written, mut id, mut pending, mut post) = (0usize, 0u64, 0u64, 0u64);
    while written < mb * 1024 * 1024 {
        post += 1;
        let mut item = format!(
            "<item>\n<title><![CDATA[Article {post}]]></title>\n\
             <link>https://blog.example.fr/{post}/article/</link>\n\
             <wp:post_id>{post}</wp:post_id>\n\
             <wp:comment_status><![CDATA[open]]></wp:comment_status>\n\
             <wp:post_type><![CDATA[post]]></wp:post_type>\n"
        );
        let first = id + 1;
        for k in 0..(post % 40 + 1) {
            id += 1;
            let approved = if id % 25 == 0 {
                pending += 1;
                "0"
            } else {
                "1"
            };
            let parent = if k % 4 == 3 { first } else { 0 };
            item.push_str(&format!(
                "<wp:comment>\n<wp:comment_id>{id}</wp:comment_id>\n\
                 <wp:comment_author><![CDATA[Lectrice {id}]]></wp:comment_author>\n\
                 <wp:comment_author_email><![CDATA[l{id}@example.org]]></wp:comment_author_email>\n\
                 <wp:comment_author_url></wp:comment_author_url>\n\
                 <wp:comment_author_IP><![CDATA[192.0.2.{}]]></wp:comment_author_IP>\n\
                 <wp:comment_date><![CDATA[2019-05-01 10:00:00]]></wp:comment_date>\n\
                 <wp:comment_date_gmt><![CDATA[2019-05-01 08:00:00]]></wp:comment_date_gmt>\n\
                 <wp:comment_content><![CDATA[{body}{id}]]></wp:comment_content>\n\
                 <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>\n\
                 <wp:comment_type><![CDATA[comment]]></wp:comment_type>\n\
                 <wp:comment_parent>{parent}</wp:comment_parent>\n\
                 <wp:comment_user_id>0</wp:comment_user_id>\n</wp:comment>\n",
                id % 250
            ));
        }
        item.push_str("</item>\n");
        written += item.len();
        f.write_all(item.as_bytes()).unwrap();
    }
    f.write_all(b"</channel>\n</rss>\n").unwrap();
    (id, pending, post)
}

/// The peak resident memory of `cmd`, in kB (its VmHWM, read until it exits).
fn run_measuring_memory(mut cmd: Command) -> (Output, u64) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watcher = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Ok(s) = std::fs::read_to_string(&status) {
                if let Some(kb) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    peak.fetch_max(kb, std::sync::atomic::Ordering::SeqCst);
                }
                if s.contains("State:\tZ") {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    watcher.join().unwrap();
    (out, peak.load(std::sync::atomic::Ordering::SeqCst))
}

#[test]
fn a_20_mb_export_is_imported_in_bounded_memory() {
    let owner = Owner::new();
    let file = owner.dir.path().join("big.xml");
    let (comments, pending, posts) = generate_wxr(&file, 20);
    assert!(owner.run(&["migrate"]).status.success());
    let mut cmd = owner.causerie();
    cmd.args(["import", "wordpress", file.to_str().unwrap()]);
    let (out, peak_kb) = run_measuring_memory(cmd);
    assert!(out.status.success(), "{}", text(&out));
    let summary = text(&out);
    assert!(
        summary.contains(&format!("threads: {posts} new, 0 that existed already")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "comments: {comments} added ({} approved, {pending} pending)",
            comments - pending
        )),
        "{summary}"
    );
    assert_eq!(
        owner.count("SELECT COUNT(*) AS n FROM comments"),
        comments as i64
    );
    assert_eq!(
        owner.count("SELECT COUNT(*) AS n FROM comments WHERE parent_id IS NOT NULL"),
        (1..=posts).map(|p| (p % 40 + 1) / 4).sum::<u64>() as i64
    );
    // Streamed: far less than the file, which a DOM would hold several times over.
    // (The benchmark compares 20 MB and 200 MB: the peak does not grow with the file.)
    assert!(peak_kb > 0, "the memory could not be read");
    assert!(
        peak_kb < 120 * 1024,
        "peak memory {peak_kb} kB for a 20 MB file"
    );
}

//! `causerie import` as a site owner types it: each format's fixture through the
//! binary (the summary, what is stored, a second run that adds nothing, the dry run,
//! the truncated file), and a 20 MB WordPress export read in bounded memory. The
//! 200 MB one is the benchmark's (`bench/run.sh --import`).

mod common;

use common::process::output_text as text;

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
        let owner = Owner { dir };
        let migrated = owner.run(&["migrate"]);
        assert!(migrated.status.success(), "{}", text(&migrated));
        owner
    }

    fn causerie(&self) -> Command {
        let mut cmd = common::process::causerie_in(self.dir.path());
        cmd.env("CAUSERIE_CONFIG", self.dir.path().join("causerie.toml"));
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

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(path)
        .display()
        .to_string()
}

/// Isso's fixture is SQL text (readable in review): made into its SQLite file.
fn isso_database(dir: &Path) -> String {
    use diesel::connection::SimpleConnection;
    let path = dir.join("comments.db");
    let sql = std::fs::read_to_string(fixture("isso/schema-and-data.sql")).unwrap();
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute(&sql).unwrap();
    path.display().to_string()
}

#[derive(Debug, QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Text)]
    source_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    parent_source: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    author: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    email: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body_html: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    site: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    page: String,
}

fn stored(owner: &Owner, format: &str) -> Vec<Stored> {
    diesel::sql_query(format!(
        "SELECT s.source_id, ps.source_id AS parent_source, c.status, c.author, c.email, \
         c.body_html, t.site, t.page FROM comments c JOIN comment_sources s ON s.comment_id = c.id \
         JOIN threads t ON t.id = c.thread_id \
         LEFT JOIN comment_sources ps ON ps.comment_id = c.parent_id AND ps.format = s.format \
         WHERE s.format = '{format}' ORDER BY c.id"
    ))
    .load(&mut owner.db())
    .unwrap()
}

fn by<'a>(rows: &'a [Stored], id: &str) -> &'a Stored {
    rows.iter()
        .find(|r| r.source_id == id)
        .unwrap_or_else(|| panic!("no comment {id} in {rows:?}"))
}

/// Imports `file` as `format`: the summary's lines; then checks that a dry run
/// before it said the same and wrote nothing, and that a second run adds nothing.
fn import_checked(owner: &Owner, format: &str, file: &str, extra: &[&str]) -> String {
    let count = || owner.count("SELECT COUNT(*) AS n FROM comments");
    let before = count();
    let mut args = vec!["import", format, file];
    args.extend_from_slice(extra);
    let mut dry = args.clone();
    dry.push("--dry-run");
    let would = owner.run(&dry);
    assert!(would.status.success(), "{}", text(&would));
    assert_eq!(count(), before, "a dry run wrote");
    let did = owner.run(&args);
    assert!(did.status.success(), "{}", text(&did));
    let summary = String::from_utf8_lossy(&did.stdout).into_owned();
    let would = String::from_utf8_lossy(&would.stdout).into_owned();
    assert_eq!(
        would
            .replace("would import", "imported")
            .replace("dry run: nothing was written\n", ""),
        summary
    );
    let again = owner.run(&args);
    assert!(again.status.success(), "{}", text(&again));
    let again = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(again.contains("comments: 0 added (none)"), "{again}");
    summary
}

/// A cut or foreign file: an error naming where, and nothing written.
fn refused(owner: &Owner, format: &str, file: &str, says: &str) {
    let before = owner.count("SELECT COUNT(*) AS n FROM comments");
    let o = owner.run(&["import", format, file]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains(says), "{}", text(&o));
    assert!(
        text(&o).contains("nothing was imported: the database is as it was"),
        "{}",
        text(&o)
    );
    assert_eq!(owner.count("SELECT COUNT(*) AS n FROM comments"), before);
}

#[test]
fn wordpress_exports_come_in_whole() {
    let owner = Owner::new();
    let map = [
        "--map",
        "https://carnet.example.fr/=https://blog.example.fr/",
    ];
    let summary = import_checked(&owner, "wordpress", &fixture("wordpress/wxr-1.2.xml"), &map);
    assert!(
        summary.contains("comments: 13 added (8 approved, 2 deleted, 2 pending, 1 spam)"),
        "{summary}"
    );
    assert!(summary.contains("2 pingbacks or trackbacks (--with-pingbacks keeps them)"));
    assert!(
        summary
            .contains("1 WordPress entries of type `order_note`, which are not readers' comments"),
        "{summary}"
    );
    assert!(
        summary.contains("kept as comments of their own: 1"),
        "{summary}"
    );
    let rows = stored(&owner, "wordpress");
    // `--map` rewrote the old host to the blog's, which chose the site; `?p=12`
    // and `?p=15` share the page `/`, as the summary says.
    let first = by(&rows, "101");
    assert_eq!((first.site.as_str(), first.page.as_str()), ("blog", "/"));
    assert!(summary.contains("only after `?` or `#`"), "{summary}");
    assert_eq!(by(&rows, "150").page, "/boutique/carnet-imprime");
    // Entities inside CDATA are rendered; the name's HTML escape decoded; threading.
    assert!(
        first
            .body_html
            .contains("C’est exactement ça &amp; plus encore"),
        "{}",
        first.body_html
    );
    assert_eq!(by(&rows, "102").parent_source.as_deref(), Some("101"));
    assert_eq!(by(&rows, "104").author, "Zoé & Léa");
    assert_eq!(by(&rows, "105").status, "spam");
    assert_eq!(by(&rows, "106").status, "deleted");
    // A reply whose parent was deleted at the source stands on its own.
    assert_eq!(by(&rows, "107").parent_source, None);
    assert!(rows.iter().all(|r| !r.body_html.contains("<script")));
    // With --with-pingbacks, the pingbacks come too (and only they are new).
    let gz = fixture("wordpress/wxr-1.2.xml.gz");
    let o = owner.run(&[
        "import",
        "wordpress",
        &gz,
        "--with-pingbacks",
        map[0],
        map[1],
    ]);
    assert!(
        text(&o).contains("comments: 2 added (2 approved)"),
        "{}",
        text(&o)
    );
    refused(
        &owner,
        "wordpress",
        &fixture("wordpress/truncated.xml"),
        "line 152: the file ends inside",
    );
    refused(
        &owner,
        "wordpress",
        &fixture("wordpress/disqus.xml"),
        "not a WordPress export (WXR)",
    );
    let old = import_checked(
        &owner,
        "wordpress",
        &fixture("wordpress/wxr-1.0.xml"),
        &["--site", "notes"],
    );
    assert!(old.contains("by site: notes: 2"), "{old}");
}

#[test]
fn disqus_exports_come_in_whole() {
    let owner = Owner::new();
    let summary = import_checked(&owner, "disqus", &fixture("disqus/export.xml.gz"), &[]);
    assert!(
        summary.contains("comments: 7 added (4 approved, 1 deleted, 1 pending, 1 spam)"),
        "{summary}"
    );
    assert!(
        summary.contains("1 comments whose thread is not in the file"),
        "{summary}"
    );
    let rows = stored(&owner, "disqus");
    // A deleted post without text is kept, so that the reply before it in the file
    // still answers it.
    assert_eq!(by(&rows, "2003").status, "deleted");
    assert_eq!(by(&rows, "2002").parent_source.as_deref(), Some("2003"));
    assert!(by(&rows, "2001")
        .body_html
        .contains("<b>really</b> &amp; see"));
    assert_eq!(by(&rows, "2004").status, "spam");
    assert_eq!(by(&rows, "2002").email, "", "anonymous: no email");
    refused(
        &owner,
        "disqus",
        &fixture("disqus/truncated.xml"),
        "line 137",
    );
    refused(
        &owner,
        "disqus",
        &fixture("disqus/wordpress.xml"),
        "not a Disqus export",
    );
}

#[test]
fn isso_remark42_and_commento_come_in_whole() {
    let owner = Owner::new();
    let isso = isso_database(owner.dir.path());
    let untouched = std::fs::read(&isso).unwrap();
    let summary = import_checked(&owner, "isso", &isso, &[]);
    assert!(
        std::fs::read(&isso).unwrap() == untouched,
        "Isso's database was written to"
    );
    assert!(
        summary.contains("comments: 7 added (4 approved, 1 deleted, 2 pending)"),
        "{summary}"
    );
    let rows = stored(&owner, "isso");
    assert!(
        rows.iter().any(|r| r.body_html.contains("<strong>")),
        "Markdown rendered: {rows:?}"
    );
    assert!(rows.iter().any(|r| r.status == "pending"));
    assert!(rows.iter().any(|r| r.status == "deleted"));
    assert!(rows.iter().any(|r| r.parent_source.is_some()));
    assert!(rows.iter().all(|r| !r.body_html.contains("<script")));
    let o = owner.run(&["import", "isso", &fixture("isso/schema-and-data.sql")]);
    assert!(text(&o).contains("not an Isso database"), "{}", text(&o));

    let summary = import_checked(
        &owner,
        "remark42",
        &fixture("remark42/backup.jsonl.gz"),
        &[],
    );
    assert!(
        summary.contains("comments: 8 added (6 approved, 2 deleted)"),
        "{summary}"
    );
    let rows = stored(&owner, "remark42");
    let marie = by(&rows, "5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a01");
    assert!(
        marie.body_html.contains("<strong>merci</strong>"),
        "{}",
        marie.body_html
    );
    assert_eq!(
        by(&rows, "5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a02")
            .parent_source
            .as_deref(),
        Some("5b1d0c9e-1f4a-4f7e-9a51-0c2e1d3f4a01")
    );
    refused(
        &owner,
        "remark42",
        &fixture("remark42/truncated.jsonl"),
        "line ",
    );

    let summary = import_checked(&owner, "commento", &fixture("commento/export.json.gz"), &[]);
    assert!(
        summary.contains("comments: 7 added (4 approved, 1 deleted, 1 pending, 1 spam)"),
        "{summary}"
    );
    let rows = stored(&owner, "commento");
    assert!(rows
        .iter()
        .any(|r| r.body_html.contains("<strong>merci</strong>")));
    assert!(rows.iter().any(|r| r.status == "spam"));
    refused(
        &owner,
        "commento",
        &fixture("commento/truncated.json"),
        "record ",
    );
    let plus = import_checked(
        &owner,
        "commento",
        &fixture("commento/commentoplusplus.json"),
        &[],
    );
    assert!(
        plus.contains("comments: 3 added (2 approved, 1 deleted)"),
        "{plus}"
    );
}

/// Every column a reader, a moderator or a later import relies on, of every table
/// an export carries, in a comparable text.
fn snapshot(owner: &Owner) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut out = Vec::new();
    for query in [
        "SELECT id || '|' || site || '|' || page || '|' || title || '|' || closed || '|' || created_at AS v \
         FROM threads ORDER BY id",
        "SELECT id || '|' || thread_id || '|' || COALESCE(parent_id, '-') || '|' || depth || '|' || author \
         || '|' || email || '|' || COALESCE(website, '-') || '|' || body_raw || '|' || body_html || '|' \
         || status || '|' || COALESCE(hold_reason, '-') || '|' || moderator || '|' || notify_replies \
         || '|' || COALESCE(ip, '-') || '|' || created_at || '|' || COALESCE(edited_at, '-') AS v \
         FROM comments ORDER BY id",
        "SELECT email || '|' || COALESCE(thread_id, '-') || '|' || created_at AS v FROM unsubscribed \
         ORDER BY email, thread_id",
    ] {
        let lines: Vec<Line> = diesel::sql_query(query).load(&mut owner.db()).unwrap();
        out.extend(lines.into_iter().map(|l| l.v));
    }
    out
}

#[test]
fn an_export_imported_into_an_empty_database_gives_the_same_threads_and_comments() {
    let a = Owner::new();
    for (format, file) in [
        ("wordpress", "wordpress/wxr-1.2.xml"),
        ("disqus", "disqus/export.xml"),
        ("remark42", "remark42/backup.jsonl"),
    ] {
        assert!(a
            .run(&["import", format, &fixture(file), "--with-pingbacks"])
            .status
            .success());
    }
    diesel::sql_query(
        "INSERT INTO unsubscribed (email, thread_id, created_at) VALUES \
         ('camille@carnet.example.fr', 1, 1700000000), ('alice@example.com', NULL, 1700000001)",
    )
    .execute(&mut a.db())
    .unwrap();
    let file = a.dir.path().join("export.json.gz");
    let o = a.run(&["export", "--output", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("exported 9 threads and 30 comments"),
        "{}",
        text(&o)
    );

    let b = Owner::new();
    let summary = import_checked(&b, "causerie", file.to_str().unwrap(), &[]);
    assert!(summary.contains("ids: kept as in the export"), "{summary}");
    assert!(
        summary.contains("unsubscriptions carried over: 2"),
        "{summary}"
    );
    assert_eq!(snapshot(&a), snapshot(&b));
    // The comments remember their first source: the WordPress file adds nothing.
    let again = b.run(&[
        "import",
        "wordpress",
        &fixture("wordpress/wxr-1.2.xml"),
        "--with-pingbacks",
    ]);
    assert!(
        text(&again).contains("comments: 0 added (none)"),
        "{}",
        text(&again)
    );
    assert!(
        text(&again).contains("already imported, left as they were: 15"),
        "{}",
        text(&again)
    );
    // Into the database it came from: nothing twice (new ids and mapped parents are
    // tested in tests/import.rs).
    let o = a.run(&["import", "causerie", file.to_str().unwrap()]);
    assert!(
        text(&o).contains("comments: 0 added (none)"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_wordpress_export_goes_back_into_wordpress_form_and_reads_back_the_same() {
    let a = Owner::new();
    assert!(a
        .run(&[
            "import",
            "wordpress",
            &fixture("wordpress/wxr-1.2.xml"),
            "--site",
            "notes"
        ])
        .status
        .success());
    let file = a.dir.path().join("wordpress.xml");
    let o = a.run(&[
        "export",
        "--format",
        "wordpress",
        "--site",
        "notes",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let b = Owner::new();
    let o = b.run(&["import", "wordpress", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    // The same threads and comments (ids are the new database's own).
    let shape = |owner: &Owner| -> Vec<String> {
        #[derive(QueryableByName)]
        struct Line {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let lines: Vec<Line> = diesel::sql_query(
            "SELECT t.site || '|' || t.page || '|' || t.title || '|' || t.closed || '|' || c.author || '|' \
             || c.email || '|' || COALESCE(c.website, '-') || '|' || c.body_html || '|' || c.status || '|' \
             || COALESCE(p.author || ':' || p.created_at, '-') || '|' || COALESCE(c.ip, '-') || '|' \
             || c.created_at AS v FROM comments c JOIN threads t ON t.id = c.thread_id \
             LEFT JOIN comments p ON p.id = c.parent_id ORDER BY t.page, c.created_at, c.author",
        )
        .load(&mut owner.db())
        .unwrap();
        lines.into_iter().map(|l| l.v).collect()
    };
    let before = shape(&a);
    assert_eq!(before.len(), 13);
    // The WXR names the site's first origin: the file's host chose `notes` again.
    assert_eq!(before, shape(&b));
}

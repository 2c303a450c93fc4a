//! The `causerie` binary as an operator runs it: in a directory of its own, with no
//! `CAUSERIE_…` variable but those each test sets.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use diesel::prelude::*;

fn causerie(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_causerie"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CAUSERIE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "info").env("NO_COLOR", "1");
    cmd
}

/// Runs to the end, feeding `stdin` (a password, say) through a pipe.
fn run(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    common::process::strip_ansi(&String::from_utf8_lossy(bytes))
}

fn both(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

fn config_of(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = causerie(dir);
    cmd.arg("config");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd, "")
}

#[test]
fn config_prints_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = config_of(dir.path(), &[]);
    assert!(out.status.success(), "{}", both(&out));
    let shown = text(&out.stdout);
    for line in [
        r#"listen = "127.0.0.1:8080""#,
        r#"database_url = "sqlite://causerie.db""#,
        r#"public_url = "http://127.0.0.1:8080/""#,
        r#"moderation = "first_time""#,
        "limits = true",
    ] {
        assert!(shown.lines().any(|l| l == line), "no `{line}` in:\n{shown}");
    }
    assert!(!shown.contains("smtp_url"), "no SMTP by default:\n{shown}");
    // Printing the settings creates nothing.
    assert!(!dir.path().join("causerie.db").exists());
}

#[test]
fn config_masks_the_smtp_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = config_of(
        dir.path(),
        &[("CAUSERIE_SMTP_URL", "smtp://u:secretpw@host:587")],
    );
    assert!(out.status.success(), "{}", both(&out));
    let shown = text(&out.stdout);
    assert!(!both(&out).contains("secretpw"), "{shown}");
    assert!(
        shown.contains(r#"smtp_url = "smtp://u:****@host:587""#),
        "{shown}"
    );
}

fn write_config_file(dir: &Path) {
    std::fs::write(
        dir.join("causerie.toml"),
        "moderation = \"all\"\nlisten = \"127.0.0.1:9090\"\n",
    )
    .unwrap();
}

#[test]
fn config_file_is_read_and_environment_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    write_config_file(dir.path());
    let mut cmd = causerie(dir.path());
    cmd.args(["--config", "causerie.toml", "config"]);
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", both(&out));
    let shown = text(&out.stdout);
    assert!(shown.contains(r#"moderation = "all""#), "{shown}");
    assert!(shown.contains(r#"listen = "127.0.0.1:9090""#), "{shown}");

    let mut cmd = causerie(dir.path());
    cmd.args(["--config", "causerie.toml", "config"])
        .env("CAUSERIE_MODERATION", "none");
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", both(&out));
    let shown = text(&out.stdout);
    assert!(shown.contains(r#"moderation = "none""#), "{shown}");
    assert!(shown.contains(r#"listen = "127.0.0.1:9090""#), "{shown}");
}

#[test]
fn config_file_named_by_causerie_config_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write_config_file(dir.path());
    let mut cmd = causerie(dir.path());
    cmd.arg("config").env("CAUSERIE_CONFIG", "causerie.toml");
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", both(&out));
    let shown = text(&out.stdout);
    assert!(shown.contains(r#"moderation = "all""#), "{shown}");
    assert!(shown.contains(r#"listen = "127.0.0.1:9090""#), "{shown}");
}

#[test]
fn unknown_key_in_the_config_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.toml"), "colour = \"blue\"\n").unwrap();
    let mut cmd = causerie(dir.path());
    cmd.args(["--config", "file.toml", "config"]);
    let out = run(cmd, "");
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(text(&out.stderr).contains("colour"), "{}", both(&out));
}

#[test]
fn unknown_environment_setting_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = config_of(dir.path(), &[("CAUSERIE_COLOUR", "blue")]);
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(text(&out.stderr).contains("colour"), "{}", both(&out));
}

#[test]
fn no_variable_of_the_tests_is_accepted_as_a_setting() {
    // The tests' PostgreSQL server is TEST_POSTGRES_URL; the name it once had under
    // the prefix is an unknown key like any other, not a silent exception.
    let dir = tempfile::tempdir().unwrap();
    let out = config_of(
        dir.path(),
        &[("CAUSERIE_TEST_POSTGRES", "postgres://x@127.0.0.1/postgres")],
    );
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(
        text(&out.stderr).to_lowercase().contains("test_postgres"),
        "{}",
        both(&out)
    );
}

#[test]
fn invalid_setting_value_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = config_of(dir.path(), &[("CAUSERIE_MODERATION", "sometimes")]);
    assert!(!out.status.success(), "accepted: {}", both(&out));
    let err = text(&out.stderr);
    // The key may be named as the setting or as its variable: any case.
    assert!(err.to_lowercase().contains("moderation"), "{err}");
    assert!(err.contains("sometimes"), "{err}");
}

#[test]
fn missing_config_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = causerie(dir.path());
    cmd.args(["--config", "absent.toml", "config"]);
    let out = run(cmd, "");
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(text(&out.stderr).contains("absent.toml"), "{}", both(&out));
}

#[test]
fn migrate_creates_the_database_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = causerie(dir.path());
    cmd.arg("migrate");
    let out = run(cmd, "");
    assert!(out.status.success(), "{}", both(&out));
    assert!(dir.path().join("causerie.db").is_file());
    // Running it again is harmless.
    let mut cmd = causerie(dir.path());
    cmd.arg("migrate");
    let again = run(cmd, "");
    assert!(again.status.success(), "{}", both(&again));
}

fn admin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = causerie(dir);
    cmd.arg("admin").args(args);
    run(cmd, stdin)
}

fn stored_password_hash(dir: &Path, name: &str) -> Option<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
    }
    let db = dir.join("causerie.db");
    let mut conn = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query("SELECT password_hash FROM moderators WHERE name = ?")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Row>(&mut conn)
        .optional()
        .unwrap()
        .map(|r| r.password_hash)
}

#[test]
fn admin_add_then_list_shows_the_new_moderator() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(dir.path(), &["add", "camille"], "correct horse battery\n");
    assert!(out.status.success(), "{}", both(&out));
    assert!(text(&out.stdout).contains("camille"), "{}", both(&out));
    assert!(!both(&out).contains("correct horse battery"));

    let list = admin(dir.path(), &["list"], "");
    assert!(list.status.success(), "{}", both(&list));
    let names: Vec<String> = text(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    // `admin` is created by the first `serve`, not by the admin commands.
    assert_eq!(names, vec!["camille".to_owned()], "{}", both(&list));

    let hash = stored_password_hash(dir.path(), "camille").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(causerie::auth::accounts::verify_password(
        "correct horse battery",
        &hash
    ));
}

#[test]
fn admin_add_twice_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let first = admin(dir.path(), &["add", "camille"], "correct horse battery\n");
    assert!(first.status.success(), "{}", both(&first));
    let again = admin(dir.path(), &["add", "camille"], "another long password\n");
    assert!(!again.status.success(), "{}", both(&again));
    assert!(text(&again.stderr).contains("camille"), "{}", both(&again));
    let hash = stored_password_hash(dir.path(), "camille").unwrap();
    assert!(causerie::auth::accounts::verify_password(
        "correct horse battery",
        &hash
    ));
}

#[test]
fn admin_passwd_changes_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(dir.path(), &["add", "camille"], "correct horse battery\n");
    assert!(out.status.success(), "{}", both(&out));
    add_session(dir.path(), "camille");
    let out = admin(dir.path(), &["passwd", "camille"], "a brand new password\n");
    assert!(out.status.success(), "{}", both(&out));
    // Logged out everywhere: whoever knew the old password is.
    assert_eq!(sessions_of(dir.path(), "camille"), 0);
    let hash = stored_password_hash(dir.path(), "camille").unwrap();
    assert!(causerie::auth::accounts::verify_password(
        "a brand new password",
        &hash
    ));
    assert!(!causerie::auth::accounts::verify_password(
        "correct horse battery",
        &hash
    ));
}

#[test]
fn admin_passwd_of_an_unknown_moderator_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(
        dir.path(),
        &["passwd", "nobody"],
        "a long enough password\n",
    );
    assert!(!out.status.success(), "{}", both(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("nobody") && err.contains("no moderator"),
        "{err}"
    );
}

#[test]
fn admin_add_refuses_a_short_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(dir.path(), &["add", "dominique"], "short\n");
    assert!(!out.status.success(), "{}", both(&out));
    assert!(text(&out.stderr).contains("at least"), "{}", both(&out));
    let list = admin(dir.path(), &["list"], "");
    assert!(!text(&list.stdout).contains("dominique"), "{}", both(&list));
}

#[test]
fn admin_add_refuses_an_odd_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(dir.path(), &["add", "two words"], "correct horse battery\n");
    assert!(!out.status.success(), "{}", both(&out));
    let list = admin(dir.path(), &["list"], "");
    assert_eq!(text(&list.stdout).trim(), "", "{}", both(&list));
}

/// A running `causerie serve`, killed when dropped. Its log is read as it comes, so
/// the pipe never fills.
struct Server {
    child: Child,
    lines: Receiver<String>,
    log: Vec<String>,
    port: u16,
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = causerie(dir);
        cmd.arg("serve").env("CAUSERIE_LISTEN", "127.0.0.1:0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (child, lines) = common::process::spawn_logged(cmd);
        let mut server = Server {
            child,
            lines,
            log: Vec::new(),
            port: 0,
        };
        let line = server.wait_for("listening on port");
        server.port = line
            .split("listening on port ")
            .nth(1)
            .and_then(|rest| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|p| p.parse().ok())
            })
            .unwrap_or_else(|| panic!("no port in: {line}"));
        server
    }

    /// The first log line containing `needle`, within 30 seconds.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no `{needle}` in the log within 30 s:\n{}",
                    self.log.join("\n")
                ),
            }
        }
    }

    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log.extend(self.lines.try_iter());
        std::mem::take(&mut self.log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn generated_password(line: &str) -> Option<String> {
    let rest = line.split("with the password ").nth(1)?;
    rest.split_whitespace().next().map(str::to_owned)
}

#[test]
fn first_serve_prints_a_generated_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Server::start(dir.path(), &[]);
    let line = first
        .log
        .iter()
        .find(|l| l.contains("with the password"))
        .cloned()
        .unwrap_or_else(|| first.wait_for("with the password"));
    let password = generated_password(&line).unwrap_or_else(|| panic!("{line}"));
    assert_eq!(password.chars().count(), 20, "{line}");
    assert!(line.contains("admin"), "{line}");
    let log = first.stop();
    assert_eq!(
        log.iter().filter(|l| l.contains(&password)).count(),
        1,
        "the password is printed exactly once:\n{}",
        log.join("\n")
    );
    let hash = stored_password_hash(dir.path(), "admin").expect("admin exists");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(causerie::auth::accounts::verify_password(&password, &hash));

    // Second start on the same database: no new password, the old one still valid.
    let second = Server::start(dir.path(), &[]);
    let log = second.stop();
    assert!(
        !log.iter().any(|l| l.contains("with the password")),
        "{}",
        log.join("\n")
    );
    let hash = stored_password_hash(dir.path(), "admin").unwrap();
    assert!(causerie::auth::accounts::verify_password(&password, &hash));
}

#[test]
fn serve_takes_the_admin_password_from_the_environment_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[("CAUSERIE_ADMIN_PASSWORD", "imposed-password-42")],
    );
    let log = server.stop();
    let all = log.join("\n");
    assert!(!all.contains("imposed-password-42"), "{all}");
    assert!(!all.contains("with the password"), "{all}");
    let hash = stored_password_hash(dir.path(), "admin").unwrap();
    assert!(causerie::auth::accounts::verify_password(
        "imposed-password-42",
        &hash
    ));
}

/// The sessions of moderator `name`, as the rows the server keeps.
fn sessions_of(dir: &Path, name: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = dir.join("causerie.db");
    let mut conn = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query(
        "SELECT COUNT(*) AS n FROM sessions s JOIN moderators m ON m.id = s.moderator_id \
         WHERE m.name = ?",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .get_result::<Row>(&mut conn)
    .unwrap()
    .n
}

/// A browser logged in as moderator `name`: a session row, as a login leaves.
fn add_session(dir: &Path, name: &str) {
    let db = dir.join("causerie.db");
    let mut conn = SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query(
        "INSERT INTO sessions (token_hash, moderator_id, csrf_token, created_at, last_seen_at) \
         SELECT 'a-logged-in-browser-' || name, id, 'csrf', 1, 1 FROM moderators WHERE name = ?",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .execute(&mut conn)
    .unwrap();
    assert_eq!(sessions_of(dir, name), 1);
}

#[test]
fn a_new_admin_password_from_the_environment_ends_the_sessions_and_the_same_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    Server::start(
        dir.path(),
        &[("CAUSERIE_ADMIN_PASSWORD", "first-password-42")],
    )
    .stop();
    add_session(dir.path(), "admin");

    // A restart with the same password: the moderator stays logged in.
    let log = Server::start(
        dir.path(),
        &[("CAUSERIE_ADMIN_PASSWORD", "first-password-42")],
    )
    .stop()
    .join("\n");
    assert_eq!(sessions_of(dir.path(), "admin"), 1, "{log}");
    assert!(!log.contains("sessions, if any, have ended"), "{log}");

    // Another password: whoever knew the first one is logged out, and the log says so.
    let log = Server::start(
        dir.path(),
        &[("CAUSERIE_ADMIN_PASSWORD", "second-password-42")],
    )
    .stop()
    .join("\n");
    assert_eq!(sessions_of(dir.path(), "admin"), 0, "{log}");
    assert!(log.contains("sessions, if any, have ended"), "{log}");
    let hash = stored_password_hash(dir.path(), "admin").unwrap();
    assert!(causerie::auth::accounts::verify_password(
        "second-password-42",
        &hash
    ));
    assert!(!causerie::auth::accounts::verify_password(
        "first-password-42",
        &hash
    ));
}

#[test]
fn serve_does_not_create_admin_when_a_moderator_exists() {
    let dir = tempfile::tempdir().unwrap();
    let out = admin(dir.path(), &["add", "camille"], "correct horse battery\n");
    assert!(out.status.success(), "{}", both(&out));
    let log = Server::start(dir.path(), &[]).stop();
    assert!(
        !log.iter().any(|l| l.contains("with the password")),
        "{}",
        log.join("\n")
    );
    assert!(stored_password_hash(dir.path(), "admin").is_none());
}

/// SPEC 1: "The log says where to go next": the demo's address, on the port bound.
#[test]
fn serve_log_names_the_demo_address_on_the_bound_port() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let port = server.port;
    let line = server
        .log
        .iter()
        .find(|l| l.contains("listening on port"))
        .cloned()
        .unwrap();
    drop(server);
    let demo = format!("http://127.0.0.1:{port}/demo");
    assert!(line.contains(&demo), "no {demo} in: {line}");
}

#[test]
fn serve_answers_on_the_port_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        match http_get(server.port, "/healthz") {
            Some(a) => break a,
            None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            None => panic!("no answer on port {}", server.port),
        }
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(dir.path().join("causerie.db").is_file());
}

/// A bare HTTP/1.1 GET, so this file needs no async runtime.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// A configuration of two sites, `blog` and `notes`, in `dir/sites.toml`.
fn write_sites_config(dir: &Path) {
    std::fs::write(
        dir.join("sites.toml"),
        r#"[[sites]]
id = "blog"
origins = ["http://blog.example"]

[[sites]]
id = "notes"
origins = ["http://notes.example"]
"#,
    )
    .unwrap();
}

/// `causerie --config sites.toml admin …`
fn admin_of_sites(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = causerie(dir);
    cmd.args(["--config", "sites.toml", "admin"]).args(args);
    run(cmd, stdin)
}

/// The line of `admin list` about `name`.
fn listed(dir: &Path, name: &str) -> Option<String> {
    let list = admin_of_sites(dir, &["list"], "");
    assert!(list.status.success(), "{}", both(&list));
    text(&list.stdout)
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .map(str::to_owned)
}

#[test]
fn admin_add_with_a_site_limits_the_moderator_and_admin_sites_lifts_it() {
    let dir = tempfile::tempdir().unwrap();
    write_sites_config(dir.path());
    let out = admin_of_sites(
        dir.path(),
        &["add", "camille", "--site", "blog"],
        "correct horse battery\n",
    );
    assert!(out.status.success(), "{}", both(&out));
    assert!(text(&out.stdout).contains("blog"), "{}", both(&out));
    let line = listed(dir.path(), "camille").expect("camille is listed");
    assert!(line.contains("sites: blog"), "{line}");
    assert!(!line.contains("notes"), "{line}");

    let out = admin_of_sites(dir.path(), &["sites", "camille", "blog", "notes"], "");
    assert!(out.status.success(), "{}", both(&out));
    let line = listed(dir.path(), "camille").unwrap();
    assert!(line.contains("sites: blog, notes"), "{line}");

    // No site named: every site again.
    let out = admin_of_sites(dir.path(), &["sites", "camille"], "");
    assert!(out.status.success(), "{}", both(&out));
    let line = listed(dir.path(), "camille").unwrap();
    assert!(line.contains("every site"), "{line}");
}

#[test]
fn admin_commands_refuse_an_unknown_site_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write_sites_config(dir.path());
    let out = admin_of_sites(
        dir.path(),
        &["add", "dominique", "--site", "nowhere"],
        "correct horse battery\n",
    );
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(text(&out.stderr).contains("nowhere"), "{}", both(&out));
    assert!(listed(dir.path(), "dominique").is_none());

    let out = admin_of_sites(
        dir.path(),
        &["add", "camille", "--site", "blog"],
        "correct horse battery\n",
    );
    assert!(out.status.success(), "{}", both(&out));
    let out = admin_of_sites(dir.path(), &["sites", "camille", "nowhere"], "");
    assert!(!out.status.success(), "accepted: {}", both(&out));
    assert!(text(&out.stderr).contains("nowhere"), "{}", both(&out));
    let line = listed(dir.path(), "camille").unwrap();
    assert!(line.contains("sites: blog"), "unchanged: {line}");
}

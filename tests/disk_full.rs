//! A SQLite database on a file system filled to the brim (a tmpfs of 64 MiB mounted
//! for the test): posts are answered `503 storage_full` with `Retry-After`, the log
//! says so once, `/healthz` says `disk_full`, nothing acknowledged is lost, and posting
//! comes back once space is freed.
//!
//! Mounting needs root: elsewhere the test says it is skipped; in CI (`CI` set) it
//! fails instead, so that CI never skips it.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use common::process::Server;

const PAGE: &str = "/plein";

/// A tmpfs mounted on a folder of its own, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (after saying why) where mounting is not allowed.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
                    Err(e) => e.to_string(),
                };
                if std::env::var_os("CI").is_some() {
                    panic!("CI must run the full-disk test, but a tmpfs cannot be mounted: {why}");
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED the full-disk test (tests/disk_full.rs): mounting a tmpfs needs \
                     root ({why})"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a file until the file system has no room left; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![b'x'; 64 * 1024];
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    // The last bytes a partial write could not place.
    let _ = file.write_all(b"x");
    let _ = file.sync_all();
    path
}

async fn post(
    client: &reqwest::Client,
    server: &Server,
    n: usize,
    text: &str,
) -> reqwest::Response {
    client
        .post(server.url("/api/v1/comments"))
        .json(&json!({
            "page": PAGE,
            "title": "Plein",
            "author": format!("Lecteur {n}"),
            "email": format!("lecteur{n}@example.org"),
            "body": format!("{n}. {text}"),
        }))
        .send()
        .await
        .unwrap()
}

async fn healthz(client: &reqwest::Client, server: &Server) -> (u16, Value) {
    let r = client.get(server.url("/healthz")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_is_said_to_the_reader_the_log_and_healthz_and_nothing_is_lost() {
    let Some(disk) = Tmpfs::mount("64m") else {
        return;
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let server = Server::start_with(
        disk.path(),
        &[("CAUSERIE_DATABASE_URL", "sqlite://causerie.db")],
    );
    server.ready(&client).await;
    let text = "Un commentaire assez long pour demander des pages neuves. ".repeat(60);
    let mut acknowledged = Vec::new();
    let r = post(&client, &server, 0, &text).await;
    assert_eq!(r.status(), 201);
    acknowledged.push(0);

    let filler = fill(disk.path());
    let (status, body) = healthz(&client, &server).await;
    assert_eq!(
        (status, body),
        (503, json!({"status": "unavailable", "reason": "disk_full"}))
    );

    // Posts until three are refused: what fits in the pages already there is stored.
    let mut refused = Vec::new();
    for n in 1..200 {
        let r = post(&client, &server, n, &text).await;
        match r.status().as_u16() {
            201 => acknowledged.push(n),
            503 => {
                let retry_after = r.headers()["retry-after"].to_str().unwrap().to_owned();
                let lang = r.headers()["content-language"].to_str().unwrap().to_owned();
                let body: Value = r.json().await.unwrap();
                refused.push((retry_after, lang, body));
                if refused.len() == 3 {
                    break;
                }
            }
            other => panic!(
                "post {n} on a full disk: {other} {}",
                r.text().await.unwrap()
            ),
        }
    }
    assert_eq!(refused.len(), 3, "posts kept being stored on a full disk");
    for (retry_after, lang, body) in &refused {
        assert_eq!(retry_after, "60");
        assert_eq!(lang, "en");
        assert_eq!(body["error"], "storage_full", "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("nothing was saved"),
            "{body}"
        );
    }
    // In the reader's language.
    let r = client
        .post(server.url("/api/v1/comments"))
        .header("Accept-Language", "fr")
        .json(
            &json!({"page": PAGE, "author": "Zoé", "email": "zoe@example.org",
                      "body": text}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("rien n’a été enregistré"),
        "{body}"
    );

    // Said once in the log, not once per refused post.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.log_so_far();
    let said = log
        .iter()
        .filter(|l| l.contains("no room left to write"))
        .count();
    assert_eq!(said, 1, "{}", log.join("\n"));

    // Room again: /healthz still remembers the failure until a post goes through.
    std::fs::remove_file(filler).unwrap();
    let (status, body) = healthz(&client, &server).await;
    assert_eq!((status, &body["reason"]), (503, &json!("disk_full")));
    let r = post(&client, &server, 1000, &text).await;
    assert_eq!(r.status(), 201);
    acknowledged.push(1000);
    let (status, _) = healthz(&client, &server).await;
    assert_eq!(status, 200);

    // Every acknowledged comment is there, after a restart too.
    drop(server);
    let server = Server::start_with(
        disk.path(),
        &[("CAUSERIE_DATABASE_URL", "sqlite://causerie.db")],
    );
    server.ready(&client).await;
    let r = client
        .get(server.url("/api/v1/comments"))
        .query(&[("page", PAGE), ("limit", "500")])
        .send()
        .await
        .unwrap();
    let listed: Value = r.json().await.unwrap();
    let authors: Vec<String> = listed["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["author"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = acknowledged
        .iter()
        .map(|n| format!("Lecteur {n}"))
        .collect();
    assert_eq!(authors, expected);
}

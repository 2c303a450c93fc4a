//! A `201` means the comment is on disk: the server is killed with SIGKILL the moment
//! the last `201` arrives, started again on the same database, and every comment it
//! acknowledged is there. SIGTERM and SIGINT under a load of posts: a clean stop, exit
//! 0, and again every acknowledged comment there.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::process::Server;

const PAGE: &str = "/durable";
const ROUNDS: usize = 5;
const POSTS_PER_ROUND: usize = 10;

async fn listed_bodies(server: &Server, client: &reqwest::Client) -> Vec<String> {
    let r = client
        .get(server.url("/api/v1/comments"))
        .query(&[("page", PAGE), ("limit", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_comments_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();

    for round in 0..ROUNDS {
        let server = Server::start(dir.path());
        server.ready(&client).await;
        // What earlier rounds acknowledged is still there after their kill.
        let bodies = listed_bodies(&server, &client).await;
        assert_eq!(bodies.len(), acknowledged.len(), "after kill #{round}");
        for n in 0..POSTS_PER_ROUND {
            let text = format!("Commentaire {round}-{n} qui doit survivre.");
            let r = client
                .post(server.url("/api/v1/comments"))
                .json(&json!({
                    "page": PAGE,
                    "title": "Durabilité",
                    "author": "Camille",
                    "email": format!("camille{round}{n}@example.org"),
                    "body": text,
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            acknowledged.push(format!("<p>{text}</p>"));
        }
        server.kill_now();
    }

    let server = Server::start(dir.path());
    server.ready(&client).await;
    let bodies = listed_bodies(&server, &client).await;
    assert_eq!(bodies, acknowledged, "a comment answered 201 was lost");
}

/// Concurrent posting clients, and posts each sends at most (all fit one listing).
const CLIENTS: usize = 8;
const POSTS_PER_CLIENT: usize = 60;
/// The longest a stop may take: `SHUTDOWN_REQUESTS + SHUTDOWN_OUTBOX + SHUTDOWN_WRITER`
/// in `startup.rs`, as the README says.
const STOP_BOUND: Duration = Duration::from_secs(25);

/// SIGTERM or SIGINT in the middle of a load of posts: the process exits 0 within
/// the bound, says it stopped cleanly, and every comment answered 201 is there.
async fn a_stop_under_load_loses_no_acknowledged_comment(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut server = Server::start(dir.path());
    server.ready(&client).await;
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (client, url, acknowledged) = (
            client.clone(),
            server.url("/api/v1/comments"),
            acknowledged.clone(),
        );
        let signal = signal.to_owned();
        clients.push(tokio::spawn(async move {
            for n in 0..POSTS_PER_CLIENT {
                let text = format!("Avant {signal}, commentaire {c}-{n}.");
                let sent = client
                    .post(&url)
                    .json(&json!({
                        "page": PAGE,
                        "title": "Arrêt",
                        "author": "Camille",
                        "email": format!("camille{c}x{n}@example.org"),
                        "body": text,
                    }))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        acknowledged.lock().unwrap().push(format!("<p>{text}</p>"))
                    }
                    // Refused while stopping (503): not acknowledged, and allowed.
                    Ok(_) => {}
                    // The server no longer accepts connections.
                    Err(_) => return,
                }
            }
        }));
    }
    // In the middle of the load.
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(server.child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} failed");
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < STOP_BOUND,
            "still running {} s after {signal}",
            STOP_BOUND.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for c in clients {
        c.await.unwrap();
    }
    // The readers end with the process's output.
    let log: Vec<String> = server.lines.iter().collect();
    assert!(
        status.success(),
        "exit status {status}:\n{}",
        log.join("\n")
    );
    assert!(
        log.iter().any(|l| l.contains("stopped cleanly")),
        "no \"stopped cleanly\" in the log:\n{}",
        log.join("\n")
    );
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() < CLIENTS * POSTS_PER_CLIENT,
        "the load had ended before {signal}"
    );

    let server = Server::start(dir.path());
    server.ready(&client).await;
    let bodies = listed_bodies(&server, &client).await;
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|b| !bodies.contains(b))
        .collect();
    assert!(
        lost.is_empty(),
        "answered 201 and lost after {signal}: {lost:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_under_a_load_of_posts_loses_no_acknowledged_comment_and_exits_0() {
    a_stop_under_load_loses_no_acknowledged_comment("TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_under_a_load_of_posts_loses_no_acknowledged_comment_and_exits_0() {
    a_stop_under_load_loses_no_acknowledged_comment("INT").await;
}

/// Whether strace can trace a child here (it may be missing, or ptrace refused).
fn strace_works() -> bool {
    Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_201_comes_after_the_database_was_synced_to_disk() {
    // SIGKILL cannot reveal a missing sync (the kernel still writes the page cache
    // out); a power loss would. So the server runs under strace, and each `201` it
    // writes must come after an fsync or fdatasync since the one before: with
    // `synchronous = OFF`, or NORMAL in WAL mode, a commit syncs nothing.
    if !strace_works() {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace cannot run here: CI must run the sync test (.ci/run installs strace)"
        );
        common::say_skipped(format_args!(
            "SKIPPED the sync test: strace is missing or may not trace here \
             (`apt-get install strace`)"
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("strace.txt");
    let trace_arg = trace.to_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let mut server = Server::start_under(
        dir.path(),
        &[],
        &[
            "strace",
            "-f",
            "-qq",
            "-s",
            "24",
            "-e",
            "trace=fsync,fdatasync,write,writev,sendto,sendmsg",
            "-o",
            &trace_arg,
        ],
    );
    server.ready(&client).await;
    const POSTS: usize = 5;
    for n in 0..POSTS {
        let r = client
            .post(server.url("/api/v1/comments"))
            .json(&json!({
                "page": PAGE, "author": "Camille", "email": "camille@example.org",
                "body": format!("Commentaire {n}, qui doit survivre à une coupure de courant.")
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    // Stop the traced server (its pid opens the trace), then strace ends by itself.
    let text = std::fs::read_to_string(&trace).unwrap();
    let pid = text
        .split_whitespace()
        .next()
        .expect("a traced line")
        .to_owned();
    assert!(Command::new("kill").arg(&pid).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the traced server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut synced = false;
    let mut answered = 0;
    for line in text.lines() {
        if line.contains("fsync(") || line.contains("fdatasync(") {
            synced = true;
        } else if line.contains("HTTP/1.1 201") {
            assert!(
                synced,
                "a 201 was written with no sync since the one before:\n{line}\n\n{text}"
            );
            synced = false;
            answered += 1;
        }
    }
    assert_eq!(answered, POSTS, "the trace shows every 201:\n{text}");
}

//! PostgreSQL goes away under a running instance (its port stops taking connections,
//! the ones open are cut): requests that need it are answered `503` with
//! `Retry-After` at once rather than after the pool's 10 s, cached threads are still
//! served, and everything comes back by itself when the database does.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use causerie::config::ModerationMode;

use crate::helpers::{comment, spawn_app_with};

/// A TCP relay to PostgreSQL that can be closed (connections refused, those open
/// cut) and opened again on the same port.
struct Gate {
    port: u16,
    open: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    relayed: Arc<Mutex<Vec<TcpStream>>>,
}

impl Gate {
    fn to(upstream: SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let gate = Gate {
            port,
            open: Arc::new(AtomicBool::new(true)),
            stop: Arc::new(AtomicBool::new(false)),
            relayed: Arc::default(),
        };
        let (open, stop, relayed) = (gate.open.clone(), gate.stop.clone(), gate.relayed.clone());
        std::thread::spawn(move || {
            let mut listener = Some(listener);
            while !stop.load(Ordering::Relaxed) {
                match (open.load(Ordering::Relaxed), listener.is_some()) {
                    // No listener: connections to the port are refused.
                    (false, true) => listener = None,
                    (true, false) => match TcpListener::bind(("127.0.0.1", port)) {
                        Ok(l) => listener = Some(l),
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                    },
                    _ => {}
                }
                let Some(l) = &listener else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                l.set_nonblocking(true).unwrap();
                match l.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(upstream) else {
                            continue;
                        };
                        let mut kept = relayed.lock().unwrap();
                        kept.push(client.try_clone().unwrap());
                        kept.push(server.try_clone().unwrap());
                        pump(client.try_clone().unwrap(), server.try_clone().unwrap());
                        pump(server, client);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        gate
    }

    /// The database goes away: no new connection, and the open ones are cut.
    fn close(&self) {
        self.open.store(false, Ordering::Relaxed);
        for s in self.relayed.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        // The listener is dropped within the relay's next turn.
        std::thread::sleep(Duration::from_millis(100));
    }

    fn reopen(&self) {
        self.open.store(true, Ordering::Relaxed);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.close();
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

#[actix_web::test]
async fn a_database_that_goes_away_fails_fast_keeps_cached_threads_and_comes_back() {
    if crate::common::postgres::server_url().is_none() {
        crate::common::say_skipped(format_args!(
            "skipped on SQLite: the database is a file that cannot go away"
        ));
        return;
    }
    let mut gate = None;
    let app = spawn_app_with(|s| {
        s.moderation = ModerationMode::None;
        let mut url = url::Url::parse(&s.database_url).unwrap();
        let upstream = (url.host_str().unwrap(), url.port().unwrap_or(5432));
        let upstream = std::net::ToSocketAddrs::to_socket_addrs(&upstream)
            .unwrap()
            .next()
            .unwrap();
        let g = Gate::to(upstream);
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(g.port)).unwrap();
        s.database_url = url.to_string();
        gate = Some(g);
    })
    .await;
    let gate = gate.unwrap();
    app.create(&comment("/reste", "Camille", "Avant la panne"))
        .await;
    assert_eq!(app.list("/reste").await["count"], 1);

    gate.close();

    // A post waits a moment, not the pool's 10 s, and is told to try again.
    let started = Instant::now();
    let r = app
        .post_comment(&comment("/reste", "Dominique", "Pendant la panne"))
        .await;
    let waited = started.elapsed();
    assert_eq!(r.status(), 503, "{}", r.text().await.unwrap());
    assert_eq!(
        r.headers()["retry-after"],
        causerie::error::UNAVAILABLE_RETRY_AFTER
    );
    assert!(
        waited < Duration::from_secs(6),
        "a post waited {waited:?} for a database that refuses connections"
    );
    let started = Instant::now();
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["reason"],
        "database"
    );
    assert!(started.elapsed() < Duration::from_secs(6));
    // The thread read before is still served, from memory.
    let r = app
        .client
        .get(app.url("/api/v1/comments?page=/reste"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Back by itself once the database is.
    gate.reopen();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app
            .post_comment(&comment("/reste", "Dominique", "Après la panne"))
            .await;
        if r.status() == 201 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {} after the database came back",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.list("/reste").await["count"], 2);
}

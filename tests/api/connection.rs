//! Every request has a deadline, its head and its body, on a kept-alive connection too
//! (`routes::connection`): a client that trickles is answered `408` or cut off, and one
//! that is slow but steady is not.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::helpers::spawn_app;

async fn connect(address: &str) -> TcpStream {
    TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// What the server has sent within `wait`: `Some(bytes)` (empty when it closed the
/// connection), `None` if it sent nothing.
async fn read_for(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut buf = vec![0; 8192];
    match timeout(wait, stream.read(&mut buf)).await {
        Ok(Ok(n)) => Some(buf[..n].to_vec()),
        // Reset by the server: closed.
        Ok(Err(_)) => Some(Vec::new()),
        Err(_) => None,
    }
}

/// Sends `head`, then its body a byte every half second, until the server answers;
/// returns the answer and how long after the head it came.
async fn trickle_body(address: &str, head: &str) -> (String, Duration, TcpStream) {
    let mut stream = connect(address).await;
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = None;
    // 100 bytes would take 50 s.
    while started.elapsed() < Duration::from_secs(25) {
        if stream.write_all(b" ").await.is_err() {
            break;
        }
        if let Some(got) = read_for(&mut stream, Duration::from_millis(500)).await {
            answer = Some(got);
            break;
        }
    }
    let took = started.elapsed();
    let answer = answer.expect("no answer to a trickling body in 25 s");
    (String::from_utf8(answer).unwrap(), took, stream)
}

async fn assert_408_then_closed(answer: &str, took: Duration, mut stream: TcpStream) {
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(15),
        "answered after {took:?}, not about 10 s"
    );
    // And the connection ends with the answer.
    let rest = read_for(&mut stream, Duration::from_secs(3)).await;
    assert_eq!(
        rest,
        Some(Vec::new()),
        "the connection stayed open after the 408"
    );
}

#[actix_web::test]
async fn a_body_that_trickles_is_answered_408_and_its_connection_closed() {
    let app = spawn_app().await;
    let head = "POST /api/v1/comments HTTP/1.1\r\nHost: localhost\r\n\
        Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let (answer, took, stream) = trickle_body(&app.address, head).await;
    assert!(answer.contains(r#""error":"request_timeout""#), "{answer}");
    assert_408_then_closed(&answer, took, stream).await;
}

#[actix_web::test]
async fn a_form_that_trickles_gets_a_page_that_says_so() {
    let app = spawn_app().await;
    let head = "POST /t HTTP/1.1\r\nHost: localhost\r\nAccept-Language: fr\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    let (answer, took, stream) = trickle_body(&app.address, head).await;
    assert!(answer.contains("text/html"), "{answer}");
    assert!(answer.contains("arrivée trop lentement"), "{answer}");
    assert_408_then_closed(&answer, took, stream).await;
}

#[actix_web::test]
async fn a_slow_but_steady_body_is_read_to_its_end() {
    let app = spawn_app().await;
    let mut stream = connect(&app.address).await;
    // 24 KiB at 2 KiB a second: 12 s, past the flat 10 s, well within the allowance.
    let text = "a".repeat(24 * 1024 - 40);
    let body = format!(r#"{{"thread":"/slow","author":"S","text":"{text}"}}"#);
    let head = format!(
        "POST /api/v1/comments HTTP/1.1\r\nHost: localhost\r\nContent-Type: \
         application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let chunks: Vec<&[u8]> = body.as_bytes().chunks(2048).collect();
    let (last, before) = chunks.split_last().unwrap();
    for chunk in before {
        stream
            .write_all(chunk)
            .await
            .expect("the server cut a steady body");
        if let Some(early) = read_for(&mut stream, Duration::from_secs(1)).await {
            panic!(
                "answered before the body was sent: {}",
                String::from_utf8_lossy(&early)
            );
        }
    }
    stream
        .write_all(last)
        .await
        .expect("the server cut a steady body");
    assert!(started.elapsed() > Duration::from_secs(10));
    let answer = read_for(&mut stream, Duration::from_secs(10))
        .await
        .expect("no answer to the whole body");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(!answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Read whole: its fields were judged.
    assert!(
        answer.starts_with("HTTP/1.1 201") || answer.starts_with("HTTP/1.1 422"),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_second_request_whose_head_trickles_loses_its_connection() {
    let app = spawn_app().await;
    let mut stream = connect(&app.address).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let first = read_for(&mut stream, Duration::from_secs(10))
        .await
        .expect("no answer to the first request");
    assert!(
        first.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first)
    );
    let answered = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let mut closed = false;
    while answered.elapsed() < Duration::from_secs(30) {
        if stream.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        match read_for(&mut stream, Duration::from_secs(1)).await {
            Some(got) if got.is_empty() => {
                closed = true;
                break;
            }
            Some(got) => panic!(
                "answered a head never finished: {}",
                String::from_utf8_lossy(&got)
            ),
            None => {}
        }
    }
    let took = answered.elapsed();
    assert!(closed, "a trickling head held its connection for 30 s");
    // Keep-alive (5 s) and the request's 10 s, checked once a second.
    assert!(
        took >= Duration::from_secs(14) && took < Duration::from_secs(20),
        "closed after {took:?}"
    );
}

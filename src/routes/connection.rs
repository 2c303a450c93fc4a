//! What one connection may hold, and for how long.
//!
//! **Deadlines.** Every request on a connection has one, head and body, the first
//! request and every later one on a kept-alive connection. actix bounds only the first
//! request's head (`client_request_timeout`): a body that trickles a byte a second, or
//! the head of a second request sent the same way, would hold the connection without
//! end. Two rules close that:
//!
//! - **Bodies** ([`guard`]): a request's body is read through [`Deadline`], which gives
//!   it [`REQUEST`] (10 s) from the moment the handler starts reading, plus one second
//!   per [`MIN_RATE`] bytes that arrived (a steady slow link is never cut; a trickle or
//!   a stop is). Past that, reading fails with [`io::ErrorKind::TimedOut`]; the JSON and
//!   form extractors answer `408` ([`is_timeout`]), and the connection is closed after
//!   the answer.
//! - **Later heads** ([`on_connect`], [`watch`]): actix closes a kept-alive connection
//!   that stays silent for [`KEEP_ALIVE`], but any byte stops that timer. So each
//!   connection is watched: once no request of it is being handled (its last answer is
//!   written), the next request must have reached a handler within `KEEP_ALIVE +
//!   REQUEST`, or the connection is shut.
//!
//! Both cost a reader nothing: a request is parsed the moment its last byte arrives.
//!
//! **Memory in a crowd.** actix copies an answer's body into the connection's write
//! buffer, and keeps that buffer's size (up to 128 KiB) while the connection lives: a
//! plain (not gzipped) thread of 40 KB left each of 2,000 connections holding 40 to
//! 64 KB, 120 MB in all. When a worker has more than [`CROWD`] connections open, an
//! answer larger than [`PIECE`] is handed to actix in pieces of that size ([`Answer`]),
//! and the write buffer is flushed at that size (`h1_write_buffer_size`), so each
//! connection's buffer stays near one piece. Below that, an answer goes whole, in one
//! write, as before.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Extensions, Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep_until, Sleep};
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_core::Stream;

/// What a client has to send a request in, head or body, before the allowance for a
/// large body ([`MIN_RATE`]).
pub const REQUEST: Duration = Duration::from_secs(10);
/// A kept-alive connection with nothing to say is closed after this (actix's timer).
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// Bytes a second a body must average, past [`REQUEST`], to keep arriving.
pub const MIN_RATE: u64 = 1024;

/// Connections open on a worker beyond which answers go in pieces.
pub const CROWD: usize = 64;
/// The size of those pieces, and of the write buffer at which actix flushes.
pub const PIECE: usize = 8 * 1024;

thread_local! {
    /// Connections open on this worker (each worker is one thread).
    static OPEN: Cell<usize> = const { Cell::new(0) };
}

fn crowded() -> bool {
    OPEN.with(|n| n.get() > CROWD)
}

/// One connection's state, shared by its requests (through the connection's data)
/// and its watcher.
pub struct Conn {
    fd: RawFd,
    peer: Option<SocketAddr>,
    /// Requests of this connection being handled or answered (more than one when a
    /// client pipelines).
    busy: Cell<u32>,
    /// When the last of them was answered (or the connection accepted).
    idle_since: Cell<Instant>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        OPEN.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

impl Conn {
    /// Shuts the socket both ways: actix reads the end of the stream and drops the
    /// connection. Called only while the connection's data lives, which is while actix
    /// holds the socket, on the same thread, so `fd` is this connection's; the peer's
    /// address is compared all the same.
    fn shut(&self) {
        // SAFETY: `fd` is the open socket of this connection (see above); the stream
        // is only borrowed, never dropped, so actix still closes the descriptor once.
        let stream =
            std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(self.fd) });
        if stream.peer_addr().ok() == self.peer {
            // Debug: a slow-loris attack would otherwise write a line per connection.
            tracing::debug!(
                "a client took longer than {} s to send a request; its connection is closed",
                (KEEP_ALIVE + REQUEST).as_secs()
            );
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// `HttpServer::on_connect`: gives each plain TCP connection its [`Conn`] and its
/// watcher.
pub fn on_connect(io: &dyn std::any::Any, data: &mut Extensions) {
    let Some(stream) = io.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    let conn = Rc::new(Conn {
        fd: stream.as_raw_fd(),
        peer: stream.peer_addr().ok(),
        busy: Cell::new(0),
        idle_since: Cell::new(Instant::now()),
    });
    OPEN.with(|n| n.set(n.get() + 1));
    actix_web::rt::spawn(watch(Rc::downgrade(&conn)));
    data.insert(conn);
}

/// Sleeps until the connection's next request is overdue, and shuts it if it is;
/// ends with the connection.
async fn watch(conn: Weak<Conn>) {
    let limit = KEEP_ALIVE + REQUEST;
    loop {
        let due = {
            let Some(c) = conn.upgrade() else { return };
            if c.busy.get() > 0 {
                Instant::now() + limit
            } else {
                c.idle_since.get() + limit
            }
        };
        sleep_until(due.into()).await;
        let Some(c) = conn.upgrade() else { return };
        if c.busy.get() == 0 && c.idle_since.get() + limit <= Instant::now() {
            c.shut();
            return;
        }
    }
}

/// Counts a request as being handled until its answer's body is dropped (written, or
/// abandoned with the connection).
struct Busy(Rc<Conn>);

impl Busy {
    fn new(conn: Rc<Conn>) -> Busy {
        conn.busy.set(conn.busy.get() + 1);
        Busy(conn)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.set(self.0.busy.get() - 1);
        self.0.idle_since.set(Instant::now());
    }
}

/// An answer's body, carrying the request's [`Busy`] until it is written: whole, or
/// in pieces of [`PIECE`] when the worker is crowded.
pub struct Answer {
    body: Body,
    _busy: Option<Busy>,
}

enum Body {
    Whole(BoxBody),
    /// The answer's chunks handed over a piece at a time: `rest` is what is left of
    /// the chunk at hand.
    Pieces {
        inner: BoxBody,
        rest: Bytes,
    },
}

impl Answer {
    fn new(body: BoxBody, busy: Option<Busy>) -> Answer {
        let big = matches!(body.size(), BodySize::Sized(n) if n > PIECE as u64);
        let body = if big && crowded() {
            Body::Pieces {
                inner: body,
                rest: Bytes::new(),
            }
        } else {
            Body::Whole(body)
        };
        Answer { body, _busy: busy }
    }
}

impl MessageBody for Answer {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        match &self.body {
            Body::Whole(b) | Body::Pieces { inner: b, .. } => b.size(),
        }
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        match &mut self.body {
            Body::Whole(b) => Pin::new(b).poll_next(cx),
            Body::Pieces { inner, rest } => {
                if rest.is_empty() {
                    match Pin::new(inner).poll_next(cx) {
                        Poll::Ready(Some(Ok(chunk))) => *rest = chunk,
                        other => return other,
                    }
                }
                // A slice of the same buffer: nothing is copied until actix writes it.
                Poll::Ready(Some(Ok(rest.split_to(PIECE.min(rest.len())))))
            }
        }
    }

    fn try_into_bytes(self) -> Result<Bytes, Self> {
        match self.body {
            // A body already in memory is written at once: the request is answered.
            Body::Whole(body) => body.try_into_bytes().map_err(|body| Answer {
                body: Body::Whole(body),
                _busy: self._busy,
            }),
            pieces => Err(Answer {
                body: pieces,
                _busy: self._busy,
            }),
        }
    }
}

/// The middleware: reads the body under its [`Deadline`], counts the request for the
/// connection's watcher, closes the connection after a `408`, and hands the answer
/// over whole or in pieces ([`Answer`]).
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Answer>, actix_web::Error> {
    let busy = req.conn_data::<Rc<Conn>>().map(|c| Busy::new(c.clone()));
    let late = Rc::new(Cell::new(false));
    if has_body(&req) {
        let payload = req.take_payload();
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(Deadline::new(payload, late.clone()));
        req.set_payload(Payload::from(stream));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if late.get() {
        // What is left of the body is not read: the connection cannot carry another
        // request.
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(res.map_body(|_, body| Answer::new(body, busy)))
}

fn has_body(req: &ServiceRequest) -> bool {
    let h = req.headers();
    h.contains_key(header::TRANSFER_ENCODING)
        || h.get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// Whether a body could not be read because it came too slowly ([`Deadline`]).
pub fn is_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(e) if e.kind() == io::ErrorKind::TimedOut)
}

/// A request's body with its deadline: [`REQUEST`] from the first read, plus a second
/// per [`MIN_RATE`] bytes received.
pub struct Deadline {
    inner: Payload,
    started: Option<Instant>,
    received: u64,
    sleep: Option<Pin<Box<Sleep>>>,
    late: Rc<Cell<bool>>,
}

impl Deadline {
    pub fn new(inner: Payload, late: Rc<Cell<bool>>) -> Deadline {
        Deadline {
            inner,
            started: None,
            received: 0,
            sleep: None,
            late,
        }
    }

    fn due(&self, started: Instant) -> Instant {
        started + REQUEST + Duration::from_secs(self.received / MIN_RATE)
    }
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.late.get() {
            return Poll::Ready(None);
        }
        let started = *this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received += bytes.len() as u64;
                return Poll::Ready(Some(Ok(bytes)));
            }
            Poll::Ready(other) => return Poll::Ready(other),
            Poll::Pending => {}
        }
        // Nothing more for now: is the client late?
        loop {
            let due = this.due(started);
            let sleep = this
                .sleep
                .get_or_insert_with(|| Box::pin(sleep_until(due.into())));
            if sleep.deadline() != due.into() {
                sleep.as_mut().reset(due.into());
            }
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if Instant::now() >= due {
                this.late.set(true);
                return Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request's body came too slowly",
                )))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::{to_bytes, BoxBody};

    fn thread_of(len: usize) -> Bytes {
        (0..len)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into()
    }

    #[actix_web::test]
    async fn a_crowded_worker_hands_a_large_answer_over_in_pieces_and_whole() {
        let body = thread_of(40_000);
        OPEN.with(|n| n.set(CROWD + 1));
        let answer = Answer::new(BoxBody::new(body.clone()), None);
        assert_eq!(answer.size(), BodySize::Sized(40_000));
        // Not one block any more: actix polls it piece by piece.
        let mut answer = match answer.try_into_bytes() {
            Ok(_) => panic!("a crowded worker's large answer went whole"),
            Err(a) => a,
        };
        let mut got = Vec::new();
        let mut pieces = 0;
        while let Poll::Ready(Some(piece)) =
            Pin::new(&mut answer).poll_next(&mut Context::from_waker(std::task::Waker::noop()))
        {
            let piece = piece.unwrap();
            assert!(piece.len() <= PIECE);
            got.extend_from_slice(&piece);
            pieces += 1;
        }
        assert_eq!(pieces, 40_000_usize.div_ceil(PIECE));
        assert_eq!(Bytes::from(got), body);
        // A streamed one too (what the tracing middleware's wrapper makes of any).
        let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(body.clone())]);
        let sized = actix_web::body::SizedStream::new(40_000, stream);
        let mut answer = Answer::new(BoxBody::new(sized), None);
        let mut got = Vec::new();
        while let Poll::Ready(Some(piece)) =
            Pin::new(&mut answer).poll_next(&mut Context::from_waker(std::task::Waker::noop()))
        {
            let piece = piece.unwrap();
            assert!(piece.len() <= PIECE);
            got.extend_from_slice(&piece);
        }
        assert_eq!(Bytes::from(got), body);
        // A small answer goes whole even then.
        let small = Answer::new(BoxBody::new(thread_of(PIECE)), None);
        assert!(small.try_into_bytes().is_ok());
        // And a large one goes whole when the worker is not crowded.
        OPEN.with(|n| n.set(CROWD));
        let whole = Answer::new(BoxBody::new(body.clone()), None);
        assert_eq!(to_bytes(whole).await.unwrap(), body);
        let whole = Answer::new(BoxBody::new(body), None);
        assert!(whole.try_into_bytes().is_ok());
        OPEN.with(|n| n.set(0));
    }
}

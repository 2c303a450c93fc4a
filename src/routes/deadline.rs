//! Every request on a connection has a deadline, head and body, the first request and
//! every later one on a kept-alive connection.
//!
//! actix bounds only the first request's head (`client_request_timeout`): a body that
//! trickles a byte a second, or the head of a second request sent the same way, would
//! hold the connection without end. Two rules close that:
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

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, MessageBody};
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

impl Conn {
    /// Shuts the socket both ways: actix reads the end of the stream and drops the
    /// connection. Called only while the connection's data lives, which is while actix
    /// holds the socket, on the same thread, so `fd` is this connection's; the peer's
    /// address is compared all the same.
    fn shut(&self) {
        // Borrowed, not owned: actix closes the descriptor when it drops the stream.
        let stream =
            std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(self.fd) });
        if stream.peer_addr().ok() == self.peer {
            tracing::info!(
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

/// An answer's body, carrying the request's [`Busy`] until it is written.
pub struct Answer<B> {
    body: B,
    _busy: Option<Busy>,
}

impl<B: MessageBody + Unpin> MessageBody for Answer<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }

    fn try_into_bytes(self) -> Result<Bytes, Self> {
        // A body already in memory is written at once: the request is answered.
        let Answer { body, _busy } = self;
        body.try_into_bytes().map_err(|body| Answer { body, _busy })
    }
}

/// The middleware: reads the body under its [`Deadline`], counts the request for the
/// connection's watcher, and closes the connection after a `408`.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<Answer<actix_web::body::BoxBody>>, actix_web::Error> {
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
    Ok(res.map_body(|_, body| Answer { body, _busy: busy }))
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

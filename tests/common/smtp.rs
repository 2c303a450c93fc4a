//! A small SMTP server for the tests: it speaks enough of RFC 5321 for lettre (EHLO or
//! HELO, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps each
//! message's envelope and raw data, and can be stopped and started again on the same
//! port to play an outage.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }

    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The header section as sent, before the first blank line.
    pub fn raw_head(&self) -> String {
        let raw = self.raw();
        raw.split("\r\n\r\n").next().unwrap_or_default().to_owned()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|v| v.trim().to_owned())
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }
}

type Inbox = Arc<Mutex<Vec<Received>>>;
/// RCPT TO answers by the recipient's domain (e.g. `451 4.7.1 Greylisted`), and how
/// many times each domain was refused.
type Refusals = Arc<Mutex<Vec<(String, String, usize)>>>;

pub struct SmtpSink {
    pub port: u16,
    inbox: Inbox,
    refusals: Refusals,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink {
            port,
            inbox: Arc::default(),
            refusals: Arc::default(),
            tasks: Arc::default(),
        };
        sink.serve(listener);
        sink
    }

    /// `smtp://127.0.0.1:PORT`: in the clear, as for a local relay.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// From now on, RCPT TO an address of `domain` is answered `reply` (a whole
    /// SMTP reply line without its CRLF, e.g. `451 4.7.1 Greylisted, try later`).
    pub fn refuse(&self, domain: &str, reply: &str) {
        self.refusals
            .lock()
            .unwrap()
            .push((domain.to_ascii_lowercase(), reply.to_owned(), 0));
    }

    /// How many RCPT TO of `domain` were refused.
    pub fn refused(&self, domain: &str) -> usize {
        let domain = domain.to_ascii_lowercase();
        let refusals = self.refusals.lock().unwrap();
        refusals
            .iter()
            .filter(|(d, _, _)| *d == domain)
            .map(|(_, _, n)| n)
            .sum()
    }

    fn serve(&self, listener: TcpListener) {
        let inbox = self.inbox.clone();
        let refusals = self.refusals.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let conn = tokio::spawn(session(stream, inbox.clone(), refusals.clone()));
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the port and drops every open connection: connecting is refused.
    pub fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.port),
            }
        };
        self.serve(listener);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Waits until `n` messages have arrived (panics after `secs`), then returns all.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited {secs} s for {n} messages, got {}: {:?}",
                got.len(),
                got.iter().map(|m| m.subject()).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The messages whose envelope goes to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address)))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `<a@b>` (with parameters after it) → `a@b`.
fn path_of(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].trim().to_owned()
}

async fn session(stream: TcpStream, inbox: Inbox, refusals: Refusals) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    loop {
        line.clear();
        match read.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let refusal;
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                from = path_of(&command[4..]);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                let path = path_of(&command[4..]);
                let domain = path.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
                let mut table = refusals.lock().unwrap();
                match table.iter_mut().find(|(d, _, _)| *d == domain) {
                    Some((_, reply, n)) => {
                        *n += 1;
                        refusal = format!("{reply}\r\n");
                        refusal.as_bytes()
                    }
                    None => {
                        to.push(path);
                        b"250 OK\r\n"
                    }
                }
            }
            "DATA" => {
                if write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = Vec::new();
                loop {
                    line.clear();
                    match read.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-unstuffing: a line the client began with "." had one added.
                    let unstuffed = if line.starts_with(b".") {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    data.extend_from_slice(unstuffed);
                }
                inbox.lock().unwrap().push(Received {
                    mail_from: std::mem::take(&mut from),
                    rcpt_to: std::mem::take(&mut to),
                    data,
                });
                b"250 OK queued\r\n"
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

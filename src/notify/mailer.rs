//! Turning an outbox row into an email and handing it over: to an SMTP server with
//! lettre (one URL: `smtp://…` with STARTTLS as the URL says, `smtps://…`), or, with
//! no `smtp_url`, to the log.

use std::time::{Duration, UNIX_EPOCH};

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::db::queries::outbox::OutboxMessage;

use super::header_text;

pub enum Mailer {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// Kept only to blank it out of error messages before they are stored.
        secrets: Vec<String>,
        timeout: Duration,
    },
    /// No `smtp_url`: each message is written to the log and counts as sent.
    Log,
}

/// Why a message did not leave. `permanent` when trying again cannot help (the
/// server refused the recipient with a 5xx, or the row cannot make an email).
#[derive(Debug)]
pub struct SendFailure {
    pub permanent: bool,
    pub error: String,
}

/// How the error of a message that no SMTP server answered begins (a refused
/// connection, TLS, a timeout: nothing was learned about its recipient). After the
/// next success, only such messages are tried again early
/// (`outbox::hurry_unanswered`).
pub const UNANSWERED: &str = "no answer from the SMTP server: ";

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let Some(raw) = config.mail.smtp_url.as_deref().map(str::trim) else {
            return Ok(Mailer::Log);
        };
        let url =
            url::Url::parse(raw).map_err(|_| anyhow::anyhow!("setting `smtp_url`: not a URL"))?;
        let mut secrets = Vec::new();
        if let Some(pw) = url.password().filter(|p| !p.is_empty()) {
            secrets.push(pw.to_owned());
            let decoded = percent_encoding::percent_decode_str(pw).decode_utf8_lossy();
            secrets.push(decoded.into_owned());
        }
        let timeout = config.mail.timeout;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(raw)
            .map_err(|e| {
                anyhow::anyhow!("setting `smtp_url`: {}", scrub(&e.to_string(), &secrets))
            })?
            .timeout(Some(timeout));
        // The EHLO name: the URL's path if it gives one, else our public host.
        if url.path().trim_matches('/').is_empty() {
            let id = match config.server.public_url.host() {
                Some(url::Host::Domain(d)) => Some(ClientId::Domain(d.to_owned())),
                Some(url::Host::Ipv4(ip)) => Some(ClientId::Ipv4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(ClientId::Ipv6(ip)),
                None => None,
            };
            if let Some(id) = id {
                builder = builder.hello_name(id);
            }
        }
        Ok(Mailer::Smtp {
            transport: Box::new(builder.build()),
            secrets,
            timeout,
        })
    }

    /// Connects to the SMTP server and says hello (`causerie check --smtp`): `None`
    /// without `smtp_url`, else whether it answered, or why not (password blanked).
    pub async fn test_connection(&self) -> Option<Result<(), String>> {
        let Mailer::Smtp {
            transport,
            secrets,
            timeout,
        } = self
        else {
            return None;
        };
        Some(
            match tokio::time::timeout(*timeout * 4, transport.test_connection()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("the server did not answer NOOP".into()),
                Ok(Err(e)) => Err(scrub(&e.to_string(), secrets)),
                Err(_) => Err("timed out".into()),
            },
        )
    }

    pub fn logs_only(&self) -> bool {
        matches!(self, Mailer::Log)
    }

    /// Sends one message; `Ok` only once the SMTP server has accepted it.
    pub async fn send(&self, from: &Mailbox, m: &OutboxMessage) -> Result<(), SendFailure> {
        let email = build(from, m).map_err(|error| SendFailure {
            permanent: true,
            error,
        })?;
        match self {
            Mailer::Log => {
                // Never the body nor the headers: they hold one-click and unsubscribe
                // tokens, and a log is read by more people than the moderators.
                tracing::info!(
                    to = %masked(&m.recipient),
                    subject = %header_text(&m.subject),
                    "email not sent, only logged: no smtp_url is configured"
                );
                Ok(())
            }
            Mailer::Smtp {
                transport,
                secrets,
                timeout,
            } => {
                // lettre's timeout applies to each exchange; this bounds the whole.
                match tokio::time::timeout(*timeout * 4, transport.send(email)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) if e.status().is_none() => Err(SendFailure {
                        permanent: false,
                        error: format!("{UNANSWERED}{}", scrub(&e.to_string(), secrets)),
                    }),
                    Ok(Err(e)) => Err(SendFailure {
                        permanent: e.is_permanent(),
                        error: scrub(&e.to_string(), secrets),
                    }),
                    Err(_) => Err(SendFailure {
                        permanent: false,
                        error: format!("{UNANSWERED}timed out"),
                    }),
                }
            }
        }
    }
}

/// The email of an outbox row: multipart text + HTML, typed headers only.
pub fn build(from: &Mailbox, m: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("recipient is not an address: {e}"))?;
    let sent_at = UNIX_EPOCH + Duration::from_secs(m.created_at.max(0) as u64);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(header_text(&m.subject))
        .message_id(Some(m.message_id.clone()))
        .date(sent_at)
        .header(AutoSubmitted);
    if let Some(url) = &m.list_unsubscribe {
        builder = builder
            .header(ListUnsubscribe(format!("<{}>", header_text(url))))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            m.body_text.clone(),
            m.body_html.clone(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

/// An address as the log may show it: `c•••@example.org`.
pub fn masked(recipient: &str) -> String {
    let address = recipient
        .parse::<Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| recipient.trim().to_owned());
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

/// Error text for the outbox page: no password, one line, bounded.
fn scrub(error: &str, secrets: &[String]) -> String {
    let mut s = error.to_owned();
    for secret in secrets {
        s = s.replace(secret.as_str(), "****");
    }
    header_text(&s).chars().take(500).collect()
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies, please.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a mail client may
/// unsubscribe with one POST, without opening a page.
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::queries::outbox::{OutboxKind, OutboxStatus};

    fn row() -> OutboxMessage {
        OutboxMessage {
            id: 1,
            kind: OutboxKind::Reply,
            comment_id: Some(2),
            recipient: "alice@example.org".into(),
            subject: "Re: “Title\r\nBcc: victim@example.org”".into(),
            body_text: "Hello".into(),
            body_html: "<p>Hello</p>".into(),
            list_unsubscribe: Some("https://c.example/unsubscribe/7.abc".into()),
            message_id: "<1.x@c.example>".into(),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at: 0,
            last_error: None,
            claimed_until: None,
            created_at: 1_700_000_000,
            sent_at: None,
        }
    }

    #[test]
    fn messages_carry_the_expected_headers_and_no_injected_ones() {
        let from: Mailbox = "Causerie <causerie@c.example>".parse().unwrap();
        let raw = String::from_utf8(build(&from, &row()).unwrap().formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(head.contains("Auto-Submitted: auto-generated"), "{head}");
        assert!(
            head.contains("List-Unsubscribe: <https://c.example/unsubscribe/7.abc>"),
            "{head}"
        );
        assert!(
            head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{head}"
        );
        assert!(head.contains("Message-ID: <1.x@c.example>"), "{head}");
        assert!(!head.lines().any(|l| l.starts_with("Bcc")), "{head}");
    }

    #[test]
    fn addresses_are_masked_for_the_log() {
        assert_eq!(masked("camille@example.org"), "c•••@example.org");
        assert_eq!(
            masked("Second Mod <second@example.net>"),
            "s•••@example.net"
        );
        assert_eq!(masked("nonsense"), "•••");
    }

    /// The log holds what a reader of it needs (whom, about what), never a token: a
    /// one-click link or an unsubscribe link in the log would let its readers act.
    #[test]
    fn the_log_of_an_unsent_message_holds_no_token() {
        #[derive(Clone, Default)]
        struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let mut m = row();
        m.subject = "New comment on “Title”".into();
        m.body_text = "Approve: https://c.example/admin/act/SECRETTOKEN?lang=en\n\
                       Stop: https://c.example/unsubscribe/7.SIGNATURE"
            .into();
        m.body_html = m.body_text.clone();
        m.list_unsubscribe = Some("https://c.example/unsubscribe/7.SIGNATURE".into());
        let from: Mailbox = "Causerie <causerie@c.example>".parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(Mailer::Log.send(&from, &m)).unwrap();
        });
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("New comment on “Title”"), "{log}");
        assert!(log.contains("a•••@example.org"), "{log}");
        for secret in [
            "SECRETTOKEN",
            "SIGNATURE",
            "alice@",
            "admin/act",
            "unsubscribe/",
        ] {
            assert!(!log.contains(secret), "{secret} in the log: {log}");
        }
    }

    #[test]
    fn errors_never_show_the_password() {
        let s = scrub("535 auth failed for hunter2\r\nmore", &["hunter2".into()]);
        assert_eq!(s, "535 auth failed for **** more");
    }
}

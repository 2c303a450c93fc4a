//! Settings: defaults, then an optional TOML file, then `CAUSERIE_…` environment
//! variables, each layer overriding the one before. Every key is documented here and in
//! the README; an unknown key is an error that names it.

use std::net::SocketAddr;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::domain::{SiteId, DEFAULT_SITE};
use crate::i18n::Lang;

/// Environment variables with the prefix that are not settings keys. Nothing of the
/// tests' is among them: their PostgreSQL server is `TEST_POSTGRES_URL`, outside the
/// prefix, so a stray `CAUSERIE_…` variable is always an error that names it.
const NOT_KEYS: [&str; 2] = ["config", "admin_password"];

/// Keys only the file may set: tables have no form as one environment variable.
const FILE_ONLY: [&str; 1] = ["sites"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port the HTTP server binds.
    pub listen: String,
    /// `sqlite://PATH` (embedded, one server) or `postgres://USER:PASSWORD@HOST/DB`
    /// (`postgresql://` too; several instances may share it). Parameters such as
    /// `?sslmode=require` go to libpq as given.
    pub database_url: String,
    /// Where readers reach Causerie; links and avatar URLs are built from it.
    /// Default: `http://` + `listen`.
    pub public_url: Option<String>,
    /// Sites whose pages may embed the comments (CORS and origin checks).
    /// Default: the public URL's origin. Comma-separated in the environment.
    #[serde(deserialize_with = "comma_list")]
    pub origins: Vec<String>,
    /// `none`, `first_time` or `all`.
    pub moderation: ModerationMode,
    /// SMTP server URL (`smtp://user:pass@host:587?tls=required`, `smtps://…`,
    /// `smtp://127.0.0.1:2525` in the clear); without it, messages are logged, not sent.
    pub smtp_url: Option<String>,
    /// The sender of notifications. Default: `Causerie <causerie@HOST>`, HOST being
    /// the public URL's host.
    pub smtp_from: Option<String>,
    /// Seconds to wait for the SMTP server before an attempt counts as failed.
    pub smtp_timeout_secs: u32,
    /// First retry delay in seconds; each further failure doubles it (capped at six
    /// hours). Lower it only for tests.
    pub smtp_retry_base_secs: u32,
    /// Moderators' addresses for notifications. Comma-separated in the environment.
    #[serde(deserialize_with = "comma_list")]
    pub notify_to: Vec<String>,
    /// Which new comments moderators hear of: `all`, `held` or `none`.
    pub notify_moderators: NotifyModerators,
    /// Reply notifications one address may get per hour; more are not sent.
    pub reply_notifications_per_hour: u32,
    /// `on` or `off`: the abuse limits (`off` only for benchmarks).
    #[serde(deserialize_with = "on_off")]
    pub limits: bool,
    /// The site's language, used when the reader's cannot be told (`en` or `fr`).
    pub lang: Lang,
    /// How long an author may edit or remove their comment, in minutes.
    pub edit_window_minutes: u32,
    /// How deep replies nest; deeper replies attach to the deepest allowed ancestor.
    pub max_depth: u32,
    /// Days a comment's truncated IP address is kept.
    pub ip_retention_days: u32,
    /// Days spam and deleted comments are kept (for a moderator to undo), after which
    /// they are purged for good. 0: kept for ever.
    pub spam_retention_days: u32,
    /// A published comment reported from this many address blocks is held until a
    /// moderator decides.
    pub report_hold_threshold: u32,
    /// Comments per page of the public list when the client asks for no `limit`.
    pub page_size: u32,
    /// A folder where the server writes a backup of the SQLite database every
    /// `backup_every_hours` (`causerie-YYYYMMDD-HHMMSS.db`). Default: none.
    pub backup_dir: Option<String>,
    /// Hours between two automatic backups.
    pub backup_every_hours: u32,
    /// Automatic backups kept in `backup_dir`; older ones are removed.
    pub backup_keep: u32,
    /// Database connections kept open (at most) by this instance. On PostgreSQL the
    /// sum over all instances must stay under the server's `max_connections`.
    pub pool_size: u32,
    /// Memory for rendered threads kept ready to serve, in MiB (0 turns it off).
    pub cache_mb: u32,
    /// `text` (readable) or `json` (one object a line) logs.
    pub log_format: LogFormat,
    /// Hold a comment with more than this many links.
    pub moderation_links: u32,
    /// Hold a comment containing any of these words (in its text, name, email,
    /// website), case-insensitively. Comma-separated in the environment.
    #[serde(deserialize_with = "comma_list")]
    pub moderation_keywords: Vec<String>,
    /// Send a comment containing any of these words straight to spam.
    #[serde(deserialize_with = "comma_list")]
    pub disallowed_keywords: Vec<String>,
    /// Close a thread to new comments this many days after its first one (0: never).
    pub close_after_days: u32,
    /// A moderator's session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// Days a one-click moderation link (in emails) stays valid.
    pub action_link_days: u32,
    /// Failed logins allowed per account within 15 minutes (four times as many per
    /// address) before further attempts are refused with 429.
    pub login_max_failures: u32,
    /// Seconds between two comments of one author (same email or address block).
    pub flood_seconds: u32,
    /// Comments per hour from one address block (IPv4 /24, IPv6 /48).
    pub max_comments_per_ip_per_hour: u32,
    /// Comments per hour from one email address.
    pub max_comments_per_email_per_hour: u32,
    /// Comments per hour on one page from one address block.
    pub max_comments_per_thread_per_ip_per_hour: u32,
    /// A form posted sooner than this after it appeared is a bot's: kept as spam.
    pub min_form_seconds: u32,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` is
    /// believed; from anyone else the header is ignored.
    #[serde(deserialize_with = "comma_list")]
    pub trusted_proxies: Vec<String>,
    /// `on` or `off`: the `/metrics` page for Prometheus (`off`: it answers 404 and
    /// nothing is counted per request).
    #[serde(deserialize_with = "on_off")]
    pub metrics: bool,
    /// Addresses or CIDR blocks allowed to read `/metrics` (the client's address as
    /// `trusted_proxies` tells it). Comma-separated in the environment.
    #[serde(deserialize_with = "comma_list")]
    pub metrics_allow: Vec<String>,
    /// A secret that lets anyone who sends `Authorization: Bearer TOKEN` read
    /// `/metrics`, from any address. Default: none.
    pub metrics_token: Option<String>,
    /// The sites this instance serves (`[[sites]]`, only in the file). None: one
    /// site, `default`, from the settings above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<serde_json::Value>,
}

/// One `[[sites]]` table: its own id, name and origins, and its own values of the
/// settings a site may set, each falling back to the top level.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(deserialize_with = "comma_list", default)]
    pub origins: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation: Option<ModerationMode>,
    #[serde(
        default,
        deserialize_with = "some_comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub notify_to: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_moderators: Option<NotifyModerators>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_links: Option<u32>,
    #[serde(
        default,
        deserialize_with = "some_comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub moderation_keywords: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "some_comma_list",
        skip_serializing_if = "Option::is_none"
    )]
    pub disallowed_keywords: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_after_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit_window_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_hold_threshold: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://causerie.db".into(),
            public_url: None,
            origins: Vec::new(),
            moderation: ModerationMode::FirstTime,
            smtp_url: None,
            smtp_from: None,
            smtp_timeout_secs: 10,
            smtp_retry_base_secs: 30,
            notify_to: Vec::new(),
            notify_moderators: NotifyModerators::All,
            reply_notifications_per_hour: 5,
            limits: true,
            lang: Lang::En,
            edit_window_minutes: 15,
            max_depth: 5,
            ip_retention_days: 30,
            spam_retention_days: 30,
            report_hold_threshold: 3,
            page_size: 100,
            backup_dir: None,
            backup_every_hours: 24,
            backup_keep: 7,
            pool_size: 8,
            cache_mb: 8,
            log_format: LogFormat::Text,
            moderation_links: 2,
            moderation_keywords: Vec::new(),
            disallowed_keywords: Vec::new(),
            close_after_days: 0,
            session_idle_minutes: 120,
            action_link_days: 7,
            login_max_failures: 5,
            flood_seconds: 15,
            max_comments_per_ip_per_hour: 30,
            max_comments_per_email_per_hour: 20,
            max_comments_per_thread_per_ip_per_hour: 10,
            min_form_seconds: 3,
            trusted_proxies: Vec::new(),
            metrics: true,
            metrics_allow: vec!["127.0.0.0/8".into(), "::1/128".into()],
            metrics_token: None,
            sites: Vec::new(),
        }
    }
}

/// `none` publishes at once, `first_time` holds a first comment from an email,
/// `all` holds every comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModerationMode {
    None,
    FirstTime,
    All,
}

impl ModerationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationMode::None => "none",
            ModerationMode::FirstTime => "first_time",
            ModerationMode::All => "all",
        }
    }
}

/// Which new comments moderators are emailed about. Spam (disallowed words) never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyModerators {
    /// Every new comment, published or held.
    All,
    /// Held comments only.
    Held,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// The settings checked and parsed into the types the server uses, in sections.
/// `Settings` is only the shape of the file and the environment; nothing reads it
/// once this is built.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub limits: Limits,
    pub mail: Mail,
    pub retention: Retention,
    /// The sites served, at least one (SPEC section 10), each with its settings
    /// resolved. A request always works with its own site's.
    pub sites: Sites,
    /// The top level's values of the per-site settings: what a site that sets none
    /// gets. Only for showing the configuration; requests use their site's.
    pub site_defaults: SiteSettings,
    /// `CAUSERIE_ADMIN_PASSWORD`: imposed on the `admin` account at start. Not a
    /// settings key, so it is never printed by `causerie config`.
    pub admin_password: Option<String>,
}

/// How the HTTP server listens and how readers reach it.
#[derive(Debug, Clone)]
pub struct Server {
    pub listen: SocketAddr,
    /// Where readers reach Causerie (`public_url`, or `http://` + `listen`).
    pub public_url: Url,
    /// `trusted_proxies` parsed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Comments per page of the public list when the client asks for no `limit`.
    pub page_size: u32,
    /// Memory for rendered threads, in bytes (0: no cache).
    pub cache_bytes: u64,
    pub log_format: LogFormat,
    pub metrics: Metrics,
    /// Whether `public_url` and `origins` were derived from `listen` (and so follow
    /// the port actually bound when `listen` asks for port 0).
    derived: Derived,
}

/// Who may read `/metrics`, if it is served at all.
#[derive(Clone)]
pub struct Metrics {
    pub enabled: bool,
    /// `metrics_allow` parsed.
    pub allow: Vec<ipnet::IpNet>,
    /// `metrics_token`; never logged nor shown.
    pub token: Option<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.enabled)
            .field("allow", &self.allow)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

#[derive(Debug, Clone, Copy)]
struct Derived {
    public_url: bool,
    origins: bool,
}

#[derive(Debug, Clone)]
pub struct Database {
    /// `sqlite://PATH` or `postgres://…`; may hold a password: never logged.
    pub url: String,
    pub pool_size: u32,
    pub backups: Backups,
}

/// Automatic backups (SQLite): every `every`, into `dir` if set, the newest `keep`
/// kept.
#[derive(Debug, Clone)]
pub struct Backups {
    pub dir: Option<std::path::PathBuf>,
    pub every: Duration,
    pub keep: u32,
}

/// The abuse limits (section 9 of SPEC), all off when `enabled` is false.
#[derive(Debug, Clone)]
pub struct Limits {
    pub enabled: bool,
    /// Between two comments of one author (same email or address block).
    pub flood: Duration,
    pub comments_per_ip_per_hour: u32,
    pub comments_per_email_per_hour: u32,
    pub comments_per_thread_per_ip_per_hour: u32,
    /// A form posted sooner than this after it appeared is a bot's.
    pub min_form_time: Duration,
    /// Failed logins allowed per account within the throttle window (four times as
    /// many per address).
    pub login_max_failures: u32,
}

/// What a site decides for itself: its language, how comments are moderated, who
/// hears of them, and the shape of its threads.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub lang: Lang,
    pub moderation: ModerationMode,
    /// Hold a comment with more links than this.
    pub moderation_links: u32,
    pub moderation_keywords: Vec<String>,
    pub disallowed_keywords: Vec<String>,
    /// Close a thread this long after its first comment (`None`: never).
    pub close_after: Option<Duration>,
    /// How long an author may edit or remove their comment.
    pub edit_window: Duration,
    pub max_depth: u32,
    /// Moderators' addresses for notifications.
    pub notify_to: Vec<lettre::message::Mailbox>,
    pub notify_moderators: NotifyModerators,
    /// Reported from this many address blocks, a published comment is held.
    pub report_hold_threshold: u32,
}

/// Sending email.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Without it, messages are logged, not sent.
    pub smtp_url: Option<String>,
    /// The sender (`smtp_from` or its default).
    pub from: lettre::message::Mailbox,
    /// How long to wait for the SMTP server before an attempt counts as failed.
    pub timeout: Duration,
    /// The first retry delay; each further failure doubles it.
    pub retry_base: Duration,
    pub reply_notifications_per_hour: u32,
}

/// How long things are kept.
#[derive(Debug, Clone)]
pub struct Retention {
    /// A comment's truncated IP address.
    pub ip: Duration,
    /// A moderator's session without a request.
    pub session_idle: Duration,
    /// A one-click moderation link.
    pub action_links: Duration,
    /// Spam and deleted comments (`None`: for ever).
    pub removed: Option<Duration>,
}

/// One site: its id, its name, the origins its pages are served from, and its own
/// settings (the top level's where it sets none).
#[derive(Debug, Clone)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    /// Serialized as browsers send them in `Origin` (`https://blog.example.fr`).
    pub origins: Vec<String>,
    pub settings: SiteSettings,
}

impl Site {
    /// How readers know the site: its `name`, or, when it has none of its own (the
    /// one site of an instance without `[[sites]]`, or a site named only by its
    /// id), the host of its first origin.
    pub fn display_name(&self) -> String {
        if self.name != self.id.as_str() {
            return self.name.clone();
        }
        self.origins
            .first()
            .and_then(|o| url::Url::parse(o).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| self.name.clone())
    }
}

/// The sites of the instance, in the order of the file: never empty, ids and origins
/// unique (checked at load).
#[derive(Debug, Clone)]
pub struct Sites(Vec<Site>);

impl Sites {
    /// The first site: where a request that names none and comes from no site's
    /// origin goes.
    pub fn first(&self) -> &Site {
        &self.0[0]
    }

    pub fn get(&self, id: &str) -> Option<&Site> {
        self.0.iter().find(|s| s.id.as_str() == id)
    }

    /// The site a stored thread belongs to. A thread of a site since removed from the
    /// configuration is kept, and follows the first site's settings.
    pub fn of_thread(&self, site: &str) -> &Site {
        self.get(site).unwrap_or_else(|| self.first())
    }

    /// The site whose pages are served from `origin`.
    pub fn by_origin(&self, origin: &str) -> Option<&Site> {
        self.0
            .iter()
            .find(|s| s.origins.iter().any(|o| o == origin))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Figment(#[from] Box<figment::Error>),
    #[error("setting `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("[[sites]] `{site}`: {message}")]
    Site { site: String, message: String },
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

fn hours(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * HOUR)
}

fn minutes(n: u32) -> Duration {
    crate::clock::minutes(n.into())
}

fn days(n: u32) -> Duration {
    crate::clock::days(n.into())
}

fn seconds(n: u32) -> Duration {
    Duration::from_secs(n.into())
}

/// Whole units of `unit` seconds in `d` (the file's integers, back from durations).
fn whole(d: Duration, unit: u64) -> u32 {
    u32::try_from(d.as_secs() / unit).unwrap_or(u32::MAX)
}

impl Config {
    /// Loads defaults, then the TOML file (if any), then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Invalid {
                    key: "--config",
                    message: format!("no file at {}", path.display()),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        for key in FILE_ONLY {
            let var = format!("CAUSERIE_{}", key.to_uppercase());
            if std::env::var_os(&var).is_some() {
                return Err(ConfigError::Invalid {
                    key: "sites",
                    message: format!(
                        "{var} is set, but [[sites]] can only be written in the configuration file"
                    ),
                });
            }
        }
        figment = figment.merge(Env::prefixed("CAUSERIE_").filter(|key| {
            !NOT_KEYS
                .iter()
                .chain(FILE_ONLY.iter())
                .any(|k| key.as_str().eq_ignore_ascii_case(k))
        }));
        let settings: Settings = figment.extract().map_err(Box::new)?;
        let mut config = Config::from_settings(settings)?;
        config.admin_password = std::env::var("CAUSERIE_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        Ok(config)
    }

    pub fn from_settings(settings: Settings) -> Result<Config, ConfigError> {
        let listen: SocketAddr = settings.listen.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            message: format!(
                "`{}` is not an address such as 127.0.0.1:8080",
                settings.listen
            ),
        })?;
        let public_url = match &settings.public_url {
            Some(u) => parse_http_url(u).map_err(|message| ConfigError::Invalid {
                key: "public_url",
                message,
            })?,
            None => Url::parse(&format!("http://{listen}")).map_err(|e| ConfigError::Invalid {
                key: "listen",
                message: e.to_string(),
            })?,
        };
        let origins = if settings.origins.is_empty() {
            vec![public_url.origin().ascii_serialization()]
        } else {
            settings
                .origins
                .iter()
                .map(|o| {
                    parse_http_url(o)
                        .map(|u| u.origin().ascii_serialization())
                        .map_err(|message| ConfigError::Invalid {
                            key: "origins",
                            message,
                        })
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let trusted_proxies = networks("trusted_proxies", &settings.trusted_proxies)?;
        let metrics_allow = networks("metrics_allow", &settings.metrics_allow)?;
        let metrics_token = settings
            .metrics_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if crate::db::Backend::of_url(&settings.database_url).is_none() {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "must be sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE".into(),
            });
        }
        for (key, value) in [
            ("edit_window_minutes", settings.edit_window_minutes),
            ("page_size", settings.page_size),
            ("pool_size", settings.pool_size),
            ("session_idle_minutes", settings.session_idle_minutes),
            ("action_link_days", settings.action_link_days),
            ("login_max_failures", settings.login_max_failures),
            ("smtp_timeout_secs", settings.smtp_timeout_secs),
            ("smtp_retry_base_secs", settings.smtp_retry_base_secs),
            ("backup_every_hours", settings.backup_every_hours),
            ("backup_keep", settings.backup_keep),
            ("report_hold_threshold", settings.report_hold_threshold),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        if settings.page_size > 500 {
            return Err(ConfigError::Invalid {
                key: "page_size",
                message: "must be at most 500".into(),
            });
        }
        if settings.backup_dir.is_some()
            && crate::db::Backend::of_url(&settings.database_url)
                != Some(crate::db::Backend::Sqlite)
        {
            return Err(ConfigError::Invalid {
                key: "backup_dir",
                message: "automatic backups are of SQLite; on PostgreSQL, use pg_dump".into(),
            });
        }
        let from = mail::sender(settings.smtp_from.as_deref(), &public_url)?;
        let notify_to = mail::recipients(&settings.notify_to)?;
        if let Some(u) = &settings.smtp_url {
            mail::check_smtp_url(u)?;
        }
        let Settings {
            listen: _,
            database_url,
            public_url: given_public_url,
            origins: given_origins,
            moderation,
            smtp_url,
            smtp_from: _,
            smtp_timeout_secs,
            smtp_retry_base_secs,
            notify_to: _,
            notify_moderators,
            reply_notifications_per_hour,
            limits,
            lang,
            edit_window_minutes,
            max_depth,
            ip_retention_days,
            spam_retention_days,
            report_hold_threshold,
            page_size,
            backup_dir,
            backup_every_hours,
            backup_keep,
            pool_size,
            cache_mb,
            log_format,
            moderation_links,
            moderation_keywords,
            disallowed_keywords,
            close_after_days,
            session_idle_minutes,
            action_link_days,
            login_max_failures,
            flood_seconds,
            max_comments_per_ip_per_hour,
            max_comments_per_email_per_hour,
            max_comments_per_thread_per_ip_per_hour,
            min_form_seconds,
            trusted_proxies: _,
            metrics,
            metrics_allow: _,
            metrics_token: _,
            sites: site_entries,
        } = settings;
        let sites_configured = !site_entries.is_empty();
        if !site_entries.is_empty() && !given_origins.is_empty() {
            return Err(ConfigError::Invalid {
                key: "origins",
                message:
                    "with [[sites]], each site lists its own `origins`; remove the top-level one"
                        .into(),
            });
        }
        let top = SiteSettings {
            lang,
            moderation,
            moderation_links,
            moderation_keywords,
            disallowed_keywords,
            close_after: (close_after_days > 0).then(|| days(close_after_days)),
            edit_window: minutes(edit_window_minutes),
            max_depth,
            notify_to,
            notify_moderators,
            report_hold_threshold,
        };
        let sites = if sites_configured {
            build_sites(&top, site_entries)?
        } else {
            Sites(vec![Site {
                id: SiteId::default_site(),
                name: DEFAULT_SITE.to_owned(),
                origins,
                settings: top.clone(),
            }])
        };
        Ok(Config {
            server: Server {
                listen,
                public_url,
                trusted_proxies,
                page_size,
                cache_bytes: u64::from(cache_mb) << 20,
                log_format,
                metrics: Metrics {
                    enabled: metrics,
                    allow: metrics_allow,
                    token: metrics_token,
                },
                derived: Derived {
                    public_url: given_public_url.is_none(),
                    origins: given_origins.is_empty() && !sites_configured,
                },
            },
            database: Database {
                url: database_url,
                pool_size,
                backups: Backups {
                    dir: backup_dir.map(std::path::PathBuf::from),
                    every: hours(backup_every_hours),
                    keep: backup_keep,
                },
            },
            limits: Limits {
                enabled: limits,
                flood: seconds(flood_seconds),
                comments_per_ip_per_hour: max_comments_per_ip_per_hour,
                comments_per_email_per_hour: max_comments_per_email_per_hour,
                comments_per_thread_per_ip_per_hour: max_comments_per_thread_per_ip_per_hour,
                min_form_time: seconds(min_form_seconds),
                login_max_failures,
            },
            mail: Mail {
                smtp_url,
                from,
                timeout: seconds(smtp_timeout_secs),
                retry_base: seconds(smtp_retry_base_secs),
                reply_notifications_per_hour,
            },
            retention: Retention {
                ip: days(ip_retention_days),
                session_idle: minutes(session_idle_minutes),
                action_links: days(action_link_days),
                removed: (spam_retention_days > 0).then(|| days(spam_retention_days)),
            },
            site_defaults: top,
            sites,
            admin_password: None,
        })
    }

    /// The settings as a file would hold them: `from_settings` of this gives the same
    /// configuration back.
    pub fn to_settings(&self) -> Settings {
        let Config {
            server,
            database,
            limits,
            mail,
            retention,
            sites,
            site_defaults: site,
            admin_password: _,
        } = self;
        let configured =
            !server.derived.origins && sites.first().id.as_str() != DEFAULT_SITE || sites.len() > 1;
        Settings {
            listen: server.listen.to_string(),
            database_url: database.url.clone(),
            public_url: Some(server.public_url.to_string()),
            origins: if configured {
                Vec::new()
            } else {
                sites.first().origins.clone()
            },
            moderation: site.moderation,
            smtp_url: mail.smtp_url.clone(),
            smtp_from: Some(mail.from.to_string()),
            smtp_timeout_secs: whole(mail.timeout, 1),
            smtp_retry_base_secs: whole(mail.retry_base, 1),
            notify_to: mailboxes(&site.notify_to),
            notify_moderators: site.notify_moderators,
            reply_notifications_per_hour: mail.reply_notifications_per_hour,
            limits: limits.enabled,
            lang: site.lang,
            edit_window_minutes: whole(site.edit_window, MINUTE),
            max_depth: site.max_depth,
            ip_retention_days: whole(retention.ip, DAY),
            spam_retention_days: retention.removed.map_or(0, |d| whole(d, DAY)),
            report_hold_threshold: site.report_hold_threshold,
            page_size: server.page_size,
            backup_dir: database
                .backups
                .dir
                .as_ref()
                .map(|d| d.display().to_string()),
            backup_every_hours: whole(database.backups.every, HOUR),
            backup_keep: database.backups.keep,
            pool_size: database.pool_size,
            cache_mb: u32::try_from(server.cache_bytes >> 20).unwrap_or(u32::MAX),
            log_format: server.log_format,
            moderation_links: site.moderation_links,
            moderation_keywords: site.moderation_keywords.clone(),
            disallowed_keywords: site.disallowed_keywords.clone(),
            close_after_days: site.close_after.map_or(0, |d| whole(d, DAY)),
            session_idle_minutes: whole(retention.session_idle, MINUTE),
            action_link_days: whole(retention.action_links, DAY),
            login_max_failures: limits.login_max_failures,
            flood_seconds: whole(limits.flood, 1),
            max_comments_per_ip_per_hour: limits.comments_per_ip_per_hour,
            max_comments_per_email_per_hour: limits.comments_per_email_per_hour,
            max_comments_per_thread_per_ip_per_hour: limits.comments_per_thread_per_ip_per_hour,
            min_form_seconds: whole(limits.min_form_time, 1),
            trusted_proxies: server
                .trusted_proxies
                .iter()
                .map(|n| n.to_string())
                .collect(),
            metrics: server.metrics.enabled,
            metrics_allow: server.metrics.allow.iter().map(|n| n.to_string()).collect(),
            metrics_token: server.metrics.token.clone(),
            sites: if configured {
                sites
                    .iter()
                    .map(|s| site_entry(s).unwrap_or_default())
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The effective settings as TOML, with secrets masked, for `causerie config`.
    pub fn to_masked_toml(&self) -> String {
        let mut shown = self.to_settings();
        shown.smtp_url = shown.smtp_url.as_deref().map(mask_password);
        shown.database_url = mask_password(&shown.database_url);
        if shown.metrics_token.is_some() {
            shown.metrics_token = Some("********".into());
        }
        toml::to_string(&shown).unwrap_or_else(|e| format!("# cannot show settings: {e}\n"))
    }

    /// With `listen` on port 0 (tests), the defaults derived from it name the port
    /// actually bound, not 0.
    pub fn adopt_bound_address(&mut self, bound: SocketAddr) {
        let server = &mut self.server;
        if !server.derived.public_url || server.listen.port() != 0 {
            return;
        }
        if let Ok(url) = Url::parse(&format!("http://{bound}")) {
            if server.derived.origins {
                // Only without [[sites]]: the one site's origin is the public URL's.
                self.sites.0[0].origins = vec![url.origin().ascii_serialization()];
            }
            server.public_url = url;
        }
    }
}

fn mailboxes(list: &[lettre::message::Mailbox]) -> Vec<String> {
    list.iter().map(|m| m.to_string()).collect()
}

/// A site as a `[[sites]]` table, every per-site value written out (what
/// `causerie config` shows: the values in effect, not only those the file sets).
fn site_entry(site: &Site) -> Result<serde_json::Value, serde_json::Error> {
    let s = &site.settings;
    serde_json::to_value(SiteEntry {
        id: site.id.to_string(),
        name: Some(site.name.clone()),
        origins: site.origins.clone(),
        lang: Some(s.lang),
        moderation: Some(s.moderation),
        notify_to: Some(mailboxes(&s.notify_to)),
        notify_moderators: Some(s.notify_moderators),
        moderation_links: Some(s.moderation_links),
        moderation_keywords: Some(s.moderation_keywords.clone()),
        disallowed_keywords: Some(s.disallowed_keywords.clone()),
        close_after_days: Some(s.close_after.map_or(0, |d| whole(d, DAY))),
        edit_window_minutes: Some(whole(s.edit_window, MINUTE)),
        max_depth: Some(s.max_depth),
        report_hold_threshold: Some(s.report_hold_threshold),
    })
}

/// The `[[sites]]` tables, checked: each has a valid, unique id and origins no other
/// site claims; what it does not set comes from `top`.
fn build_sites(top: &SiteSettings, entries: Vec<serde_json::Value>) -> Result<Sites, ConfigError> {
    let mut sites: Vec<Site> = Vec::with_capacity(entries.len());
    for (n, value) in entries.into_iter().enumerate() {
        let named = value
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| format!("number {}", n + 1), str::to_owned);
        let invalid = |message: String| ConfigError::Site {
            site: named.clone(),
            message,
        };
        let entry: SiteEntry = serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
        let id = SiteId::parse(&entry.id).ok_or_else(|| {
            invalid("`id` must be 1 to 40 lowercase letters, digits or hyphens".into())
        })?;
        if sites.iter().any(|s| s.id == id) {
            return Err(invalid("another site has the same `id`".into()));
        }
        if entry.origins.is_empty() {
            return Err(invalid(
                "lists no `origins` (where its pages are, e.g. https://blog.example.fr)".into(),
            ));
        }
        let mut origins: Vec<String> = Vec::new();
        for o in &entry.origins {
            let origin = parse_http_url(o)
                .map(|u| u.origin().ascii_serialization())
                .map_err(|m| invalid(format!("`origins`: {m}")))?;
            if let Some(other) = sites.iter().find(|s| s.origins.contains(&origin)) {
                return Err(invalid(format!(
                    "the origin {origin} is also the site `{}`'s: an origin belongs to one site",
                    other.id
                )));
            }
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        if entry.report_hold_threshold == Some(0) {
            return Err(invalid("`report_hold_threshold` must be at least 1".into()));
        }
        if entry.edit_window_minutes == Some(0) {
            return Err(invalid("`edit_window_minutes` must be at least 1".into()));
        }
        let notify_to = match &entry.notify_to {
            Some(list) => mail::recipients(list).map_err(|e| invalid(e.to_string()))?,
            None => top.notify_to.clone(),
        };
        let settings = SiteSettings {
            lang: entry.lang.unwrap_or(top.lang),
            moderation: entry.moderation.unwrap_or(top.moderation),
            moderation_links: entry.moderation_links.unwrap_or(top.moderation_links),
            moderation_keywords: entry
                .moderation_keywords
                .clone()
                .unwrap_or_else(|| top.moderation_keywords.clone()),
            disallowed_keywords: entry
                .disallowed_keywords
                .clone()
                .unwrap_or_else(|| top.disallowed_keywords.clone()),
            close_after: match entry.close_after_days {
                Some(0) => None,
                Some(n) => Some(days(n)),
                None => top.close_after,
            },
            edit_window: entry.edit_window_minutes.map_or(top.edit_window, minutes),
            max_depth: entry.max_depth.unwrap_or(top.max_depth),
            notify_to,
            notify_moderators: entry.notify_moderators.unwrap_or(top.notify_moderators),
            report_hold_threshold: entry
                .report_hold_threshold
                .unwrap_or(top.report_hold_threshold),
        };
        sites.push(Site {
            name: entry.name.clone().unwrap_or_else(|| id.to_string()),
            id,
            origins,
            settings,
        });
    }
    Ok(Sites(sites))
}

/// The email settings, checked at load so that a wrong address is an error that names
/// its key rather than a message that never leaves.
mod mail {
    use lettre::message::Mailbox;
    use url::Url;

    use super::ConfigError;

    pub fn sender(configured: Option<&str>, public_url: &Url) -> Result<Mailbox, ConfigError> {
        let Some(text) = configured.map(str::trim) else {
            let host = public_url.host_str().unwrap_or("localhost");
            let address =
                lettre::Address::new("causerie", host).map_err(|e| ConfigError::Invalid {
                    key: "smtp_from",
                    message: format!("no default sender for the host `{host}` ({e}): set one"),
                })?;
            return Ok(Mailbox::new(Some("Causerie".into()), address));
        };
        text.parse().map_err(|e| ConfigError::Invalid {
            key: "smtp_from",
            message: format!("`{text}` is not an email address: {e}"),
        })
    }

    pub fn recipients(list: &[String]) -> Result<Vec<Mailbox>, ConfigError> {
        list.iter()
            .map(|a| {
                a.trim().parse().map_err(|e| ConfigError::Invalid {
                    key: "notify_to",
                    message: format!("`{a}` is not an email address: {e}"),
                })
            })
            .collect()
    }

    /// Only the scheme and host are checked here (and never echoed with the password):
    /// the transport itself is built at start, from the same URL.
    pub fn check_smtp_url(s: &str) -> Result<(), ConfigError> {
        let invalid = |message: &str| ConfigError::Invalid {
            key: "smtp_url",
            message: message.to_owned(),
        };
        let url = Url::parse(s.trim())
            .map_err(|_| invalid("not a URL such as smtp://user:pass@host:587"))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(invalid("must start with smtp:// or smtps://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("names no host"));
        }
        Ok(())
    }
}

fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("`{s}` must be an http:// or https:// URL"));
    }
    Ok(url)
}

fn mask_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// `origins` comes as a TOML list or as one comma-separated string (the environment).
fn comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        OneOrMany::Many(v) => v,
    })
}

/// A per-site list: absent is `None` (the top level's), given is its value.
fn some_comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    comma_list(d).map(Some)
}

/// A list of addresses or CIDR blocks (`key`'s), each an error naming the key if it
/// is neither.
fn networks(key: &'static str, given: &[String]) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    given
        .iter()
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    key,
                    message: format!("`{p}` is not an address or a CIDR block such as 10.0.0.0/8"),
                })
        })
        .collect()
}

/// `limits` and `metrics` are `on`/`off` (also `true`/`false`).
fn on_off<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Switch {
        Bool(bool),
        Word(String),
    }
    match Switch::deserialize(d)? {
        Switch::Bool(b) => Ok(b),
        Switch::Word(w) => match w.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => Ok(true),
            "off" | "false" | "no" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "`{w}` is neither `on` nor `off`"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let d = Config::from_settings(Settings::default()).unwrap();
        assert_eq!(d.retention.removed, Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(d.site_defaults.report_hold_threshold, 3);
        let kept = Config::from_settings(Settings {
            spam_retention_days: 0,
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(kept.retention.removed, None, "0 keeps them for ever");
        assert!(Config::from_settings(Settings {
            report_hold_threshold: 0,
            ..Settings::default()
        })
        .is_err());
        let c = Config::from_settings(Settings::default()).unwrap();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.server.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(
            c.sites.first().origins,
            vec!["http://127.0.0.1:8080".to_string()]
        );
        assert_eq!(c.site_defaults.moderation, ModerationMode::FirstTime);
        assert!(c.limits.enabled);
        assert_eq!(c.database.url, "sqlite://causerie.db");
        assert_eq!(c.site_defaults.edit_window, Duration::from_secs(15 * 60));
        assert_eq!(c.site_defaults.close_after, None);
        assert_eq!(c.retention.ip, Duration::from_secs(30 * 86_400));
    }

    #[test]
    fn masks_smtp_password() {
        let s = Settings {
            smtp_url: Some("smtp://user:hunter2@mail.example.org:587".into()),
            ..Default::default()
        };
        let shown = Config::from_settings(s).unwrap().to_masked_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }

    #[test]
    fn metrics_default_to_loopback_and_their_token_is_masked() {
        let c = Config::from_settings(Settings::default()).unwrap();
        assert!(c.server.metrics.enabled);
        let loopback: Vec<String> = c
            .server
            .metrics
            .allow
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(loopback, ["127.0.0.0/8", "::1/128"]);
        let c = Config::from_settings(Settings {
            metrics_token: Some("tok-zz9-secret".into()),
            ..Default::default()
        })
        .unwrap();
        let shown = c.to_masked_toml();
        assert!(!shown.contains("tok-zz9-secret"), "{shown}");
        assert!(!format!("{c:?}").contains("tok-zz9-secret"));
        assert_eq!(c.server.metrics.token.as_deref(), Some("tok-zz9-secret"));
    }

    #[test]
    fn accepts_postgres_and_masks_its_password() {
        for url in [
            "postgres://causerie:s3cret-pw@db.example.org/causerie?sslmode=require",
            "postgresql://causerie:s3cret-pw@db.example.org:5433/causerie",
        ] {
            let c = Config::from_settings(Settings {
                database_url: url.into(),
                ..Default::default()
            })
            .unwrap();
            let shown = c.to_masked_toml();
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            assert!(shown.contains("causerie:****@db.example.org"), "{shown}");
        }
        let err = Config::from_settings(Settings {
            database_url: "mysql://db.example.org/causerie".into(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("database_url"), "{err}");
    }

    #[test]
    fn rejects_bad_origin_by_key() {
        let s = Settings {
            origins: vec!["ftp://example.org".into()],
            ..Default::default()
        };
        let err = Config::from_settings(s).unwrap_err().to_string();
        assert!(err.contains("origins"), "{err}");
    }

    #[test]
    fn mail_defaults_and_address_checks() {
        let c = Config::from_settings(Settings {
            public_url: Some("https://comments.example.fr".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            c.mail.from.to_string(),
            "Causerie <causerie@comments.example.fr>"
        );
        assert!(c.site_defaults.notify_to.is_empty());
        let local = Config::from_settings(Settings::default()).unwrap();
        assert_eq!(local.mail.from.email.to_string(), "causerie@127.0.0.1");
        let two = Config::from_settings(Settings {
            notify_to: vec!["a@example.org".into(), "Bea <b@example.org>".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(two.site_defaults.notify_to.len(), 2);
        for (key, s) in [
            (
                "notify_to",
                Settings {
                    notify_to: vec!["a@example.org".into(), "not an address".into()],
                    ..Default::default()
                },
            ),
            (
                "smtp_from",
                Settings {
                    smtp_from: Some("Causerie <causerie@>".into()),
                    ..Default::default()
                },
            ),
            (
                "smtp_url",
                Settings {
                    smtp_url: Some("http://mail.example.org".into()),
                    ..Default::default()
                },
            ),
        ] {
            let err = Config::from_settings(s).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
    }

    fn sites_config(toml_text: &str) -> Result<Config, ConfigError> {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml_text))
            .extract()
            .map_err(Box::new)?;
        Config::from_settings(settings)
    }

    #[test]
    fn sites_take_the_top_level_values_they_do_not_set() {
        let c = sites_config(
            r#"
            lang = "fr"
            moderation = "none"
            [[sites]]
            id = "blog"
            name = "Le blog"
            origins = ["https://blog.example.fr", "https://www.blog.example.fr/"]
            notify_to = ["moi@example.fr"]
            [[sites]]
            id = "notes"
            origins = ["https://notes.example.org"]
            moderation = "all"
            lang = "en"
            close_after_days = 30
            report_hold_threshold = 1
            "#,
        )
        .unwrap();
        let blog = c.sites.get("blog").unwrap();
        assert_eq!(blog.name, "Le blog");
        assert_eq!(
            blog.origins,
            ["https://blog.example.fr", "https://www.blog.example.fr"]
        );
        assert_eq!(blog.settings.lang, Lang::Fr);
        assert_eq!(blog.settings.moderation, ModerationMode::None);
        assert_eq!(blog.settings.notify_to.len(), 1);
        assert_eq!(blog.settings.report_hold_threshold, 3, "the default");
        assert_eq!(blog.display_name(), "Le blog");
        let notes = c.sites.get("notes").unwrap();
        assert_eq!(notes.name, "notes");
        assert_eq!(notes.settings.report_hold_threshold, 1);
        assert_eq!(
            notes.display_name(),
            "notes.example.org",
            "named by its host"
        );
        assert_eq!(notes.settings.lang, Lang::En);
        assert_eq!(notes.settings.moderation, ModerationMode::All);
        assert_eq!(
            notes.settings.close_after,
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(c.sites.first().id.as_str(), "blog");
        assert_eq!(
            c.sites
                .by_origin("https://notes.example.org")
                .unwrap()
                .id
                .as_str(),
            "notes"
        );
    }

    #[test]
    fn without_sites_there_is_one_site_default() {
        let c = Config::from_settings(Settings::default()).unwrap();
        assert_eq!(c.sites.len(), 1);
        let only = c.sites.first();
        assert_eq!(only.id.as_str(), "default");
        assert_eq!(only.origins, ["http://127.0.0.1:8080"]);
    }

    #[test]
    fn bad_sites_are_errors_that_name_the_site_and_the_key() {
        let base = "[[sites]]\nid = \"blog\"\norigins = [\"https://blog.example.fr\"]\n";
        for (extra, site, words) in [
            ("colour = \"blue\"\n", "blog", "colour"),
            ("moderation = \"sometimes\"\n", "blog", "sometimes"),
            (
                "report_hold_threshold = 0\n",
                "blog",
                "report_hold_threshold",
            ),
            ("notify_to = [\"not an address\"]\n", "blog", "notify_to"),
            (
                "[[sites]]\nid = \"notes\"\norigins = [\"https://blog.example.fr\"]\n",
                "notes",
                "also the site `blog`",
            ),
            (
                "[[sites]]\nid = \"blog\"\norigins = [\"https://b.example\"]\n",
                "blog",
                "same `id`",
            ),
            (
                "[[sites]]\nid = \"Le Blog\"\norigins = [\"https://b.example\"]\n",
                "Le Blog",
                "lowercase",
            ),
            ("[[sites]]\nid = \"notes\"\n", "notes", "origins"),
            (
                "[[sites]]\norigins = [\"https://b.example\"]\n",
                "number 2",
                "id",
            ),
        ] {
            let err = sites_config(&format!("{base}{extra}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("`{site}`")), "{extra}: {err}");
            assert!(err.contains(words), "{extra}: {err}");
        }
        let err = sites_config(&format!("origins = [\"https://a.example\"]\n{base}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("origins"), "{err}");
    }

    #[test]
    fn the_effective_configuration_round_trips_with_sites() {
        let c = sites_config(
            "[[sites]]\nid = \"blog\"\norigins = [\"https://blog.example.fr\"]\nlang = \"fr\"\n",
        )
        .unwrap();
        let again = Config::from_settings(c.to_settings()).unwrap();
        let blog = again.sites.get("blog").unwrap();
        assert_eq!(blog.settings.lang, Lang::Fr);
        assert_eq!(blog.origins, ["https://blog.example.fr"]);
        assert!(
            c.to_masked_toml().contains("[[sites]]"),
            "{}",
            c.to_masked_toml()
        );
    }
}

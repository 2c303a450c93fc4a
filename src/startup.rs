//! The application: database, migrations, the instance secret, the first moderator,
//! and the HTTP server with its routes. `Application::build` binds before it returns,
//! so tests can ask for port 0 and read the real port.

use std::net::TcpListener;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::{web, App, HttpServer};

use crate::app::{AppState, Db};
use crate::auth::accounts::{self as moderators, Bootstrap};
use crate::clock::secs;
use crate::config::Config;
use crate::crypto::Secret;
use crate::db::{self, queries, DbPool};
use crate::routes;

const SECRET_NAME: &str = "hmac_secret";
/// How long a sent notification stays in the outbox (for the admin's outbox page).
const SENT_MAIL_KEPT: Duration = crate::clock::days(30);
/// How long a thread change is kept: every instance has read it long before.
const THREAD_CHANGES_KEPT: Duration = crate::clock::hours(1);
/// At SIGTERM or SIGINT, how long requests in flight get to finish (the README says
/// how long a stop takes: the sum of these three, at most).
pub const SHUTDOWN_REQUESTS: Duration = Duration::from_secs(10);
/// Then how long the outbox worker gets to finish the message it is sending.
pub const SHUTDOWN_OUTBOX: Duration = Duration::from_secs(10);
/// Then how long the SQLite writer gets to commit and answer what is queued.
pub const SHUTDOWN_WRITER: Duration = Duration::from_secs(5);

pub struct Application {
    port: u16,
    public_url: url::Url,
    server: Server,
    state: web::Data<AppState>,
    outbox: crate::notify::worker::Worker,
    outbox_worker: actix_web::rt::task::JoinHandle<()>,
}

/// Opens the database and applies migrations, and nothing else: for commands that
/// must see the threads where they are (`causerie move-site` moves the threads of
/// before sites to the site it is told, not to the first).
pub fn open_migrated(config: &Config) -> anyhow::Result<DbPool> {
    open_pool(config, None, None)
}

/// `open_migrated`, with a handler told of the pool's checkouts (the metrics).
fn open_pool(
    config: &Config,
    events: Option<Box<dyn diesel::r2d2::HandleEvent>>,
    reach: Option<&std::sync::Arc<db::Reach>>,
) -> anyhow::Result<DbPool> {
    let pool = db::connect_observed(
        &config.database.url,
        config.database.pool_size,
        events,
        reach,
    )?;
    let mut conn = pool.get()?;
    let applied = db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    Ok(pool)
}

/// Opens the database, applies migrations, gives the threads of before sites to
/// their site, and loads (or creates) the instance secret.
pub fn open_database(config: &Config) -> anyhow::Result<(DbPool, Secret)> {
    prepare(open_migrated(config)?, config)
}

fn prepare(pool: DbPool, config: &Config) -> anyhow::Result<(DbPool, Secret)> {
    let mut conn = pool.get()?;
    let adopted = crate::sites::adopt_threads_of_default(&mut conn, &config.sites)?;
    if adopted > 0 {
        tracing::info!(
            "{adopted} threads stored before sites existed joined the site `{}` (the first \
             of [[sites]], as there is no site `default`); `causerie move-site` moves them \
             elsewhere",
            config.sites.first().id
        );
    }
    let stored = queries::instance::get_or_insert(&mut conn, SECRET_NAME, &Secret::generate_hex())?;
    let secret = Secret::from_hex(&stored)?;
    Ok((pool, secret))
}

impl Application {
    pub async fn build(mut config: Config) -> anyhow::Result<Application> {
        let sqlite = db::Backend::of_url(&config.database.url) == Some(db::Backend::Sqlite);
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::new(sqlite));
        let reach = db::Reach::new();
        let (pool, secret) = prepare(
            open_pool(&config, Some(metrics.pool_events()), Some(&reach))?,
            &config,
        )?;
        let mailer = crate::notify::mailer::Mailer::from_config(&config)?;
        {
            let mut conn = pool.get()?;
            match moderators::bootstrap(&mut conn, config.admin_password.as_deref())? {
                Bootstrap::Generated(pw) => tracing::warn!(
                    "no moderator account existed: created `{}` with the password {pw} \
                     (shown this once; change it with `causerie admin passwd {}`)",
                    moderators::BOOTSTRAP_NAME,
                    moderators::BOOTSTRAP_NAME
                ),
                Bootstrap::PasswordFromEnvironment => tracing::info!(
                    "the password of `{}` was set from CAUSERIE_ADMIN_PASSWORD (its \
                     sessions, if any, have ended)",
                    moderators::BOOTSTRAP_NAME
                ),
                Bootstrap::PasswordAlreadySet | Bootstrap::Nothing => {}
            }
        }
        if !config.limits.enabled {
            tracing::warn!(
                "limits are OFF (CAUSERIE_LIMITS=off): for benchmarks only, never on a public site"
            );
        }
        let listener = TcpListener::bind(config.server.listen)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.listen))?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        config.adopt_bound_address(bound);
        let public_url = config.server.public_url.clone();
        let cache =
            crate::cache::ThreadCache::counted(config.server.cache_bytes, metrics.cache_counters());
        cache.start_after(queries::thread_changes::latest(&mut *pool.get()?)?);
        let space = crate::health::Space::for_database(&config.database.url);
        let state = web::Data::new(AppState {
            space,
            reach,
            config,
            pool,
            secret,
            outbox: Default::default(),
            cache,
            writer: Default::default(),
            metrics,
        });
        if sqlite {
            // The writer holds the state weakly: it stops when the application is dropped.
            let weak = std::sync::Arc::downgrade(&state.clone().into_inner());
            let writer = db::writer::Writer::spawn(
                state.pool.clone(),
                state.metrics.writer_groups(),
                move |conn, written| {
                    if let Some(st) = weak.upgrade() {
                        st.after_commit(conn, written);
                    }
                },
            )?;
            let _ = state.writer.set(writer);
        }
        spawn_ip_purge(state.clone());
        spawn_backups(state.clone());
        spawn_cache_follower(state.clone());
        crate::memory::spawn_trimmer();
        let outbox = crate::notify::worker::Worker::new(
            state.pool.clone(),
            state.outbox.clone(),
            state.config.clone(),
            state.secret.clone(),
            mailer,
            state.metrics.clone(),
        );
        let outbox_worker = outbox.spawn();
        let pool_size = state.config.database.pool_size as usize;
        let server_state = state.clone();
        // The API's description, made once, before the first request.
        routes::api::openapi::description();
        let server = HttpServer::new(move || {
            let state = server_state.clone();
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(routes::api::MAX_BODY))
                .app_data(routes::thread_page::form_config())
                .wrap(cors(&state.config))
                .wrap(
                    DefaultHeaders::new()
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin")),
                )
                .wrap(tracing_actix_web::TracingLogger::<
                    crate::telemetry::RouteSpan,
                >::new())
                // Outside the logger: its time is counted too.
                .wrap(Condition::new(
                    state.config.server.metrics.enabled,
                    from_fn(routes::metrics::count),
                ))
                .configure(routes::api::configure)
                .configure(routes::admin::configure)
                .route("/", web::get().to(routes::index::index))
                .route("/healthz", web::get().to(routes::health::healthz))
                .configure(|cfg| {
                    // Off: no such page (the default service's 404).
                    if state.config.server.metrics.enabled {
                        cfg.route("/metrics", web::get().to(routes::metrics::metrics));
                    }
                })
                .route("/demo", web::get().to(routes::demo::demo))
                .configure(routes::embed::configure)
                .route("/t", web::get().to(routes::thread_page::show))
                .route("/t", web::post().to(routes::thread_page::post))
                .route("/t/report", web::get().to(routes::report_page::show))
                .route("/t/report", web::post().to(routes::report_page::post))
                .route(
                    "/unsubscribe/{token}",
                    web::get().to(routes::unsubscribe::show),
                )
                .route(
                    "/unsubscribe/{token}",
                    web::post().to(routes::unsubscribe::act),
                )
                .route("/my-data", web::get().to(routes::my_data::ask))
                .route("/my-data", web::post().to(routes::my_data::send))
                .route("/my-data/{token}", web::get().to(routes::my_data::show))
                .route("/my-data/{token}", web::post().to(routes::my_data::erase))
                .route(
                    "/my-data/{token}/download",
                    web::get().to(routes::my_data::download),
                )
                .route("/avatar/{file}", web::get().to(routes::avatar::avatar))
                .default_service(web::to(routes::index::not_found))
                .wrap(from_fn(routes::slashes::merge))
                // Outermost: a request counts as handled until its answer is written.
                .wrap(from_fn(routes::connection::guard))
        })
        // Every request on a connection, head and body, has a deadline (the
        // first request's head is actix's own, below): a slow-loris connection
        // cannot hold on.
        .on_connect(routes::connection::on_connect)
        .listen(listener)?
        // Database work runs on blocking threads; more of them than connections would
        // only wait for the pool while holding memory.
        .worker_max_blocking_threads(pool_size)
        .client_request_timeout(routes::connection::REQUEST)
        .keep_alive(routes::connection::KEEP_ALIVE)
        // Flushed at one piece of a crowded worker's answers (see routes::connection).
        .h1_write_buffer_size(routes::connection::PIECE)
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(SHUTDOWN_REQUESTS.as_secs())
        // actix-server stops at once on SIGINT, dropping requests in flight: both
        // signals get the graceful stop here.
        .shutdown_signal(stop_signal())
        .run();
        Ok(Application {
            port,
            public_url,
            server,
            state,
            outbox,
            outbox_worker,
        })
    }

    /// The application's shared state, for tests and tools that run units of work
    /// the way handlers do (`state.write(…)`), or look at the writer.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The outbox worker, for tests and tools: `run_once` sends what is due now
    /// instead of waiting for the background loop.
    pub fn outbox(&self) -> crate::notify::worker::Worker {
        self.outbox.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where readers reach this instance (with the real port when bound to port 0).
    pub fn public_url(&self) -> &url::Url {
        &self.public_url
    }

    /// Stops the server from elsewhere (tests simulate a restart with it).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM or SIGINT: no new connections, requests in
    /// flight get `SHUTDOWN_REQUESTS` to finish), then stops the outbox worker after
    /// its current message and waits for it (a message it had claimed is either
    /// recorded or handed back), then lets the SQLite writer commit and answer what
    /// is still queued. Each wait is bounded, so the process ends within their sum.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        tracing::info!("the HTTP server has stopped; stopping the outbox worker");
        self.state.outbox.stop();
        let mut clean = true;
        match actix_web::rt::time::timeout(SHUTDOWN_OUTBOX, self.outbox_worker).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                clean = false;
                tracing::error!(error = %e, "the outbox worker had ended abnormally");
            }
            Err(_) => {
                clean = false;
                tracing::warn!(
                    "the outbox worker was still sending after {} s; the message it holds \
                     goes back to the outbox when its claim runs out",
                    SHUTDOWN_OUTBOX.as_secs()
                );
            }
        }
        let state = self.state.clone();
        let drained = actix_web::rt::task::spawn_blocking(move || {
            state.writer.get().is_none_or(|w| w.drain(SHUTDOWN_WRITER))
        })
        .await
        .unwrap_or(false);
        if !drained {
            clean = false;
            tracing::warn!(
                "the writer did not finish its queue within {} s; what it had not \
                 committed was not acknowledged either",
                SHUTDOWN_WRITER.as_secs()
            );
        }
        if served.is_ok() && clean {
            tracing::info!("stopped cleanly");
        }
        served
    }
}

/// Resolves at the first SIGTERM or SIGINT (Ctrl-C), saying which; the server then
/// stops gracefully. Should the handlers not install, the signals keep their default
/// action (the process ends at once).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                let name = std::future::poll_fn(|cx| {
                    use std::task::Poll;
                    if term.poll_recv(cx).is_ready() {
                        Poll::Ready("SIGTERM")
                    } else if int.poll_recv(cx).is_ready() {
                        Poll::Ready("SIGINT")
                    } else {
                        Poll::Pending
                    }
                })
                .await;
                tracing::info!(
                    "{name} received: no new connections; requests in flight get {} s",
                    SHUTDOWN_REQUESTS.as_secs()
                );
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "cannot handle SIGTERM or SIGINT");
                std::future::pending::<()>().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        if actix_web::rt::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received: no new connections");
        } else {
            std::future::pending::<()>().await
        }
    }
}

/// Cross-origin reads and writes only from the configured sites' pages. A site's
/// page only ever reads its own site's threads: a request naming another site is
/// refused by the handler (`403 site_mismatch`), and that refusal carries CORS so
/// the embed can say why. A request from another origin is not refused here (it
/// gets no CORS headers, so a browser will not let the page read the answer);
/// writes are refused by `check_origin` with a clear 403.
fn cors(config: &Config) -> Cors {
    let sites = std::sync::Arc::new(config.sites.clone());
    Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT_LANGUAGE,
        ])
        .expose_headers([header::RETRY_AFTER, header::ETAG])
        .block_on_origin_mismatch(false)
        .max_age(secs(crate::clock::days(1)) as usize)
        .allowed_origin_fn(move |origin, _| {
            origin
                .to_str()
                .ok()
                .is_some_and(|o| sites.by_origin(o).is_some())
        })
}

/// Reads what other instances changed, so that their writes reach this instance's
/// cache too: four times a second on PostgreSQL (several instances are its reason
/// to be), once a second on SQLite (only a second process on the same file, such as
/// a `causerie` command, can write behind this one's back).
fn spawn_cache_follower(state: web::Data<AppState>) {
    let every = match db::Backend::of_url(&state.config.database.url) {
        Some(db::Backend::Postgres) => Duration::from_millis(250),
        _ => Duration::from_secs(1),
    };
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            tick.tick().await;
            // `db` catches up after every unit of work; this one does nothing else.
            let _ = state.db(|_, _| Ok::<_, crate::error::ApiError>(())).await;
        }
    });
}

/// With `backup_dir`: a backup of the SQLite database every `backup_every_hours`
/// (the first one after that long, not at start), the oldest beyond `backup_keep`
/// removed. On its own connection from the pool, as a reader: writers go on.
fn spawn_backups(state: web::Data<AppState>) {
    let backups = state.config.database.backups.clone();
    let Some(dir) = backups.dir.clone() else {
        return;
    };
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(backups.every);
        // The first tick is immediate.
        tick.tick().await;
        loop {
            tick.tick().await;
            let pool = state.pool.clone();
            let (dir, keep) = (dir.clone(), backups.keep);
            let done = actix_web::rt::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                crate::backup::backup_into_dir(
                    &mut conn,
                    &dir,
                    keep,
                    time::OffsetDateTime::now_utc(),
                )
            })
            .await;
            match done {
                Ok(Ok((summary, removed))) => tracing::info!(
                    path = %summary.path.display(),
                    bytes = summary.bytes,
                    comments = summary.comments,
                    removed = removed.len(),
                    "automatic backup written"
                ),
                Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "automatic backup failed"),
                Err(e) => tracing::error!(error = %e, "automatic backup failed"),
            }
        }
    });
}

/// Truncated IPs are kept only as long as spam defences need them; idle sessions,
/// used or expired links and old login failures not at all.
fn spawn_ip_purge(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let kept = secs(state.config.retention.ip);
            let res = state
                .db(move |conn, st| -> Result<_, crate::error::ApiError> {
                    let ips = queries::comments::purge_ips(conn, db::now() - kept)?;
                    let stale = crate::auth::sessions::purge(conn, &st.config, db::now())?
                        + crate::moderation::links::purge(conn, db::now())?
                        + queries::thread_changes::purge(
                            conn,
                            db::now() - secs(THREAD_CHANGES_KEPT),
                        )?
                        + queries::outbox::purge_sent(conn, db::now() - secs(SENT_MAIL_KEPT))?;
                    Ok((ips, stale))
                })
                .await;
            match res {
                Ok((ips, stale)) if ips + stale > 0 => tracing::info!(
                    ips,
                    stale,
                    "forgot IP addresses past retention and expired sessions, links, login failures"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "purge failed; will retry"),
            }
            purge_removed(&state).await;
        }
    });
}

/// Spam and deleted comments past `spam_retention_days` go for good (SPEC section
/// 14), a few hundred a round; data requests and reporters' address blocks once
/// they are no use.
async fn purge_removed(state: &web::Data<AppState>) {
    use crate::app::Db;
    let kept_ip = secs(state.config.retention.ip);
    let res = state
        .write(move |tx, st| -> Result<_, crate::error::ApiError> {
            let t = db::now();
            let removed = match st.config.retention.removed {
                Some(kept) => crate::rights::purge_removed(tx, t - secs(kept), 500, t)?,
                None => 0,
            };
            let other = queries::data_requests::purge(tx, t - 2 * crate::rights::LINK_LIFE)?
                + queries::reports::purge_blocks(tx, t - kept_ip)?;
            Ok((removed, other))
        })
        .await;
    match res {
        Ok((removed, other)) if removed + other > 0 => tracing::info!(
            removed,
            other,
            "purged spam and deleted comments past retention, old data requests and reporters' networks"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = ?e, "purge of removed comments failed; will retry"),
    }
}

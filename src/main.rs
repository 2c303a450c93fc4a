use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use causerie::auth::accounts as moderators;
use causerie::config::Config;
use causerie::startup::{open_database, Application};
use causerie::telemetry;

/// Causerie: comments for your blog, on your own server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML settings file (see the README); `CAUSERIE_…` variables override it.
    #[arg(long, env = "CAUSERIE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create or update the database, then exit.
    Migrate,
    /// Print the effective settings, secrets masked.
    Config,
    /// Write a consistent copy of the SQLite database to FILE, while the server runs
    /// (on PostgreSQL: use pg_dump, or causerie export).
    Backup {
        /// The copy to write; it must not exist, unless --force.
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup in place of the SQLite database, for a stopped instance: FILE is
    /// checked first, and the database it replaces is kept aside.
    Restore {
        /// The backup (from `causerie backup`).
        file: PathBuf,
    },
    /// Check the database's integrity, its migrations and the configuration (and
    /// with --smtp, that the SMTP server answers): one line each; exits 1 if any fails.
    Check {
        /// Also connect to the SMTP server of `smtp_url`.
        #[arg(long)]
        smtp: bool,
    },
    /// Manage moderator accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Copy a whole site from one database to another (SQLite to PostgreSQL), keeping
    /// every id, status and timestamp. Stop the instances that use the source first.
    MigrateData {
        /// The database to read, e.g. sqlite://causerie.db
        #[arg(long)]
        from: String,
        /// The database to fill, e.g. postgres://causerie:PASSWORD@db.example.org/causerie;
        /// it must be empty, unless --force.
        #[arg(long)]
        to: String,
        /// Delete whatever the target holds before copying.
        #[arg(long)]
        force: bool,
    },
    /// Bring comments from WordPress, Disqus, Isso, Remark42, Commento or a Causerie
    /// export (README: "Moving from WordPress, Disqus, Isso, Remark42 or Commento").
    /// All or nothing; importing the same file again adds nothing.
    Import {
        /// What FILE is.
        #[arg(value_enum)]
        format: causerie::import::Format,
        /// The export file (plain or gzipped), or Isso's database.
        file: PathBuf,
        /// Put every thread on this site (else: the site whose origins have the
        /// URL's host, else the first site).
        #[arg(long, value_name = "ID")]
        site: Option<String>,
        /// Read everything and print the summary, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep WordPress's pingbacks and trackbacks (left out by default).
        #[arg(long)]
        with_pingbacks: bool,
        /// Rewrite URLs that start with FROM to start with TO, before choosing the
        /// site and the page (repeatable; the first that matches wins).
        #[arg(long = "map", value_name = "FROM=TO", value_parser = causerie::import::parse_map)]
        maps: Vec<(String, String)>,
    },
    /// Write every thread and comment (of one site, or all) to a file, while the
    /// server runs: Causerie's JSON (for `causerie import causerie`) or a WordPress
    /// export (WXR 1.2).
    Export {
        /// Only this site's threads.
        #[arg(long, value_name = "ID")]
        site: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: causerie::export::ExportFormat,
        /// The file to write (gzipped when its name ends in .gz); without it, standard
        /// output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Move every thread of one site to another (after an upgrade, from `default`
    /// to a site named in [[sites]]).
    MoveSite {
        /// The site the threads are on now.
        from: String,
        /// The site they go to; it must be in [[sites]].
        to: String,
        /// When both sites have a thread for one page, put FROM's comments into TO's
        /// thread (without it, such a move is refused).
        #[arg(long)]
        merge: bool,
    },
    /// Move a page's thread and comments to another path (its permalink changed).
    MovePage {
        /// The page's site; without it, the first of [[sites]].
        #[arg(long, value_name = "ID")]
        site: Option<String>,
        /// The page's old path (or full URL), which has the thread.
        from: String,
        /// Its new path (or full URL).
        to: String,
        /// When TO has a thread already, put FROM's comments into it (without it, such
        /// a move is refused); TO's title is kept.
        #[arg(long)]
        merge: bool,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Add a moderator; the password is asked for (or read from standard input).
    Add {
        name: String,
        /// Limit the moderator to this site (repeat for several); without it, every site.
        #[arg(long = "site", value_name = "ID")]
        sites: Vec<String>,
    },
    /// Limit a moderator to these sites; with none, every site again.
    Sites {
        name: String,
        #[arg(value_name = "ID")]
        sites: Vec<String>,
    },
    /// Change a moderator's password.
    Passwd { name: String },
    /// List moderators.
    List,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("causerie: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.server.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => open_database(&config).map(|_| {
            println!("database {} is up to date", config.database.url);
        }),
        Command::Config => {
            print!("{}", config.to_masked_toml());
            Ok(())
        }
        Command::Admin { action } => admin(&config, action),
        Command::Backup { file, force } => backup(&config, &file, force),
        Command::Restore { file } => restore(&config, &file),
        Command::Check { smtp } => return check(&config, smtp),
        Command::MigrateData { from, to, force } => migrate_data(&from, &to, force),
        Command::MoveSite { from, to, merge } => move_site(&config, &from, &to, merge),
        Command::Export {
            site,
            format,
            output,
        } => export(&config, site.as_deref(), format, output.as_deref()),
        Command::Import {
            format,
            file,
            site,
            dry_run,
            with_pingbacks,
            maps,
        } => import(
            &config,
            &file,
            causerie::import::Options {
                format,
                site,
                dry_run,
                with_pingbacks,
                maps,
            },
        ),
        Command::MovePage {
            site,
            from,
            to,
            merge,
        } => move_page(&config, site.as_deref(), &from, &to, merge),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("causerie: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await?;
        let public = app.public_url().clone();
        tracing::info!(
            "Causerie is listening on port {}. Open {}demo to see the demo article and its comments; \
             to put comments on your pages, add <div id=\"causerie\"></div> and \
             <script async src=\"{}embed.js\"></script> to them (README: \"Adding comments to your \
             pages\"); moderate at {}admin",
            app.port(),
            public,
            public,
            public
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn backup(config: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    use causerie::backup;
    let live = backup::sqlite_path(&config.database.url)?;
    let mut conn = backup::open_existing_sqlite(&live)?;
    let done = backup::backup_sqlite(&mut conn, file, force)?;
    println!(
        "backed up {} to {}: {} bytes, {} comments",
        live.display(),
        done.path.display(),
        done.bytes,
        done.comments
    );
    Ok(())
}

fn restore(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    if causerie::db::Backend::of_url(&config.database.url) == Some(causerie::db::Backend::Postgres)
    {
        anyhow::bail!("on PostgreSQL, restore a pg_dump with pg_restore");
    }
    let live = causerie::backup::sqlite_path(&config.database.url)?;
    let done = causerie::backup::restore_sqlite(&live, file)?;
    println!(
        "restored {} ({} comments) as {}",
        file.display(),
        done.comments,
        live.display()
    );
    if let Some(aside) = done.kept_aside {
        println!("the database it replaced is kept at {}", aside.display());
    }
    Ok(())
}

/// One line per item, `ok` or `FAIL` with why; exit 1 if any failed.
fn check(config: &Config, smtp: bool) -> ExitCode {
    use causerie::backup;
    let mut failed = false;
    let mut line = |item: &str, result: Result<String, String>| match result {
        Ok(note) if note.is_empty() => println!("ok   {item}"),
        Ok(note) => println!("ok   {item}: {note}"),
        Err(why) => {
            failed = true;
            println!("FAIL {item}: {why}");
        }
    };
    // Reaching here means the settings loaded and passed their checks.
    line("configuration", Ok(String::new()));
    let conn = match causerie::db::Backend::of_url(&config.database.url) {
        Some(causerie::db::Backend::Sqlite) => {
            backup::sqlite_path(&config.database.url).and_then(|p| backup::open_existing_sqlite(&p))
        }
        _ => causerie::db::establish(&config.database.url),
    };
    match conn {
        Err(e) => {
            line("database reachable", Err(format!("{e:#}")));
            line("database integrity", Err("not checked".into()));
            line("migrations", Err("not checked".into()));
        }
        Ok(mut conn) => {
            line("database reachable", Ok(String::new()));
            line(
                "database integrity",
                backup::integrity(&mut conn).map(|()| String::new()),
            );
            let state = backup::migration_state(&mut conn).map_err(|e| format!("{e:#}"));
            line(
                "migrations",
                state.and_then(|s| {
                    if !s.unknown.is_empty() {
                        Err(format!(
                            "applied by a newer Causerie, unknown to this one: {}",
                            s.unknown.join(", ")
                        ))
                    } else if !s.pending.is_empty() {
                        Err(format!(
                            "{} not applied yet (`causerie migrate` applies them): {}",
                            s.pending.len(),
                            s.pending.join(", ")
                        ))
                    } else {
                        Ok("all applied".into())
                    }
                }),
            );
        }
    }
    if smtp {
        let answered = causerie::notify::mailer::Mailer::from_config(config)
            .map_err(|e| format!("{e:#}"))
            .map(|mailer| {
                actix_web::rt::System::new().block_on(async move { mailer.test_connection().await })
            });
        line(
            "smtp server",
            match answered {
                Err(e) => Err(e),
                Ok(None) => Ok("skipped: no smtp_url".into()),
                Ok(Some(r)) => r.map(|()| "answered".into()),
            },
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn admin(config: &Config, action: AdminAction) -> anyhow::Result<()> {
    let (pool, _) = open_database(config)?;
    let mut conn = pool.get()?;
    match action {
        AdminAction::List => {
            for (m, sites) in moderators::list(&mut conn)? {
                let sites = if sites.is_empty() {
                    "every site".to_owned()
                } else {
                    format!("sites: {}", sites.join(", "))
                };
                println!(
                    "{}\t{sites}\t(since {})",
                    m.name,
                    causerie::comments::rfc3339(m.created_at)
                );
            }
        }
        AdminAction::Add { name, sites } => {
            moderators::add(&mut conn, &config.sites, &name, &read_password()?, &sites)?;
            println!("moderator `{name}` added, for {}", describe_sites(&sites));
        }
        AdminAction::Sites { name, sites } => {
            moderators::set_sites(&mut conn, &config.sites, &name, &sites)?;
            println!(
                "moderator `{name}` now moderates {} (their sessions ended)",
                describe_sites(&sites)
            );
        }
        AdminAction::Passwd { name } => {
            moderators::passwd(&mut conn, &name, &read_password()?)?;
            println!("password of `{name}` changed");
        }
    }
    Ok(())
}

fn migrate_data(from: &str, to: &str, force: bool) -> anyhow::Result<()> {
    use causerie::db::{self, Backend};
    if from == to {
        anyhow::bail!("--from and --to name the same database");
    }
    for (flag, url) in [("--from", from), ("--to", to)] {
        if Backend::of_url(url).is_none() {
            anyhow::bail!("{flag} must be sqlite://PATH or postgres://…");
        }
    }
    // Opening a SQLite path that does not exist would create an empty database.
    if let Some(path) = from.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            anyhow::bail!("--from: there is no SQLite database at {path}");
        }
    }
    let mut source = db::establish(from).map_err(|e| anyhow::anyhow!("--from: {e:#}"))?;
    let mut target = db::establish(to).map_err(|e| anyhow::anyhow!("--to: {e:#}"))?;
    let progress = std::io::stderr().is_terminal();
    let report = db::transfer::migrate_data(&mut source, &mut target, force, progress)?;
    for (table, n) in &report.rows {
        println!("{table:>18}: {n} rows");
    }
    println!("copied and verified: every table holds as many rows as its source");
    Ok(())
}

fn describe_sites(sites: &[String]) -> String {
    match sites {
        [] => "every site".to_owned(),
        [one] => format!("the site {one} only"),
        many => format!("the sites {} only", many.join(", ")),
    }
}

fn move_site(config: &Config, from: &str, to: &str, merge: bool) -> anyhow::Result<()> {
    // Not `open_database`: its adoption would first move the threads of `default` to
    // the first site, and `move-site default SECOND` would then find none.
    let pool = causerie::startup::open_migrated(config)?;
    let mut conn = pool.get()?;
    let moved = causerie::sites::move_site(&mut conn, &config.sites, from, to, merge)?;
    println!("moved {} threads from `{from}` to `{to}`", moved.threads);
    if moved.merged > 0 {
        println!(
            "{} of them had a thread on `{to}` already: their comments joined it",
            moved.merged
        );
    }
    Ok(())
}

fn export(
    config: &Config,
    site: Option<&str>,
    format: causerie::export::ExportFormat,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let pool = causerie::startup::open_migrated(config)?;
    let mut conn = pool.get()?;
    let summary = causerie::export::export_to_path(&mut conn, &config.sites, site, format, output)?;
    // On standard error: standard output may be the export itself.
    eprintln!(
        "exported {} threads and {} comments ({} sites, {} unsubscriptions, {} reports){}",
        summary.threads,
        summary.comments,
        summary.sites,
        summary.unsubscribed,
        summary.reports,
        output
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

fn import(
    config: &Config,
    file: &std::path::Path,
    options: causerie::import::Options,
) -> anyhow::Result<()> {
    use indicatif::{ProgressBar, ProgressStyle};
    if !file.exists() {
        anyhow::bail!("{}: no such file", file.display());
    }
    let (pool, _) = open_database(config)?;
    let mut conn = pool.get()?;
    let bar = if std::io::stderr().is_terminal() {
        let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{bar:40}] {bytes}/{total_bytes} read, {msg} ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("0 comments");
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut comments = 0u64;
    let wrap_bar = bar.clone();
    let tick_bar = bar.clone();
    let summary = causerie::import::run(
        &mut conn,
        &config.sites,
        &options,
        |sink| {
            causerie::import::read_file(options.format, file, sink, move |f| {
                Box::new(wrap_bar.wrap_read(f))
            })
        },
        &mut |n| {
            comments += n;
            if comments % 97 == 1 {
                tick_bar.set_message(format!("{comments} comments"));
            }
        },
    );
    bar.finish_and_clear();
    let summary = summary.map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}\nnothing was imported: the database is as it was",
            file.display()
        )
    })?;
    println!(
        "{} {} from {}:",
        if options.dry_run {
            "would import"
        } else {
            "imported"
        },
        options.format,
        file.display()
    );
    print!("{}", summary.render());
    Ok(())
}

fn move_page(
    config: &Config,
    site: Option<&str>,
    from: &str,
    to: &str,
    merge: bool,
) -> anyhow::Result<()> {
    // As `move-site`: the threads where they are, without the start-up adoption.
    let pool = causerie::startup::open_migrated(config)?;
    let mut conn = pool.get()?;
    let moved = causerie::moving::move_page(&mut conn, &config.sites, site, from, to, merge)?;
    println!("{moved}");
    Ok(())
}

/// From a prompt (asked twice) at a terminal, else the first line of standard input,
/// never from the command line where `ps` and shell history would keep it.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

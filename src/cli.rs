//! The command line: `serve` (the default), `migrate`, `user add`, `token create`,
//! `check-ledger`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::app::{self, AppState};
use crate::config::Config;
use crate::{auth, db, users};

#[derive(Debug, Parser)]
#[command(
    name = "grant-tracker",
    version,
    about = "System of record for a community empowerment fund"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The deployment's posture in plain words (the connection requests use, where the data
    /// key lives, cookies, backups); exits with status 1 when something needs fixing.
    Doctor,
    /// Recompute every balance from the postings and check the seven ledger invariants;
    /// exits with status 1 on any breach.
    CheckLedger,
    /// Load a fictional, bilingual demo data set (idempotent): users, funds, ~200
    /// households, 300 applications in every state, payments, a void and a reissue.
    Demo,
    /// The USCIS fee schedule.
    Fees {
        #[command(subcommand)]
        command: FeesCommand,
    },
    /// Write an audit export as CSV: the same bytes as `GET /api/v1/exports/KIND.csv`.
    Export {
        /// general-ledger, disbursement-register, trial-balance, fund-activity,
        /// application-register, eligibility-audit or board-minutes.
        kind: String,
        /// From this date (YYYY-MM-DD), inclusive.
        #[arg(long)]
        from: Option<String>,
        /// To this date, inclusive.
        #[arg(long)]
        to: Option<String>,
        /// Only this fund (its id).
        #[arg(long)]
        fund: Option<String>,
        /// Only the applications of this site (LA, CHI, NYC); fund activity and the trial
        /// balance cover every site.
        #[arg(long)]
        site: Option<String>,
        /// The year of schedule-i-part-iii and grant-file (this year unless given).
        #[arg(long)]
        year: Option<String>,
        /// The trial balance's date.
        #[arg(long)]
        as_of: Option<String>,
        /// Begin with a UTF-8 byte order mark (for Excel).
        #[arg(long)]
        bom: bool,
        /// Write here instead of standard output.
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FeesCommand {
    /// Import a fee schedule file: the same as `POST /api/v1/fees/import` (new rows added,
    /// identical rows left alone, earlier rows never changed; any bad row and nothing is
    /// written).
    Import {
        /// A CSV in the columns of the USCIS schedule or of the H.R. 1 fees.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// caseworker, board_member, accountant or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// ko or en.
        #[arg(long, default_value = "en")]
        language: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new API token for a user.
    Create {
        #[arg(long)]
        email: String,
    },
}

/// Exit status of `check-ledger` when an invariant is breached (2 is an error running it).
const BREACH: u8 = 1;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        // Each service entry point is a debug span: with RUST_LOG=grant_tracker=debug a
        // request's log shows the time each step took (busy and idle) as the step closes.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn prepare(config: &Config) -> anyhow::Result<db::DbPool> {
    db::ensure_database(&config.database_url).await?;
    let applied = db::run_migrations(&config.database_url).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    db::pool(&config.request_database_url()?, config.db_pool_size)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await.map(|()| ExitCode::SUCCESS),
        // A breach (1) and a check that could not run (2) are told apart.
        Command::CheckLedger => Ok(match check_ledger(config).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(BREACH),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        }),
        Command::Doctor => {
            let findings = crate::doctor::examine(&config).await;
            for f in &findings {
                println!("{} {}", if f.fix { "FIX" } else { "ok " }, f.text);
            }
            Ok(if findings.iter().any(|f| f.fix) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Demo => {
            let pool = prepare(&config).await?;
            let mut conn = pool.get().await?;
            let loaded = crate::demo::load(&mut conn, config.clock().read())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if loaded.already {
                println!("The demo data set is already loaded; nothing added.");
            } else {
                println!(
                    "Loaded {} users, {} households, {} applications, {} payments; {} months closed.\n\
                     Sign in as demo.caseworker.la@example.org, demo.board1@example.org, \
                     demo.accountant@example.org or demo.admin@example.org with the password {}.",
                    loaded.users,
                    loaded.households,
                    loaded.applications,
                    loaded.payments,
                    loaded.closed_months,
                    crate::demo::PASSWORD
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            kind,
            from,
            to,
            fund,
            site,
            year,
            as_of,
            bom,
            output,
        } => {
            let query = crate::exports::api::ExportQuery {
                from,
                to,
                fund_id: fund,
                as_of,
                site,
                year,
                bom: bom.then(|| "1".to_owned()),
            };
            export(config, &kind, &query, output).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fees {
            command: FeesCommand::Import { file },
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let pool = prepare(&config).await?;
            let mut conn = pool.get().await?;
            match crate::fees::import(&mut conn, None, &bytes).await {
                Ok(summary) => {
                    println!(
                        "{} row(s) added, {} already in the schedule",
                        summary.added, summary.unchanged
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::error::AppError::Invalid { fields, .. }) => {
                    eprintln!("nothing was imported:");
                    for (field, problem) in fields.iter() {
                        eprintln!(
                            "  {field}: {}",
                            crate::i18n::problem(crate::domain::Language::En, problem)
                        );
                    }
                    Ok(ExitCode::from(BREACH))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Migrate => {
            db::ensure_database(&config.database_url).await?;
            let applied = db::run_migrations(&config.database_url).await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() { "" } else { ":" }
            );
            for version in applied {
                println!("  {version}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    roles,
                    language,
                    password_stdin,
                },
        } => {
            let pool = prepare(&config).await?;
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                (text.trim_end_matches(['\n', '\r']).to_owned(), false)
            } else {
                (auth::random_token()[..20].to_owned(), true)
            };
            let input = users::NewUserInput {
                email: Some(email),
                name: Some(name),
                roles: Some(roles),
                password: Some(password.clone()),
                language: Some(language),
            };
            let mut conn = pool.get().await?;
            match users::create(&mut conn, None, &input).await {
                Ok(user) => {
                    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "created user {} <{}> with roles {}",
                        user.id,
                        user.email,
                        roles.join(", ")
                    );
                    if generated {
                        println!("password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::error::AppError::Invalid { fields, .. }) => {
                    anyhow::bail!(
                        "cannot create the user: {}",
                        crate::i18n::problems_line(crate::domain::Language::En, &fields)
                    )
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Token {
            command: TokenCommand::Create { email },
        } => {
            let pool = prepare(&config).await?;
            let mut conn = pool.get().await?;
            let user = users::find_by_email(&mut conn, &email)
                .await
                .map_err(|_| anyhow::anyhow!("no active user with email {email}"))?;
            let ttl = chrono::Duration::hours(config.token_ttl_hours);
            let (token, expires_at) = auth::issue_token(&mut conn, &user, ttl).await?;
            println!("{token}");
            eprintln!("expires at {}", expires_at.to_rfc3339());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints the ledger check; `Ok(false)` when an invariant is breached.
async fn export(
    config: Config,
    kind: &str,
    query: &crate::exports::api::ExportQuery,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    let kind = crate::exports::ExportKind::parse(kind).ok_or_else(|| {
        let all: Vec<&str> = crate::exports::ExportKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        anyhow::anyhow!("unknown export {kind}; one of {}", all.join(", "))
    })?;
    let mut filter = query.filter().map_err(|e| anyhow::anyhow!("{e}"))?;
    if kind.by_year() && filter.year.is_none() {
        use chrono::Datelike;
        filter.year = Some(config.clock().today().year());
    }
    prepare(&config).await?;
    let mut export = crate::exports::start(
        &config.request_database_url()?,
        config.fund_timezone.name(),
        kind,
        filter,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out: Box<dyn Write> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::stdout().lock()),
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {binary_bytes} ({binary_bytes_per_sec})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(kind.as_str());
        bar
    });
    while let Some(chunk) = export.chunks.recv().await {
        let chunk = chunk?;
        out.write_all(&chunk)?;
        if let Some(bar) = &progress {
            bar.inc(chunk.len() as u64);
        }
    }
    out.flush()?;
    if let Some(bar) = progress {
        bar.finish();
    }
    Ok(())
}

async fn check_ledger(config: Config) -> anyhow::Result<bool> {
    let pool = prepare(&config).await?;
    let mut conn = pool.get().await?;
    let report = crate::ledger::check::run(&mut conn)
        .await
        .map_err(|e| match e {
            crate::error::AppError::Internal(cause) => cause,
            other => anyhow::anyhow!("{other}"),
        })?;
    println!("{report}");
    Ok(report.clean())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let pool = prepare(&config).await?;
    {
        let mut conn = pool.get().await?;
        use diesel_async::RunQueryDsl;
        // The fund's time zone is also read by SQL (`AT TIME ZONE`): PostgreSQL must know it.
        diesel::select(
            diesel::dsl::sql::<diesel::sql_types::Timestamp>("now() AT TIME ZONE ")
                .bind::<diesel::sql_types::Text, _>(config.fund_timezone.name()),
        )
        .get_result::<chrono::NaiveDateTime>(&mut conn)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "FUND_TIMEZONE {:?} is not a time zone PostgreSQL knows",
                config.fund_timezone.name()
            )
        })?;
        if users::count(&mut conn).await? == 0 {
            println!(
                "No users yet. Create the first admin with:\n\n  \
                 echo 'choose-a-long-password' | cargo run --release -- user add --email admin@example.org --name \"Admin\" --role admin --password-stdin\n\n\
                 (or, with the built binary: grant-tracker user add ... )"
            );
        }
    }
    let bind = config.bind;
    let state = AppState::new(pool, config).await?;
    // What `grant-tracker doctor` would say needs fixing, once, at start.
    for finding in crate::doctor::examine(&state.config).await {
        if finding.fix {
            tracing::warn!("{}", finding.text);
        }
    }
    // The dashboard's tallies are folded every minute, whichever instance gets there.
    let pool = state.pool.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            let Ok(mut conn) = pool.get().await else {
                continue;
            };
            if let Err(e) = crate::dashboard::fold_tallies(&mut conn, 1000).await {
                tracing::warn!(error = %e, "could not fold the dashboard's tallies");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(%bind, "serving grant-tracker on http://{bind}");
    println!("grant-tracker is listening on http://{bind}");
    // The peer's address is known to handlers (sign-in throttling per client).
    axum::serve(
        listener,
        app::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM (what systemd and `kill` send): stop taking connections, let the
/// requests under way finish, then exit 0.
async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests under way");
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    /// API.md: options such as `--bind` go before the subcommand or after it.
    #[test]
    fn options_are_taken_before_and_after_the_subcommand() {
        for args in [
            ["grant-tracker", "serve", "--bind", "127.0.0.1:9000"],
            ["grant-tracker", "--bind", "127.0.0.1:9000", "serve"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert_eq!(cli.config.bind.to_string(), "127.0.0.1:9000");
            assert!(matches!(cli.command, Some(Command::Serve)));
        }
        let cli = Cli::try_parse_from([
            "grant-tracker",
            "check-ledger",
            "--database-url",
            "postgres://x@127.0.0.1/y",
        ])
        .unwrap();
        assert_eq!(cli.config.database_url, "postgres://x@127.0.0.1/y");
        assert!(Cli::try_parse_from(["grant-tracker", "serve", "--bind", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["grant-tracker", "--fund-timezone", "Mars/Olympus"]).is_err());
    }
}

//! The database: creating it when missing, embedded migrations, and the connection pool.
//!
//! Migrations run as the `DATABASE_URL` user, who owns the schema. Everything else logs in
//! as `grant_tracker_app`: not a superuser, owner of nothing, member of no stronger role,
//! with no UPDATE, DELETE or TRUNCATE on the append-only tables. So history is protected
//! by privileges as well as triggers, and no SQL a request runs can `RESET ROLE` into
//! more or switch triggers off.

pub mod schema;

use std::time::Duration;

use anyhow::Context;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The role the service works as once migrations are done.
pub const APP_ROLE: &str = "grant_tracker_app";

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

/// Creates the database named in `url` if the server does not have it yet.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let config: tokio_postgres::Config = url
        .parse()
        .context("DATABASE_URL is not a PostgreSQL URL")?;
    let name = config.get_dbname().unwrap_or("postgres").to_owned();
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    let (client, connection) = maintenance
        .connect(tokio_postgres::NoTls)
        .await
        .context("cannot reach PostgreSQL (is it running? see DATABASE_URL)")?;
    let driver = tokio::spawn(connection);
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .is_some();
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match client
            .batch_execute(&format!("CREATE DATABASE {quoted}"))
            .await
        {
            Ok(()) => tracing::info!(database = %name, "created the database"),
            // Another process created it first.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => return Err(e).context(format!("cannot create database {name}")),
        }
    }
    drop(client);
    driver.abort();
    Ok(())
}

/// Applies pending migrations; returns the versions it applied.
pub async fn run_migrations(url: &str) -> anyhow::Result<Vec<String>> {
    let conn = AsyncPgConnection::establish(url)
        .await
        .context("cannot connect to the database")?;
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncMigrationHarness::new(conn);
        let applied = harness
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    })
    .await?
}

/// The versions of the migrations this binary carries.
pub fn known_migrations() -> Vec<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}

/// `owner_url` with the service's role as its user and no password.
pub fn app_url(owner_url: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(owner_url).context("DATABASE_URL is not a PostgreSQL URL")?;
    url.set_username(APP_ROLE)
        .and_then(|()| url.set_password(None))
        .map_err(|()| anyhow::anyhow!("DATABASE_URL has no user part to replace"))?;
    Ok(url.into())
}

/// The pool every request draws from. It never panics when PostgreSQL goes away: a
/// checkout fails (and the caller answers 503) until the server is back.
pub fn pool(url: &str, size: usize) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .context("cannot build the connection pool")
}

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
///
/// A checkout costs no round trip: a connection is recycled without a `SELECT 1` ping
/// (`RecyclingMethod::Fast`), because a connection PostgreSQL closed is already seen as
/// closed by its driver (`is_broken` asks tokio-postgres) and is dropped instead of lent.
/// The ping was 6 of the 54 statements of an intake (benches/intake.sh).
pub fn pool(url: &str, size: usize) -> anyhow::Result<DbPool> {
    use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .context("cannot build the connection pool")
}

/// A hand-written statement (`diesel::sql_query`) that each connection prepares once and
/// then reuses, as diesel does by itself for its query builder's statements. diesel never
/// caches `sql_query` (its text could be built from anything), an UPDATE or a multi-row
/// INSERT; wrap only one whose text is fixed, fixed per call site, or one of a few per call
/// site (a multi-row insert's text per number of rows), so the cache (keyed by the text)
/// stays small. Planning the disbursement and payable reads took 2.8 and 1.2 ms each time
/// against 0.3 ms once prepared (issue 17).
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared(query)
}

/// See [`prepared`].
#[derive(Debug, Clone)]
pub struct Prepared<Q>(Q);

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Prepared<Q>
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

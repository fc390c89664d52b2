//! Every setting, from the environment (or the command line) with a safe default.

use std::net::SocketAddr;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// PostgreSQL URL; the database is created if missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/grant_tracker"
    )]
    pub database_url: String,

    /// Address the HTTP server listens on.
    #[arg(long = "bind", env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Connections in the database pool.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,

    /// How long an API token from `POST /api/v1/auth/token` or `token create` lasts.
    #[arg(long, env = "TOKEN_TTL_HOURS", default_value_t = 24)]
    pub token_ttl_hours: i64,

    /// How long a browser session lasts.
    #[arg(long, env = "SESSION_TTL_HOURS", default_value_t = 12)]
    pub session_ttl_hours: i64,

    /// Mark the session cookie `Secure` (set true behind HTTPS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// The fund's time zone: it decides the year in application numbers and "today".
    #[arg(long, env = "FUND_TIMEZONE", default_value = "America/Los_Angeles")]
    pub fund_timezone: String,

    /// 64 hex digits: the key that seals USCIS receipt numbers at rest. Without it a key is
    /// generated on first start and kept in the database (see `src/sealed.rs`).
    #[arg(long, env = "DATA_KEY", hide_env_values = true)]
    pub data_key: Option<String>,
}

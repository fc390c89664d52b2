//! Every setting, from the environment (or the command line) with a safe default.

use std::net::SocketAddr;

use crate::clock::Clock;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// PostgreSQL URL; the database is created if missing.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/grant_tracker"
    )]
    pub database_url: String,

    /// How the service logs in for requests: as the role `grant_tracker_app`. By default
    /// DATABASE_URL with that user and no password (enough under trust or peer auth);
    /// set this when the server wants a password.
    #[arg(long, global = true, env = "APP_DATABASE_URL", hide_env_values = true)]
    pub app_database_url: Option<String>,

    /// Address the HTTP server listens on.
    #[arg(
        long = "bind",
        global = true,
        env = "BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,

    /// Connections in the database pool. 12 from measurement (benches/intake.sh, 32
    /// clients, 2 cores): against 16 the same intakes per second or more and half the p99,
    /// because requests wait in the pool's queue, in turn, rather than inside PostgreSQL
    /// on the year's application counter; 8 was slower. Exports open a connection of
    /// their own, so a long download takes none from the pool.
    #[arg(long, global = true, env = "DB_POOL_SIZE", default_value_t = 12)]
    pub db_pool_size: usize,

    /// How long an API token from `POST /api/v1/auth/token` or `token create` lasts.
    #[arg(long, global = true, env = "TOKEN_TTL_HOURS", default_value_t = 24)]
    pub token_ttl_hours: i64,

    /// How long a browser session lasts.
    #[arg(long, global = true, env = "SESSION_TTL_HOURS", default_value_t = 12)]
    pub session_ttl_hours: i64,

    /// Behind a reverse proxy: take the client's address (for sign-in throttling) from the
    /// last `X-Forwarded-For` entry the proxy added, not from the connection.
    #[arg(
        long,
        global = true,
        env = "TRUST_FORWARDED_FOR",
        default_value_t = false
    )]
    pub trust_forwarded_for: bool,

    /// Mark the session cookie `Secure` (set true behind HTTPS).
    #[arg(long, global = true, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// The fund's time zone: it decides the year in application numbers and "today".
    #[arg(long, global = true, env = "FUND_TIMEZONE", default_value = "America/Los_Angeles", value_parser = parse_timezone)]
    pub fund_timezone: chrono_tz::Tz,

    /// Tests only: the clock reads this instant (RFC 3339) at start and runs on from there.
    /// `doctor` reports it as something to fix.
    #[arg(long, global = true, env = "TEST_CLOCK", hide = true, value_parser = parse_instant)]
    pub test_clock: Option<chrono::DateTime<chrono::Utc>>,

    /// 64 hex digits: the key that seals USCIS receipt numbers at rest. Without it a key is
    /// generated on first start and kept in the database (see `src/sealed.rs`).
    #[arg(long, global = true, env = "DATA_KEY", hide_env_values = true)]
    pub data_key: Option<String>,
}

impl Config {
    /// The URL requests, exports and commands connect with: never the owner's.
    pub fn request_database_url(&self) -> anyhow::Result<String> {
        match &self.app_database_url {
            Some(url) => Ok(url.clone()),
            None => crate::db::app_url(&self.database_url),
        }
    }

    /// The service's one clock: the machine's time in the fund's time zone, unless
    /// `TEST_CLOCK` moved it.
    pub fn clock(&self) -> Clock {
        match self.test_clock {
            Some(at) => Clock::starting_at(self.fund_timezone, at),
            None => Clock::new(self.fund_timezone),
        }
    }
}

fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse()
        .map_err(|_| format!("{name:?} is not an IANA time zone such as America/Los_Angeles"))
}

fn parse_instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| {
            format!("{text:?} is not an RFC 3339 time such as 2026-12-31T23:30:00-08:00: {e}")
        })
}

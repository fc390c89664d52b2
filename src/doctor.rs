//! `grant-tracker doctor`: the deployment's posture in plain words (SPEC "Sign-in,
//! sessions and the database role"). The server logs the same findings once at start.

use crate::config::Config;

/// One thing the doctor looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Something an operator should fix.
    pub fix: bool,
    pub text: String,
}

impl Finding {
    fn good(text: impl Into<String>) -> Finding {
        Finding {
            fix: false,
            text: text.into(),
        }
    }

    fn fix(text: impl Into<String>) -> Finding {
        Finding {
            fix: true,
            text: text.into(),
        }
    }
}

/// Looks at the connection requests use, where the data key lives, the cookies, the
/// clock and the backups.
pub async fn examine(config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.push(request_role(config).await);
    findings.push(data_key(config).await);
    findings.push(if config.cookie_secure {
        Finding::good("Session cookies are marked Secure, and responses carry HSTS.")
    } else {
        Finding::fix(
            "Session cookies are sent without Secure, so a browser would send them over plain \
             HTTP. Serve over HTTPS and set COOKIE_SECURE=true (it also turns on HSTS).",
        )
    });
    if let Some(at) = config.test_clock {
        findings.push(Finding::fix(format!(
            "TEST_CLOCK is set ({at}): the service's clock is not the real time. It is for \
             tests only; unset it."
        )));
    }
    findings.push(Finding::good(
        "Last backup: unknown. grant-tracker cannot see your backups; check that pg_dump (or \
         your host's backups) ran, and that a restore was tried.",
    ));
    findings
}

async fn request_role(config: &Config) -> Finding {
    let url = match config.request_database_url() {
        Ok(url) => url,
        Err(e) => return Finding::fix(format!("The database URL cannot be read: {e:#}")),
    };
    let client = match connect(&url).await {
        Ok(client) => client,
        Err(e) => {
            return Finding::fix(format!(
                "The service cannot log in as {role} ({e}). Run `grant-tracker migrate` as the \
                 database owner (it lets the role log in), or set APP_DATABASE_URL with the \
                 role's password.",
                role = crate::db::APP_ROLE
            ));
        }
    };
    let row = client
        .query_one(
            "SELECT current_user::text, r.rolsuper,
                    (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid
                        AND c.relnamespace = 'public'::regnamespace),
                    EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolsuper AND s.rolname <> current_user
                        AND pg_has_role(current_user, s.oid, 'MEMBER'))
             FROM pg_roles r WHERE r.rolname = current_user",
            &[],
        )
        .await;
    match row {
        Err(e) => Finding::fix(format!("The request role could not be examined: {e}")),
        Ok(row) => {
            let (name, superuser, owns, reaches): (String, bool, i64, bool) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            if superuser {
                Finding::fix(format!(
                    "Requests run as {name}, a superuser: any SQL could turn the append-only \
                     history's triggers off. Let them log in as {role}.",
                    role = crate::db::APP_ROLE
                ))
            } else if owns > 0 || reaches {
                Finding::fix(format!(
                    "Requests run as {name}, which owns {owns} of the tables or can become a \
                     superuser: it could change history. Use a role that owns nothing."
                ))
            } else {
                Finding::good(format!(
                    "Requests run as {name}: not a superuser, owns nothing, cannot switch to a \
                     stronger role."
                ))
            }
        }
    }
}

async fn data_key(config: &Config) -> Finding {
    if config.data_key.is_some() {
        return Finding::good(
            "The key that seals USCIS receipt numbers comes from DATA_KEY, not the database.",
        );
    }
    let kept = match connect(&config.database_url).await {
        Ok(client) => client
            .query_opt("SELECT 1 FROM app_secrets WHERE name = 'data_key'", &[])
            .await
            .map(|row| row.is_some()),
        Err(e) => return Finding::fix(format!("The database cannot be reached: {e}")),
    };
    match kept {
        Ok(true) => Finding::fix(
            "The key that seals USCIS receipt numbers is kept in the database, beside them: a \
             copy of the database (a backup) holds both. Set DATA_KEY to that same key (64 hex \
             digits) from a secret store, and keep it apart from backups.",
        ),
        Ok(false) => Finding::good(
            "No sealing key yet: the first start will make one. Set DATA_KEY before then to \
             keep it out of the database.",
        ),
        Err(e) => Finding::fix(format!(
            "The database has no app_secrets table yet ({e}): run `grant-tracker migrate`."
        )),
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

//! The bank test (issue 17): racing clients move money through the real binary — receipts,
//! grants taken from intake to an approving vote, payments, voids and withdrawals — with
//! idempotency keys, duplicate sends and client timeouts answered by retries, while the
//! service is killed (SIGKILL) and restarted twice and PostgreSQL crashes once (immediate
//! stop, in a private cluster as `restart.rs` runs). Afterwards every acknowledged write
//! exists exactly once, nothing was done twice, no request got a 500, and `check-ledger`
//! passes.
//!
//! `cargo test` runs the short form (20 s, 6 clients); `benches/bank.sh` the long form
//! (`BANK_SECONDS=120 BANK_CLIENTS=16`), whose figures the README keeps.

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::{ChildGuard, PASSWORD, config_for, free_port, household_json};
use crate::restart::{Cluster, wait_for};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the command line on `database_url`: whether it succeeded, its output (standard
/// output first, then standard error).
fn cli(database_url: &str, args: &[&str], stdin: Option<&str>) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn serve(database_url: &str, bind: &str, log: &std::path::Path) -> ChildGuard {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args(["serve", "--bind", bind])
            .env("DATABASE_URL", database_url)
            .env("DB_POOL_SIZE", "8")
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

#[derive(Default)]
struct Tally {
    attempts: u64,
    retries: u64,
    timeouts: u64,
    duplicates: u64,
    server_errors: Vec<String>,
    /// The first refusals (4xx), shown if the run moved no money.
    refusals: Vec<String>,
    /// Acknowledged (2xx) writes by kind.
    acked: HashMap<&'static str, u64>,
    /// Keys of money requests acknowledged, by kind.
    acked_keys: HashMap<&'static str, HashSet<String>>,
}

/// What happens to a grant once approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    Pay,
    PayAndVoid,
    Withdraw,
}

struct Bank {
    client: reqwest::Client,
    base: String,
    caseworker: String,
    board: String,
    accountant: String,
    today: String,
    deadline: Instant,
    tally: Mutex<Tally>,
    counter: AtomicU64,
}

impl Bank {
    /// Sends until an answer other than a network failure or a 503 comes back (the same
    /// key each time); now and then with a timeout too short to wait for the answer, or
    /// twice at once. `None` when the run ended first.
    async fn send(
        &self,
        kind: &'static str,
        token: &str,
        path: &str,
        body: &Value,
        key: Option<&str>,
    ) -> Option<(u16, Value)> {
        let give_up = self.deadline + Duration::from_secs(60);
        loop {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let timeout = if n % 7 == 3 {
                Duration::from_millis(20)
            } else {
                Duration::from_secs(20)
            };
            let request = || {
                let mut r = self
                    .client
                    .post(format!("{}{path}", self.base))
                    .bearer_auth(token)
                    .timeout(timeout)
                    .header("content-type", "application/json")
                    .body(body.to_string());
                if let Some(key) = key {
                    r = r.header("idempotency-key", key);
                }
                r.send()
            };
            let send = async || {
                let response = request().await?;
                let status = response.status().as_u16();
                // A body cut off by the timeout is a failed attempt, as a lost answer is.
                Ok::<_, reqwest::Error>((status, response.text().await?))
            };
            let success = |s: u16| (200..300).contains(&s);
            let outcome = if key.is_some() && n % 11 == 5 {
                let (a, b) = tokio::join!(send(), send());
                self.tally.lock().await.duplicates += 1;
                // Two successes are one success told twice (the same body). A refusal and a
                // success can both be right: a refusal rolls back, key and all, and the
                // duplicate waiting on the key then does the work (the fund got money since).
                match (a, b) {
                    (Ok(a), Ok(b)) if success(a.0) && success(b.0) => {
                        assert_eq!(a, b, "{kind}: a duplicate got another answer");
                        Ok(a)
                    }
                    (Ok(a), Ok(b)) => Ok(if success(b.0) { b } else { a }),
                    (Ok(a), Err(_)) | (Err(_), Ok(a)) => Ok(a),
                    (Err(e), Err(_)) => Err(e),
                }
            } else {
                send().await
            };
            let mut tally = self.tally.lock().await;
            tally.attempts += 1;
            match outcome {
                // An answer: 2xx, or a refusal the service meant (a 409 after a retry of a
                // transition that had gone through, a 422 when the fund is short…).
                Ok((status, text)) if status < 500 => {
                    if status >= 400 && tally.refusals.len() < 10 {
                        tally
                            .refusals
                            .push(format!("{kind} {path}: {status} {text}"));
                    }
                    if success(status) {
                        *tally.acked.entry(kind).or_default() += 1;
                        if let Some(key) = key {
                            tally
                                .acked_keys
                                .entry(kind)
                                .or_default()
                                .insert(key.to_owned());
                        }
                    }
                    return Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)));
                }
                // 503 while PostgreSQL is down; anything else is a bug.
                Ok((status, text)) => {
                    if status != 503 {
                        tally
                            .server_errors
                            .push(format!("{kind} {path}: {status} {text}"));
                    }
                    tally.retries += 1;
                }
                Err(e) => {
                    if e.is_timeout() {
                        tally.timeouts += 1;
                    }
                    tally.retries += 1;
                }
            }
            drop(tally);
            if Instant::now() > give_up {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn receipt(&self, key: &str, amount: &str) {
        let body = json!({"amount": amount, "received_on": self.today, "source": "donation",
                          "donor": "은혜 교회", "memo": key});
        self.send(
            "receipt",
            &self.accountant,
            "/api/v1/funds/1/receipts",
            &body,
            Some(key),
        )
        .await;
    }

    /// A family from intake to an approving vote, then paid (and the payment perhaps
    /// voided) or withdrawn (its commitment released); a grant no fund could cover is
    /// withdrawn too.
    async fn grant(&self, key: &str, amount: &str, then: Then) -> Option<()> {
        // A family of its own: no duplicate check links it to another.
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut family = household_json();
        family["name"] = json!(format!("Bank Family {key}"));
        family["name_ko"] = json!(format!(
            "은행{}",
            char::from_u32(0xAC00 + (n % 11172) as u32).unwrap()
        ));
        family["phone"] = json!(format!("(312) 555-{:04}", n % 10_000));
        family["address"]["line1"] = json!(format!("{} Lawrence Ave", 100 + n));
        family["members"][0]["name"] = json!(format!("Bank Family {key}"));
        let (s, household) = self
            .send(
                "household",
                &self.caseworker,
                "/api/v1/households",
                &family,
                None,
            )
            .await?;
        if s != 201 {
            return None;
        }
        let body = json!({"household_id": household["id"], "site": "LA", "program": "emergency",
            "emergency": {"category": "eviction", "amount": amount, "story": "밀린 월세로 퇴거 통지를 받았습니다."}});
        let (s, application) = self
            .send(
                "application",
                &self.caseworker,
                "/api/v1/applications",
                &body,
                None,
            )
            .await?;
        if s != 201 {
            return None;
        }
        let id = application["id"].as_i64()?;
        let at = |what: &str| format!("/api/v1/applications/{id}/{what}");
        self.send("submit", &self.caseworker, &at("submit"), &json!({}), None)
            .await?;
        for kind in ["photo_id", "event_evidence"] {
            self.send(
                "document",
                &self.caseworker,
                &at("documents"),
                &json!({"kind": kind}),
                None,
            )
            .await?;
        }
        self.send(
            "check",
            &self.caseworker,
            &at("eligibility"),
            &json!({}),
            None,
        )
        .await?;
        let withdraw = async || {
            self.send(
                "withdrawal",
                &self.caseworker,
                &at("withdraw"),
                &json!({"reason": "the family found the money elsewhere"}),
                None,
            )
            .await
        };
        let (s, _) = self
            .send(
                "vote",
                &self.board,
                &at("votes"),
                &json!({"vote": "approve", "comment": format!("vote-{key}")}),
                Some(&format!("vote-{key}")),
            )
            .await?;
        if s != 201 || then == Then::Withdraw {
            // No fund could cover it (422), or the family no longer needs it: withdrawn,
            // which releases an approval's commitment.
            withdraw().await?;
            return Some(());
        }
        let pay = json!({"application_id": id, "amount": amount, "payee": "Koreatown Apartments LLC",
                         "method": "check", "reference": format!("pay-{key}"), "paid_on": self.today});
        let (s, paid) = self
            .send(
                "payment",
                &self.accountant,
                "/api/v1/disbursements",
                &pay,
                Some(&format!("pay-{key}")),
            )
            .await?;
        if s == 201 && then == Then::PayAndVoid {
            let path = format!("/api/v1/disbursements/{}/void", paid["id"]);
            self.send(
                "void",
                &self.accountant,
                &path,
                &json!({"reason": format!("void-{key}")}),
                Some(&format!("void-{key}")),
            )
            .await?;
        }
        Some(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn money_survives_racing_clients_killed_services_and_a_crashed_database() {
    let Some(cluster) = Cluster::create() else {
        eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql");
        return;
    };
    let seconds = setting("BANK_SECONDS", 20);
    let clients = setting("BANK_CLIENTS", 6);
    cluster.start();
    let database_url = format!(
        "postgres://postgres@127.0.0.1:{}/grant_tracker",
        cluster.port
    );
    let (ok, out) = cli(&database_url, &["migrate"], None);
    assert!(ok, "{out}");
    let mut tokens = HashMap::new();
    for role in ["caseworker", "board_member", "accountant"] {
        let email = format!("{role}@bank.example.org");
        let (ok, out) = cli(
            &database_url,
            &[
                "user",
                "add",
                "--email",
                &email,
                "--name",
                role,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(PASSWORD),
        );
        assert!(ok, "{out}");
        let (ok, out) = cli(&database_url, &["token", "create", "--email", &email], None);
        assert!(ok, "{out}");
        // The token is the last line of standard output; notes go to standard error.
        let token = out
            .lines()
            .map(str::trim)
            .find(|l| {
                l.len() >= 32
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            })
            .unwrap_or_else(|| panic!("no token in {out}"));
        tokens.insert(role, token.to_owned());
    }
    let bind = format!("127.0.0.1:{}", free_port());
    let log = cluster.dir.join("service.log");
    let service = Arc::new(std::sync::Mutex::new(Some(serve(
        &database_url,
        &bind,
        &log,
    ))));
    let client = reqwest::Client::new();
    let ready = format!("http://{bind}/readyz");
    wait_for(&client, &ready, 200, Duration::from_secs(60)).await;

    let started = Instant::now();
    let bank = Arc::new(Bank {
        client: client.clone(),
        base: format!("http://{bind}"),
        caseworker: tokens["caseworker"].clone(),
        board: tokens["board_member"].clone(),
        accountant: tokens["accountant"].clone(),
        today: config_for(&database_url).clock().today().to_string(),
        deadline: started + Duration::from_secs(seconds),
        tally: Mutex::new(Tally::default()),
        counter: AtomicU64::new(0),
    });
    // Some money first, so that most grants can be paid.
    bank.receipt("opening", "2000.00").await;
    let mut workers = Vec::new();
    for c in 0..clients {
        let bank = bank.clone();
        workers.push(tokio::spawn(async move {
            let mut j = 0u64;
            while Instant::now() < bank.deadline {
                let key = format!("{c}-{j}");
                let amount = format!("{}.{:02}", 100 + (c * 37 + j * 53) % 400, (c + j) % 100);
                if j % 3 == 0 {
                    bank.receipt(&format!("rcp-{key}"), &amount).await;
                } else {
                    let then = match j % 5 {
                        1 => Then::PayAndVoid,
                        2 => Then::Withdraw,
                        _ => Then::Pay,
                    };
                    bank.grant(&key, &amount, then).await;
                }
                j += 1;
            }
        }));
    }

    // The faults: SIGKILL and a restart at a quarter and at half time, a PostgreSQL crash
    // at two thirds.
    let at = |fraction: f64| started + Duration::from_secs_f64(seconds as f64 * fraction);
    for when in [at(0.25), at(0.5)] {
        tokio::time::sleep_until(when.into()).await;
        let mut guard = service.lock().unwrap();
        let mut old = guard.take().unwrap();
        old.0.kill().unwrap(); // SIGKILL
        old.0.wait().unwrap();
        *guard = Some(serve(&database_url, &bind, &log));
    }
    tokio::time::sleep_until(at(0.67).into()).await;
    cluster.crash();
    tokio::time::sleep(Duration::from_secs(1)).await;
    cluster.start();
    for w in workers {
        w.await.unwrap();
    }
    wait_for(&client, &ready, 200, Duration::from_secs(60)).await;
    let elapsed = started.elapsed().as_secs_f64();

    // Every acknowledged write exists once, and nothing was done twice.
    let (db, connection) = tokio_postgres::connect(&database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tally = bank.tally.lock().await;
    assert!(tally.server_errors.is_empty(), "{:#?}", tally.server_errors);
    // Each money request carries its key in a text of its own (memo, reference, comment,
    // reason): a key written twice would show here.
    for (kind, sql) in [
        (
            "receipt",
            "SELECT memo, count(*) FROM receipts GROUP BY memo",
        ),
        (
            "payment",
            "SELECT reference, count(*) FROM disbursements GROUP BY reference",
        ),
        (
            "vote",
            "SELECT comment, count(*) FROM votes GROUP BY comment",
        ),
        (
            "void",
            "SELECT reason, count(*) FROM disbursement_voids GROUP BY reason",
        ),
    ] {
        let rows = db.query(sql, &[]).await.unwrap();
        let written: HashMap<String, i64> = rows
            .iter()
            .filter_map(|r| Some((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1))))
            .collect();
        for (key, n) in &written {
            assert_eq!(*n, 1, "{kind} {key} was written {n} times");
        }
        for key in tally.acked_keys.get(kind).into_iter().flatten() {
            assert!(
                written.contains_key(key),
                "{kind} {key} was acknowledged but is not there"
            );
        }
    }
    let (ok, report) = cli(&database_url, &["check-ledger"], None);
    assert!(ok, "check-ledger after the run:\n{report}");
    let count = |kind: &str| tally.acked.get(kind).copied().unwrap_or(0);
    eprintln!(
        "bank test: {clients} clients, {elapsed:.0} s, 2 SIGKILLs, 1 PostgreSQL crash: \
         {} receipts, {} applications, {} votes, {} payments, {} voids, {} withdrawals acknowledged; \
         {} requests, {} retries, {} client timeouts, {} duplicate sends; check-ledger clean",
        count("receipt"),
        count("application"),
        count("vote"),
        count("payment"),
        count("void"),
        count("withdrawal"),
        tally.attempts,
        tally.retries,
        tally.timeouts,
        tally.duplicates,
    );
    assert!(
        count("payment") > 0 && count("receipt") > 0,
        "the run moved no money: {:#?}",
        tally.refusals
    );
}

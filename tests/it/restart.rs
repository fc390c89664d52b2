//! The service outlives a PostgreSQL restart: the real binary serves against a private
//! cluster (its own data directory and port, so the shared server and the other tests are
//! untouched), the cluster is stopped and started again, and the process keeps answering:
//! `/readyz` 503 while the database is down, 200 once it is back.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::helpers::{ChildGuard, free_port};
use std::time::{Duration, Instant};

/// A throwaway PostgreSQL cluster, run as the `postgres` user when the tests run as root
/// (PostgreSQL refuses to run as root).
pub(crate) struct Cluster {
    bin: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) port: u16,
}

impl Cluster {
    fn bin_dir() -> Option<PathBuf> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    }

    fn as_root() -> bool {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if Self::as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .output()
            .expect("run a PostgreSQL tool");
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub(crate) fn create() -> Option<Cluster> {
        let bin = Self::bin_dir()?;
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("gt-restart-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if Self::as_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let cluster = Cluster { bin, dir, port };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    pub(crate) fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    pub(crate) fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Stops the server as a crash would (`-m immediate`: no checkpoint, clients cut off).
    pub(crate) fn crash(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) async fn status(client: &reqwest::Client, url: &str) -> Option<u16> {
    client
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Waits (a minute at most) until the service at `bind` is ready: `/readyz` answers 200.
pub(crate) async fn wait_ready(client: &reqwest::Client, bind: &str) {
    wait_for(
        client,
        &format!("http://{bind}/readyz"),
        200,
        Duration::from_secs(60),
    )
    .await;
}

/// Polls `url` until it answers `want`, for at most `limit`.
pub(crate) async fn wait_for(client: &reqwest::Client, url: &str, want: u16, limit: Duration) {
    let start = Instant::now();
    let mut last = None;
    while start.elapsed() < limit {
        last = status(client, url).await;
        if last == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} answered {last:?}, not {want}, for {limit:?}");
}

#[tokio::test]
async fn service_survives_a_postgresql_restart() {
    let Some(cluster) = Cluster::create() else {
        eprintln!("skipped: no PostgreSQL server binaries under /usr/lib/postgresql");
        return;
    };
    cluster.start();
    let bind = format!("127.0.0.1:{}", free_port());
    let log = std::fs::File::create(cluster.dir.join("service.log")).unwrap();
    let mut service = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            // The option after the subcommand, as the README writes it.
            .args(["serve", "--bind", &bind])
            .env(
                "DATABASE_URL",
                format!(
                    "postgres://postgres@127.0.0.1:{}/grant_tracker",
                    cluster.port
                ),
            )
            .env("DB_POOL_SIZE", "2")
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let ready = format!("http://{bind}/readyz");
    let health = format!("http://{bind}/healthz");
    let login = format!("http://{bind}/login");

    // It created the database, migrated it and serves.
    wait_for(&client, &ready, 200, Duration::from_secs(60)).await;
    assert_eq!(status(&client, &login).await, Some(200));

    cluster.stop();
    wait_for(&client, &ready, 503, Duration::from_secs(15)).await;
    assert_eq!(
        status(&client, &health).await,
        Some(200),
        "alive while down"
    );
    assert!(
        service.still_running(),
        "the service exited: see {}",
        cluster.dir.join("service.log").display()
    );

    cluster.start();
    wait_for(&client, &ready, 200, Duration::from_secs(30)).await;
    assert_eq!(status(&client, &login).await, Some(200));
    assert!(service.still_running());
}

/// SIGTERM (what systemd sends to stop it) drains: a request under way when the signal
/// comes is answered, new connections are refused, and the process exits 0.
#[tokio::test]
async fn sigterm_finishes_the_requests_under_way_then_exits_cleanly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::TestApp::spawn().await;
    let bind = format!("127.0.0.1:{}", free_port());
    let mut service = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args(["serve", "--bind", &bind])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    wait_ready(&client, &bind).await;
    // A request half sent: the service is reading it when the signal comes.
    let mut under_way = tokio::net::TcpStream::connect(&bind).await.unwrap();
    under_way
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: grant-tracker\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = service.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        service.still_running(),
        "it waits for the request under way"
    );
    under_way.write_all(b"\r\n").await.unwrap();
    let mut answer = String::new();
    under_way.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = service.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        tokio::net::TcpStream::connect(&bind).await.is_err(),
        "no new connections"
    );
}

/// The restore drill of the README: a `pg_dump` of the books restored into a new database
/// passes `check-ledger`, and every export of a past range comes out byte for byte as
/// from the original.
#[tokio::test]
async fn the_restore_drill_gives_back_the_same_books() {
    use grant_tracker::domain::export::ExportKind;
    let app = crate::helpers::TestApp::spawn().await;
    let mut conn = app.app_conn().await;
    grant_tracker::demo::load(&mut conn, app.state.clock.read())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("gt-drill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("books.dump");
    let ok = |command: &mut Command| {
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{command:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    ok(Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&app.database_url));
    let (server, name) = app.database_url.rsplit_once('/').unwrap();
    let drill = format!("{name}_drill");
    ok(Command::new("createdb").args(["--maintenance-db", &app.database_url, &drill]));
    let drill_url = format!("{server}/{drill}");
    ok(Command::new("pg_restore")
        .args(["--exit-on-error", "--dbname", &drill_url])
        .arg(&dump));
    let cli = |url: &str, args: &[String]| {
        ok(Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
            .args(args)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn"))
    };
    cli(&drill_url, &["check-ledger".to_owned()]);
    // A past range: the year up to yesterday (the demo's books reach a year back).
    let today = app.today();
    let from = (today - chrono::Duration::days(400)).to_string();
    let to = (today - chrono::Duration::days(1)).to_string();
    let year = chrono::Datelike::year(&today).to_string();
    for kind in ExportKind::ALL {
        let args: Vec<String> = [
            "export",
            kind.as_str(),
            "--from",
            &from,
            "--to",
            &to,
            "--as-of",
            &to,
            "--year",
            &year,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let original = cli(&app.database_url, &args);
        let restored = cli(&drill_url, &args);
        assert!(!original.is_empty(), "{kind}");
        assert!(original == restored, "{kind} differs after the restore");
    }
    let _ = Command::new("dropdb")
        .args(["--maintenance-db", &app.database_url, &drill])
        .status();
}

/// Starts the service on `database_url` at a free port; its address.
fn instance(database_url: &str) -> (ChildGuard, String) {
    let bind = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_grant-tracker"))
        .args(["serve", "--bind", &bind])
        .env("DATABASE_URL", database_url)
        .env("DB_POOL_SIZE", "8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (ChildGuard(child), bind)
}

/// SPEC "Operations": several instances on one database. A browser session made on one is
/// valid on the other; twenty racing payments of the full amount spread over both pay
/// once; a request replayed on the other instance with its idempotency key gets the same
/// answer and writes nothing; check-ledger is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_share_sessions_and_keep_the_money_rules() {
    use crate::review::{approved_emergency, fund_general, team};
    use serde_json::json;
    let team = team(4).await;
    let app = &team.app;
    fund_general(app, &team.accountant, "1000.00").await;
    let id = approved_emergency(app, &team.cw, &team.board[0], "400.00").await;
    let (_a, a) = instance(&app.database_url);
    let (_b, b) = instance(&app.database_url);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for at in [&a, &b] {
        wait_ready(&client, at).await;
    }
    // Signed in on A, the session works on B.
    let signed_in = client
        .post(format!("http://{a}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}",
            team.cw.email,
            crate::helpers::PASSWORD
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = crate::helpers::session_cookie(signed_in.headers());
    let home = client
        .get(format!("http://{b}/applications"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.text().await.unwrap().contains("Test User"),
        "signed in on B"
    );

    // Twenty payments of the whole grant, alternating between the instances.
    let token = team.accountant.token.clone();
    let today = app.today();
    // Payment `i` of the whole grant, sent to the instance at `at` under key `race-{i}`.
    let pay = |at: &str, i: usize| {
        client
            .post(format!("http://{at}/api/v1/disbursements"))
            .bearer_auth(&token)
            .header("idempotency-key", format!("race-{i}"))
            .header("content-type", "application/json")
            .body(json!({"application_id": id, "amount": "400.00", "payee": "Landlord",
                          "method": "check", "reference": format!("T{i}"), "paid_on": today.to_string()}).to_string())
            .send()
    };
    let mut racing = Vec::new();
    for i in 0..20 {
        let sent = pay(if i % 2 == 0 { &a } else { &b }, i);
        racing.push(tokio::spawn(async move {
            sent.await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for r in racing {
        statuses.push(r.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 409, 422].contains(s)),
        "{statuses:?}"
    );
    // The winner's request replayed on the other instance: the same answer, nothing new.
    let winner = statuses.iter().position(|s| *s == 201).unwrap();
    let other = if winner % 2 == 0 { &b } else { &a };
    let replay = pay(other, winner).await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(app.count("SELECT count(*) FROM disbursements").await, 1);
    assert!(app.check_ledger().await.clean());
}

//! The HTTP load generator of `benches/intake.sh` and `benches/reads.sh` (not a test):
//! clients against a running service, with each request's time as the client saw it and
//! as the service reported it (`Server-Timing`), per kind of request.
//!
//! ```text
//! cargo bench --bench load -- intake BASE TOKEN SECONDS closed CLIENTS
//! cargo bench --bench load -- intake BASE TOKEN SECONDS open RATE      # intakes per second
//! cargo bench --bench load -- reads  BASE TOKEN SECONDS CLIENTS PATH...
//! ```
//!
//! An intake is what a caseworker does for a new family: `POST /api/v1/households`, then
//! `POST /api/v1/applications` (an N-400 at the schedule's fee), then
//! `POST /api/v1/applications/{id}/submit`. Closed loop: each client starts its next
//! intake when the last one ends. Open loop: intakes start at a fixed rate whatever the
//! service's pace, and a request's time counts from when it was due, so a service that
//! falls behind is charged for the wait. The last line is `RESULT key=value…` for the
//! scripts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Default)]
struct Samples {
    /// By kind: (client milliseconds, server milliseconds).
    rows: std::collections::HashMap<String, Vec<(f64, Option<f64>)>>,
    errors: Vec<String>,
    intakes: u64,
}

struct Load {
    client: reqwest::Client,
    base: String,
    token: String,
    samples: Mutex<Samples>,
    /// The next family's number.
    next: std::sync::atomic::AtomicU64,
}

impl Load {
    /// One request; its time counts from `due` (the open loop's schedule) or from now.
    async fn send(
        &self,
        kind: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        due: Option<Instant>,
    ) -> Option<Value> {
        let started = due.unwrap_or_else(Instant::now);
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let outcome = request.send().await;
        let response = match outcome {
            Ok(response) => response,
            Err(e) => {
                self.samples
                    .lock()
                    .await
                    .errors
                    .push(format!("{kind}: {e}"));
                return None;
            }
        };
        let status = response.status();
        let server = response
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("dur=").nth(1))
            .and_then(|v| v.parse::<f64>().ok());
        let bytes = response.bytes().await.unwrap_or_default();
        let client = started.elapsed().as_secs_f64() * 1000.0;
        let mut samples = self.samples.lock().await;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            samples.errors.push(format!("{kind}: {status} {text}"));
            return None;
        }
        match samples.rows.get_mut(kind) {
            Some(rows) => rows.push((client, server)),
            None => {
                samples.rows.insert(kind.to_owned(), vec![(client, server)]);
            }
        }
        drop(samples);
        Some(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A new family each time: its own name, phone and address, so the duplicate check
    /// finds nothing, as for most families a caseworker enters.
    async fn intake(&self, due: Option<Instant>) {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A Hangul name of its own: a syllable per decimal digit of `n`.
        let syllables = ['민', '준', '서', '연', '지', '우', '하', '윤', '도', '현'];
        let name_ko: String = std::iter::once('벤')
            .chain(
                n.to_string()
                    .bytes()
                    .map(|d| syllables[(d - b'0') as usize]),
            )
            .collect();
        let household = json!({
            "name": format!("Bench Family {n}"), "name_ko": name_ko,
            "phone": format!("(213) {:03}-{:04}", 200 + n / 10_000 % 800, n % 10_000), "preferred_language": "ko",
            "address": {"line1": format!("{} Wilshire Blvd", 100 + n), "city": "Los Angeles", "state": "CA", "postal_code": "90010"},
            "size": 1, "annual_income": "21000.00",
            "members": [{"name": format!("Bench Applicant {n}"), "relationship": "self", "birth_year": 1958}]
        });
        let post = reqwest::Method::POST;
        let Some(created) = self
            .send(
                "household",
                post.clone(),
                "/api/v1/households",
                Some(&household),
                due,
            )
            .await
        else {
            return;
        };
        let application = json!({
            "household_id": created["id"], "site": "LA", "program": "immigration_fee",
            "lines": [{"form": "N-400", "filing": "paper", "beneficiary": format!("Bench Applicant {n}")}]
        });
        let Some(created) = self
            .send(
                "application",
                post.clone(),
                "/api/v1/applications",
                Some(&application),
                None,
            )
            .await
        else {
            return;
        };
        let path = format!("/api/v1/applications/{}/submit", created["id"]);
        if self.send("submit", post, &path, None, None).await.is_some() {
            self.samples.lock().await.intakes += 1;
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(samples: &Samples, seconds: f64, kinds: &[String]) -> String {
    let mut result = format!("RESULT seconds={seconds:.1} intakes={}", samples.intakes);
    if samples.intakes > 0 {
        result += &format!(" intakes_per_s={:.1}", samples.intakes as f64 / seconds);
    }
    let mut all: Vec<f64> = Vec::new();
    for kind in kinds {
        let rows = samples.rows.get(kind).map_or(&[][..], Vec::as_slice);
        let mut client: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let mut server: Vec<f64> = rows.iter().filter_map(|r| r.1).collect();
        client.sort_by(f64::total_cmp);
        server.sort_by(f64::total_cmp);
        all.extend(&client);
        println!(
            "{kind:<40} n={:<7} client p50 {:7.2} ms  p99 {:7.2} ms  max {:7.2} ms | server p50 {:6.2} ms  p99 {:6.2} ms",
            client.len(),
            percentile(&client, 50.0),
            percentile(&client, 99.0),
            client.last().copied().unwrap_or(f64::NAN),
            percentile(&server, 50.0),
            percentile(&server, 99.0),
        );
        let key: String = kind
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        result += &format!(
            " {key}_p50={:.2} {key}_p99={:.2} {key}_server_p50={:.2} {key}_server_p99={:.2}",
            percentile(&client, 50.0),
            percentile(&client, 99.0),
            percentile(&server, 50.0),
            percentile(&server, 99.0)
        );
    }
    all.sort_by(f64::total_cmp);
    result += &format!(
        " all_p50={:.2} all_p99={:.2} errors={}",
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        samples.errors.len()
    );
    for e in samples.errors.iter().take(5) {
        eprintln!("error: {e}");
    }
    result
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage = "load intake|reads BASE TOKEN SECONDS …  (see benches/load.rs)";
    let [mode, base, token, seconds, rest @ ..] = args.as_slice() else {
        panic!("{usage}");
    };
    let seconds: f64 = seconds.parse().expect("SECONDS");
    let load = Arc::new(Load {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
        base: base.trim_end_matches('/').to_owned(),
        token: token.clone(),
        samples: Mutex::new(Samples::default()),
        next: std::sync::atomic::AtomicU64::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() % 100_000 * 1_000),
        ),
    });
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let kinds: Vec<String>;
    match (mode.as_str(), rest) {
        ("intake", [shape, n]) if shape == "closed" => {
            let clients: u64 = n.parse().expect("CLIENTS");
            for _ in 0..clients {
                let load = load.clone();
                tasks.push(tokio::spawn(async move {
                    // At least one intake each: `SECONDS` 0 and one client is one intake.
                    loop {
                        load.intake(None).await;
                        if Instant::now() >= deadline {
                            break;
                        }
                    }
                }));
            }
            kinds = ["household", "application", "submit"]
                .map(String::from)
                .to_vec();
        }
        ("intake", [shape, rate]) if shape == "open" => {
            let rate: f64 = rate.parse().expect("RATE");
            let every = Duration::from_secs_f64(1.0 / rate);
            let mut n = 0u32;
            loop {
                let due = started + every * n;
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let load = load.clone();
                tasks.push(tokio::spawn(async move { load.intake(Some(due)).await }));
                n += 1;
            }
            kinds = ["household", "application", "submit"]
                .map(String::from)
                .to_vec();
        }
        ("reads", [clients, paths @ ..]) if !paths.is_empty() => {
            let clients: usize = clients.parse().expect("CLIENTS");
            for c in 0..clients {
                let load = load.clone();
                let paths = paths.to_vec();
                tasks.push(tokio::spawn(async move {
                    let mut i = c;
                    while Instant::now() < deadline {
                        let path = &paths[i % paths.len()];
                        load.send(path, reqwest::Method::GET, path, None, None)
                            .await;
                        i += 1;
                    }
                }));
            }
            kinds = paths.to_vec();
        }
        _ => panic!("{usage}"),
    }
    for task in tasks {
        task.await.expect("a client task");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let samples = load.samples.lock().await;
    println!("{}", report(&samples, elapsed, &kinds));
}

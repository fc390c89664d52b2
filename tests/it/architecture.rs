//! The direction of dependencies (STYLE.md, issue 13), read from the `crate::` paths in
//! `src/`: domain ← services (each capability's `mod.rs` and helpers) ← the case file's
//! read side ← edges (`api.rs`, `web.rs`, a `web/` folder) ← app. Each capability folder is
//! two nodes, its service (`payments`) and its edges (`payments::edge`); the shared
//! modules (`error`, `extract`, `web`, …) are nodes of their own.
//! `cargo test --test it architecture -- --nocapture` prints the graph.
//!
//! Both tests are ratchets: what is listed in `KNOWN_*` is what is still to be untangled.
//! A new cycle or a new service→edge use fails; so does a listed one that is gone (take it
//! off the list, so that it cannot come back).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The capabilities: each a folder with its service (`mod.rs`) and its edges.
const CAPABILITIES: &[&str] = &[
    "applications",
    "audit",
    "auth",
    "casefile",
    "dashboard",
    "eligibility",
    "fees",
    "exports",
    "funds",
    "households",
    "intake",
    "ledger",
    "payments",
    "review",
    "users",
];

/// The read side: it reads every capability, and their edges answer with what it
/// assembles, so it is left out of the graph of capability folders.
const READ_SIDE: &[&str] = &["casefile", "dashboard"];

/// Cycles still to be broken, each as its sorted nodes.
const KNOWN_CYCLES: &[&[&str]] = &[];

/// Modules that assemble the whole: they may use everything, and nothing uses them.
const ASSEMBLY: &[&str] = &["app", "cli", "demo", "doctor", "lib", "main", "openapi"];

/// Shared modules that belong to the edges: the extractors and the idempotent-request
/// wrapper. No capability's service may use them.
const EDGE_HELPERS: &[&str] = &["extract", "idempotency", "respond", "session", "web"];

/// Service files that still use an edge (`web`, `axum`, an edge helper, another
/// capability's api or web). The error type is checked with them: its HTTP answer is the
/// edge helper `respond`.
const KNOWN_SERVICE_EDGE_USES: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Whether a file of a capability is one of its edges (HTTP handlers or pages).
fn is_edge_file(relative: &Path) -> bool {
    let name = relative.file_name().unwrap().to_string_lossy();
    let in_web_folder = relative.parent().is_some_and(|p| {
        p.components()
            .any(|c| c.as_os_str() == "web" || c.as_os_str() == "api")
    });
    name == "api.rs" || name.ends_with("web.rs") || name == "middleware.rs" || in_web_folder
}

/// The node a file belongs to: `payments` (its service), `payments::edge`, or a shared
/// top-level module (`src/extract.rs` → `extract`, `src/web/form.rs` → `web`).
fn node_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
    let inside = relative.strip_prefix(first).unwrap();
    if CAPABILITIES.contains(&module.as_str()) && is_edge_file(inside) {
        format!("{module}::edge")
    } else {
        module
    }
}

/// The nodes a file names as `crate::NAME` (`crate::NAME::web`, `::api`, `::middleware`
/// and `::account_web` of a capability are its edge node).
fn uses(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .filter_map(|(at, _)| {
            let path: Vec<&str> = text[at + 7..]
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .next()?
                .split("::")
                .collect();
            let module = *path.first().filter(|m| !m.is_empty())?;
            let edge = path
                .get(1)
                .is_some_and(|second| ["api", "web", "middleware", "account_web"].contains(second));
            Some(if CAPABILITIES.contains(&module) && edge {
                format!("{module}::edge")
            } else {
                module.to_owned()
            })
        })
        .collect()
}

/// Node → the nodes its files use (the assembling modules left out).
fn node_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let node = node_of(file.strip_prefix(src()).unwrap());
        if ASSEMBLY.contains(&node.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let targets = graph.entry(node.clone()).or_default();
        for used in uses(&text) {
            if used != node && !ASSEMBLY.contains(&used.as_str()) {
                targets.insert(used);
            }
        }
    }
    graph
}

/// The strongly connected components with more than one member (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, node: &'g str) {
        let i = s.index.len();
        s.index.insert(node, i);
        s.low.insert(node, i);
        s.stack.push(node);
        s.on_stack.insert(node);
        for next in s.graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !s.index.contains_key(next) {
                visit(s, next);
                let low = s.low[node].min(s.low[next]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.low[node].min(s.index[next]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(member) = s.stack.pop() {
                s.on_stack.remove(member);
                component.push(member.to_owned());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found.sort();
    state.found
}

#[test]
fn capabilities_do_not_import_each_other_in_a_circle() {
    let graph = node_graph();
    for (from, to) in &graph {
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        println!("{from:>19} → {}", to.join(", "));
    }
    let found = cycles(&graph);
    let known: Vec<Vec<String>> = KNOWN_CYCLES
        .iter()
        .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    assert_eq!(
        found, known,
        "cycles between modules (left: now, right: KNOWN_CYCLES); a new one is a wrong-way \
         dependency, a vanished one comes off the list"
    );
}

/// The same graph by folder: a capability's service and edges together. Leaving out the
/// read side, no capability folder reaches back to itself through the others.
#[test]
fn capability_folders_do_not_import_each_other_in_a_circle() {
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let folder = |node: &str| node.split("::").next().unwrap().to_owned();
    for (from, to) in node_graph() {
        let from = folder(&from);
        if !CAPABILITIES.contains(&from.as_str()) || READ_SIDE.contains(&from.as_str()) {
            continue;
        }
        let targets = folders.entry(from.clone()).or_default();
        for used in to.iter().map(|t| folder(t)) {
            let capability = CAPABILITIES.contains(&used.as_str());
            if used != from && capability && !READ_SIDE.contains(&used.as_str()) {
                targets.insert(used);
            }
        }
    }
    for (from, to) in &folders {
        let to: Vec<&str> = to.iter().map(String::as_str).collect();
        println!("{from:>13} ⇒ {}", to.join(", "));
    }
    assert_eq!(cycles(&folders), Vec::<Vec<String>>::new());
}

#[test]
fn services_use_no_edge() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut found = BTreeSet::new();
    for file in files {
        let relative = file
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let node = node_of(file.strip_prefix(src()).unwrap());
        let is_service = CAPABILITIES.contains(&node.as_str()) || name == "error.rs";
        if !is_service {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let mut edges: Vec<String> = vec!["axum".into()];
        for helper in EDGE_HELPERS {
            edges.push(format!("crate::{helper}"));
        }
        for capability in CAPABILITIES {
            edges.push(format!("crate::{capability}::api"));
            edges.push(format!("crate::{capability}::web"));
        }
        for edge in edges {
            let named = text.match_indices(&edge).any(|(at, _)| {
                let rest = &text[at + edge.len()..];
                !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            });
            if named {
                found.insert((relative.to_string_lossy().into_owned(), edge));
            }
        }
    }
    let known: BTreeSet<(String, String)> = KNOWN_SERVICE_EDGE_USES
        .iter()
        .map(|(f, e)| ((*f).to_owned(), (*e).to_owned()))
        .collect();
    assert_eq!(
        found, known,
        "services naming an edge (left: now, right: KNOWN_SERVICE_EDGE_USES)"
    );
}

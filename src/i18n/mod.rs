//! The two catalogues (`locales/en.ftl`, `locales/ko.ftl`, in Fluent syntax) and lookups.
//! Every user-facing string comes from here. `tests` below fail when a key is in one
//! language and not the other, or when the code uses a key neither has.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::langid;

use crate::domain::{FieldErrors, Language, Problem};

pub const EN_FTL: &str = include_str!("locales/en.ftl");
pub const KO_FTL: &str = include_str!("locales/ko.ftl");

type Bundle = FluentBundle<FluentResource>;

fn bundle(source: &str, lang: unic_langid::LanguageIdentifier) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).expect("catalogue parses (checked by tests)");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Unicode isolation marks around arguments would show up in HTML attributes and CSV.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .expect("catalogue has no duplicate keys (checked by tests)");
    bundle
}

static EN: LazyLock<Bundle> = LazyLock::new(|| bundle(EN_FTL, langid!("en-US")));
static KO: LazyLock<Bundle> = LazyLock::new(|| bundle(KO_FTL, langid!("ko-KR")));

fn bundle_for(lang: Language) -> &'static Bundle {
    match lang {
        Language::En => &EN,
        Language::Ko => &KO,
    }
}

/// The message `key` in `lang`, with `args` filled in. A missing key shows as the key
/// itself (and is logged) rather than failing the page.
pub fn tr(lang: Language, key: &str, args: &[(&str, String)]) -> String {
    let bundle = bundle_for(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, %lang, "missing translation");
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    text.into_owned()
}

pub fn t(lang: Language, key: &str) -> String {
    tr(lang, key, &[])
}

/// The message `key` in `lang`, if the catalogue has it.
pub fn lookup(lang: Language, key: &str) -> Option<String> {
    let bundle = bundle_for(lang);
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned(),
    )
}

/// What a form field is called, for a list of a form's problems: `address.postal_code` is
/// "ZIP code", `members[1].birth_year` is "Person 2: Year of birth". `None` for a field the
/// catalogue has no label for (the problem is then shown alone).
pub fn field_label(lang: Language, field: &str) -> Option<String> {
    let (row, plain) = match field.split_once('[').and_then(|(list, rest)| {
        let (n, tail) = rest.split_once(']')?;
        Some((list, n.parse::<usize>().ok()?, tail.trim_start_matches('.')))
    }) {
        Some((list, n, tail)) => (
            Some(tr(
                lang,
                &format!("form-row-{list}"),
                &[("n", (n + 1).to_string())],
            )),
            tail.to_owned(),
        ),
        None => (None, field.to_owned()),
    };
    let key = |name: &str| format!("field-{}", name.replace(['.', '_'], "-"));
    let last = plain.rsplit('.').next().unwrap_or(&plain);
    let label = lookup(lang, &key(&plain)).or_else(|| lookup(lang, &key(last)));
    match (row, label) {
        (Some(row), Some(label)) => Some(format!("{row}: {label}")),
        (Some(row), None) => Some(row),
        (None, label) => label,
    }
}

/// A field problem in words.
/// A `status` argument also comes as `status_label`, the status's label in `lang`, so a
/// catalogue can name the state in the reader's words (English keeps the code).
pub fn problem(lang: Language, problem: &Problem) -> String {
    let mut args = problem.args.clone();
    if let Some((_, status)) = problem.args.iter().find(|(name, _)| *name == "status") {
        args.push(("status_label", tr(lang, &label_key("status", status), &[])));
    }
    // `roles` (`caseworker,admin`) also comes as `roles_label`, each role in `lang`.
    if let Some((_, roles)) = problem.args.iter().find(|(name, _)| *name == "roles") {
        let labels: Vec<String> = roles
            .split(',')
            .map(|r| tr(lang, &label_key("role", r), &[]))
            .collect();
        args.push(("roles_label", labels.join(&tr(lang, "or", &[]))));
    }
    let text = tr(lang, problem.key, &args);
    // A problem that is an eligibility rule's verdict names the rule first.
    match problem.args.iter().find(|(name, _)| *name == "rule") {
        Some((_, rule)) => format!("{}: {text}", tr(lang, &label_key("rulename", rule), &[])),
        None => text,
    }
}

/// Every field problem in `lang`, by field.
pub fn problems(
    lang: Language,
    errors: &FieldErrors,
) -> std::collections::BTreeMap<String, String> {
    errors
        .iter()
        .map(|(f, p)| (f.clone(), problem(lang, p)))
        .collect()
}

/// Every field problem on one line (`size: …; name: …`), for a command line or a 400.
pub fn problems_line(lang: Language, errors: &FieldErrors) -> String {
    let parts: Vec<String> = problems(lang, errors)
        .into_iter()
        .map(|(field, text)| format!("{field}: {text}"))
        .collect();
    parts.join("; ")
}

/// The catalogue key of a vocabulary value's label: `label_key("status", "needs_review")`
/// is `status-needs-review`.
pub fn label_key(prefix: &str, value: impl std::fmt::Display) -> String {
    format!("{prefix}-{}", value.to_string().replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("catalogue parses");
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en = keys(EN_FTL);
        let ko = keys(KO_FTL);
        let only_en: Vec<_> = en.difference(&ko).collect();
        let only_ko: Vec<_> = ko.difference(&en).collect();
        assert!(only_en.is_empty(), "keys missing in ko.ftl: {only_en:?}");
        assert!(only_ko.is_empty(), "keys missing in en.ftl: {only_ko:?}");
        // Building the bundles checks for duplicates.
        assert!(bundle_for(Language::En).has_message("app-name"));
        assert!(bundle_for(Language::Ko).has_message("app-name"));
    }

    /// Every literal key the code passes to `t`, `tr`, `Problem::new` or a `*_key` helper exists.
    #[test]
    fn every_key_the_code_uses_exists() {
        let en = keys(EN_FTL);
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for opener in ["t(\"", "tr(\"", "Problem::new(\"", "key: \""] {
                for (at, _) in text.match_indices(opener) {
                    let before = text[..at].chars().next_back().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' {
                        continue; // `set("…`, not `t("…`
                    }
                    let key: String = text[at + opener.len()..]
                        .chars()
                        .take_while(|c| *c != '"')
                        .collect();
                    let looks_like_key = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    if looks_like_key && !en.contains(&key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in the catalogues: {missing:#?}"
        );
    }

    /// A refused transition reads in English as the domain states it, and in Korean with
    /// the status's own label (the `-status-name` term follows the vocabulary).
    #[test]
    fn refused_transitions_read_in_both_languages() {
        use crate::domain::Status;
        use crate::domain::status::ALL_TRANSITIONS;
        for from in Status::ALL {
            for transition in ALL_TRANSITIONS.iter().copied() {
                let Err(refused) = from.apply(transition) else {
                    continue;
                };
                let said = refused.problem();
                assert_eq!(problem(Language::En, &said), refused.to_string());
                let ko = problem(Language::Ko, &said);
                let label = tr(Language::Ko, &label_key("status", from), &[]);
                assert!(ko.contains(&label), "{ko} names {label}");
                assert!(
                    !ko.contains(from.as_str()) || from.as_str() == label,
                    "{ko}"
                );
            }
        }
    }

    #[test]
    fn vocabulary_values_have_labels_in_both_languages() {
        use crate::domain::*;
        let mut labels = Vec::new();
        labels.extend(Role::ALL.iter().map(|v| label_key("role", v)));
        labels.extend(Program::ALL.iter().map(|v| label_key("program", v)));
        labels.extend(
            EmergencyCategory::ALL
                .iter()
                .map(|v| label_key("category", v)),
        );
        labels.extend(DocumentKind::ALL.iter().map(|v| label_key("document", v)));
        labels.extend(Filing::ALL.iter().map(|v| label_key("filing", v)));
        labels.extend(
            Relationship::ALL
                .iter()
                .map(|v| label_key("relationship", v)),
        );
        labels.extend(Status::ALL.iter().map(|v| label_key("status", v)));
        use crate::domain::eligibility::{Outcome, Rule};
        use crate::domain::ledger::{EntryKind, ReceiptSource};
        labels.extend(Rule::ALL.iter().map(|v| label_key("rulename", v)));
        labels.extend(Outcome::ALL.iter().map(|v| label_key("outcome", v)));
        labels.extend(EntryKind::ALL.iter().map(|v| label_key("entrykind", v)));
        labels.extend(ReceiptSource::ALL.iter().map(|v| label_key("source", v)));
        let en = keys(EN_FTL);
        let missing: Vec<_> = labels.iter().filter(|l| !en.contains(*l)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let text = tr(Language::Ko, "err-too-long", &[("max", "50".into())]);
        assert!(text.contains("50") && !text.contains('\u{2068}'), "{text}");
    }
}

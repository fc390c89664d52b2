//! Form fields with their label, the value entered, and the problem (if any) shown
//! next to the field in the user's language.

use std::collections::HashMap;

use maud::{Markup, html};

use super::Ctx;
use crate::domain::FieldErrors;

/// What was typed into a form, by field name, to show it again.
#[derive(Debug, Clone, Default)]
pub struct Values(pub HashMap<String, String>);

impl Values {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Values {
        Values(pairs.into_iter().collect())
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }

    /// `None` for a field left blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl ToString) {
        self.0.insert(name.into(), value.to_string());
    }
}

/// The form being shown: values, problems, and the page context.
pub struct Form<'a> {
    pub ctx: &'a Ctx,
    pub values: &'a Values,
    pub errors: &'a FieldErrors,
}

fn field_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl Form<'_> {
    fn error(&self, name: &str) -> Option<String> {
        self.errors
            .get(name)
            .map(|p| crate::i18n::problem(self.ctx.lang, p))
    }

    fn label(&self, id: &str, label: &str, hint: Option<&str>) -> Markup {
        html! { label for=(id) { (label) @if let Some(h) = hint { " " span class="hint" { (h) } } } }
    }

    fn error_line(&self, id: &str, name: &str) -> Markup {
        html! { @if let Some(message) = self.error(name) { p class="field-error" id={ (id) "-error" } { (message) } } }
    }

    /// The problem of a whole group of fields (`members`, `lines`, `roles`), if any. It
    /// carries the group's id, so the form's summary links to it.
    pub fn group_error(&self, name: &str) -> Markup {
        html! { @if let Some(message) = self.error(name) { p class="field-error" id=(field_id(name)) { (message) } } }
    }

    /// A text input. `kind` is the HTML input type.
    pub fn input(
        &self,
        name: &str,
        label: &str,
        kind: &str,
        hint: Option<&str>,
        required: bool,
    ) -> Markup {
        let id = field_id(name);
        let error = self.error(name);
        html! {
            div {
                (self.label(&id, label, hint))
                input type=(kind) id=(id) name=(name) value=(self.values.get(name)) required[required]
                    aria-invalid=(if error.is_some() { "true" } else { "false" })
                    aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))];
                (self.error_line(&id, name))
            }
        }
    }

    pub fn textarea(&self, name: &str, label: &str, hint: Option<&str>, required: bool) -> Markup {
        let id = field_id(name);
        let error = self.error(name);
        html! {
            div {
                (self.label(&id, label, hint))
                textarea id=(id) name=(name) required[required]
                    aria-invalid=(if error.is_some() { "true" } else { "false" })
                    aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))] { (self.values.get(name)) }
                (self.error_line(&id, name))
            }
        }
    }

    /// A choice from `options` (value, label); `blank` adds an empty first choice.
    pub fn select(
        &self,
        name: &str,
        label: &str,
        options: &[(String, String)],
        blank: Option<&str>,
        required: bool,
    ) -> Markup {
        let id = field_id(name);
        let error = self.error(name);
        let current = self.values.get(name);
        html! {
            div {
                (self.label(&id, label, None))
                select id=(id) name=(name) required[required]
                    aria-invalid=(if error.is_some() { "true" } else { "false" })
                    aria-describedby=[error.as_ref().map(|_| format!("{id}-error"))] {
                    @if let Some(b) = blank { option value="" { (b) } }
                    @for (value, text) in options {
                        option value=(value) selected[value == current] { (text) }
                    }
                }
                (self.error_line(&id, name))
            }
        }
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf(&self) -> Markup {
        html! { input type="hidden" name="csrf_token" value=(self.ctx.csrf()); }
    }

    /// A summary at the top when anything is wrong: each problem, named by its field and
    /// linked to it (the field, or a group's message), for screen readers and long forms.
    pub fn summary(&self) -> Markup {
        error_summary(self.ctx, self.errors, field_id)
    }
}

/// A form's problems at its top, each named by its field and linked to the element with
/// the id `target(field)`. Empty when nothing is wrong.
pub fn error_summary(ctx: &Ctx, errors: &FieldErrors, target: impl Fn(&str) -> String) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-box error-summary" role="alert" {
                p { strong { (ctx.t("form-has-errors")) } }
                ul {
                    @for (name, problem) in errors.iter() {
                        li { a href={ "#" (target(name)) } {
                            @if let Some(label) = crate::i18n::field_label(ctx.lang, name) { (label) ": " }
                            (crate::i18n::problem(ctx.lang, problem))
                        } }
                    }
                }
            }
        }
    }
}

/// A form shows more rows of a list (`members[i]`, `lines[i]`) than were filled, and only
/// the filled ones are parsed: problems found on the n-th parsed item are moved back to
/// the row it came from, `rows[n]`, so each message lands beside its own field.
pub fn renumber_rows(errors: FieldErrors, list: &str, rows: &[usize]) -> FieldErrors {
    let prefix = format!("{list}[");
    let mut mapped = FieldErrors::new();
    for (field, problem) in errors.iter() {
        let renamed = field
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(n, tail)| Some((rows.get(n.parse::<usize>().ok()?)?, tail)))
            .map(|(row, tail)| format!("{list}[{row}]{tail}"))
            .unwrap_or_else(|| field.clone());
        mapped.add(renamed, problem.clone());
    }
    mapped
}

/// The two languages, for a choice of language.
pub fn language_options() -> Vec<(String, String)> {
    vec![
        ("ko".to_owned(), "한국어 (Korean)".to_owned()),
        ("en".to_owned(), "English".to_owned()),
    ]
}

/// Percent-encodes a value for a query string.
pub fn url_encode(text: &str) -> String {
    form_urlencoded_encode(text)
}

fn form_urlencoded_encode(text: &str) -> String {
    serde_html_form::to_string([("v", text)])
        .map(|s| s[2..].to_owned())
        .unwrap_or_default()
}

/// Only local paths are followed after sign-in or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A path on this site: one leading `/`, then visible ASCII only. Browsers drop tabs and
/// line breaks from a `Location`, so `/\t/evil.example` would be `//evil.example`, another
/// site; a backslash reads as a slash to some; control characters cannot be a header.
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// The one-time key a money form carries, kept when the form comes back with problems,
/// so that a double submit books once.
pub fn once_key_field(values: &Values) -> Markup {
    html! { input type="hidden" name="idempotency_key" value=(values.opt("idempotency_key").unwrap_or_else(crate::auth::random_token)); }
}

/// A fresh one-time key for a money form shown without values (a row's void form).
pub fn fresh_once_key_field() -> Markup {
    once_key_field(&Values::default())
}

/// The one-time key of a money form; a form without one is booked without it.
pub fn form_key(values: &Values) -> crate::error::AppResult<crate::idempotency::IdempotencyKey> {
    values
        .opt("idempotency_key")
        .map(|k| crate::idempotency::IdempotencyKey::parse(&k))
        .transpose()
        .map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Problem;

    #[test]
    fn next_is_only_ever_a_path_on_this_site() {
        for kept in ["/", "/applications/7", "/households?q=kim&limit=5"] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for refused in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/\u{7f}",
            "/ /evil",
            "/김",
            "",
        ] {
            assert_eq!(safe_next(Some(refused)), "/", "{refused:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn problems_move_back_to_their_form_row() {
        let mut errors = FieldErrors::new();
        errors.add("lines[0].form", Problem::new("err-required"));
        errors.add("lines[1].amount", Problem::new("err-required"));
        errors.add("site", Problem::new("err-site"));
        let mapped = renumber_rows(errors, "lines", &[1, 3]);
        let fields: Vec<&str> = mapped.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["lines[1].form", "lines[3].amount", "site"]);
    }
}

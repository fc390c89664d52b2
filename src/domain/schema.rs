//! What the parsers in [`super::input`] accept, said in the OpenAPI document, so that a
//! client (and a fuzzer) knows the limits without trying them: texts without control
//! characters, not blank when required, within their length; record ids from 1; the
//! cursor's form. Rules a schema cannot say (a date not in the future, members no more
//! than the household's size) stay in the operation's description and answer 422.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::input::{LONG_TEXT, SHORT_TEXT};

/// The control characters `input::clean` refuses (Unicode `Cc`).
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// The same, less tab, line feed and carriage return, which long texts keep.
const CONTROL_MULTILINE: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F";

fn text(max: usize, required: bool, multiline: bool) -> RefOr<Schema> {
    let c = if multiline {
        CONTROL_MULTILINE
    } else {
        CONTROL
    };
    let pattern = if required {
        format!(r"^[^{c}]*[^\s{c}][^{c}]*$")
    } else {
        format!("^[^{c}]*$")
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .max_length(Some(max))
        .into()
}

/// A type that exists only to name a schema in the OpenAPI document (the handler reads
/// another type, or a plain string).
macro_rules! schema_only {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use schema_only;

schema_only! {
    /// A required line of text: at least one character that is not a space, no control
    /// characters, at most 200 characters (names, reasons).
    Text => text(SHORT_TEXT, true, false)
}

schema_only! {
    /// An optional line of text; blank counts as absent.
    OptionalText => text(SHORT_TEXT, false, false)
}

schema_only! {
    /// A required long text (a story, an override's reason): tabs and line breaks allowed,
    /// at most 4000 characters.
    LongText => text(LONG_TEXT, true, true)
}

schema_only! {
    /// An optional long text (a note, a comment); blank counts as absent.
    Note => text(LONG_TEXT, false, true)
}

schema_only! {
    /// A query-string filter: not blank (leave the parameter out instead), no NUL.
    QueryText => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[^\x00]*[^\s\x00][^\x00]*$"))
        .into()
}

schema_only! {
    /// `next_cursor` of the previous page, sent back as it came.
    Cursor => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[0-9]{1,18}$"))
        .into()
}

schema_only! {
    /// A USCIS receipt number: three letters and ten digits (`IOE0912345678`); a space or
    /// dash people type between them is dropped, letters are upper-cased.
    ReceiptNumber => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^([A-Za-z][ -]?){3}([0-9][ -]?){9}[0-9]$"))
        .examples(["IOE0912345678"])
        .into()
}

schema_only! {
    /// A date (`YYYY-MM-DD`), or blank for none.
    OptionalDate => utoipa::openapi::schema::AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(
            utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date),
        )))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^\s*$")))
        .into()
}

/// The body of a PATCH made from the body that creates the thing: no field is required,
/// and each may be null, which leaves it as it is.
pub fn changes_to(create: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = create else {
        return create;
    };
    object.required.clear();
    for property in object.properties.values_mut() {
        let given = std::mem::replace(property, ObjectBuilder::new().into());
        *property = utoipa::openapi::schema::AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(given)
            .into();
    }
    object.description = Some(description.to_owned());
    RefOr::T(Schema::Object(object))
}

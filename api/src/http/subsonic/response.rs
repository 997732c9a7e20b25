//! The `subsonic-response` envelope, in XML (the default) or JSON, from
//! one tree: every answer is built once as `Element`s and written in the
//! format the player asked for, so the two always carry the same data.
//!
//! The mapping is the specification's: an element's attributes are a JSON
//! object's scalar fields; a child element that occurs once is a nested
//! object; one that may repeat is an array (left out when empty, as
//! Subsonic servers do); an element's text is the field `value`; a list of
//! plain values (`versions`, `isrc`) is repeated text elements in XML and
//! an array of scalars in JSON.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::{Map, Value as Json};

/// The Subsonic API version implemented.
pub const API_VERSION: &str = "1.16.1";
/// The server's name, as the `type` field.
pub const SERVER_TYPE: &str = "cadenza";
const NAMESPACE: &str = "http://subsonic.org/restapi";

/// A scalar: an attribute, a text, or an item of a list of values.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Value {
    fn xml(&self) -> String {
        match self {
            Value::Str(text) => text.clone(),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Bool(b) => b.to_string(),
        }
    }

    fn json(&self) -> Json {
        match self {
            Value::Str(text) => Json::String(text.clone()),
            Value::Int(n) => Json::from(*n),
            Value::Float(x) => serde_json::Number::from_f64(*x)
                .map(Json::Number)
                .unwrap_or(Json::Null),
            Value::Bool(b) => Json::Bool(*b),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(text.to_owned())
    }
}
impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Str(text)
    }
}
impl From<&String> for Value {
    fn from(text: &String) -> Self {
        Value::Str(text.clone())
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}
impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    /// Occurs once: an object in JSON.
    One(Element),
    /// May repeat: an array in JSON.
    Many(&'static str, Vec<Element>),
    /// Plain values: an array of scalars in JSON.
    Values(&'static str, Vec<Value>),
}

/// One element of an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    name: &'static str,
    attributes: Vec<(&'static str, Value)>,
    parts: Vec<Part>,
    text: Option<Value>,
}

impl Element {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            attributes: Vec::new(),
            parts: Vec::new(),
            text: None,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The same element under another name.
    pub fn renamed(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    pub fn attr(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.attributes.push((name, value.into()));
        self
    }

    /// An attribute only when there is a value.
    pub fn opt<V: Into<Value>>(self, name: &'static str, value: Option<V>) -> Self {
        match value {
            Some(value) => self.attr(name, value),
            None => self,
        }
    }

    pub fn text(mut self, value: impl Into<Value>) -> Self {
        self.text = Some(value.into());
        self
    }

    /// A child that occurs once.
    pub fn child(mut self, child: Element) -> Self {
        self.parts.push(Part::One(child));
        self
    }

    /// Children that may repeat, all named `name`.
    pub fn list(mut self, name: &'static str, children: Vec<Element>) -> Self {
        debug_assert!(children.iter().all(|child| child.name == name));
        self.parts.push(Part::Many(name, children));
        self
    }

    /// Plain values, each a `name` element in XML.
    pub fn values(mut self, name: &'static str, values: Vec<Value>) -> Self {
        self.parts.push(Part::Values(name, values));
        self
    }

    fn write_xml(&self, out: &mut String) {
        let _ = write!(out, "<{}", self.name);
        for (name, value) in &self.attributes {
            let _ = write!(out, " {name}=\"{}\"", escape_attribute(&value.xml()));
        }
        let empty = self.text.is_none()
            && self.parts.iter().all(|part| match part {
                Part::One(_) => false,
                Part::Many(_, children) => children.is_empty(),
                Part::Values(_, values) => values.is_empty(),
            });
        if empty {
            out.push_str("/>");
            return;
        }
        out.push('>');
        if let Some(text) = &self.text {
            out.push_str(&escape(&text.xml()));
        }
        for part in &self.parts {
            match part {
                Part::One(child) => child.write_xml(out),
                Part::Many(_, children) => {
                    for child in children {
                        child.write_xml(out);
                    }
                }
                Part::Values(name, values) => {
                    for value in values {
                        let _ = write!(out, "<{name}>{}</{name}>", escape(&value.xml()));
                    }
                }
            }
        }
        let _ = write!(out, "</{}>", self.name);
    }

    fn to_json(&self) -> Json {
        let mut object = Map::new();
        for (name, value) in &self.attributes {
            object.insert((*name).to_owned(), value.json());
        }
        if let Some(text) = &self.text {
            object.insert("value".to_owned(), text.json());
        }
        for part in &self.parts {
            match part {
                Part::One(child) => {
                    object.insert(child.name.to_owned(), child.to_json());
                }
                Part::Many(name, children) if !children.is_empty() => {
                    object.insert(
                        (*name).to_owned(),
                        Json::Array(children.iter().map(Element::to_json).collect()),
                    );
                }
                Part::Values(name, values) if !values.is_empty() => {
                    object.insert(
                        (*name).to_owned(),
                        Json::Array(values.iter().map(Value::json).collect()),
                    );
                }
                Part::Many(..) | Part::Values(..) => {}
            }
        }
        Json::Object(object)
    }
}

/// XML's five escapes, without the characters XML 1.0 cannot carry at
/// all (control characters other than tab and line ends, U+FFFE, U+FFFF:
/// dropped, as a tag may hold anything).
fn escape(text: &str) -> String {
    let cleaned: std::borrow::Cow<'_, str> = if text.chars().any(unfit) {
        text.chars()
            .filter(|c| !unfit(*c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    quick_xml::escape::escape(cleaned.as_ref()).into_owned()
}

/// As `escape`, and tabs and line ends as character references: a parser
/// turns them into spaces in an attribute value otherwise (a playlist's
/// comment would lose its lines).
fn escape_attribute(text: &str) -> String {
    let escaped = escape(text);
    if !escaped.contains(['\t', '\n', '\r']) {
        return escaped;
    }
    escaped
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

fn unfit(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// The format a player asked for with `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `f`: `json` for JSON; anything else (XML is the default) is XML.
    pub fn parse(f: Option<&str>) -> Self {
        match f {
            Some(f) if f.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Xml,
        }
    }
}

/// The specification's error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Generic = 0,
    MissingParameter = 10,
    ClientTooOld = 20,
    WrongCredentials = 40,
    TokenAuthUnsupported = 41,
    MechanismUnsupported = 42,
    ConflictingMechanisms = 43,
    InvalidApiKey = 44,
    NotAuthorized = 50,
    NotFound = 70,
}

/// A failed request, as the player is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn missing(parameter: &str) -> Self {
        Self::new(
            ErrorCode::MissingParameter,
            format!("required parameter is missing: {parameter}"),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn invalid(parameter: &str, why: &str) -> Self {
        Self::new(
            ErrorCode::Generic,
            format!("parameter {parameter} is invalid: {why}"),
        )
    }
}

impl From<crate::error::ApiError> for Failure {
    fn from(err: crate::error::ApiError) -> Self {
        use crate::error::ApiError;
        match err {
            ApiError::NotFound(what) => Failure::not_found(what),
            ApiError::Unauthenticated | ApiError::InvalidCredentials | ApiError::WrongPassword => {
                Failure::new(ErrorCode::WrongCredentials, "Wrong username or password")
            }
            ApiError::Forbidden(why) => Failure::new(ErrorCode::NotAuthorized, why),
            ApiError::BadInput(why) | ApiError::Conflict(why) | ApiError::QuotaExceeded(why) => {
                Failure::new(ErrorCode::Generic, why)
            }
            ApiError::RateLimited {
                message,
                retry_after_secs,
            } => Failure::new(
                ErrorCode::Generic,
                format!("{message} (try again in {retry_after_secs} s)"),
            ),
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "an OpenSubsonic request failed");
                Failure::new(ErrorCode::Generic, "internal error")
            }
            other => Failure::new(ErrorCode::Generic, other.to_string()),
        }
    }
}

/// An answer's body: the envelope's children, filled in by a method.
pub fn body() -> Element {
    Element::new("subsonic-response")
}

/// The envelope: `body`'s children under the status and the server's
/// names, with the error first when it failed.
pub fn envelope(body: Element, failure: Option<&Failure>) -> Element {
    let mut root = body
        .attr("status", if failure.is_some() { "failed" } else { "ok" })
        .attr("version", API_VERSION)
        .attr("type", SERVER_TYPE)
        .attr("serverVersion", env!("CARGO_PKG_VERSION"))
        .attr("openSubsonic", true);
    if let Some(failure) = failure {
        root.parts.insert(
            0,
            Part::One(
                Element::new("error")
                    .attr("code", failure.code as i64)
                    .attr("message", failure.message.as_str()),
            ),
        );
    }
    root
}

/// A whole answer. The specification answers failures with HTTP 200 too:
/// players read `status`, and many treat any other status as a network
/// error.
pub fn respond(format: Format, root: &Element) -> HttpResponse {
    match format {
        Format::Xml => {
            let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
            let mut with_namespace = root.clone();
            with_namespace
                .attributes
                .insert(0, ("xmlns", NAMESPACE.into()));
            with_namespace.write_xml(&mut out);
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/xml; charset=utf-8"))
                .body(out)
        }
        Format::Json => {
            let mut outer = Map::new();
            outer.insert(root.name.to_owned(), root.to_json());
            HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .body(Json::Object(outer).to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Element {
        envelope(
            body().child(
                Element::new("album")
                    .attr("id", "al-1")
                    .attr("name", "Fish & <Chips>")
                    .attr("songCount", 2)
                    .list(
                        "song",
                        vec![
                            Element::new("song").attr("id", "s1").attr("isDir", false),
                            Element::new("song").attr("id", "s2").attr("isDir", false),
                        ],
                    )
                    .values("moods", vec!["calm".into()]),
            ),
            None,
        )
    }

    #[test]
    fn xml_carries_attributes_children_and_escapes() {
        let mut out = String::new();
        sample().write_xml(&mut out);
        assert!(
            out.starts_with(r#"<subsonic-response status="ok" version="1.16.1" type="cadenza""#)
        );
        assert!(out.contains(r#"<album id="al-1" name="Fish &amp; &lt;Chips&gt;" songCount="2">"#));
        assert!(out.contains(r#"<song id="s1" isDir="false"/><song id="s2" isDir="false"/>"#));
        assert!(out.contains("<moods>calm</moods>"));
    }

    #[test]
    fn json_has_typed_fields_objects_and_arrays() {
        let json = sample().to_json();
        assert_eq!(json["status"], "ok");
        assert_eq!(json["openSubsonic"], true);
        assert_eq!(json["album"]["songCount"], 2);
        assert_eq!(json["album"]["song"][1]["id"], "s2");
        assert_eq!(json["album"]["moods"][0], "calm");
    }

    #[test]
    fn empty_lists_are_left_out_and_failures_carry_their_code() {
        let root = envelope(
            body().list("song", vec![]),
            Some(&Failure::new(ErrorCode::NotFound, "song not found")),
        );
        let json = root.to_json();
        assert_eq!(json["status"], "failed");
        assert_eq!(json["error"]["code"], 70);
        assert!(json.get("song").is_none());
        let mut out = String::new();
        root.write_xml(&mut out);
        assert!(out.contains(r#"<error code="70" message="song not found"/>"#));
    }

    #[test]
    fn control_characters_are_dropped_from_xml() {
        assert_eq!(escape("a\u{1}b\tc\u{FFFE}\u{FFFF}d"), "ab\tcd");
        assert_eq!(
            escape_attribute("one\ntwo\r\t<"),
            "one&#10;two&#13;&#9;&lt;"
        );
    }
}

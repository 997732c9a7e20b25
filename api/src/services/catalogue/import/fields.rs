//! Reading one feed record's fields: typed access, bounds and the
//! rejections that name the field and say what was wrong.

use serde_json::{Map, Value};

use crate::domain::Isrc;

/// Why a line was rejected, in words for the partner.
pub(super) struct Reject(pub(super) String);

/// Typed access to one record's fields, with rejections that name the field.
#[derive(Clone, Copy)]
pub(super) struct Fields<'a>(pub(super) &'a Map<String, Value>);

impl<'a> Fields<'a> {
    pub(super) fn present(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }

    pub(super) fn required_str(&self, name: &str) -> Result<&'a str, Reject> {
        match self.present(name) {
            None => Err(Reject(format!("missing required field `{name}`"))),
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    pub(super) fn optional_str(&self, name: &str) -> Result<Option<&'a str>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(wrong_type(name, "a string", other)),
        }
    }

    /// A partner's id: non-empty, at most 200 characters.
    pub(super) fn partner_id(&self, name: &str) -> Result<&'a str, Reject> {
        let id = self.required_str(name)?.trim();
        if id.is_empty() || id.chars().count() > 200 {
            return Err(Reject(format!(
                "`{name}` must be between 1 and 200 characters"
            )));
        }
        Ok(id)
    }

    pub(super) fn text(&self, name: &str, max: usize) -> Result<&'a str, Reject> {
        let text = self.required_str(name)?.trim();
        check_len(name, text, max)?;
        Ok(text)
    }

    pub(super) fn optional_text(&self, name: &str, max: usize) -> Result<Option<&'a str>, Reject> {
        match self.optional_str(name)?.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => {
                check_len(name, text, max)?;
                Ok(Some(text))
            }
        }
    }

    pub(super) fn optional_url(&self, name: &str) -> Result<Option<&'a str>, Reject> {
        let url = self.optional_text(name, 2000)?;
        match url {
            Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => Err(
                Reject(format!("`{name}` must be an http:// or https:// URL")),
            ),
            _ => Ok(url),
        }
    }

    pub(super) fn required_i64(&self, name: &str, min: i64, max: i64) -> Result<i64, Reject> {
        match self.present(name) {
            None => Err(Reject(format!("missing required field `{name}`"))),
            Some(value) => integer_in(name, value, min, max),
        }
    }

    pub(super) fn required_int(&self, name: &str, min: i32, max: i32) -> Result<i32, Reject> {
        // In range of i32 by construction of the bounds.
        self.required_i64(name, min.into(), max.into())
            .map(|n| n as i32)
    }

    pub(super) fn optional_int(
        &self,
        name: &str,
        min: i32,
        max: i32,
    ) -> Result<Option<i32>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(value) => integer_in(name, value, min.into(), max.into()).map(|n| Some(n as i32)),
        }
    }

    pub(super) fn optional_bool(&self, name: &str) -> Result<Option<bool>, Reject> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(wrong_type(name, "true or false", other)),
        }
    }

    /// An ISRC (CC-XXX-YY-NNNNN), hyphens optional, stored without them in
    /// upper case.
    pub(super) fn optional_isrc(&self, name: &str) -> Result<Option<String>, Reject> {
        let Some(raw) = self.optional_text(name, 20)? else {
            return Ok(None);
        };
        match Isrc::parse(raw) {
            Some(isrc) => Ok(Some(isrc.into_string())),
            None => Err(Reject(format!(
                "`{name}` must be an ISRC such as USAR10400001, not `{}`",
                clip(raw)
            ))),
        }
    }

    pub(super) fn genres(&self, name: &str) -> Result<Vec<String>, Reject> {
        let list = match self.present(name) {
            None => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(other) => return Err(wrong_type(name, "a list of strings", other)),
        };
        if list.len() > 20 {
            return Err(Reject(format!("`{name}` may list at most 20 genres")));
        }
        let mut genres: Vec<String> = Vec::with_capacity(list.len());
        for value in list {
            let Value::String(genre) = value else {
                return Err(wrong_type(name, "a list of strings", value));
            };
            let genre = genre.trim();
            if genre.is_empty() {
                continue;
            }
            check_len(name, genre, 100)?;
            if !genres.iter().any(|known| known == genre) {
                genres.push(genre.to_owned());
            }
        }
        Ok(genres)
    }
}

fn check_len(name: &str, text: &str, max: usize) -> Result<(), Reject> {
    if text.is_empty() {
        return Err(Reject(format!("`{name}` must not be empty")));
    }
    if text.chars().count() > max {
        return Err(Reject(format!("`{name}` must be at most {max} characters")));
    }
    Ok(())
}

fn integer_in(name: &str, value: &Value, min: i64, max: i64) -> Result<i64, Reject> {
    let number = value
        .as_i64()
        .ok_or_else(|| wrong_type(name, "a whole number", value))?;
    if number < min || number > max {
        return Err(Reject(format!(
            "`{name}` must be between {min} and {max}, not {number}"
        )));
    }
    Ok(number)
}

fn wrong_type(name: &str, expected: &str, got: &Value) -> Reject {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    Reject(format!("`{name}` must be {expected}, not {got}"))
}

/// Echoes partner text back in a message, bounded.
pub(super) fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(80).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

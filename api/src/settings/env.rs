//! Reading settings from `NAME -> value` (the environment, or a map in
//! tests): every value is trimmed, an empty one counts as unset, and a
//! value that does not convert is an error naming its setting.

use thiserror::Error;

#[derive(Debug, Error)]
#[error("{name}: {problem}")]
pub struct SettingError {
    pub name: &'static str,
    pub problem: String,
}

pub(super) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    /// The value of `name`, trimmed; `None` when unset or blank.
    pub(super) fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// `name` converted, or `default` when it is unset.
    pub(super) fn or<T>(
        &self,
        name: &'static str,
        default: T,
        convert: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, SettingError> {
        Ok(self.optional(name, convert)?.unwrap_or(default))
    }

    /// `name` converted, or `None` when it is unset.
    pub(super) fn optional<T>(
        &self,
        name: &'static str,
        convert: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SettingError> {
        self.raw(name)
            .map(|value| convert(&value).map_err(|problem| SettingError { name, problem }))
            .transpose()
    }
}

pub(super) fn positive(value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{value}` is not a positive whole number"))
}

/// A positive whole number no larger than `max`.
pub(super) fn at_most(max: u64) -> impl Fn(&str) -> Result<u64, String> {
    move |value| {
        positive(value).and_then(|n| {
            if n > max {
                Err(format!("`{value}` is more than {max}"))
            } else {
                Ok(n)
            }
        })
    }
}

/// A positive whole number that fits in 32 bits.
pub(super) fn positive_u32(value: &str) -> Result<u32, String> {
    positive(value)
        .and_then(|n| u32::try_from(n).map_err(|_| format!("`{value}` is more than {}", u32::MAX)))
}

pub(super) fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("`{value}` is not true or false")),
    }
}

//! A request's parameters: the query string and, for a form POST (the
//! `formPost` extension), the body, read as one list in which a name may
//! repeat (`id=1&id=2`), as Subsonic players send lists.

use super::response::Failure;

/// The largest form body read: a playlist of thousands of ids fits.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The query string's parameters, then the form body's.
    pub fn parse(query: &str, form: Option<&[u8]>) -> Result<Self, Failure> {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| Failure::invalid("query", "it is not URL-encoded"))?;
        if let Some(form) = form {
            let more: Vec<(String, String)> = serde_urlencoded::from_bytes(form)
                .map_err(|_| Failure::invalid("body", "it is not a URL-encoded form"))?;
            pairs.extend(more);
        }
        Ok(Self(pairs))
    }

    /// The first value of `name`, if given and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Every value of `name` in order, a blank one as `None`: for lists
    /// that go with another list place by place (`scrobble`'s `time` with
    /// its `id`), where leaving a blank out would shift the rest.
    pub fn by_place(&self, name: &str) -> Vec<Option<&str>> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| Some(value.as_str()).filter(|value| !value.trim().is_empty()))
            .collect()
    }

    /// `name`, which the method needs: error 10 when missing.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name).ok_or_else(|| Failure::missing(name))
    }

    /// An optional integer; one that does not parse is an error, not a
    /// silent default.
    pub fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        self.get(name)
            .map(|raw| {
                raw.trim()
                    .parse::<i64>()
                    .map_err(|_| Failure::invalid(name, "it is not a whole number"))
            })
            .transpose()
    }

    /// An optional integer within `min..=max`.
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, Failure> {
        match self.int(name)? {
            Some(n) if n < min || n > max => Err(Failure::invalid(
                name,
                &format!("it must be between {min} and {max}"),
            )),
            other => Ok(other),
        }
    }

    /// A required integer.
    pub fn required_int(&self, name: &str) -> Result<i64, Failure> {
        self.int(name)?.ok_or_else(|| Failure::missing(name))
    }

    /// `true`/`false` (any case); absent is `default`.
    pub fn bool(&self, name: &str, default: bool) -> Result<bool, Failure> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(true),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(Failure::invalid(name, "it must be true or false")),
        }
    }

    /// A page: `count` (default `default`) from `offset`. A count above
    /// `max` is served as `max`, as players ask for "everything" with large
    /// numbers and page on by what comes back; a negative one is an error.
    pub fn window(
        &self,
        count: &str,
        offset: &str,
        default: u64,
        max: u64,
    ) -> Result<(u64, u64), Failure> {
        let count = self
            .int_in(count, 0, i64::MAX)?
            .unwrap_or(default as i64)
            .min(max as i64);
        let offset = self.int_in(offset, 0, i64::from(i32::MAX))?.unwrap_or(0);
        Ok((count.unsigned_abs(), offset.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_merge_and_names_repeat() {
        let params = Params::parse("id=a&u=joe&f=json", Some(b"id=b&id=c&name=Road+trip")).unwrap();
        assert_eq!(params.all("id"), vec!["a", "b", "c"]);
        assert_eq!(params.get("name"), Some("Road trip"));
        assert_eq!(params.required("missing").unwrap_err().code as i32, 10);
    }

    #[test]
    fn numbers_and_booleans_are_checked() {
        let params = Params::parse("size=12&offset=-1&submission=TRUE&x=abc", None).unwrap();
        assert_eq!(params.int("size").unwrap(), Some(12));
        assert!(params.int("x").is_err());
        assert!(params.int_in("offset", 0, 10).is_err());
        assert!(params.bool("submission", false).unwrap());
        assert!(params.bool("x", false).is_err());
        assert_eq!(params.window("size", "from", 10, 500).unwrap(), (12, 0));
        let large = Params::parse("size=5000&offset=3", None).unwrap();
        assert_eq!(large.window("size", "offset", 10, 500).unwrap(), (500, 3));
        assert!(params.window("offset", "size", 10, 500).is_err());
    }

    #[test]
    fn lists_by_place_keep_their_blanks() {
        let params = Params::parse("id=a&time=&id=b&time=5&time=%20", None).unwrap();
        assert_eq!(params.by_place("time"), vec![None, Some("5"), None]);
        assert_eq!(params.all("time"), vec!["5"]);
    }
}

//! International Standard Recording Codes: `CC-XXX-YY-NNNNN`, a country,
//! a registrant, a year and a designation. Catalogue feeds and file tags
//! both carry them; matching an upload to the catalogue trusts them first.

use std::fmt;

/// An ISRC, stored without hyphens in upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Isrc(String);

impl Isrc {
    /// Hyphens are optional and case is ignored; anything that is not
    /// twelve characters of the right classes is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let code: String = raw
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = code.as_bytes();
        let valid = bytes.len() == 12
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
            && bytes[5..].iter().all(u8::is_ascii_digit);
        valid.then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Isrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrcs_parse_with_or_without_hyphens() {
        assert_eq!(
            Isrc::parse("us-ar1-04-00001").map(Isrc::into_string),
            Some("USAR10400001".to_owned())
        );
        assert_eq!(
            Isrc::parse("USAR10400001").map(Isrc::into_string),
            Some("USAR10400001".to_owned())
        );
        for bad in [
            "",
            "USAR1040000",
            "USAR104000011",
            "1SAR10400001",
            "USAR1040000X",
            "US#R10400001",
        ] {
            assert_eq!(Isrc::parse(bad), None, "{bad}");
        }
    }
}

//! How the server meets the web: where it listens, which other origins'
//! pages may call it, which documents it runs, who the client is behind a
//! proxy, and where the web app's files come from.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::env::{Env, SettingError};

#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// `CADENZA_BIND`.
    pub bind: SocketAddr,
    /// Origins whose pages may call the API from a browser
    /// (`CADENZA_CORS_ORIGINS`); empty: this origin only.
    pub cors_origins: Vec<Origin>,
    /// Which documents callers may run (`CADENZA_TRUSTED_DOCUMENTS`).
    pub trusted_documents: TrustedDocuments,
    /// A request header holding the client's address, set by a proxy in
    /// front (`CADENZA_CLIENT_IP_HEADER`, e.g. `X-Real-IP`); `None`: the
    /// peer address of the connection.
    pub client_ip_header: Option<String>,
    /// Serve the web app from this folder, read at each request, instead of
    /// the copy embedded in the binary (`CADENZA_WEB_DIR`): for working on
    /// the app without rebuilding the server.
    pub web_dir: Option<PathBuf>,
    /// An OpenTelemetry collector's OTLP/HTTP address
    /// (`CADENZA_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:4318`): each
    /// request's span is sent to its `/v1/traces`. `None`: nothing is sent.
    pub otlp_endpoint: Option<String>,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            cors_origins: Vec::new(),
            trusted_documents: TrustedDocuments::Off,
            client_ip_header: None,
            web_dir: None,
            otlp_endpoint: None,
        }
    }
}

impl HttpSettings {
    pub(super) fn read(env: &Env<'_>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        Ok(Self {
            bind: env.or("CADENZA_BIND", defaults.bind, |value| {
                value
                    .parse::<SocketAddr>()
                    .map_err(|_| format!("`{value}` is not an address like {DEFAULT_BIND}"))
            })?,
            cors_origins: env.or("CADENZA_CORS_ORIGINS", defaults.cors_origins, |value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(Origin::parse)
                    .collect()
            })?,
            trusted_documents: env.or(
                "CADENZA_TRUSTED_DOCUMENTS",
                defaults.trusted_documents,
                TrustedDocuments::parse,
            )?,
            client_ip_header: env.raw("CADENZA_CLIENT_IP_HEADER"),
            web_dir: env.raw("CADENZA_WEB_DIR").map(PathBuf::from),
            otlp_endpoint: env.or("CADENZA_OTLP_ENDPOINT", None, |value| {
                let endpoint = value.trim().trim_end_matches('/');
                if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
                    Ok(Some(endpoint.to_owned()))
                } else {
                    Err(format!(
                        "`{value}` is not an OTLP/HTTP address like http://127.0.0.1:4318"
                    ))
                }
            })?,
        })
    }
}

/// A web origin as browsers send it in `Origin`: scheme, host and a port
/// other than the scheme's own, lower-cased, with nothing after.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{raw}` is not an origin like https://shop.example: {why}");
        let lower = raw.trim().to_ascii_lowercase();
        let (scheme, rest) = lower
            .split_once("://")
            .ok_or_else(|| bad("it has no scheme"))?;
        let default_port = match scheme {
            "https" => "443",
            "http" => "80",
            _ => return Err(bad("the scheme must be http or https")),
        };
        if rest.contains(['/', '?', '#', '@']) {
            return Err(bad("an origin has no path, query, fragment or user"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            // An IPv6 address is bracketed; its colons are not a port.
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (rest, None),
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("it has no host"));
        }
        match port {
            Some(port) if port.parse::<u16>().map_or(true, |p| p == 0) => {
                Err(bad("its port is not a number from 1 to 65535"))
            }
            Some(port) if port == default_port => Ok(Self(format!("{scheme}://{host}"))),
            Some(port) => Ok(Self(format!("{scheme}://{host}:{port}"))),
            None => Ok(Self(format!("{scheme}://{host}"))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which GraphQL documents callers may run (trusted documents, or
/// safelisting): see `docs/api.md`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrustedDocuments {
    /// Any document; the trusted documents are not consulted.
    #[default]
    Off,
    /// Any document; a trusted document may also be sent by its id alone.
    Prefer,
    /// Only trusted documents, by id or identical text, except for
    /// administrators and API keys.
    Require,
}

impl TrustedDocuments {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            _ => Err(format!("`{raw}` is not off, prefer or require")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Prefer => "prefer",
            Self::Require => "require",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_read_as_browsers_send_them() {
        for (raw, origin) in [
            ("https://shop.example", "https://shop.example"),
            ("HTTPS://Shop.Example:443", "https://shop.example"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("http://[::1]:8081", "http://[::1]:8081"),
            ("http://[::1]", "http://[::1]"),
        ] {
            assert_eq!(Origin::parse(raw).unwrap().as_str(), origin, "{raw}");
        }
        for bad in [
            "shop.example",
            "https://shop.example/",
            "https://shop.example/path",
            "ftp://shop.example",
            "https://",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://user@shop.example",
            "*",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}

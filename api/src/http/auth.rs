//! Who is calling, read in one place for every route: the credentials of a
//! request (a bearer token, in any case of `Bearer` as RFC 7235 allows, or
//! a partner's API key), the principal they prove, and the client's
//! address. Signed URLs carry their own proof, checked by their routes
//! with the services that signed them; `connection_init` payloads are read
//! by `init_credentials`.

use actix_web::http::header::{self, HeaderMap};
use actix_web::HttpRequest;

use crate::auth::{bearer_credentials, Principal};
use crate::domain::UserId;
use crate::error::ApiResult;
use crate::services::Services;
use crate::settings::HttpSettings;

/// What a request presents.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials<'a> {
    None,
    Bearer(&'a str),
    ApiKey(&'a str),
    /// An `Authorization` header that is not `Bearer <token>`, or one that
    /// is not text.
    Unreadable,
}

pub fn credentials(headers: &HeaderMap) -> Credentials<'_> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return match value.to_str().ok().and_then(bearer_credentials) {
            Some(token) => Credentials::Bearer(token),
            None => Credentials::Unreadable,
        };
    }
    match headers.get("x-api-key").map(|value| value.to_str()) {
        Some(Ok(secret)) if !secret.trim().is_empty() => Credentials::ApiKey(secret.trim()),
        Some(_) => Credentials::Unreadable,
        None => Credentials::None,
    }
}

/// The principal a GraphQL request's credentials prove. A token that does
/// not verify (expired, forged) or an unknown key is anonymous: the
/// operations that need someone then say UNAUTHENTICATED.
pub async fn principal(headers: &HeaderMap, services: &Services) -> ApiResult<Principal> {
    Ok(match credentials(headers) {
        Credentials::Bearer(token) => services
            .accounts
            .access_tokens()
            .verify(token)
            .unwrap_or(Principal::Anonymous),
        Credentials::ApiKey(secret) => services
            .api_keys
            .authenticate(secret)
            .await?
            .unwrap_or(Principal::Anonymous),
        Credentials::None | Credentials::Unreadable => Principal::Anonymous,
    })
}

/// The person a bearer token proves, for routes that only people use.
pub fn signed_in_user(headers: &HeaderMap, services: &Services) -> Option<UserId> {
    match credentials(headers) {
        Credentials::Bearer(token) => services.accounts.access_tokens().verify(token)?.user_id(),
        _ => None,
    }
}

/// What a subscription socket's `connection_init` payload presents:
/// `Authorization` (its name and its scheme in any case).
pub fn init_credentials(payload: &serde_json::Value) -> Credentials<'_> {
    let Some(object) = payload.as_object() else {
        return Credentials::None;
    };
    let Some(value) = object
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value)
    else {
        return Credentials::None;
    };
    match value.as_str().and_then(bearer_credentials) {
        Some(token) => Credentials::Bearer(token),
        None => Credentials::Unreadable,
    }
}

/// The client's address: the configured proxy header's last hop (its last
/// line), or the connection's peer when there is none.
pub fn client_address(req: &HttpRequest, http: &HttpSettings) -> Option<String> {
    let peer = || req.peer_addr().map(|peer| peer.ip().to_string());
    let Some(name) = &http.client_ip_header else {
        return peer();
    };
    // The last line of the header and its last hop: what the proxy in
    // front added. A client's own lines come before it (some proxies add
    // a line rather than extend one), and are never believed.
    req.headers()
        .get_all(name.as_str())
        .last()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .map(|hop| hop.trim().to_owned())
        .filter(|hop| !hop.is_empty())
        .or_else(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn credentials_are_read_in_any_case_of_the_scheme() {
        for value in ["Bearer abc", "bearer abc", "BEARER   abc ", " Bearer abc"] {
            assert_eq!(
                credentials(&headers(&[("authorization", value)])),
                Credentials::Bearer("abc"),
                "{value}"
            );
        }
        for value in ["Basic abc", "Bearer", "Bearer ", "abc", "Bearerabc"] {
            assert_eq!(
                credentials(&headers(&[("authorization", value)])),
                Credentials::Unreadable,
                "{value}"
            );
        }
        assert_eq!(
            credentials(&headers(&[("x-api-key", " secret ")])),
            Credentials::ApiKey("secret")
        );
        assert_eq!(credentials(&headers(&[])), Credentials::None);
        // Authorization wins over a key, as it always did.
        assert_eq!(
            credentials(&headers(&[
                ("authorization", "Bearer t"),
                ("x-api-key", "k")
            ])),
            Credentials::Bearer("t")
        );
    }

    #[test]
    fn connection_init_payloads_are_read_the_same_way() {
        use serde_json::json;
        let read = |payload: serde_json::Value| match init_credentials(&payload) {
            Credentials::Bearer(token) => Some(token.to_owned()),
            Credentials::None => None,
            _ => Some("unreadable".into()),
        };
        assert_eq!(
            read(json!({ "Authorization": "Bearer t" })).as_deref(),
            Some("t")
        );
        assert_eq!(
            read(json!({ "authorization": "bearer t" })).as_deref(),
            Some("t")
        );
        assert_eq!(
            read(json!({ "AUTHORIZATION": "BEARER t" })).as_deref(),
            Some("t")
        );
        assert_eq!(
            read(json!({ "Authorization": 3 })).as_deref(),
            Some("unreadable")
        );
        assert_eq!(
            read(json!({ "Authorization": "Basic x" })).as_deref(),
            Some("unreadable")
        );
        assert_eq!(read(json!({})), None);
        assert_eq!(read(json!(null)), None);
    }
}

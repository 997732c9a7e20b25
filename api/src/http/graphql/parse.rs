//! GraphQL requests as HTTP carries them: the parameters of a GET, the JSON
//! body of a POST (one request or a batch), the `operations` of a multipart
//! upload. Every parameter is checked for its type here, so a malformed
//! request is refused with the spec's status before any work is done.

use actix_web::http::StatusCode;
use async_graphql::Variables;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::graphql::pipeline::{persisted_hash, Incoming};

/// A refusal of the request as a whole, with its HTTP status.
pub type RequestFailure = (StatusCode, ApiError);

/// One request, or a batch of them.
#[derive(Debug)]
pub enum Batch<T> {
    Single(T),
    Many(Vec<T>),
}

impl<T> Batch<T> {
    pub fn len(&self) -> usize {
        match self {
            Batch::Single(_) => 1,
            Batch::Many(items) => items.len(),
        }
    }

    /// The same shape, each item converted.
    pub async fn map_async<U, F>(self, convert: impl Fn(T) -> F) -> Batch<U>
    where
        F: std::future::Future<Output = U>,
    {
        match self {
            Batch::Single(item) => Batch::Single(convert(item).await),
            Batch::Many(items) => {
                let mut converted = Vec::with_capacity(items.len());
                for item in items {
                    converted.push(convert(item).await);
                }
                Batch::Many(converted)
            }
        }
    }
}

/// The query string of a GET.
#[derive(serde::Deserialize, Default)]
pub struct GetParams {
    pub query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

impl GetParams {
    pub fn read(query_string: &str) -> Result<Self, ApiError> {
        actix_web::web::Query::<Self>::from_query(query_string)
            .map(actix_web::web::Query::into_inner)
            .map_err(|_| ApiError::bad_input("the query string could not be read"))
    }
}

/// A GET's parameters as a request: `variables` and `extensions` are JSON
/// in the query string.
pub fn from_get(params: GetParams) -> Result<Incoming, ApiError> {
    let mut object = Map::new();
    if let Some(query) = params.query {
        object.insert("query".into(), Value::String(query));
    }
    if let Some(name) = params.operation_name {
        object.insert("operationName".into(), Value::String(name));
    }
    if let Some(id) = params.document_id {
        object.insert("documentId".into(), Value::String(id));
    }
    for (key, raw) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(raw) = raw {
            let value = serde_json::from_str::<Value>(&raw)
                .map_err(|_| ApiError::bad_input(format!("`{key}` must be a JSON object")))?;
            object.insert(key.into(), value);
        }
    }
    incoming(object)
}

/// A JSON body (or a multipart upload's `operations`): one request or a
/// batch of at most `max_batch`.
pub fn from_json(value: Value, max_batch: usize) -> Result<Batch<Incoming>, RequestFailure> {
    let bad = |err: ApiError| (StatusCode::BAD_REQUEST, err);
    match value {
        Value::Object(object) => Ok(Batch::Single(incoming(object).map_err(bad)?)),
        Value::Array(list) => {
            if list.is_empty() {
                return Err(bad(ApiError::bad_input("the batch is empty")));
            }
            if list.len() > max_batch {
                return Err(bad(ApiError::QueryTooComplex(format!(
                    "a batch may hold at most {max_batch} operations, this one holds {}",
                    list.len()
                ))));
            }
            let requests = list
                .into_iter()
                .map(|item| match item {
                    Value::Object(object) => incoming(object),
                    _ => Err(ApiError::bad_input(
                        "each request of a batch must be a JSON object",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            Ok(Batch::Many(requests))
        }
        _ => Err(bad(ApiError::bad_input(
            "the request body must be a JSON object",
        ))),
    }
}

/// One request from its JSON parameters, each checked for its type.
fn incoming(mut object: Map<String, Value>) -> Result<Incoming, ApiError> {
    let text = |object: &mut Map<String, Value>, key: &str| match object.remove(key) {
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(ApiError::bad_input(format!("`{key}` must be a string"))),
    };
    let query = text(&mut object, "query")?;
    let operation_name = text(&mut object, "operationName")?;
    let document_id = text(&mut object, "documentId")?;
    let variables = match object.remove("variables") {
        Some(Value::Object(variables)) => Variables::from_json(Value::Object(variables)),
        Some(Value::Null) | None => Variables::default(),
        Some(_) => return Err(ApiError::bad_input("`variables` must be a JSON object")),
    };
    let persisted_hash = match object.remove("extensions") {
        Some(Value::Object(extensions)) => extensions
            .get("persistedQuery")
            .map(persisted_hash)
            .transpose()?,
        Some(Value::Null) | None => None,
        Some(_) => return Err(ApiError::bad_input("`extensions` must be a JSON object")),
    };
    Ok(Incoming {
        query,
        operation_name,
        variables,
        persisted_hash,
        document_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(result: Result<Batch<Incoming>, RequestFailure>) -> (u16, &'static str) {
        let (status, err) = result.unwrap_err();
        (status.as_u16(), err.code())
    }

    #[test]
    fn a_request_is_read_with_its_parts() {
        let Batch::Single(request) = from_json(
            json!({
                "query": "query Q($n: Int) { genres { name } }",
                "operationName": "Q",
                "variables": { "n": 2 },
                "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "ab" } },
            }),
            10,
        )
        .unwrap() else {
            panic!("one request")
        };
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(request.persisted_hash.as_deref(), Some("ab"));
        assert_eq!(
            request.variables.into_value().into_json().unwrap(),
            json!({ "n": 2 })
        );
        let Batch::Single(request) =
            from_json(json!({ "documentId": "sha256:abc", "variables": null }), 10).unwrap()
        else {
            panic!("one request")
        };
        assert_eq!(request.document_id.as_deref(), Some("sha256:abc"));
        assert_eq!(request.query, None);
    }

    #[test]
    fn parameters_of_the_wrong_type_are_refused() {
        for body in [
            json!({ "query": 1 }),
            json!({ "query": "{ a }", "operationName": 2 }),
            json!({ "query": "{ a }", "variables": [] }),
            json!({ "query": "{ a }", "extensions": "x" }),
            json!({ "query": "{ a }", "extensions": { "persistedQuery": { "version": 2 } } }),
            json!("query"),
            json!([]),
            json!([1]),
        ] {
            assert_eq!(
                code(from_json(body.clone(), 10)),
                (400, "BAD_USER_INPUT"),
                "{body}"
            );
        }
        let many = json!([{ "query": "{ a }" }, { "query": "{ b }" }, { "query": "{ c }" }]);
        assert_eq!(code(from_json(many, 2)), (400, "QUERY_TOO_COMPLEX"));
    }

    #[test]
    fn get_parameters_carry_json_in_text() {
        let params = GetParams::read(
            "query=%7B%20a%20%7D&variables=%7B%22n%22%3A1%7D&extensions=%7B%7D&operationName=Q",
        )
        .unwrap();
        let request = from_get(params).unwrap();
        assert_eq!(request.query.as_deref(), Some("{ a }"));
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        let bad = GetParams::read("query=%7Ba%7D&variables=not-json").unwrap();
        assert_eq!(from_get(bad).unwrap_err().code(), "BAD_USER_INPUT");
    }
}

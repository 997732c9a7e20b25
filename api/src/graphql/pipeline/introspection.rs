//! What introspection answers of the schema itself. async-graphql answers
//! `__schema { description }` with a sentence of its own about GraphQL
//! schemas in general; Cadenza's schema has no description, so the answer
//! is null, as the exported SDL says.

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition};
use async_graphql::{Name, Value};

use super::operation::root_keys;

/// Sets every `__schema { description }` the operation selected, under
/// whatever aliases, to null.
pub fn clear_schema_description(
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    data: &mut Value,
) {
    let Value::Object(root) = data else {
        return;
    };
    for (schema_key, selections) in root_keys(document, &operation.selection_set.node, "__schema") {
        let Some(Value::Object(schema)) = root.get_mut(schema_key.as_str()) else {
            continue;
        };
        for (key, _) in root_keys(document, selections, "description") {
            if let Some(description) = schema.get_mut(&Name::new(key)) {
                *description = Value::Null;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn the_description_is_cleared_under_any_alias() {
        let document = parse_query(
            "{ s: __schema { d: description queryType { name } } __schema { description } }",
        )
        .unwrap();
        let operation = super::super::operation::select(&document, None).unwrap();
        let mut data = Value::from_json(serde_json::json!({
            "s": { "d": "A GraphQL Schema defines…", "queryType": { "name": "Query" } },
            "__schema": { "description": "A GraphQL Schema defines…" },
        }))
        .unwrap();
        clear_schema_description(&document, operation, &mut data);
        assert_eq!(
            data.into_json().unwrap(),
            serde_json::json!({
                "s": { "d": null, "queryType": { "name": "Query" } },
                "__schema": { "description": null },
            })
        );
    }
}

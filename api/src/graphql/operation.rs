//! What an operation is, read from its parsed document: its type and the
//! root fields it selects (through fragments too), for the checks the HTTP
//! layer makes before anything runs.

use std::collections::HashSet;

use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};

/// The operation a request runs: the one named, or the only one.
pub fn selected<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match operation_name {
        Some(name) => document
            .operations
            .iter()
            .find(|(op_name, _)| op_name.map(|n| n.as_str()) == Some(name))
            .map(|(_, op)| &op.node),
        None => document.operations.iter().next().map(|(_, op)| &op.node),
    }
}

/// True when the operation the request would run is a mutation.
pub fn is_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    selected(document, operation_name).map(|op| op.ty) == Some(OperationType::Mutation)
}

/// The names of the root fields the operation selects, once per selection:
/// `a: login(..) b: login(..)` is `login` twice. Fields reached through
/// inline fragments and fragment spreads count; a fragment that spreads
/// itself is followed once.
pub fn root_fields(document: &ExecutableDocument, operation_name: Option<&str>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(operation) = selected(document, operation_name) {
        let mut entered = HashSet::new();
        collect(
            document,
            &operation.selection_set.node,
            &mut entered,
            &mut names,
        );
    }
    names
}

fn collect(
    document: &ExecutableDocument,
    selections: &SelectionSet,
    entered: &mut HashSet<String>,
    names: &mut Vec<String>,
) {
    for selection in &selections.items {
        match &selection.node {
            Selection::Field(field) => names.push(field.node.name.node.to_string()),
            Selection::InlineFragment(fragment) => {
                collect(document, &fragment.node.selection_set.node, entered, names)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if !entered.insert(name.clone()) {
                    continue;
                }
                if let Some(fragment) = document.fragments.get(name.as_str()) {
                    collect(document, &fragment.node.selection_set.node, entered, names);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn fields(query: &str, name: Option<&str>) -> Vec<String> {
        root_fields(&parse_query(query).unwrap(), name)
    }

    #[test]
    fn root_fields_are_found_through_aliases_and_fragments() {
        assert_eq!(
            fields(
                "mutation { a: login(email: \"x\", password: \"y\") ... on Mutation { login(email: \"x\", password: \"y\") { accessToken } } ...F } \
                 fragment F on Mutation { refreshToken(token: \"t\") { accessToken } ...F }",
                None
            ),
            ["login", "login", "refreshToken"]
        );
    }

    #[test]
    fn the_named_operation_is_the_one_read() {
        let query =
            "query Q { genres { name } } mutation M { register(input: {}) { user { id } } }";
        let document = parse_query(query).unwrap();
        assert!(!is_mutation(&document, Some("Q")));
        assert!(is_mutation(&document, Some("M")));
        assert_eq!(fields(query, Some("M")), ["register"]);
        assert_eq!(fields(query, Some("nope")), Vec::<String>::new());
    }
}

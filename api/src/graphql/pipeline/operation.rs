//! Which operation of a document a request runs, and what it is: its type
//! and the root fields it selects (through fragments too). The one place
//! that chooses, so every check agrees with what executes.

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};

/// The operation a request runs, as the GraphQL spec chooses it
/// (GetOperation): the one named, or the document's only one. `None` when
/// there is no such operation; execution then reports why.
pub fn select<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(&operation.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The type of the operation the request runs, if one is chosen.
pub fn kind(document: &ExecutableDocument, operation_name: Option<&str>) -> Option<OperationType> {
    select(document, operation_name).map(|operation| operation.ty)
}

/// The names of the root fields an operation selects, once per selection:
/// `a: login(..) b: login(..)` is `login` twice. Fields reached through
/// inline fragments and fragment spreads count; a fragment that spreads
/// itself is followed once.
pub fn root_fields(document: &ExecutableDocument, operation: &OperationDefinition) -> Vec<String> {
    let mut names = Vec::new();
    let mut entered = HashSet::new();
    collect(
        document,
        &operation.selection_set.node,
        &mut entered,
        &mut |name, _| names.push(name.to_owned()),
    );
    names
}

/// The response keys (alias, else name) under which an operation's root
/// selections named `field` appear, and their selection sets.
pub fn root_keys<'a>(
    document: &'a ExecutableDocument,
    selections: &'a SelectionSet,
    field: &str,
) -> Vec<(String, &'a SelectionSet)> {
    let mut keys = Vec::new();
    let mut entered = HashSet::new();
    collect_fields(document, selections, &mut entered, &mut |selected| {
        if selected.name.node == field {
            let key = selected
                .alias
                .as_ref()
                .map_or_else(|| selected.name.node.to_string(), |a| a.node.to_string());
            keys.push((key, &selected.selection_set.node));
        }
    });
    keys
}

fn collect<'a>(
    document: &'a ExecutableDocument,
    selections: &'a SelectionSet,
    entered: &mut HashSet<String>,
    found: &mut impl FnMut(&str, &'a SelectionSet),
) {
    collect_fields(document, selections, entered, &mut |field| {
        found(field.name.node.as_str(), &field.selection_set.node)
    });
}

fn collect_fields<'a>(
    document: &'a ExecutableDocument,
    selections: &'a SelectionSet,
    entered: &mut HashSet<String>,
    found: &mut impl FnMut(&'a async_graphql::parser::types::Field),
) {
    for selection in &selections.items {
        match &selection.node {
            Selection::Field(field) => found(&field.node),
            Selection::InlineFragment(fragment) => {
                collect_fields(document, &fragment.node.selection_set.node, entered, found)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if !entered.insert(name.clone()) {
                    continue;
                }
                if let Some(fragment) = document.fragments.get(name.as_str()) {
                    collect_fields(document, &fragment.node.selection_set.node, entered, found);
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
        let document = parse_query(query).unwrap();
        select(&document, name)
            .map(|operation| root_fields(&document, operation))
            .unwrap_or_default()
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
    fn the_operation_is_chosen_as_the_spec_says() {
        let query =
            "query Q { genres { name } } mutation M { register(input: {}) { user { id } } }";
        let document = parse_query(query).unwrap();
        assert_eq!(kind(&document, Some("Q")), Some(OperationType::Query));
        assert_eq!(kind(&document, Some("M")), Some(OperationType::Mutation));
        assert_eq!(fields(query, Some("M")), ["register"]);
        // Several operations and no name: none is chosen (the first used to
        // be, while execution refused the request).
        assert_eq!(kind(&document, None), None);
        assert_eq!(kind(&document, Some("nope")), None);
        // One operation, named: it runs with or without its name.
        let one = parse_query("mutation Only { logout }").unwrap();
        assert_eq!(kind(&one, None), Some(OperationType::Mutation));
        assert_eq!(kind(&one, Some("Only")), Some(OperationType::Mutation));
        assert_eq!(kind(&one, Some("Other")), None);
        // An anonymous one cannot be asked for by a name.
        let anonymous = parse_query("{ genres { name } }").unwrap();
        assert_eq!(kind(&anonymous, None), Some(OperationType::Query));
        assert_eq!(kind(&anonymous, Some("Q")), None);
    }

    #[test]
    fn root_keys_follow_aliases() {
        let document =
            parse_query("{ s: __schema { description } ...F } fragment F on Query { __schema { types { name } } }")
                .unwrap();
        let operation = select(&document, None).unwrap();
        let keys: Vec<String> = root_keys(&document, &operation.selection_set.node, "__schema")
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["s", "__schema"]);
    }
}

//! The function registry, `shared/routes.json`: every Lambda function of the chat, the route it
//! serves and what it may do. The CDK stack derives each function and its IAM from it; here it
//! gives the local gateway its route selection and the tests their lists of routes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The raw registry, as the CDK app and the Makefile read it too.
pub const ROUTES_JSON: &str = include_str!("../routes.json");

/// API Gateway's route for what no other route takes.
pub const DEFAULT_ROUTE: &str = "$default";

#[derive(Debug, Clone, Deserialize)]
pub struct Registry {
    pub functions: Vec<FunctionSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FunctionKind {
    /// A route integration of the WebSocket API.
    Route,
    /// The `$connect` route's Lambda authorizer.
    Authorizer,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionSpec {
    /// The binary, its cargo-lambda output directory, its folder under `functions/`.
    pub name: String,
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub kind: FunctionKind,
    pub route_key: String,
    /// The `action` values this function serves (`$request.body.action`).
    pub actions: Vec<String>,
    /// Whether the function's returned body goes back to the caller as the route response.
    pub two_way: bool,
    pub posts_to_connections: bool,
    pub description: String,
    /// DynamoDB actions per table (`clients`) or index (`messages/index/byConversation`).
    pub dynamodb: BTreeMap<String, Vec<String>>,
    /// S3 actions on the media bucket's objects.
    pub s3: Vec<String>,
}

impl FunctionSpec {
    pub fn is_route(&self) -> bool {
        self.kind == FunctionKind::Route
    }
}

impl Registry {
    /// The registry compiled into this binary (a test checks that it parses).
    pub fn get() -> &'static Self {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            serde_json::from_str(ROUTES_JSON).unwrap_or_else(|e| panic!("invalid routes.json: {e}"))
        })
    }

    /// The route functions, in registry order.
    pub fn routes(&self) -> impl Iterator<Item = &FunctionSpec> {
        self.functions.iter().filter(|f| f.is_route())
    }

    pub fn function(&self, name: &str) -> Option<&FunctionSpec> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// Every action some route serves, `ping` included.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.routes()
            .flat_map(|f| f.actions.iter().map(String::as_str))
    }

    /// The route API Gateway selects for a body's `action` (route selection
    /// `$request.body.action`): the route whose key it is, else `$default`.
    pub fn route_key_for(&self, action: &str) -> &str {
        self.routes()
            .find(|f| !f.route_key.starts_with('$') && f.route_key == action)
            .map_or(DEFAULT_ROUTE, |f| f.route_key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::schema::Tables;

    fn crates_under_functions() -> BTreeSet<(String, String)> {
        let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
        std::fs::read_dir(&functions)
            .expect("functions/ exists")
            .map(|entry| entry.expect("readable entry").path())
            .filter(|dir| dir.join("Cargo.toml").exists())
            .map(|dir| {
                let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
                let package = manifest
                    .lines()
                    .find_map(|line| line.strip_prefix("name = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("{} names no package", dir.display()))
                    .to_owned();
                let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
                (folder, package)
            })
            .collect()
    }

    #[test]
    fn every_function_crate_has_an_entry_and_every_entry_a_crate() {
        let registered: BTreeSet<(String, String)> = Registry::get()
            .functions
            .iter()
            .map(|f| (f.name.clone(), f.crate_name.clone()))
            .collect();
        let crates = crates_under_functions();
        let unregistered: Vec<_> = crates.difference(&registered).collect();
        let missing: Vec<_> = registered.difference(&crates).collect();
        assert!(
            unregistered.is_empty(),
            "crates under functions/ without an entry in shared/routes.json \
             (folder, package): {unregistered:?}; see docs/adding-a-route.md"
        );
        assert!(
            missing.is_empty(),
            "entries of shared/routes.json without a crate under functions/: {missing:?}"
        );
    }

    #[test]
    fn route_keys_and_actions_are_unique_and_custom_routes_serve_their_own_action() {
        let registry = Registry::get();
        let mut keys = BTreeSet::new();
        for route in registry.routes() {
            assert!(
                keys.insert(&route.route_key),
                "two routes on {}",
                route.route_key
            );
            if !route.route_key.starts_with('$') {
                assert_eq!(
                    route.actions,
                    std::slice::from_ref(&route.route_key),
                    "{}",
                    route.name
                );
            }
        }
        let actions: Vec<_> = registry.actions().collect();
        let unique: BTreeSet<_> = actions.iter().collect();
        assert_eq!(actions.len(), unique.len(), "an action served twice");
        let authorizers: Vec<_> = registry
            .functions
            .iter()
            .filter(|f| f.kind == FunctionKind::Authorizer)
            .collect();
        assert_eq!(authorizers.len(), 1);
        assert_eq!(authorizers[0].route_key, "$connect");
        assert!(authorizers[0].dynamodb.is_empty() && authorizers[0].s3.is_empty());
    }

    #[test]
    fn table_access_names_tables_and_indexes_that_exist() {
        let tables = Tables::load().unwrap();
        let by_key = [
            ("clients", &tables.clients),
            ("messages", &tables.messages),
            ("conversations", &tables.conversations),
        ];
        for function in &Registry::get().functions {
            for (resource, actions) in &function.dynamodb {
                let (table, index) = match resource.split_once("/index/") {
                    Some((table, index)) => (table, Some(index)),
                    None => (resource.as_str(), None),
                };
                let (_, definition) = by_key
                    .iter()
                    .find(|(key, _)| *key == table)
                    .unwrap_or_else(|| panic!("{}: no table {table}", function.name));
                if let Some(index) = index {
                    assert!(
                        definition
                            .global_secondary_indexes
                            .iter()
                            .any(|i| i.index_name == index),
                        "{}: no index {resource}",
                        function.name
                    );
                }
                assert!(!actions.is_empty(), "{}: empty grant", function.name);
                assert!(actions.iter().all(|a| a.starts_with("dynamodb:")));
            }
            assert!(function.s3.iter().all(|a| a.starts_with("s3:")));
        }
    }

    #[test]
    fn routes_are_selected_by_the_action_like_api_gateway() {
        let registry = Registry::get();
        assert_eq!(registry.route_key_for("sendMessage"), "sendMessage");
        assert_eq!(registry.route_key_for("ping"), DEFAULT_ROUTE);
        assert_eq!(
            registry.route_key_for("$connect"),
            DEFAULT_ROUTE,
            "a route key"
        );
        assert_eq!(registry.route_key_for("nope"), DEFAULT_ROUTE);
    }
}

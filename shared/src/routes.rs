//! The function registry, `shared/routes.json`: every Lambda function of the chat, the routes it
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
    /// The API Gateway route (`$connect`, `$disconnect`, `$default`) it serves, or authorizes.
    /// Absent for a function of custom routes: it gets one route per entry of `actions`.
    #[serde(default)]
    pub route_key: Option<String>,
    /// The `action` values this function serves (`$request.body.action`).
    pub actions: Vec<String>,
    /// Whether the function's returned body goes back to the caller as the route response.
    pub two_way: bool,
    pub posts_to_connections: bool,
    pub description: String,
    /// DynamoDB actions per table (`clients`) or index (`messages/index/byConversation`).
    pub dynamodb: BTreeMap<String, Vec<String>>,
    /// S3 object actions per media key prefix (`attachments/`).
    pub s3: BTreeMap<String, Vec<String>>,
}

impl FunctionSpec {
    pub fn is_route(&self) -> bool {
        self.kind == FunctionKind::Route
    }

    /// The API Gateway routes it serves: its `$` route, else one per action.
    pub fn route_keys(&self) -> Vec<&str> {
        match &self.route_key {
            Some(key) => vec![key.as_str()],
            None => self.actions.iter().map(String::as_str).collect(),
        }
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

    /// Every route key of the WebSocket API, with the function that serves it, in registry order.
    pub fn route_keys(&self) -> impl Iterator<Item = (&str, &FunctionSpec)> {
        self.routes()
            .flat_map(|f| f.route_keys().into_iter().map(move |key| (key, f)))
    }

    /// The route function that serves `route_key`.
    pub fn route_function(&self, route_key: &str) -> Option<&FunctionSpec> {
        self.route_keys()
            .find(|(key, _)| *key == route_key)
            .map(|(_, function)| function)
    }

    /// The route API Gateway selects for a body's `action` (route selection
    /// `$request.body.action`): the custom route whose key it is, else `$default`.
    pub fn route_key_for(&self, action: &str) -> &str {
        self.route_keys()
            .map(|(key, _)| key)
            .find(|key| !key.starts_with('$') && *key == action)
            .unwrap_or(DEFAULT_ROUTE)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::schema::Tables;

    /// The key prefixes of the media bucket (`cdk/lib/functions.ts`, `shared/src/s3.rs`).
    const MEDIA_KEY_PREFIXES: [&str; 2] = ["avatars/", "attachments/"];

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
    fn route_keys_and_actions_are_unique_and_only_dollar_routes_name_their_key() {
        let registry = Registry::get();
        let mut keys = BTreeSet::new();
        for (key, route) in registry.route_keys() {
            assert!(keys.insert(key), "two routes on {key} ({})", route.name);
        }
        for route in registry.routes() {
            match &route.route_key {
                Some(key) => assert!(
                    key.starts_with('$'),
                    "{}: routeKey is for API Gateway's $ routes; a custom route's key is its action",
                    route.name
                ),
                None => assert!(
                    !route.actions.is_empty() && route.actions.iter().all(|a| !a.starts_with('$')),
                    "{}: a function of custom routes needs actions, none starting with $",
                    route.name
                ),
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
        assert_eq!(authorizers[0].route_key.as_deref(), Some("$connect"));
        assert!(authorizers[0].dynamodb.is_empty() && authorizers[0].s3.is_empty());
    }

    /// The sections of a manifest (`[lib]`, `[[bin]]`, ...) with their lines, in file order.
    fn manifest_sections(manifest: &str) -> Vec<(&str, Vec<&str>)> {
        let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                sections.push((line, Vec::new()));
            } else if let Some((_, lines)) = sections.last_mut() {
                lines.push(line);
            }
        }
        sections
    }

    #[test]
    fn function_crates_build_no_empty_unit_test_or_doctest_harness() {
        let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
        for (folder, _) in crates_under_functions() {
            let path = functions.join(&folder).join("Cargo.toml");
            let manifest = std::fs::read_to_string(&path).unwrap();
            let sections = manifest_sections(&manifest);
            let has = |header: &str, settings: &[&str]| {
                let matching: Vec<_> = sections.iter().filter(|(h, _)| *h == header).collect();
                !matching.is_empty()
                    && matching
                        .iter()
                        .all(|(_, lines)| settings.iter().all(|s| lines.contains(s)))
            };
            assert!(
                has("[lib]", &["test = false", "doctest = false"])
                    && has("[[bin]]", &["test = false"]),
                "{}: a function crate's tests live in tests/ (handler.rs); its manifest needs \
                 `[lib]` with `test = false` and `doctest = false`, and `[[bin]]` with \
                 `test = false`, or CI links an empty test harness for each (copy a sibling's)",
                path.display()
            );
        }
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
            for (prefix, actions) in &function.s3 {
                assert!(
                    MEDIA_KEY_PREFIXES.contains(&prefix.as_str()),
                    "{}: no media prefix {prefix}",
                    function.name
                );
                assert!(!actions.is_empty(), "{}: empty grant", function.name);
                assert!(actions.iter().all(|a| a.starts_with("s3:")));
            }
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

    #[test]
    fn custom_routes_are_one_per_action_and_dollar_routes_one_per_function() {
        let registry = Registry::get();
        for route in registry.routes() {
            for action in &route.actions {
                let key = registry.route_key_for(action);
                let expected = route.route_key.as_deref().unwrap_or(action);
                assert_eq!(key, expected, "{}", route.name);
                assert_eq!(
                    registry.route_function(key).map(|f| f.name.as_str()),
                    Some(route.name.as_str())
                );
            }
        }
        assert_eq!(
            registry.route_function("$connect").map(|f| f.name.as_str()),
            Some("connect"),
            "the route, not its authorizer"
        );
        assert!(
            registry.route_function("ping").is_none(),
            "taken by $default"
        );
    }
}

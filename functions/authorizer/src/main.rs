//! Composition root of the `$connect` authorizer Lambda: settings and the key source, once per cold
//! start (the keys themselves are fetched on the first request).

use chat_domain::{auth, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let verifier = auth::verifier_from_env()?;
    auth::serve(|request| route_authorizer::handle(&verifier, request)).await
}

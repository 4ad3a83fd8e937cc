//! Composition root of the `typing` Lambda: configuration, clients and ports, once per cold start.

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let chat = config::posting_chat_from_env()?;
    lambda::serve(|request| route_typing::handle(&chat, request)).await
}

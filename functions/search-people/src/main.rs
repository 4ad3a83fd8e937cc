//! Composition root of the `searchPeople` Lambda: configuration, clients and ports, once per cold
//! start. Its replies travel in the route response, so its chat has no notifier (nor the IAM to
//! post).

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let chat = config::replying_chat_from_env()?;
    lambda::serve(|request| route_search_people::handle(&chat, request)).await
}

//! Composition root of the `getMessages` Lambda: configuration, clients and ports, once per cold start.

use chat_domain::{Chat, DynamoStore, NoNotifier, SystemClock, config, lambda};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda::init_tracing();
    let tables = config::table_names_from_env()?;
    let sdk = config::aws_sdk_config().await;
    // Replies travel in the route response: this function never posts to a connection.
    let chat = Chat::new(
        DynamoStore::new(config::dynamodb_client(&sdk), tables),
        NoNotifier,
        SystemClock,
    );
    // Boxed: the handler's future nests the SDK's deep future types, too deep to lay out inline.
    lambda_runtime::run(service_fn(|event: LambdaEvent<lambda::Request>| {
        Box::pin(route_get_messages::handle(&chat, event.payload))
    }))
    .await
}

//! Composition root of the `sendMessage` Lambda: configuration, clients and ports, once per cold start.

use chat_domain::{ApiGatewayNotifier, Chat, DynamoStore, SystemClock, config, lambda};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda::init_tracing();
    let tables = config::table_names_from_env()?;
    let endpoint = config::management_endpoint_from_env()?;
    let sdk = config::aws_sdk_config().await;
    let chat = Chat::new(
        DynamoStore::new(config::dynamodb_client(&sdk), tables),
        ApiGatewayNotifier::new(config::management_client(&sdk, &endpoint)),
        SystemClock,
    );
    // Boxed: the handler's future nests the SDK's deep future types, too deep to lay out inline.
    lambda_runtime::run(service_fn(|event: LambdaEvent<lambda::Request>| {
        Box::pin(route_send_message::handle(&chat, event.payload))
    }))
    .await
}

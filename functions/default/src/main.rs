//! Composition root of the `$default` Lambda: it needs no configuration and no AWS client.

use chat_domain::lambda;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda::init_tracing();
    lambda_runtime::run(service_fn(|event: LambdaEvent<lambda::Request>| {
        route_default::handle(event.payload)
    }))
    .await
}

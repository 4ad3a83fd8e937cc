//! The smallest useful Lambda: echoes its event. Built with the same profile as the route
//! functions, it is what "cold start" costs before any of our code or the AWS SDK.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}

//! Composition root of the `$default` Lambda: it needs no configuration and no AWS client.

use chat_domain::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    lambda::serve(route_default::handle).await
}

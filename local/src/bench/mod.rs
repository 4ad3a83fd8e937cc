//! What the benchmarks share: the gateway in a process of their own, users signed up in the local
//! user pool, latency percentiles, counting the DynamoDB calls a piece of code makes, and many
//! items written into DynamoDB Local at once.

pub mod dynamodb_calls;
pub mod gateway_process;
pub mod latency;
pub mod seed;
pub mod users;

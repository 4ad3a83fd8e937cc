//! Composition root of the rooms Lambda (`createRoom`, `renameRoom`, `addMembers`, `removeMember`,
//! `setRole`): configuration, clients and ports, once per cold start. Every action needs the same
//! posting chat: the store and the connections.

use chat_domain::{config, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let chat = config::posting_chat_from_env()?;
    lambda::serve(|request| route_rooms::handle(&chat, request)).await
}

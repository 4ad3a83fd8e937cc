//! `getMembers` route: a page of the members of one of the caller's conversations (a room's, or
//! the two of a direct conversation), with their roles, read points and presence. The page
//! travels back as the route response.

use chat_domain::Chat;
use chat_domain::chat::GetMembers;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::{ConversationLookup, MemberListing, UserLookup};

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: ConversationLookup + MemberListing + UserLookup,
{
    lambda::serve_action(&request, |caller, get: GetMembers| async move {
        let members = chat.members(&caller.identity.username, &get).await?;
        Ok(ServerEvent::members(&members, get.request_id.as_ref()))
    })
    .await
}

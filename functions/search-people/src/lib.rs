//! `searchPeople` route: the people directory, a page of the users whose name starts with a
//! prefix, in name order (a key-range query, never a scan). No presence: the directory is for
//! finding someone to talk to. The page travels back as the route response.

use chat_domain::Chat;
use chat_domain::chat::SearchPeople;
use chat_domain::events::ServerEvent;
use chat_domain::lambda::{self, HandlerError, Request, Response};
use chat_domain::ports::UserDirectory;

pub async fn handle<S: UserDirectory, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError> {
    lambda::serve_action(&request, |_caller, search: SearchPeople| async move {
        let page = chat.search_people(&search).await?;
        Ok(ServerEvent::people(&page, search.request_id.as_ref()))
    })
    .await
}

//! The rooms routes: `createRoom`, `renameRoom`, `addMembers`, `removeMember` and `setRole`, one
//! module each. They share one function (one crate to build, one warm sandbox) because they act on
//! the same concept with the same ports; see docs/decisions.md, "One function per concept".

mod add_members;
mod create_room;
mod remove_member;
mod rename_room;
mod set_role;

use chat_domain::Chat;
use chat_domain::chat::{AddMembers, CreateRoom, RemoveMember, RenameRoom, SetRole};
use chat_domain::events::Echo;
use chat_domain::lambda::{self, HandlerError, Request, Response, ServedActions};
use chat_domain::ports::{
    ConnectionCleanup, ConnectionNotifier, ConversationBatchLookup, ConversationLookup,
    MemberListing, RoomAdministration, RoomCreation, UserLookup,
};
use chat_domain::protocol::{ClientAction, RoutedAction};
use chat_domain::rules::Clock;

/// The requests this function serves, one per route.
#[derive(Debug)]
pub enum RoomAction {
    Create(CreateRoom),
    Rename(RenameRoom),
    AddMembers(AddMembers),
    RemoveMember(RemoveMember),
    SetRole(SetRole),
}

impl ServedActions for RoomAction {
    const ROUTES: &'static str = "createRoom, renameRoom, addMembers, removeMember and setRole";

    fn from_action(action: ClientAction) -> Option<Self> {
        match action {
            ClientAction::CreateRoom(create) => Some(Self::Create(create)),
            ClientAction::RenameRoom(rename) => Some(Self::Rename(rename)),
            ClientAction::AddMembers(add) => Some(Self::AddMembers(add)),
            ClientAction::RemoveMember(remove) => Some(Self::RemoveMember(remove)),
            ClientAction::SetRole(set) => Some(Self::SetRole(set)),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => CreateRoom::NAME,
            Self::Rename(_) => RenameRoom::NAME,
            Self::AddMembers(_) => AddMembers::NAME,
            Self::RemoveMember(_) => RemoveMember::NAME,
            Self::SetRole(_) => SetRole::NAME,
        }
    }

    fn echo(&self) -> Echo {
        match self {
            Self::Create(create) => RoutedAction::echo(create),
            Self::Rename(rename) => RoutedAction::echo(rename),
            Self::AddMembers(add) => RoutedAction::echo(add),
            Self::RemoveMember(remove) => RoutedAction::echo(remove),
            Self::SetRole(set) => RoutedAction::echo(set),
        }
    }
}

pub async fn handle<S, N, C>(
    chat: &Chat<S, N, C>,
    request: Request,
) -> Result<Response, HandlerError>
where
    S: RoomCreation
        + ConversationLookup
        + ConversationBatchLookup
        + RoomAdministration
        + MemberListing
        + UserLookup
        + ConnectionCleanup,
    N: ConnectionNotifier,
    C: Clock,
{
    lambda::serve_action(&request, |caller, action: RoomAction| async move {
        match action {
            RoomAction::Create(create) => create_room::create_room(chat, &caller, create).await,
            RoomAction::Rename(rename) => rename_room::rename_room(chat, &caller, rename).await,
            RoomAction::AddMembers(add) => add_members::add_members(chat, &caller, add).await,
            RoomAction::RemoveMember(remove) => {
                remove_member::remove_member(chat, &caller, remove).await
            }
            RoomAction::SetRole(set) => set_role::set_role(chat, &caller, set).await,
        }
    })
    .await
}

// Wire types of the Chatastrophy WebSocket protocol (docs/protocol.md). Frames from the client name
// an `action`; frames from the server carry a `type`.

/** A file uploaded with `getUploadUrl` and carried by a message. */
export interface Attachment {
  /** The media key the server issued (`attachments/dm/<a>/<b>/<sender>/<id>.<ext>`). */
  key: string;
  /** The file name to show (1–255 characters, no control characters, no `/` or `\`). */
  name: string;
  contentType: string;
  /** Bytes. */
  size: number;
}

/** A stored chat message as the server sends it. */
export interface ChatMessage {
  /** Server id, a ULID: sorts by time. */
  id: string;
  /** `dm#<a>#<b>` with the lowercase names in order, or `room#<ULID>`. */
  conversationId: string;
  /** Display name of the sender. */
  from: string;
  /** Display name of the recipient of a direct message; absent in a room. */
  to?: string;
  /** May be empty when the message carries an attachment. */
  text: string;
  /** Server time, milliseconds since the Unix epoch. */
  sentAt: number;
  clientMessageId: string;
  /** Present when the message carries a file. */
  attachment?: Attachment;
  /** When its text was last edited (epoch ms). */
  editedAt?: number;
  /** When it was deleted (epoch ms): then the text is empty, without attachment, reactions or quote. */
  deletedAt?: number;
  /** Who deleted it (the author, or a room's owner or admin). */
  deletedBy?: string;
  /** The message it answers, as that message is now. */
  replyTo?: ReplyQuote;
  /** Reactions, ordered by emoji; `reacted`: whether I reacted. */
  reactions?: ReactionView[];
}

/** The message a reply quotes, as it is now (its text cut to 100 characters). */
export interface ReplyQuote {
  messageId: string;
  /** Absent only when the original cannot be found. */
  from?: string;
  text: string;
  attachmentName?: string;
  deleted?: boolean;
}

/** One emoji's reactions on a message, seen by me. */
export interface ReactionView {
  emoji: string;
  count: number;
  /** Whether I reacted with it. */
  reacted: boolean;
}

/** A known user and their presence. `lastSeen` is absent for a user who never left. */
export interface UserPresence {
  username: string;
  online: boolean;
  lastSeen?: number;
  /** The user's profile picture (read it with `getDownloadUrl`); absent without one. */
  avatarKey?: string;
}

/** What a file is uploaded for. */
export type MediaPurpose = 'avatar' | 'attachment';

export type ErrorCode =
  | 'invalid_json'
  | 'payload_too_large'
  | 'missing_action'
  | 'unknown_action'
  | 'missing_field'
  | 'invalid_field'
  | 'invalid_username'
  | 'missing_username'
  | 'empty_text'
  | 'text_too_long'
  | 'invalid_text'
  | 'invalid_client_message_id'
  | 'invalid_limit'
  | 'invalid_cursor'
  | 'invalid_request_id'
  | 'invalid_purpose'
  | 'unsupported_media_type'
  | 'file_too_large'
  | 'invalid_size'
  | 'invalid_file_name'
  | 'invalid_media_key'
  | 'forbidden_media'
  | 'unknown_recipient'
  | 'invalid_recipient'
  | 'unknown_connection'
  | 'service_unavailable'
  | 'invalid_room_name'
  | 'too_many_members'
  | 'room_full'
  | 'forbidden_role'
  | 'owner_must_transfer'
  | 'invalid_message_id'
  | 'invalid_prefix'
  | 'invalid_role'
  | 'not_a_member'
  | 'invalid_conversation'
  | 'message_deleted'
  | 'not_author'
  | 'invalid_emoji'
  | 'too_many_reactions';

/** A member's role in a room (a direct conversation's two members are `member`s). */
export type Role = 'owner' | 'admin' | 'member';

/** A room as the server describes it. */
export interface RoomView {
  /** `room#<ULID>`. */
  conversationId: string;
  name: string;
  memberCount: number;
  createdBy: string;
  createdAt: number;
}

/** One member of a conversation, with presence. */
export interface MemberView {
  username: string;
  role: Role;
  /** The last message this member has read. */
  readMessageId?: string;
  online: boolean;
  lastSeen?: number;
  avatarKey?: string;
}

/** The newest message of a conversation, as the inbox shows it. */
export interface LastMessageView {
  messageId: string;
  from: string;
  /** The text cut to 100 characters; empty for an attachment alone. */
  preview: string;
  attachmentName?: string;
  sentAt: number;
  /** The last message was deleted (its preview is empty). */
  deleted?: boolean;
}

/** One item of my inbox (`getConversations`). */
export interface ConversationView {
  conversationId: string;
  kind: 'direct' | 'room';
  /** A room's name. */
  name?: string;
  /** A direct conversation's other user, with presence. */
  with?: UserPresence;
  /** A room's member count. */
  memberCount?: number;
  /** My role in a room. */
  role?: Role;
  lastMessage?: LastMessageView;
  /** The last message's time, else when I joined. */
  lastActivityAt: number;
  /** Exact up to 99. */
  unread: number;
  /** More than 99 unread ("99+"). */
  unreadMore: boolean;
  /** My read point. */
  readMessageId?: string;
  /** A direct conversation: the other user's read point. */
  otherReadMessageId?: string;
}

export type MembershipChange = 'added' | 'removed' | 'left' | 'role';

export interface MessageAckEvent {
  type: 'messageAck';
  duplicate: boolean;
  message: ChatMessage;
}

export interface MessageEvent {
  type: 'message';
  message: ChatMessage;
}

export interface MessagesEvent {
  type: 'messages';
  /** The conversation this page is of. */
  conversationId: string;
  /** The other user, for a direct conversation. */
  with?: string;
  /** Newest first, as the server sends them. */
  messages: ChatMessage[];
  /** Cursor of the next (older) page, or null when this page reaches the first message. */
  nextCursor: string | null;
}

/** A room created (the answer to `createRoom`) or renamed. */
export interface RoomEvent {
  type: 'room';
  room: RoomView;
  requestId?: string;
}

/** Members added, removed, left, or a role changed. */
export interface MembershipEvent {
  type: 'membership';
  conversationId: string;
  room: RoomView;
  change: MembershipChange;
  users: string[];
  /** The new role (change `role`). */
  role?: Role;
  /** Who made the change. */
  by: string;
  requestId?: string;
}

/** A page of a conversation's members (answer to `getMembers`). */
export interface MembersEvent {
  type: 'members';
  conversationId: string;
  members: MemberView[];
  nextCursor: string | null;
  requestId?: string;
}

/** A page of my inbox (answer to `getConversations`). */
export interface ConversationsEvent {
  type: 'conversations';
  conversations: ConversationView[];
  nextCursor: string | null;
  requestId?: string;
}

/** A user's read point moved (mine from any of my connections; a direct partner's). */
export interface ReadStateEvent {
  type: 'readState';
  conversationId: string;
  username: string;
  messageId: string;
  requestId?: string;
}

/** A page of the people directory (answer to `searchPeople`): no presence. */
export interface PeopleEvent {
  type: 'people';
  users: { username: string; avatarKey?: string }[];
  nextCursor: string | null;
  requestId?: string;
}

/** The current presence of the users now watched (answer to `watchPresence`). */
export interface WatchedEvent {
  type: 'watched';
  conversationId: string;
  users: UserPresence[];
  requestId?: string;
}

export interface PresenceEvent {
  type: 'presence';
  user: UserPresence;
}

/** A user changed their profile picture (also the answer to `setAvatar`). */
export interface ProfileEvent {
  type: 'profile';
  /** `avatarKey` is absent when the picture was removed. */
  user: UserPresence;
  requestId?: string;
}

/** Answer to `getUploadUrl`: a presigned request the browser sends the file with. */
export interface UploadUrlEvent {
  type: 'uploadUrl';
  requestId?: string;
  purpose: MediaPurpose;
  key: string;
  url: string;
  /** `PUT`. */
  method: string;
  /** Exactly the headers to send (the browser adds Content-Length). */
  headers: Record<string, string>;
  contentType: string;
  size: number;
  /** Milliseconds since the epoch: the URL stops working then. */
  expiresAt: number;
}

/** Answer to `getDownloadUrl`: one presigned GET URL per key asked for. */
export interface DownloadUrlsEvent {
  type: 'downloadUrls';
  requestId?: string;
  urls: Record<string, string>;
  expiresAt: number;
}

/** A message's text was edited (also the answer to `editMessage`). */
export interface MessageEditedEvent {
  type: 'messageEdited';
  conversationId: string;
  messageId: string;
  text: string;
  editedAt: number;
  requestId?: string;
}

/** A message was deleted (also the answer to `deleteMessage`). */
export interface MessageDeletedEvent {
  type: 'messageDeleted';
  conversationId: string;
  messageId: string;
  deletedAt: number;
  deletedBy: string;
  requestId?: string;
}

/** `user` reacted with `emoji` or took it back (`reacted`); `count` is the emoji's count now (also the answer to `react`). */
export interface ReactionEvent {
  type: 'reaction';
  conversationId: string;
  messageId: string;
  emoji: string;
  count: number;
  user: string;
  reacted: boolean;
  requestId?: string;
}

/** Someone else is typing in a conversation. */
export interface TypingEvent {
  type: 'typing';
  conversationId: string;
  from: string;
}

export interface PongEvent {
  type: 'pong';
}

export interface ErrorEvent {
  type: 'error';
  /** Stable machine-readable code; unknown future codes are kept as strings. */
  code: ErrorCode | (string & {});
  message: string;
  action?: string;
  clientMessageId?: string;
  /** Echoed for the media actions (`getUploadUrl`, `getDownloadUrl`, `setAvatar`). */
  requestId?: string;
}

export type ServerEvent =
  | MessageAckEvent
  | MessageEvent
  | MessagesEvent
  | RoomEvent
  | MembershipEvent
  | MembersEvent
  | ConversationsEvent
  | ReadStateEvent
  | PeopleEvent
  | WatchedEvent
  | PresenceEvent
  | ProfileEvent
  | UploadUrlEvent
  | DownloadUrlsEvent
  | MessageEditedEvent
  | MessageDeletedEvent
  | ReactionEvent
  | TypingEvent
  | PongEvent
  | ErrorEvent;

export interface SendMessageAction {
  action: 'sendMessage';
  conversationId: string;
  /** May be empty when there is an attachment. */
  text: string;
  clientMessageId: string;
  attachment?: Attachment;
  /** The id of the message this one answers (same conversation, not deleted). */
  replyTo?: string;
}

/** Edits my message's text (empty only when it carries an attachment: the text is removed). */
export interface EditMessageAction {
  action: 'editMessage';
  conversationId: string;
  messageId: string;
  text: string;
  requestId?: string;
}

/** Deletes a message: mine, or any in a room I own or administer. */
export interface DeleteMessageAction {
  action: 'deleteMessage';
  conversationId: string;
  messageId: string;
  requestId?: string;
}

/** Sets my reaction with one emoji: `reacted` is the state wanted (a retry changes nothing twice). */
export interface ReactAction {
  action: 'react';
  conversationId: string;
  messageId: string;
  emoji: string;
  reacted: boolean;
  requestId?: string;
}

/** I am typing (sent at most every 3 s; no answer). */
export interface TypingAction {
  action: 'typing';
  conversationId: string;
}

export interface GetMessagesAction {
  action: 'getMessages';
  conversationId: string;
  limit?: number;
  cursor?: string;
}

export interface CreateRoomAction {
  action: 'createRoom';
  name: string;
  /** First members (0–50 usernames; me ignored). */
  members: string[];
  requestId?: string;
}

export interface RenameRoomAction {
  action: 'renameRoom';
  conversationId: string;
  name: string;
  requestId?: string;
}

export interface AddMembersAction {
  action: 'addMembers';
  conversationId: string;
  /** 1–50. */
  usernames: string[];
  requestId?: string;
}

/** Removes a member; my own name leaves the room. */
export interface RemoveMemberAction {
  action: 'removeMember';
  conversationId: string;
  username: string;
  requestId?: string;
}

export interface SetRoleAction {
  action: 'setRole';
  conversationId: string;
  username: string;
  /** `owner` transfers the ownership (I become admin). */
  role: Role;
  requestId?: string;
}

export interface GetMembersAction {
  action: 'getMembers';
  conversationId: string;
  limit?: number;
  cursor?: string;
  requestId?: string;
}

export interface GetConversationsAction {
  action: 'getConversations';
  limit?: number;
  cursor?: string;
  requestId?: string;
}

export interface MarkReadAction {
  action: 'markRead';
  conversationId: string;
  messageId: string;
  requestId?: string;
}

export interface SearchPeopleAction {
  action: 'searchPeople';
  prefix: string;
  limit?: number;
  cursor?: string;
  requestId?: string;
}

export interface WatchPresenceAction {
  action: 'watchPresence';
  conversationId: string;
  /** 1–50 members of that conversation. */
  usernames: string[];
  requestId?: string;
}

export interface PingAction {
  action: 'ping';
}

export interface GetUploadUrlAction {
  action: 'getUploadUrl';
  purpose: MediaPurpose;
  contentType: string;
  size: number;
  /** The conversation the file is for; required for `attachment`. */
  conversationId?: string;
  requestId?: string;
}

export interface GetDownloadUrlAction {
  action: 'getDownloadUrl';
  /** 1–50 keys, as they came in `avatarKey` or `attachment.key`. */
  keys: string[];
  requestId?: string;
}

export interface SetAvatarAction {
  action: 'setAvatar';
  /** null removes the picture. */
  key: string | null;
  requestId?: string;
}

export type ClientAction =
  | SendMessageAction
  | GetMessagesAction
  | PingAction
  | GetUploadUrlAction
  | GetDownloadUrlAction
  | SetAvatarAction
  | CreateRoomAction
  | RenameRoomAction
  | AddMembersAction
  | RemoveMemberAction
  | SetRoleAction
  | GetMembersAction
  | GetConversationsAction
  | MarkReadAction
  | SearchPeopleAction
  | WatchPresenceAction
  | EditMessageAction
  | DeleteMessageAction
  | ReactAction
  | TypingAction;

/** The actions answered by an event carrying their `requestId`, and that event. */
export interface RequestAnswers {
  getUploadUrl: UploadUrlEvent;
  getDownloadUrl: DownloadUrlsEvent;
  setAvatar: ProfileEvent;
  createRoom: RoomEvent;
  renameRoom: RoomEvent;
  addMembers: MembershipEvent;
  removeMember: MembershipEvent;
  setRole: MembershipEvent;
  getMembers: MembersEvent;
  getConversations: ConversationsEvent;
  markRead: ReadStateEvent;
  searchPeople: PeopleEvent;
  watchPresence: WatchedEvent;
  editMessage: MessageEditedEvent;
  deleteMessage: MessageDeletedEvent;
  react: ReactionEvent;
}

type RequestActions =
  | GetUploadUrlAction
  | GetDownloadUrlAction
  | SetAvatarAction
  | CreateRoomAction
  | RenameRoomAction
  | AddMembersAction
  | RemoveMemberAction
  | SetRoleAction
  | GetMembersAction
  | GetConversationsAction
  | MarkReadAction
  | SearchPeopleAction
  | WatchPresenceAction
  | EditMessageAction
  | DeleteMessageAction
  | ReactAction;

type WithoutRequestId<A> = A extends unknown ? Omit<A, 'requestId'> : never;

/** A request action before the client gives it a `requestId`. */
export type RequestAction = WithoutRequestId<RequestActions>;

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
  /** `dm#<a>#<b>` with the lowercase names in order. */
  conversationId: string;
  /** Display name of the sender. */
  from: string;
  /** Display name of the recipient. */
  to: string;
  /** May be empty when the message carries an attachment. */
  text: string;
  /** Server time, milliseconds since the Unix epoch. */
  sentAt: number;
  clientMessageId: string;
  /** Present when the message carries a file. */
  attachment?: Attachment;
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
  | 'service_unavailable';

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

export interface ClientsEvent {
  type: 'clients';
  users: UserPresence[];
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
  | ClientsEvent
  | PresenceEvent
  | ProfileEvent
  | UploadUrlEvent
  | DownloadUrlsEvent
  | PongEvent
  | ErrorEvent;

export interface SendMessageAction {
  action: 'sendMessage';
  conversationId: string;
  /** May be empty when there is an attachment. */
  text: string;
  clientMessageId: string;
  attachment?: Attachment;
}

export interface GetMessagesAction {
  action: 'getMessages';
  conversationId: string;
  limit?: number;
  cursor?: string;
}

export interface GetClientsAction {
  action: 'getClients';
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
  | GetClientsAction
  | PingAction
  | GetUploadUrlAction
  | GetDownloadUrlAction
  | SetAvatarAction;

/** The actions answered by an event carrying their `requestId`, and that event. */
export interface RequestAnswers {
  getUploadUrl: UploadUrlEvent;
  getDownloadUrl: DownloadUrlsEvent;
  setAvatar: ProfileEvent;
}

/** A request action before the client gives it a `requestId`. */
export type RequestAction = Omit<GetUploadUrlAction, 'requestId'> | Omit<GetDownloadUrlAction, 'requestId'> | Omit<SetAvatarAction, 'requestId'>;

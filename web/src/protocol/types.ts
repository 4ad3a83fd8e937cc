// Wire types of the Chatastrophy WebSocket protocol (docs/protocol.md). Frames from the client name
// an `action`; frames from the server carry a `type`.

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
  text: string;
  /** Server time, milliseconds since the Unix epoch. */
  sentAt: number;
  clientMessageId: string;
}

/** A known user and their presence. `lastSeen` is absent for a user who never left. */
export interface UserPresence {
  username: string;
  online: boolean;
  lastSeen?: number;
}

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
  with: string;
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
}

export type ServerEvent =
  | MessageAckEvent
  | MessageEvent
  | MessagesEvent
  | ClientsEvent
  | PresenceEvent
  | PongEvent
  | ErrorEvent;

export interface SendMessageAction {
  action: 'sendMessage';
  to: string;
  text: string;
  clientMessageId: string;
}

export interface GetMessagesAction {
  action: 'getMessages';
  with: string;
  limit?: number;
  cursor?: string;
}

export interface GetClientsAction {
  action: 'getClients';
}

export interface PingAction {
  action: 'ping';
}

export type ClientAction = SendMessageAction | GetMessagesAction | GetClientsAction | PingAction;

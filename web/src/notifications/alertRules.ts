// Which live messages alert the user (a desktop notification, a sound), and what a notification
// says. Pure: the browser's state comes in as arguments, so every case is a unit test.
import { sameUser } from '../protocol/chatRules';
import type { ChatMessage } from '../protocol/frames';

/** `Notification.permission`, or `unsupported` where the browser has no Notification API. */
export type NotificationPermissionState = NotificationPermission | 'unsupported';

export interface AlertContext {
  /** The signed-in user. */
  me: string | null;
  /** The conversation on screen (null: the people list, or nothing open). */
  openConversationId: string | null;
  /** `document.visibilityState === 'visible'`. */
  tabVisible: boolean;
  permission: NotificationPermissionState;
  soundOn: boolean;
}

export interface Alerts {
  desktop: boolean;
  sound: boolean;
}

const NONE: Alerts = { desktop: false, sound: false };

/**
 * Is this live message news the user cannot see? Not my own (sent from another tab of mine), and
 * not in the conversation on screen while the tab is visible. History pages never get here.
 */
export function isUnseenNews(message: ChatMessage, context: Pick<AlertContext, 'me' | 'openConversationId' | 'tabVisible'>): boolean {
  if (context.me === null || sameUser(message.from, context.me)) return false;
  return !(context.tabVisible && message.conversationId === context.openConversationId);
}

/** The alerts a live message gets: a notification only once permission is granted, a sound only when switched on. */
export function alertsFor(message: ChatMessage, context: AlertContext): Alerts {
  if (!isUnseenNews(message, context)) return NONE;
  return { desktop: context.permission === 'granted', sound: context.soundOn };
}

/** Longest notification body, in characters (systems cut longer ones anyway, at varying lengths). */
export const PREVIEW_LENGTH = 100;

/** The body of a notification: the text on one line, cut with an ellipsis; "sent an attachment" for a file alone. */
export function messagePreview(message: ChatMessage): string {
  const text = message.text.replace(/\s+/g, ' ').trim();
  if (text === '') return message.attachment ? 'sent an attachment' : '';
  const chars = [...text];
  return chars.length > PREVIEW_LENGTH ? `${chars.slice(0, PREVIEW_LENGTH - 1).join('').trimEnd()}…` : text;
}

export interface NotificationContent {
  title: string;
  body: string;
  /** One per conversation: a newer message replaces the older notification instead of stacking. */
  tag: string;
}

/** The notification tag of a conversation. */
export function conversationTag(conversationId: string): string {
  return `chatastrophy:${conversationId}`;
}

/** `roomName`: the room a message was posted in (the title says "Bob in Project"); absent for a direct message. */
export function notificationContent(message: ChatMessage, roomName?: string): NotificationContent {
  const title = roomName !== undefined ? `${message.from} in ${roomName || 'a room'}` : message.from;
  return { title, body: messagePreview(message), tag: conversationTag(message.conversationId) };
}

// Turns the session's live messages into alerts (alertRules decides): a desktop notification that
// opens the conversation when clicked, and the sound. Also tells the prefs when this tab has sent
// its first message (the moment to offer notifications).
import { isRoomId, type ConversationRef } from '../protocol/conversations';
import type { ChatMessage } from '../protocol/frames';
import type { Store } from '../state/appState';
import { otherParty } from '../state/appState';
import { alertsFor, conversationTag, notificationContent } from './alertRules';
import type { NotificationPrefs, ShownNotification } from './notificationPrefs';

export interface AlertSource {
  store: Store;
  onLiveMessage(listener: (message: ChatMessage) => void): () => void;
}

export interface MessageAlerterOptions {
  session: AlertSource;
  prefs: NotificationPrefs;
  isTabVisible(): boolean;
  playTone(): void;
  /** Brings the window forward (a notification was clicked). */
  focusWindow(): void;
  /** Opens the conversation (a notification was clicked). */
  openConversation(ref: ConversationRef): void;
  now(): number;
  /** The notification's icon (an absolute URL). */
  iconUrl?: string;
}

/** A burst of messages makes one sound, not a drum roll. */
export const TONE_GAP_MS = 2_000;

/** Message ids remembered so that one delivered twice (an event repeated) alerts once. */
const REMEMBERED_IDS = 500;

export class MessageAlerter {
  private readonly seen = new Set<string>();
  private lastToneAt = Number.NEGATIVE_INFINITY;
  private readonly shown = new Map<string, ShownNotification>();

  constructor(private readonly opts: MessageAlerterOptions) {}

  /** Starts listening; returns the stop function (which also closes the notifications it showed). */
  start(): () => void {
    const { session, prefs } = this.opts;
    const stopMessages = session.onLiveMessage((message) => this.receive(message));
    const watchStore = () => {
      const state = session.store.getState();
      if (Object.keys(state.outbox).length > 0) prefs.markSent();
      // The conversation is on screen now: its notification has done its job.
      if (state.openConversationId !== null && this.opts.isTabVisible()) this.close(conversationTag(state.openConversationId));
    };
    const stopStore = session.store.subscribe(watchStore);
    return () => {
      stopMessages();
      stopStore();
      for (const n of this.shown.values()) n.close();
      this.shown.clear();
    };
  }

  private receive(message: ChatMessage): void {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    if (this.seen.size > REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value!);

    const { prefs } = this.opts;
    const state = this.opts.session.store.getState();
    const alerts = alertsFor(message, {
      me: state.me,
      openConversationId: state.openConversationId,
      tabVisible: this.opts.isTabVisible(),
      permission: prefs.currentPermission(),
      soundOn: prefs.getSnapshot().soundOn,
    });
    if (alerts.desktop) this.notify(message, state.me, isRoomId(message.conversationId) ? (state.inbox.items[message.conversationId]?.name ?? '') : undefined);
    if (alerts.sound) {
      const now = this.opts.now();
      if (now - this.lastToneAt >= TONE_GAP_MS) {
        this.lastToneAt = now;
        this.opts.playTone();
      }
    }
  }

  private notify(message: ChatMessage, me: string | null, roomName: string | undefined): void {
    const Api = this.opts.prefs.api;
    if (!Api) return;
    const { title, body, tag } = notificationContent(message, roomName);
    let notification: ShownNotification;
    try {
      notification = new Api(title, { body, tag, ...(this.opts.iconUrl ? { icon: this.opts.iconUrl } : {}) });
    } catch {
      return; // Chrome on Android only shows notifications through a service worker.
    }
    this.shown.get(tag)?.close();
    this.shown.set(tag, notification);
    const ref: ConversationRef =
      roomName !== undefined ? { kind: 'room', id: message.conversationId } : { kind: 'direct', with: otherParty(message, me) };
    notification.onclick = () => {
      this.opts.focusWindow();
      this.opts.openConversation(ref);
      this.close(tag);
    };
  }

  private close(tag: string): void {
    const notification = this.shown.get(tag);
    if (!notification) return;
    this.shown.delete(tag);
    notification.close();
  }
}

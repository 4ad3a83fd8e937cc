// What happens to messages after they are sent (#15), pure: edits, deletions, reactions applied to
// a conversation's messages (and to the reply quotes of the others), who is typing, and what I may
// do to a message.
import { sameUser, userKey } from '../protocol/chatRules';
import type { ChatMessage, MessageDeletedEvent, MessageEditedEvent, ReactionEvent, ReactionView, ReplyQuote, Role } from '../protocol/frames';

/** A quote shows the first 100 characters of its original (as the server cuts it). */
export const QUOTE_CHARS = 100;

/** How long "alice is typing…" shows after her last `typing` (the server forwards one every 3 s at most). */
export const TYPING_SHOWN_MS = 6000;

/** The composer sends `typing` at most this often (the server drops the others anyway). */
export const TYPING_INTERVAL_MS = 3000;

/** The quick reactions offered first; the emoji picker has all the others. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;

/** The first 100 characters of a text (code points, not UTF-16 units). */
export function previewOf(text: string): string {
  return [...text].slice(0, QUOTE_CHARS).join('');
}

/** The quote of a message, for a reply to it. */
export function quoteOf(message: ChatMessage): ReplyQuote {
  if (message.deletedAt !== undefined) return { messageId: message.id, from: message.from, text: '', deleted: true };
  const quote: ReplyQuote = { messageId: message.id, from: message.from, text: previewOf(message.text) };
  if (message.attachment) quote.attachmentName = message.attachment.name;
  return quote;
}

type MessagesChange = (messages: ChatMessage[]) => ChatMessage[];

/** Applies `change` to the message with `id` and `quote` to every message quoting it; the same array when nothing changed. */
function revise(messages: ChatMessage[], id: string, change: (m: ChatMessage) => ChatMessage, quote: (q: ReplyQuote) => ReplyQuote): ChatMessage[] {
  let out: ChatMessage[] | null = null;
  messages.forEach((m, i) => {
    let next = m.id === id ? change(m) : m;
    if (next.replyTo?.messageId === id) next = { ...next, replyTo: quote(next.replyTo) };
    if (next !== m) {
      out ??= [...messages];
      out[i] = next;
    }
  });
  return out ?? messages;
}

export function messageEdited(event: MessageEditedEvent): MessagesChange {
  return (messages) =>
    revise(
      messages,
      event.messageId,
      (m) => (m.deletedAt !== undefined ? m : { ...m, text: event.text, editedAt: event.editedAt }),
      (q) => (q.deleted ? q : { ...q, text: previewOf(event.text) }),
    );
}

export function messageDeleted(event: MessageDeletedEvent): MessagesChange {
  return (messages) =>
    revise(
      messages,
      event.messageId,
      (m) => {
        // A tombstone: what it said, its file, its reactions and its quote are gone.
        const { attachment: _a, reactions: _r, replyTo: _q, ...rest } = m;
        return { ...rest, text: '', deletedAt: event.deletedAt, deletedBy: event.deletedBy };
      },
      (q) => {
        const { attachmentName: _a, ...rest } = q;
        return { ...rest, text: '', deleted: true };
      },
    );
}

/** Orders emoji as the server does (by their UTF-8 bytes, i.e. by code points). */
export function compareEmoji(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The reactions after `event`: its emoji's count as the server says; my flag only when the user is me. */
export function withReaction(reactions: readonly ReactionView[], event: Pick<ReactionEvent, 'emoji' | 'count' | 'user' | 'reacted'>, me: string | null): ReactionView[] {
  const mine = sameUser(event.user, me);
  const held = reactions.find((r) => r.emoji === event.emoji);
  const others = reactions.filter((r) => r.emoji !== event.emoji);
  if (event.count <= 0) return others;
  const reacted = mine ? event.reacted : (held?.reacted ?? false);
  return [...others, { emoji: event.emoji, count: event.count, reacted }].sort((a, b) => compareEmoji(a.emoji, b.emoji));
}

export function reactionChanged(event: ReactionEvent, me: string | null): MessagesChange {
  return (messages) =>
    revise(
      messages,
      event.messageId,
      (m) => {
        if (m.deletedAt !== undefined) return m;
        const reactions = withReaction(m.reactions ?? [], event, me);
        if (reactions.length === 0) {
          const { reactions: _r, ...rest } = m;
          return rest;
        }
        return { ...m, reactions };
      },
      (q) => q,
    );
}

/** Who is typing: by conversationId, by user key, their name and until when it shows. */
export type TypingState = Record<string, Record<string, { from: string; until: number }>>;

export function withTyper(typing: TypingState, conversationId: string, from: string, at: number): TypingState {
  return { ...typing, [conversationId]: { ...typing[conversationId], [userKey(from)]: { from, until: at + TYPING_SHOWN_MS } } };
}

export function withoutTyper(typing: TypingState, conversationId: string, from: string): TypingState {
  const held = typing[conversationId];
  const key = userKey(from);
  if (!held?.[key]) return typing;
  const { [key]: _gone, ...rest } = held;
  const next = { ...typing };
  if (Object.keys(rest).length === 0) delete next[conversationId];
  else next[conversationId] = rest;
  return next;
}

/** Forgets whoever stopped showing by `at`; the same object when nobody did. */
export function expireTyping(typing: TypingState, at: number): TypingState {
  let next: TypingState | null = null;
  for (const [cid, typers] of Object.entries(typing)) {
    for (const [key, t] of Object.entries(typers)) {
      if (t.until > at) continue;
      next ??= { ...typing };
      const rest = { ...next[cid] };
      delete rest[key];
      if (Object.keys(rest).length === 0) delete next[cid];
      else next[cid] = rest;
    }
  }
  return next ?? typing;
}

/** When the next typer stops showing, or null when nobody types. */
export function nextTypingExpiry(typing: TypingState): number | null {
  let next: number | null = null;
  for (const typers of Object.values(typing)) for (const t of Object.values(typers)) if (next === null || t.until < next) next = t.until;
  return next;
}

/** The names typing in a conversation (shown until `now`), in the order they started. */
export function typingNames(typing: TypingState, conversationId: string, now = Number.NEGATIVE_INFINITY): string[] {
  return Object.values(typing[conversationId] ?? {})
    .filter((t) => t.until > now)
    .map((t) => t.from);
}

/** "alice is typing…", "alice and bob are typing…", "Several people are typing…"; '' for nobody. */
export function typingLine(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

export interface MessagePermissions {
  react: boolean;
  reply: boolean;
  edit: boolean;
  delete: boolean;
}

/** An owner or admin of a room may delete anyone's messages there. */
export const isModerator = (kind: 'direct' | 'room', role: Role | undefined): boolean => kind === 'room' && (role === 'owner' || role === 'admin');

/** What I may do to a message: react and reply to any not deleted, edit mine, delete mine (any when I moderate the room). */
export function messagePermissions(message: ChatMessage, me: string | null, moderator: boolean): MessagePermissions {
  if (message.deletedAt !== undefined) return { react: false, reply: false, edit: false, delete: false };
  const mine = sameUser(message.from, me);
  return { react: true, reply: true, edit: mine, delete: mine || moderator };
}

/**
 * The composer's `typing` signals: at most one every TYPING_INTERVAL_MS per conversation, only for
 * a text that is not empty and changed. Sending a message does not restart the pace: the server
 * forwards one signal per 3 s and drops the others, so one sent sooner would be lost.
 */
export class TypingThrottle {
  private readonly last = new Map<string, { at: number; text: string }>();

  constructor(private readonly intervalMs = TYPING_INTERVAL_MS) {}

  /** The text of the composer changed: true when a `typing` should go now. */
  shouldSend(conversationId: string, text: string, now: number): boolean {
    if (text.trim() === '') return false;
    const held = this.last.get(conversationId);
    if (held && held.text === text) return false;
    if (held && now - held.at < this.intervalMs) {
      this.last.set(conversationId, { at: held.at, text });
      return false;
    }
    this.last.set(conversationId, { at: now, text });
    return true;
  }
}

// The open conversation in the URL hash, so reload and the back button work: `#/with/<username>`
// for a direct conversation, `#/room/<ULID>` for a room.
import { isValidUsername } from '../protocol/chatRules';
import { isUlid, roomConversationId, roomUlid, type ConversationRef } from '../protocol/conversations';

export function parseHash(hash: string): ConversationRef | null {
  const direct = /^#\/with\/([^/]+)$/.exec(hash);
  if (direct?.[1]) {
    try {
      const name = decodeURIComponent(direct[1]);
      return isValidUsername(name) ? { kind: 'direct', with: name } : null;
    } catch {
      return null;
    }
  }
  const room = /^#\/room\/([^/]+)$/.exec(hash);
  if (room?.[1] && isUlid(room[1])) return { kind: 'room', id: roomConversationId(room[1]) };
  return null;
}

export function hashOf(ref: ConversationRef | null): string {
  if (ref === null) return '#/';
  if (ref.kind === 'direct') return `#/with/${encodeURIComponent(ref.with)}`;
  const ulid = roomUlid(ref.id);
  return ulid ? `#/room/${ulid}` : '#/';
}

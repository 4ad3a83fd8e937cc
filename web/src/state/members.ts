// A room's members as this tab knows them (`getMembers` pages, kept live by `membership` events
// and by messages: sending moves the sender's read point), and what the read points say
// ("Read by N"). Presence is not kept here: it is in the users (presence events update it).
import { sameUser, userKey } from '../protocol/chatRules';
import type { MemberView, MembershipEvent, Role } from '../protocol/frames';
import { laterId } from './inboxItems';

export interface Member {
  username: string;
  role: Role;
  readMessageId?: string;
}

export interface MembersState {
  /** In the server's order, then those added live. */
  list: Member[];
  /** Cursor of the next page; null when all are loaded; undefined before the first. */
  nextCursor: string | null | undefined;
  loading: boolean;
}

export const emptyMembers: MembersState = { list: [], nextCursor: undefined, loading: false };

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** The panel's order: owner, admins, members, each by name. */
export function compareMembers(a: Member, b: Member): number {
  const byRole = ROLE_ORDER[a.role] - ROLE_ORDER[b.role];
  if (byRole !== 0) return byRole;
  const ak = userKey(a.username);
  const bk = userKey(b.username);
  return ak < bk ? -1 : ak > bk ? 1 : 0;
}

function toMember(view: MemberView): Member {
  return view.readMessageId !== undefined
    ? { username: view.username, role: view.role, readMessageId: view.readMessageId }
    : { username: view.username, role: view.role };
}

/** A page: the first replaces the list (read points only move forward), a later one adds to it. */
export function mergeMembersPage(held: MembersState | undefined, page: readonly MemberView[], nextCursor: string | null, first: boolean): MembersState {
  const base = first ? [] : (held?.list ?? []);
  const before = new Map((held?.list ?? []).map((m) => [userKey(m.username), m]));
  const byKey = new Map(base.map((m) => [userKey(m.username), m]));
  for (const view of page) {
    const member = toMember(view);
    const read = laterId(before.get(userKey(member.username))?.readMessageId, member.readMessageId);
    byKey.set(userKey(member.username), read !== undefined ? { ...member, readMessageId: read } : member);
  }
  return { list: [...byKey.values()], nextCursor, loading: false };
}

/** Added, removed, left, or a role changed (`owner`: whoever gave it becomes admin). */
export function membersWithChange(held: MembersState, event: MembershipEvent): MembersState {
  const keys = new Set(event.users.map(userKey));
  let list = held.list;
  switch (event.change) {
    case 'added': {
      const present = new Set(list.map((m) => userKey(m.username)));
      const added = event.users.filter((u) => !present.has(userKey(u))).map((username): Member => ({ username, role: 'member' }));
      list = [...list, ...added];
      break;
    }
    case 'removed':
    case 'left':
      list = list.filter((m) => !keys.has(userKey(m.username)));
      break;
    case 'role': {
      const role = event.role;
      if (!role) return held;
      list = list.map((m) => {
        if (keys.has(userKey(m.username))) return { ...m, role };
        if (role === 'owner' && sameUser(m.username, event.by)) return { ...m, role: 'admin' };
        return m;
      });
      break;
    }
  }
  return { ...held, list };
}

/** A member's read point moved (they read, or sent a message). */
export function membersWithRead(held: MembersState, username: string, messageId: string): MembersState {
  let changed = false;
  const list = held.list.map((m) => {
    if (!sameUser(m.username, username)) return m;
    const read = laterId(m.readMessageId, messageId);
    if (read === m.readMessageId) return m;
    changed = true;
    return { ...m, readMessageId: read };
  });
  return changed ? { ...held, list } : held;
}

/** How many members other than `me` have read `messageId` (their read point is at it or later). */
export function readByCount(members: readonly Member[], messageId: string, me: string | null): number {
  return members.filter((m) => !sameUser(m.username, me) && m.readMessageId !== undefined && m.readMessageId >= messageId).length;
}

/** The names of those members (for the label's tooltip). */
export function readByNames(members: readonly Member[], messageId: string, me: string | null): string[] {
  return members.filter((m) => !sameUser(m.username, me) && m.readMessageId !== undefined && m.readMessageId >= messageId).map((m) => m.username);
}

/**
 * What I may do to `target` in a room, by my role (the server decides; the panel offers only what
 * it would allow): owner — anyone else; admin — members only; everyone — leave.
 */
export interface MemberActions {
  remove: boolean;
  makeAdmin: boolean;
  makeMember: boolean;
  makeOwner: boolean;
}

export function memberActions(myRole: Role | undefined, target: Member, me: string | null): MemberActions {
  const self = sameUser(target.username, me);
  const none = { remove: false, makeAdmin: false, makeMember: false, makeOwner: false };
  if (self || myRole === undefined || myRole === 'member') return none;
  if (myRole === 'admin') return { ...none, remove: target.role === 'member' };
  return {
    remove: true,
    makeAdmin: target.role === 'member',
    makeMember: target.role === 'admin',
    makeOwner: true,
  };
}

/** Owners and admins add members and rename the room. */
export function canManage(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

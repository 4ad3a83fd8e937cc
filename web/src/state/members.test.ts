import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '../protocol/frames';
import { canManage, compareMembers, memberActions, membersWithChange, membersWithRead, readByCount, type Member, type MembersState } from './members';

const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';
const room = { conversationId: ROOM, name: 'P', memberCount: 3, createdBy: 'alice', createdAt: 1 };
const held = (list: Member[]): MembersState => ({ list, nextCursor: null, loading: false });
const change = (e: Partial<MembershipEvent>): MembershipEvent => ({ type: 'membership', conversationId: ROOM, room, change: 'added', users: [], by: 'alice', ...e });

describe('room members', () => {
  it('what my role lets me do to someone: owner anyone else, admin members only, member nothing; nobody to themself', () => {
    const member: Member = { username: 'bob', role: 'member' };
    const admin: Member = { username: 'carol', role: 'admin' };
    expect(memberActions('owner', member, 'alice')).toEqual({ remove: true, makeAdmin: true, makeMember: false, makeOwner: true });
    expect(memberActions('owner', admin, 'alice')).toEqual({ remove: true, makeAdmin: false, makeMember: true, makeOwner: true });
    expect(memberActions('admin', member, 'alice')).toEqual({ remove: true, makeAdmin: false, makeMember: false, makeOwner: false });
    expect(memberActions('admin', admin, 'alice').remove).toBe(false);
    expect(memberActions('member', member, 'alice').remove).toBe(false);
    expect(memberActions('owner', { username: 'Alice', role: 'owner' }, 'alice')).toEqual({ remove: false, makeAdmin: false, makeMember: false, makeOwner: false });
    expect([canManage('owner'), canManage('admin'), canManage('member'), canManage(undefined)]).toEqual([true, true, false, false]);
  });

  it('"Read by N": members other than me whose read point is at the message or later', () => {
    const list: Member[] = [
      { username: 'alice', role: 'owner', readMessageId: '009' },
      { username: 'bob', role: 'member', readMessageId: '005' },
      { username: 'carol', role: 'member', readMessageId: '004' },
      { username: 'dave', role: 'member' },
    ];
    expect(readByCount(list, '005', 'alice')).toBe(1);
    expect(readByCount(list, '004', 'alice')).toBe(2);
    expect(readByCount(list, '006', 'alice')).toBe(0);
  });

  it('changes: added (once), removed, roles; read points forward only', () => {
    let s = held([{ username: 'alice', role: 'owner' }]);
    s = membersWithChange(s, change({ users: ['bob', 'Alice'] }));
    expect(s.list.map((m) => m.username)).toEqual(['alice', 'bob']);
    s = membersWithChange(s, change({ change: 'role', role: 'owner', users: ['bob'] }));
    expect(s.list.map((m) => m.role)).toEqual(['admin', 'owner']);
    s = membersWithChange(s, change({ change: 'left', users: ['alice'], by: 'alice' }));
    expect(s.list.map((m) => m.username)).toEqual(['bob']);
    s = membersWithRead(s, 'BOB', '007');
    expect(membersWithRead(s, 'bob', '003')).toBe(s);
    expect(s.list[0]!.readMessageId).toBe('007');
  });

  it('the panel lists the owner, then admins, then members, each by name', () => {
    const list: Member[] = [
      { username: 'zed', role: 'member' },
      { username: 'Amy', role: 'member' },
      { username: 'bob', role: 'admin' },
      { username: 'carol', role: 'owner' },
    ];
    expect([...list].sort(compareMembers).map((m) => m.username)).toEqual(['carol', 'bob', 'Amy', 'zed']);
  });
});

import { describe, expect, it } from 'vitest';
import * as build from './actions';

const ROOM = 'room#01JDQ8Z7W4K3M2N1P0Q9R8S7T6';

describe('request builders of rooms, inbox, read state and directory', () => {
  it('createRoom trims the name and sends each first member once, without me', () => {
    expect(build.createRoom('  Project  ', ['Bob', 'bob', 'carol', 'Alice'], 'alice')).toEqual({
      action: 'createRoom',
      name: 'Project',
      members: ['Bob', 'carol'],
    });
    expect(build.createRoom('Solo', [])).toEqual({ action: 'createRoom', name: 'Solo', members: [] });
  });

  it('renameRoom, addMembers, removeMember (and leave), setRole', () => {
    expect(build.renameRoom(ROOM, ' New name ')).toEqual({ action: 'renameRoom', conversationId: ROOM, name: 'New name' });
    expect(build.addMembers(ROOM, ['dave', 'DAVE', 'me'], 'Me')).toEqual({ action: 'addMembers', conversationId: ROOM, usernames: ['dave'] });
    expect(build.removeMember(ROOM, 'bob')).toEqual({ action: 'removeMember', conversationId: ROOM, username: 'bob' });
    expect(build.removeMember(ROOM, 'alice')).toEqual({ action: 'removeMember', conversationId: ROOM, username: 'alice' });
    expect(build.setRole(ROOM, 'bob', 'owner')).toEqual({ action: 'setRole', conversationId: ROOM, username: 'bob', role: 'owner' });
  });

  it('pages: getConversations (20), getMembers (100), searchPeople (20, lower-case prefix), with the cursor only when there is one', () => {
    expect(build.getConversations()).toEqual({ action: 'getConversations', limit: 20 });
    expect(build.getConversations('C1')).toEqual({ action: 'getConversations', limit: 20, cursor: 'C1' });
    expect(build.getConversations(null)).toEqual({ action: 'getConversations', limit: 20 });
    expect(build.getMembers(ROOM)).toEqual({ action: 'getMembers', conversationId: ROOM, limit: 100 });
    expect(build.getMembers(ROOM, 'M2')).toEqual({ action: 'getMembers', conversationId: ROOM, limit: 100, cursor: 'M2' });
    expect(build.searchPeople(' BoB ')).toEqual({ action: 'searchPeople', prefix: 'bob', limit: 20 });
    expect(build.searchPeople('bo', 'P1')).toEqual({ action: 'searchPeople', prefix: 'bo', limit: 20, cursor: 'P1' });
  });

  it('markRead names the conversation and the message', () => {
    expect(build.markRead('dm#alice#bob', '01C')).toEqual({ action: 'markRead', conversationId: 'dm#alice#bob', messageId: '01C' });
  });

  it('watchPresence sends at most 50 users per request, each once, without me', () => {
    const names = Array.from({ length: 120 }, (_, i) => `user${i}`);
    const requests = build.watchPresence(ROOM, ['alice', ...names, 'USER0'], 'Alice');
    expect(requests.map((r) => r.usernames.length)).toEqual([50, 50, 20]);
    expect(requests[0]).toMatchObject({ action: 'watchPresence', conversationId: ROOM });
    expect(requests.flatMap((r) => r.usernames)).toEqual(names);
    expect(build.watchPresence(ROOM, ['alice'], 'alice')).toEqual([]);
  });
});

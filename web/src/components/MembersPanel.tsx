import { useEffect, useRef, useState, type FormEvent } from 'react';
import { relativeTime } from '../lib/time';
import { checkRoomName, MAX_USERS_PER_REQUEST, roomNameProblemText, sameUser, userKey } from '../protocol/chatRules';
import { errorText } from '../protocol/errorMessages';
import type { Role, UserPresence } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import { selectPresence, type AppState } from '../state/appState';
import { canManage, compareMembers, memberActions, type Member } from '../state/members';
import type { ChatSession } from '../state/session';
import { Avatar, presenceDot } from './Avatar';
import { buttonPrimary, buttonQuiet, ConfirmDialog } from './Modal';
import { PeoplePicker } from './PeoplePicker';

type RoomSession = Pick<
  ChatSession,
  'refreshMembers' | 'loadMoreMembers' | 'addMembers' | 'removeMember' | 'leaveRoom' | 'setRole' | 'renameRoom' | 'searchPeople'
>;

export interface MembersPanelProps {
  session: RoomSession;
  state: AppState;
  conversationId: string;
  now: number;
  onClose(): void;
}

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/** Something asked of the server, to confirm first. */
type Pending = { kind: 'remove' | 'transfer'; username: string } | { kind: 'leave' } | null;

function failure(error: unknown): string {
  return error instanceof RequestError ? errorText(error.code, error.message) : errorText('');
}

/**
 * A room's members (role badges, presence dots, live: watched while shown) and what my role lets me
 * do: owner and admins add members and rename; the owner makes admins, members and a new owner;
 * admins remove members, the owner anyone; everyone leaves (an owner with others transfers first).
 */
export function MembersPanel({ session, state, conversationId, now, onClose }: MembersPanelProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const item = state.inbox.items[conversationId];
  const held = state.members[conversationId];
  const me = state.me ?? '';
  const role = item?.role;
  const roomName = item?.name ?? '';
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [openActions, setOpenActions] = useState<string | null>(null);

  // Shown: the members again (read points, roles) and their presence watched (live dots).
  useEffect(() => {
    void session.refreshMembers(conversationId, Number.POSITIVE_INFINITY);
  }, [session, conversationId]);
  useEffect(() => closeRef.current?.focus(), []);

  const run = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await work();
      setStatus(done);
      setPending(null);
      return true;
    } catch (e) {
      setError(failure(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const members = [...(held?.list ?? [])].sort(compareMembers);
  const memberCount = item?.memberCount ?? members.length;
  const ownerMustTransfer = role === 'owner' && memberCount > 1;

  return (
    <aside
      aria-label={`Members of ${roomName || 'the room'}`}
      data-testid="members-panel"
      onKeyDown={(e) => e.key === 'Escape' && pending === null && onClose()}
      className="absolute inset-0 z-30 flex flex-col bg-white lg:static lg:z-auto lg:w-80 lg:border-l lg:border-slate-200 dark:bg-slate-900 lg:dark:border-slate-800"
    >
      <div className="flex items-center justify-between border-b border-slate-200 p-3 dark:border-slate-800">
        <h2 className="font-semibold">
          Members <span data-testid="members-count" className="font-normal text-slate-500 dark:text-slate-400">({memberCount})</span>
        </h2>
        <button
          ref={closeRef}
          type="button"
          aria-label="Close members"
          onClick={onClose}
          className="rounded-full px-2 py-1 text-lg leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-3">
        {canManage(role) && (
          <div className="mb-3 flex flex-wrap gap-2">
            <button type="button" data-testid="add-members" aria-expanded={adding} onClick={() => setAdding((a) => !a)} className={buttonQuiet}>
              Add people
            </button>
            <button type="button" data-testid="rename-room" aria-expanded={renaming} onClick={() => setRenaming((r) => !r)} className={buttonQuiet}>
              Rename
            </button>
          </div>
        )}
        {renaming && (
          <RenameForm
            current={roomName}
            busy={busy}
            onCancel={() => setRenaming(false)}
            onRename={async (name) => {
              if (await run(() => session.renameRoom(conversationId, name), 'Room renamed.')) setRenaming(false);
            }}
          />
        )}
        {adding && (
          <AddMembersForm
            session={session}
            exclude={new Set([userKey(me), ...members.map((m) => userKey(m.username))])}
            busy={busy}
            onCancel={() => setAdding(false)}
            onAdd={async (names) => {
              const ok = await run(() => session.addMembers(conversationId, names), names.length === 1 ? `${names[0]} added.` : `${names.length} people added.`);
              if (ok) setAdding(false);
            }}
          />
        )}
        <p role="status" data-testid="members-status" className="min-h-0 text-sm text-slate-600 empty:hidden dark:text-slate-300">
          {status}
        </p>
        {error && (
          <p role="alert" data-testid="members-error" className="mb-2 text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <ul data-testid="members-list" aria-label="Members" className="flex flex-col gap-0.5">
          {members.map((member) => (
            <MemberRow
              key={userKey(member.username)}
              member={member}
              user={state.users[userKey(member.username)]}
              presence={selectPresence(state, member.username)}
              isMe={sameUser(member.username, me)}
              actions={memberActions(role, member, me)}
              expanded={openActions === userKey(member.username)}
              onToggle={() => setOpenActions((k) => (k === userKey(member.username) ? null : userKey(member.username)))}
              now={now}
              busy={busy}
              onRole={(r) => void run(() => session.setRole(conversationId, member.username, r), `${member.username} is now ${ROLE_LABEL[r].toLowerCase()}.`)}
              onTransfer={() => setPending({ kind: 'transfer', username: member.username })}
              onRemove={() => setPending({ kind: 'remove', username: member.username })}
            />
          ))}
        </ul>
        {held?.loading ? (
          <p role="status" className="p-2 text-center text-xs text-slate-500 dark:text-slate-400">
            Loading members…
          </p>
        ) : (
          typeof held?.nextCursor === 'string' && (
            <button
              type="button"
              data-testid="members-load-more"
              onClick={() => session.loadMoreMembers(conversationId)}
              className="mx-auto mt-1 block rounded-full px-3 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300 dark:hover:bg-indigo-950"
            >
              More members
            </button>
          )
        )}
      </div>
      <div className="border-t border-slate-200 p-3 dark:border-slate-800">
        <button
          type="button"
          data-testid="leave-room"
          onClick={() => {
            setError(null);
            setPending({ kind: 'leave' });
          }}
          className="w-full rounded-lg px-3 py-2 text-sm font-semibold text-red-700 ring-1 ring-red-300 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-500 dark:text-red-300 dark:ring-red-800 dark:hover:bg-red-950"
        >
          Leave room
        </button>
      </div>
      {pending?.kind === 'leave' &&
        (ownerMustTransfer ? (
          <ConfirmDialog title="Leave the room?" testId="leave-room-dialog" confirmLabel="OK" onConfirm={() => setPending(null)} onClose={() => setPending(null)}>
            <p data-testid="leave-room-blocked">{errorText('owner_must_transfer')} Open a member’s actions and choose “Make owner”.</p>
          </ConfirmDialog>
        ) : (
          <ConfirmDialog
            title="Leave the room?"
            testId="leave-room-dialog"
            confirmLabel={busy ? 'Leaving…' : 'Leave'}
            danger
            busy={busy}
            error={error}
            onConfirm={() => void run(() => session.leaveRoom(conversationId), 'You left the room.')}
            onClose={() => setPending(null)}
          >
            You will no longer get its messages{memberCount <= 1 ? ', and nobody will be left in it' : ''}. Someone has to add you again to come back.
          </ConfirmDialog>
        ))}
      {pending?.kind === 'remove' && (
        <ConfirmDialog
          title={`Remove ${pending.username}?`}
          testId="remove-member-dialog"
          confirmLabel={busy ? 'Removing…' : 'Remove'}
          danger
          busy={busy}
          error={error}
          onConfirm={() => void run(() => session.removeMember(conversationId, pending.username), `${pending.username} removed.`)}
          onClose={() => setPending(null)}
        >
          {pending.username} will stop getting this room’s messages at once and can no longer read its history.
        </ConfirmDialog>
      )}
      {pending?.kind === 'transfer' && (
        <ConfirmDialog
          title={`Make ${pending.username} the owner?`}
          testId="transfer-owner-dialog"
          confirmLabel={busy ? 'Transferring…' : 'Make owner'}
          busy={busy}
          error={error}
          onConfirm={() => void run(() => session.setRole(conversationId, pending.username, 'owner'), `${pending.username} is now the owner.`)}
          onClose={() => setPending(null)}
        >
          A room has one owner: you will be an admin.
        </ConfirmDialog>
      )}
    </aside>
  );
}

function MemberRow({
  member,
  user,
  presence,
  isMe,
  actions,
  expanded,
  onToggle,
  now,
  busy,
  onRole,
  onTransfer,
  onRemove,
}: {
  member: Member;
  user: UserPresence | undefined;
  presence: ReturnType<typeof selectPresence>;
  isMe: boolean;
  actions: ReturnType<typeof memberActions>;
  expanded: boolean;
  onToggle(): void;
  now: number;
  busy: boolean;
  onRole(role: Role): void;
  onTransfer(): void;
  onRemove(): void;
}) {
  const key = userKey(member.username);
  const any = actions.remove || actions.makeAdmin || actions.makeMember || actions.makeOwner;
  const presenceLabel =
    presence === 'online' ? 'online' : user?.lastSeen !== undefined ? `last seen ${relativeTime(user.lastSeen, now)}` : presence === 'offline' ? 'offline' : 'status unknown';
  const small =
    'rounded-md px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:opacity-50 dark:ring-slate-600 dark:hover:bg-slate-800';
  return (
    <li data-testid={`member-${key}`} data-role={member.role} data-presence={presence} className="rounded-xl px-2 py-1.5">
      <div className="flex items-center gap-3">
        <Avatar name={member.username} size="sm" online={presenceDot(presence)} avatarKey={user?.avatarKey} />
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-medium">
            {member.username}
            {isMe && <span className="font-normal text-slate-500 dark:text-slate-400"> (you)</span>}
          </span>
          <span className="block truncate text-xs text-slate-500 dark:text-slate-400">{presenceLabel.charAt(0).toUpperCase() + presenceLabel.slice(1)}</span>
        </span>
        {member.role !== 'member' && (
          <span
            data-testid="role-badge"
            className={`shrink-0 rounded-full px-2 py-0.5 text-[11px] font-semibold ${
              member.role === 'owner' ? 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200' : 'bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200'
            }`}
          >
            {ROLE_LABEL[member.role]}
          </span>
        )}
        {any && (
          <button
            type="button"
            data-testid={`member-actions-${key}`}
            aria-label={`Actions for ${member.username}`}
            aria-expanded={expanded}
            onClick={onToggle}
            className="shrink-0 rounded-full px-2 py-0.5 text-lg leading-none hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
          >
            <span aria-hidden="true">⋯</span>
          </button>
        )}
      </div>
      {any && expanded && (
        <div role="group" aria-label={`Actions for ${member.username}`} className="mt-1.5 flex flex-wrap gap-1.5 pl-11">
          {actions.makeAdmin && (
            <button type="button" data-testid="make-admin" disabled={busy} onClick={() => onRole('admin')} className={small}>
              Make admin
            </button>
          )}
          {actions.makeMember && (
            <button type="button" data-testid="make-member" disabled={busy} onClick={() => onRole('member')} className={small}>
              Make member
            </button>
          )}
          {actions.makeOwner && (
            <button type="button" data-testid="make-owner" disabled={busy} onClick={onTransfer} className={small}>
              Make owner
            </button>
          )}
          {actions.remove && (
            <button type="button" data-testid="remove-member" disabled={busy} onClick={onRemove} className={`${small} text-red-700 dark:text-red-300`}>
              Remove
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function RenameForm({ current, busy, onRename, onCancel }: { current: string; busy: boolean; onRename(name: string): void; onCancel(): void }) {
  const [name, setName] = useState(current);
  const { problem } = checkRoomName(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) onRename(name);
  };
  return (
    <form aria-label="Rename the room" onSubmit={submit} className="mb-3 flex flex-col gap-2">
      <label htmlFor="room-rename" className="text-sm font-medium">
        Room name
      </label>
      <input
        id="room-rename"
        data-testid="room-rename-input"
        autoComplete="off"
        value={name}
        autoFocus
        onChange={(e) => setName(e.target.value)}
        className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
      />
      {problem && name !== '' && <p className="text-xs text-red-600 dark:text-red-400">{roomNameProblemText(problem)}</p>}
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onCancel} className={buttonQuiet}>
          Cancel
        </button>
        <button type="submit" data-testid="rename-room-submit" disabled={busy || problem !== null} className={buttonPrimary}>
          Save
        </button>
      </div>
    </form>
  );
}

function AddMembersForm({
  session,
  exclude,
  busy,
  onAdd,
  onCancel,
}: {
  session: Pick<ChatSession, 'searchPeople'>;
  exclude: ReadonlySet<string>;
  busy: boolean;
  onAdd(names: string[]): void;
  onCancel(): void;
}) {
  const [picked, setPicked] = useState<string[]>([]);
  return (
    <div className="mb-3 flex flex-col gap-2 rounded-xl bg-slate-50 p-3 dark:bg-slate-800/50">
      <PeoplePicker id="add-members-people" session={session} picked={picked} onChange={setPicked} exclude={exclude} max={MAX_USERS_PER_REQUEST} label="Add people" />
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onCancel} className={buttonQuiet}>
          Cancel
        </button>
        <button type="button" data-testid="add-members-submit" disabled={busy || picked.length === 0} onClick={() => onAdd(picked)} className={buttonPrimary}>
          {picked.length > 1 ? `Add ${picked.length} people` : 'Add'}
        </button>
      </div>
    </div>
  );
}

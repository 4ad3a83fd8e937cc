import { useRef, useState, type FormEvent } from 'react';
import { checkRoomName, MAX_USERS_PER_REQUEST, ROOM_NAME_MAX_CHARS, roomNameProblemText, userKey } from '../protocol/chatRules';
import { errorText } from '../protocol/errorMessages';
import type { RoomView } from '../protocol/frames';
import { RequestError } from '../protocol/requests';
import type { ChatSession } from '../state/session';
import { buttonPrimary, buttonQuiet, Modal } from './Modal';
import { PeoplePicker } from './PeoplePicker';

export interface NewRoomDialogProps {
  session: Pick<ChatSession, 'createRoom' | 'searchPeople'>;
  me: string;
  onCreated(room: RoomView): void;
  onClose(): void;
}

/** "New room": a name and the first members (people search); the room opens once created. */
export function NewRoomDialog({ session, me, onCreated, onClose }: NewRoomDialogProps) {
  const nameRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { problem } = checkRoomName(name);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem || busy) return;
    setBusy(true);
    setError(null);
    try {
      onCreated(await session.createRoom(name, members));
    } catch (err) {
      setError(err instanceof RequestError ? errorText(err.code, err.message) : errorText(''));
      setBusy(false);
    }
  };

  return (
    <Modal title="New room" testId="new-room-dialog" onClose={onClose} initialFocus={nameRef}>
      <form aria-label="New room" onSubmit={(e) => void submit(e)} className="flex flex-col gap-3">
        <div className="flex flex-col gap-1">
          <label htmlFor="room-name" className="text-sm font-medium">
            Room name
          </label>
          <input
            ref={nameRef}
            id="room-name"
            data-testid="room-name"
            autoComplete="off"
            maxLength={ROOM_NAME_MAX_CHARS * 2}
            value={name}
            aria-invalid={touched && problem !== null}
            aria-describedby={touched && problem ? 'room-name-error' : undefined}
            onChange={(e) => setName(e.target.value)}
            className="w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-slate-700 dark:bg-slate-950"
          />
          {touched && problem && (
            <p id="room-name-error" data-testid="room-name-error" className="text-xs text-red-600 dark:text-red-400">
              {roomNameProblemText(problem)}
            </p>
          )}
        </div>
        <PeoplePicker
          id="new-room-people"
          session={session}
          picked={members}
          onChange={setMembers}
          exclude={new Set([userKey(me)])}
          max={MAX_USERS_PER_REQUEST}
          label="First members (optional)"
        />
        {error && (
          <p role="alert" data-testid="new-room-error" className="text-sm text-red-600 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className={buttonQuiet}>
            Cancel
          </button>
          <button type="submit" data-testid="create-room" disabled={busy} className={buttonPrimary}>
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConnectionIndicator } from './components/ConnectionIndicator';
import { ConversationView } from './components/ConversationView';
import type { PendingFile } from './components/Composer';
import { Inbox } from './components/Inbox';
import { MembersPanel } from './components/MembersPanel';
import { NewRoomDialog } from './components/NewRoomDialog';
import { ProfilePanel } from './components/ProfilePanel';
import { Avatar } from './components/Avatar';
import { AuthScreen } from './components/auth/AuthScreen';
import { localOutboxUrl } from './components/auth/LocalMailHint';
import { useIdentity } from './components/auth/useIdentity';
import { AmplifyAuthService } from './auth/amplify';
import type { AuthService } from './auth/authService';
import { loadConfig as fetchConfig, type AppConfig, type AuthConfig } from './config/appConfig';
import { useAppState, useNow } from './hooks';
import { MediaContext } from './media/mediaContext';
import { NotificationPrompt } from './notifications/NotificationPrompt';
import { NotificationSettings } from './notifications/NotificationSettings';
import { useNotifications, useUnreadBadge } from './notifications/useNotifications';
import { hashOf, parseHash } from './lib/hashRoute';
import { userKey } from './protocol/chatRules';
import { conversationOfRef, type ConversationRef } from './protocol/conversations';
import { selectInbox, selectTotalUnread } from './state/appState';
import { ChatSession, type TransportFactory } from './state/session';
import { browserStorage, clearDrafts, loadDrafts, saveDraft } from './state/drafts';

export type AuthFactory = (config: AuthConfig) => AuthService;

export interface AppProps {
  loadConfig?: () => Promise<AppConfig>;
  /** The identity provider for the pool of config.json: Amplify, or a fake in tests. */
  createAuth?: AuthFactory;
  createTransport?: TransportFactory;
}

const amplifyAuth: AuthFactory = (config) => new AmplifyAuthService(config);

export function App({ loadConfig = () => fetchConfig(), createAuth = amplifyAuth, createTransport }: AppProps) {
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    loadConfig().then(
      (c) => live && setConfig(c),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
    // Loaded once per mount.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  if (error) {
    return (
      <main className="flex h-full items-center justify-center p-6">
        <div role="alert" data-testid="config-error" className="max-w-md text-center">
          <h1 className="mb-2 text-xl font-semibold">Chatastrophy cannot start</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">Could not load its configuration: {error}</p>
        </div>
      </main>
    );
  }
  if (!config) {
    return (
      <main className="flex h-full items-center justify-center">
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      </main>
    );
  }
  return <ChatApp config={config} createAuth={createAuth} createTransport={createTransport} />;
}


function ChatApp({ config, createAuth, createTransport }: { config: AppConfig; createAuth: AuthFactory; createTransport?: TransportFactory }) {
  const auth = useMemo(() => createAuth(config.auth), [config.auth, createAuth]);
  const session = useMemo(
    () => new ChatSession({ websocketUrl: config.websocketUrl, accessToken: (o) => auth.accessToken(o), createTransport }),
    [config.websocketUrl, auth, createTransport],
  );
  const identity = useIdentity(auth, session);
  const state = useAppState(session);
  const now = useNow();
  // The side panel: the open conversation's (the other user's profile, or the room's members), or my own profile.
  const [panel, setPanel] = useState<'contact' | 'me' | null>(null);
  const [newRoom, setNewRoom] = useState(false);
  // What is being written in each conversation (by conversationId): text, and a picked file (uploading meanwhile).
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  // The texts are also in localStorage for the signed-in user, so a reload keeps them.
  const draftsOwner = state.me;
  useEffect(() => setDrafts(draftsOwner ? loadDrafts(browserStorage(), draftsOwner) : {}), [draftsOwner]);
  const [pendingFiles, setPendingFiles] = useState<Record<string, PendingFile | null>>({});

  useEffect(() => {
    const online = () => session.setNetworkAvailable(true);
    const offline = () => session.setNetworkAvailable(false);
    const visible = () => {
      const shown = document.visibilityState === 'visible';
      session.setVisible(shown);
      if (shown) session.wake();
    };
    session.setVisible(document.visibilityState === 'visible');
    if (typeof navigator !== 'undefined' && navigator.onLine === false) offline();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visible);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      document.removeEventListener('visibilitychange', visible);
      session.dispose();
    };
  }, [session]);

  // The hash names the other user or the room; the state addresses the conversation by its id.
  const openRef = useCallback(
    (ref: ConversationRef | null) => {
      const current = session.store.getState();
      const me = current.me;
      if (ref === null || me === null) return session.openConversation(null);
      session.openConversation(conversationOfRef(ref, me, ref.kind === 'room' ? (current.inbox.items[ref.id]?.name ?? '') : ''));
    },
    [session],
  );

  // The open conversation follows the URL hash (reload, back button on phones).
  const signedIn = state.me !== null;
  useEffect(() => {
    if (!signedIn) return;
    const apply = () => openRef(parseHash(window.location.hash));
    apply();
    window.addEventListener('hashchange', apply);
    window.addEventListener('popstate', apply);
    return () => {
      window.removeEventListener('hashchange', apply);
      window.removeEventListener('popstate', apply);
    };
  }, [openRef, signedIn]);

  const open = useCallback(
    (ref: ConversationRef | null) => {
      const hash = hashOf(ref);
      const alreadyOpen = ref !== null && window.location.hash === hash;
      if (window.location.hash !== hash) window.history.pushState(null, '', hash);
      openRef(ref);
      // A newly opened conversation's composer takes the focus as it mounts; an open one is not remounted.
      if (alreadyOpen) document.getElementById('composer-input')?.focus();
    },
    [openRef],
  );

  // A room closed under us (I was removed, or left): the URL no longer names it.
  const openId = state.openConversationId;
  const previousOpen = useRef<string | null>(null);
  useEffect(() => {
    const was = previousOpen.current;
    previousOpen.current = openId;
    if (was !== null && openId === null && parseHash(window.location.hash) !== null) {
      window.history.replaceState(null, '', '#/');
      setPanel((p) => (p === 'contact' ? null : p));
    }
  }, [openId]);

  const notifications = useNotifications(session, open);
  useUnreadBadge(selectTotalUnread(state));

  if (!signedIn) {
    if (identity.phase === 'ready') {
      return <AuthScreen auth={auth} reason={state.signedOutReason} outboxUrl={localOutboxUrl(config.auth.endpoint)} onSignedIn={(user) => session.start(user.username)} />;
    }
    return <StartupStatus phase={identity.phase} onRetry={identity.retry} />;
  }

  const me = state.me!;
  const meUser = state.users[userKey(me)];
  const entries = selectInbox(state);
  const openConversation = openId ? state.conversations[openId] : undefined;
  const openUser = openConversation?.kind === 'direct' ? state.users[userKey(openConversation.with)] : undefined;

  return (
    <MediaContext.Provider value={session.media}>
    <div className="flex h-full flex-col">
      {/* On phones an open conversation takes the whole screen: its own header has the way back and the connection. */}
      <header
        data-testid="app-header"
        className={`${openConversation ? 'hidden md:flex' : 'flex'} items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900`}
      >
        <h1 className="mr-auto truncate text-base font-bold sm:text-lg">Chatastrophy</h1>
        <ConnectionIndicator state={state.connection} />
        <button
          type="button"
          data-testid="me"
          aria-label={`Your profile (signed in as ${me})`}
          aria-expanded={panel === 'me'}
          onClick={() => setPanel((p) => (p === 'me' ? null : 'me'))}
          className="flex items-center gap-2 rounded-full py-0.5 pr-2 pl-0.5 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-slate-800"
        >
          <Avatar name={me} size="sm" avatarKey={meUser?.avatarKey} />
          <span className="hidden text-sm font-medium sm:inline">{me}</span>
        </button>
        <button
          type="button"
          onClick={() => {
            if (window.location.hash) window.history.replaceState(null, '', window.location.pathname + window.location.search);
            setPanel(null);
            // The next user of this tab starts with empty drafts; uploads still running stop.
            for (const file of Object.values(pendingFiles)) file?.controller.abort();
            setPendingFiles({});
            setDrafts({});
            clearDrafts(browserStorage(), me);
            identity.signOut();
          }}
          className="shrink-0 rounded-lg px-2 py-1 text-sm font-medium whitespace-nowrap text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800"
        >
          Sign out
        </button>
      </header>
      <NotificationPrompt prefs={notifications.prefs} />
      {state.notice && (
        <div role="alert" data-testid="notice" className="flex items-center gap-2 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          <span className="flex-1">{state.notice.message}</span>
          <button type="button" onClick={() => session.dismissNotice()} className="font-semibold underline">
            Dismiss
          </button>
        </div>
      )}
      <div className="relative flex min-h-0 flex-1">
        <div className={`${openConversation ? 'hidden md:flex' : 'flex'} w-full flex-col border-slate-200 md:w-80 md:border-r dark:border-slate-800`}>
          <Inbox
            session={session}
            entries={entries}
            me={me}
            now={now}
            loaded={state.inbox.nextCursor !== undefined}
            loading={state.inbox.loading}
            hasMore={typeof state.inbox.nextCursor === 'string'}
            onLoadMore={() => session.loadMoreConversations()}
            onOpen={(ref) => open(ref)}
            onNewRoom={() => setNewRoom(true)}
          />
        </div>
        <main className={`${openConversation ? 'flex' : 'hidden md:flex'} min-w-0 flex-1 flex-col`}>
          {openConversation ? (
            <ConversationView
              key={openConversation.id}
              session={session}
              state={state}
              conversation={openConversation}
              now={now}
              profileOpen={panel === 'contact'}
              onToggleProfile={() => setPanel((p) => (p === 'contact' ? null : 'contact'))}
              onBack={() => open(null)}
              draft={drafts[openConversation.id] ?? ''}
              onDraftChange={(text) => {
                setDrafts((d) => ({ ...d, [openConversation.id]: text }));
                saveDraft(browserStorage(), me, openConversation.id, text);
              }}
              pendingFile={pendingFiles[openConversation.id] ?? null}
              onPendingFileChange={(change) =>
                setPendingFiles((all) => ({ ...all, [openConversation.id]: change(all[openConversation.id] ?? null) }))
              }
            />
          ) : (
            <div className="flex flex-1 items-center justify-center p-6 text-center text-slate-500 dark:text-slate-400">
              <p>Pick a conversation on the left, search for someone, or start a room.</p>
            </div>
          )}
        </main>
        {openConversation?.kind === 'direct' && panel === 'contact' && (
          <ProfilePanel
            user={openUser ?? { username: openConversation.with, online: false }}
            presenceKnown={state.presenceKnown && state.presenceSeen[userKey(openConversation.with)] === true}
            now={now}
            onClose={() => setPanel(null)}
          />
        )}
        {openConversation?.kind === 'room' && panel === 'contact' && state.inbox.items[openConversation.id] && (
          <MembersPanel key={openConversation.id} session={session} state={state} conversationId={openConversation.id} now={now} onClose={() => setPanel(null)} />
        )}
        {panel === 'me' && (
          <ProfilePanel
            key="me"
            isMe
            user={meUser ?? { username: me, online: state.connection === 'online' }}
            now={now}
            onClose={() => setPanel(null)}
            onChangePicture={(file) => session.changeAvatar(file)}
            onRemovePicture={() => session.removeAvatar()}
          >
            <NotificationSettings controls={notifications} />
          </ProfilePanel>
        )}
      </div>
      {newRoom && (
        <NewRoomDialog
          session={session}
          me={me}
          onClose={() => setNewRoom(false)}
          onCreated={(room) => {
            setNewRoom(false);
            open({ kind: 'room', id: room.conversationId });
          }}
        />
      )}
    </div>
    </MediaContext.Provider>
  );
}

function StartupStatus({ phase, onRetry }: { phase: 'checking' | 'unreachable' | 'signingOut'; onRetry(): void }) {
  if (phase === 'unreachable') {
    return (
      <main className="flex h-full items-center justify-center p-6">
        <div role="alert" data-testid="auth-unreachable" className="max-w-md text-center">
          <h1 className="mb-2 text-xl font-semibold">Cannot reach the sign-in service</h1>
          <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">Check your connection, then try again.</p>
          <button type="button" onClick={onRetry} className="rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700">
            Try again
          </button>
        </div>
      </main>
    );
  }
  return (
    <main className="flex h-full items-center justify-center">
      <p role="status" className="text-sm text-slate-500">
        {phase === 'signingOut' ? 'Signing out…' : 'Loading…'}
      </p>
    </main>
  );
}

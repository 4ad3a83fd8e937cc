// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MediaError } from '../media/upload';
import type { Attachment } from '../protocol/frames';
import { Composer, COUNTER_FROM, type PendingFile } from './Composer';

afterEach(cleanup);

function setup() {
  const onSend = vi.fn((_text: string) => true);
  render(<Composer to="Bob" onSend={onSend} />);
  const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
  const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
  return { onSend, input, send };
}

// The lazily loaded emoji-picker-element, replaced by a stand-in with the same surface: a custom
// element with an open shadow root (a search box, a grid of emoji buttons) firing `emoji-click`.
vi.mock('./emojiPickerElement', () => ({
  createEmojiPicker() {
    const picker = document.createElement('emoji-picker');
    const root = picker.attachShadow({ mode: 'open' });
    root.innerHTML = `<input type="search"><div class="tabpanel" role="tabpanel" tabindex="0">${['😀', '🎉', '🚀', '👍', '🔥', '❤️', '✅', '👀', '🙏', '💯']
      .map((e) => `<button class="emoji" role="menuitem" aria-label="${e}">${e}</button>`)
      .join('')}</div>`;
    for (const button of root.querySelectorAll('button')) {
      button.addEventListener('click', () => picker.dispatchEvent(new CustomEvent('emoji-click', { detail: { unicode: button.textContent } })));
    }
    return picker;
  },
}));

/** A touch screen (pointer: coarse) or a mouse. */
function pointer(kind: 'coarse' | 'fine') {
  vi.spyOn(window, 'matchMedia').mockImplementation(
    (query: string) =>
      ({ matches: query === '(pointer: coarse)' && kind === 'coarse', media: query, addEventListener() {}, removeEventListener() {} }) as unknown as MediaQueryList,
  );
}

/** A key pressed in the picker's shadow DOM: as the user's are, the event is composed (reaches the page). */
function press(target: Element, key: string) {
  act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true }));
  });
}

async function openPicker() {
  fireEvent.click(screen.getByRole('button', { name: 'Insert emoji' }));
  const dialog = screen.getByRole('dialog', { name: 'Emoji' });
  await waitFor(() => expect(dialog.dataset.status).toBe('ready'));
  const root = dialog.querySelector('emoji-picker')!.shadowRoot!;
  const emoji = (e: string) => root.querySelector<HTMLButtonElement>(`button[aria-label="${e}"]`)!;
  return { dialog, root, emoji };
}

describe('Composer', () => {
  it('Enter sends and clears; Shift+Enter does not send', () => {
    const { onSend, input } = setup();
    fireEvent.change(input, { target: { value: 'hello' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('hello');
    expect(input.value).toBe('');
  });

  it('on a touch screen Enter is a new line and the Send button sends', () => {
    pointer('coarse');
    const { onSend, input, send } = setup();
    fireEvent.change(input, { target: { value: 'line one' } });
    // Not prevented: the textarea types its new line.
    expect(fireEvent.keyDown(input, { key: 'Enter' })).toBe(true);
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledWith('line one');
  });

  it('takes the focus when it appears (a conversation opened), but not on a touch screen', () => {
    pointer('fine');
    const { input } = setup();
    expect(document.activeElement).toBe(input);
    cleanup();
    pointer('coarse');
    const touch = setup();
    expect(document.activeElement).not.toBe(touch.input);
  });

  it('disables Send when empty or over the limit', () => {
    const { onSend, input, send } = setup();
    expect(send.disabled).toBe(true);
    fireEvent.change(input, { target: { value: '   ' } });
    expect(send.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'x'.repeat(4000) } });
    expect(send.disabled).toBe(false);
    fireEvent.change(input, { target: { value: 'x'.repeat(4001) } });
    expect(send.disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toMatch(/at most 4000/);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('shows the character counter only near the limit, and always over it', () => {
    const { input } = setup();
    expect(screen.queryByTestId('char-counter')).toBeNull();
    expect(input.getAttribute('aria-describedby')).toBeNull();
    fireEvent.change(input, { target: { value: 'x'.repeat(COUNTER_FROM - 1) } });
    expect(screen.queryByTestId('char-counter')).toBeNull();
    fireEvent.change(input, { target: { value: 'x'.repeat(COUNTER_FROM) } });
    expect(screen.getByTestId('char-counter').textContent).toBe(`${COUNTER_FROM}/4000`);
    expect(input.getAttribute('aria-describedby')).toBe('composer-counter');
    fireEvent.change(input, { target: { value: 'x'.repeat(4001) } });
    expect(screen.getByTestId('char-counter').textContent).toBe('4001/4000');
  });

  it('the emoji button is an icon, not an emoji glyph', () => {
    setup();
    const button = screen.getByRole('button', { name: 'Insert emoji' });
    expect(button.querySelector('svg')).toBeTruthy();
    expect(button.textContent).toBe('');
  });

  it('inserts a picked emoji at the cursor and gives the focus back to the text', async () => {
    const { input } = setup();
    fireEvent.change(input, { target: { value: 'go !' } });
    input.setSelectionRange(3, 3);
    const { emoji, root } = await openPicker();
    // The picker's search box has the focus.
    expect(root.activeElement).toBe(root.querySelector('input'));
    fireEvent.click(emoji('🚀'));
    expect(input.value).toBe('go 🚀!');
    expect(screen.queryByRole('dialog', { name: 'Emoji' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(input));
  });

  it('Escape closes the picker and gives the focus back to the emoji button', async () => {
    setup();
    const { root } = await openPicker();
    press(root.querySelector('input')!, 'Escape');
    expect(screen.queryByRole('dialog', { name: 'Emoji' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Insert emoji' }));
  });

  it('a press outside closes the picker; a press on its button toggles it', async () => {
    setup();
    await openPicker();
    fireEvent.pointerDown(screen.getByRole('button', { name: 'Insert emoji' }));
    fireEvent.click(screen.getByRole('button', { name: 'Insert emoji' }));
    expect(screen.queryByRole('dialog', { name: 'Emoji' })).toBeNull();
    await openPicker();
    fireEvent.pointerDown(document.body);
    expect(screen.queryByRole('dialog', { name: 'Emoji' })).toBeNull();
  });

  it('arrow keys move through the emoji grid, entering it from the empty search box', async () => {
    setup();
    const { root, emoji } = await openPicker();
    press(root.querySelector('input')!, 'ArrowDown');
    expect(root.activeElement).toBe(emoji('😀'));
    press(emoji('😀'), 'ArrowRight');
    expect(root.activeElement).toBe(emoji('🎉'));
    // Rows of 8 (the picker's --num-columns).
    press(emoji('🎉'), 'ArrowDown');
    expect(root.activeElement).toBe(emoji('💯'));
    press(emoji('💯'), 'Home');
    expect(root.activeElement).toBe(emoji('😀'));
  });
});

describe('Composer attachments', () => {
  function deferred<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  /** A fake client's upload: each call waits for the test to settle it. */
  function setupUpload(mode: 'own' | 'held by the parent' = 'own') {
    const uploads: Array<{ file: File; signal: AbortSignal } & ReturnType<typeof deferred<Attachment>>> = [];
    const onUpload = vi.fn((file: File, signal: AbortSignal) => {
      const d = deferred<Attachment>();
      uploads.push({ file, signal, ...d });
      return d.promise;
    });
    const onSend = vi.fn((_text: string, _attachment?: Attachment) => true);
    // Like the app: one composer per open conversation (keyed), the parent holding the picked files.
    function Conversations() {
      const [to, setTo] = useState('Bob');
      const [files, setFiles] = useState<Record<string, PendingFile | null>>({});
      return (
        <>
          <button type="button" onClick={() => setTo((t) => (t === 'Bob' ? 'carol' : 'Bob'))}>
            switch
          </button>
          <Composer
            key={to}
            to={to}
            onSend={onSend}
            onUpload={onUpload}
            {...(mode === 'held by the parent'
              ? { pendingFile: files[to] ?? null, onPendingFileChange: (change) => setFiles((all) => ({ ...all, [to]: change(all[to] ?? null) })) }
              : {})}
          />
        </>
      );
    }
    render(<Conversations />);
    const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
    const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
    const pick = (file: File) => {
      const fileInput = screen.getByTestId('attach-input') as HTMLInputElement;
      Object.defineProperty(fileInput, 'files', { value: [file], configurable: true });
      fireEvent.change(fileInput);
    };
    const switchConversation = () => fireEvent.click(screen.getByRole('button', { name: 'switch' }));
    return { uploads, onUpload, onSend, input, send, pick, switchConversation };
  }

  const cat = () => new File([new Uint8Array(2048)], 'cat.png', { type: 'image/png' });

  it('uploads a picked file, shows it pending, then sends it with an empty text', async () => {
    const { uploads, onSend, input, send, pick } = setupUpload();
    expect(screen.getByRole('button', { name: 'Attach a file' })).toBeTruthy();
    pick(cat());
    expect(uploads).toHaveLength(1);
    const chip = screen.getByTestId('pending-attachment');
    expect(chip.dataset.status).toBe('uploading');
    expect(screen.getByTestId('pending-attachment-name').textContent).toBe('cat.png');
    expect(chip.textContent).toContain('2 KB');
    expect(screen.getByRole('progressbar', { name: 'Uploading cat.png' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Cancel upload of cat.png' })).toBeTruthy();
    expect(send.disabled).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();

    const attachment = { key: 'attachments/dm/alice/bob/alice/1.png', name: 'cat.png', contentType: 'image/png', size: 2048 };
    await act(async () => uploads[0]!.resolve(attachment));
    expect(screen.getByTestId('pending-attachment').dataset.status).toBe('ready');
    expect(screen.getByTestId('pending-attachment-ready').textContent).toBe('Ready to send');
    expect(send.disabled).toBe(false);
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledWith('', attachment);
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
  });

  it('sends the text with the file', async () => {
    const { uploads, onSend, input, pick } = setupUpload();
    pick(cat());
    fireEvent.change(input, { target: { value: 'look at this' } });
    const attachment = { key: 'k', name: 'cat.png', contentType: 'image/png', size: 2048 };
    await act(async () => uploads[0]!.resolve(attachment));
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('look at this', attachment);
    expect(input.value).toBe('');
  });

  it('refuses at once what the server would refuse, without uploading', () => {
    const { onUpload, pick, send } = setupUpload();
    pick(new File(['<svg/>'], 'logo.svg', { type: 'image/svg+xml' }));
    expect(onUpload).not.toHaveBeenCalled();
    expect(screen.getByTestId('pending-attachment').dataset.status).toBe('failed');
    expect(screen.getByRole('alert').textContent).toMatch(/logo.svg cannot be sent: files of type image\/svg\+xml are not allowed/);
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(send.disabled).toBe(true);
    pick(new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'huge.zip', { type: 'application/zip' }));
    expect(screen.getByRole('alert').textContent).toBe('huge.zip is over 10 MB; a file can be at most 10 MB.');
    fireEvent.click(screen.getByRole('button', { name: 'Remove huge.zip' }));
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
  });

  it('shows a failed upload with Try again; cancelling aborts the upload', async () => {
    const { uploads, pick } = setupUpload();
    pick(cat());
    await act(async () => uploads[0]!.reject(new MediaError('upload_expired', 'The upload link expired before the file was sent. Try again.')));
    expect(screen.getByRole('alert').textContent).toBe('The upload link expired before the file was sent. Try again.');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(uploads).toHaveLength(2);
    expect(screen.getByTestId('pending-attachment').dataset.status).toBe('uploading');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel upload of cat.png' }));
    expect(uploads[1]!.signal.aborted).toBe(true);
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
    // A late answer of the cancelled upload changes nothing.
    await act(async () => uploads[1]!.resolve({ key: 'k', name: 'cat.png', contentType: 'image/png', size: 1 }));
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
  });

  it('leaving the conversation cancels an upload in flight', () => {
    const { uploads, pick, switchConversation } = setupUpload();
    pick(cat());
    switchConversation();
    expect(uploads[0]!.signal.aborted).toBe(true);
    switchConversation();
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
  });

  it('held by the parent, a picked file waits in its conversation while another is open, and its upload goes on', async () => {
    const { uploads, onSend, pick, switchConversation } = setupUpload('held by the parent');
    pick(cat());
    switchConversation();
    expect(uploads[0]!.signal.aborted).toBe(false);
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
    const attachment = { key: 'attachments/dm/alice/bob/alice/1.png', name: 'cat.png', contentType: 'image/png', size: 2048 };
    await act(async () => uploads[0]!.resolve(attachment));
    switchConversation();
    expect(screen.getByTestId('pending-attachment').dataset.status).toBe('ready');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenCalledWith('', attachment);
    expect(screen.queryByTestId('pending-attachment')).toBeNull();
  });

  it('takes a pasted image', () => {
    const { uploads, input } = setupUpload();
    const file = cat();
    fireEvent.paste(input, { clipboardData: { files: [file], types: ['Files'], getData: () => '' } });
    expect(uploads[0]?.file).toBe(file);
  });

  it('has no attach button without an uploader', () => {
    render(<Composer to="Bob" onSend={() => true} />);
    expect(screen.queryByRole('button', { name: 'Attach a file' })).toBeNull();
  });
});

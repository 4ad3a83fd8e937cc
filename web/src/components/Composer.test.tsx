// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MediaError } from '../media/upload';
import type { Attachment } from '../protocol/frames';
import { Composer, type PendingFile } from './Composer';

afterEach(cleanup);

function setup() {
  const onSend = vi.fn((_text: string) => true);
  render(<Composer to="Bob" onSend={onSend} />);
  const input = screen.getByLabelText('Message') as HTMLTextAreaElement;
  const send = screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
  return { onSend, input, send };
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

  it('disables Send when empty or over the limit, with a counter', () => {
    const { onSend, input, send } = setup();
    expect(send.disabled).toBe(true);
    expect(screen.getByTestId('char-counter').textContent).toBe('0/4000');
    fireEvent.change(input, { target: { value: '   ' } });
    expect(send.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'x'.repeat(4000) } });
    expect(send.disabled).toBe(false);
    expect(screen.getByTestId('char-counter').textContent).toBe('4000/4000');
    fireEvent.change(input, { target: { value: 'x'.repeat(4001) } });
    expect(send.disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toMatch(/at most 4000/);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('inserts an emoji from the picker', () => {
    const { input } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Insert emoji' }));
    fireEvent.click(screen.getByRole('button', { name: 'Insert 🎉' }));
    expect(input.value).toBe('🎉');
    expect(screen.getByTestId('char-counter').textContent).toBe('1/4000');
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

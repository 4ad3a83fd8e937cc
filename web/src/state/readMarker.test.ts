import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MARK_READ_DEBOUNCE_MS, MARK_READ_MAX_WAIT_MS, ReadMarker } from './readMarker';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(answer: () => Promise<boolean> = async () => true) {
  const sent: [string, string][] = [];
  const marker = new ReadMarker({
    send: (c, m) => {
      sent.push([c, m]);
      return answer();
    },
  });
  return { marker, sent, now: () => Date.now() };
}

describe('ReadMarker (when markRead is sent)', () => {
  it('sends the newest message seen once typing of messages pauses (debounced)', async () => {
    const { marker, sent, now } = setup();
    marker.note('c', '002', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS - 100);
    marker.note('c', '003', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['c', '003']]);
  });

  it('a steady stream still sends within the maximum wait', async () => {
    const { marker, sent, now } = setup();
    const start = now();
    for (let i = 1; i <= 20; i++) {
      marker.note('c', `0${String(i).padStart(2, '0')}`, undefined, now());
      await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS / 2);
      if (sent.length > 0) break;
    }
    expect(sent).toHaveLength(1);
    expect(now() - start).toBeLessThanOrEqual(MARK_READ_MAX_WAIT_MS + MARK_READ_DEBOUNCE_MS);
    expect(now() - start).toBeGreaterThanOrEqual(MARK_READ_MAX_WAIT_MS);
  });

  it('forward only: nothing at or before my read point; never twice for the same id', async () => {
    const { marker, sent, now } = setup();
    marker.note('c', '005', '005', now());
    marker.note('c', '004', '005', now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    expect(sent).toEqual([]);
    marker.note('c', '006', '005', now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    marker.note('c', '006', '005', now());
    marker.note('c', '005', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    expect(sent).toEqual([['c', '006']]);
  });

  it('one per conversation in a batch', async () => {
    const { marker, sent, now } = setup();
    marker.note('a', '001', undefined, now());
    marker.note('b', '002', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    expect(sent).toEqual([
      ['a', '001'],
      ['b', '002'],
    ]);
  });

  it('a read point the server did not take (offline) is sent again at the next note; reset forgets', async () => {
    let ok = false;
    const { marker, sent, now } = setup(async () => ok);
    marker.note('c', '001', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    ok = true;
    marker.note('c', '001', undefined, now());
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    expect(sent).toEqual([
      ['c', '001'],
      ['c', '001'],
    ]);
    marker.note('c', '002', undefined, now());
    marker.reset();
    await vi.advanceTimersByTimeAsync(MARK_READ_DEBOUNCE_MS);
    expect(sent).toHaveLength(2);
  });
});

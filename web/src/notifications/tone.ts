// The new-message sound: two short soft sine notes made with the Web Audio API (no audio file to
// download). The AudioContext is made on first use and resumed each time: browsers keep it
// suspended until the page has had a user gesture, and then a tone is simply skipped.

type AudioContextClass = typeof AudioContext;

export function createTonePlayer(AudioCtx: AudioContextClass | undefined = typeof AudioContext !== 'undefined' ? AudioContext : undefined): () => void {
  let ctx: AudioContext | null = null;
  return () => {
    if (!AudioCtx) return;
    try {
      ctx ??= new AudioCtx();
      const audio = ctx;
      void audio.resume().then(() => {
        const start = audio.currentTime + 0.01;
        note(audio, 880, start, 0.12);
        note(audio, 1318.5, start + 0.11, 0.16);
      }, () => {});
    } catch {
      // No audio output, or the browser refused: the notification and the badge still tell.
    }
  };
}

function note(ctx: AudioContext, frequency: number, start: number, duration: number): void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = frequency;
  // A quick attack and an exponential fade: no click at either end.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.15, start + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + duration + 0.02);
}

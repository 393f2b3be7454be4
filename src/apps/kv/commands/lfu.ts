/**
 * Redis' LFU counters (object.c / evict.c): a key's access word is
 * `minutes << 8 | counter`, the counter growing logarithmically with
 * accesses (lfu-log-factor) and decaying by one per
 * lfu-decay-time minutes without access. OBJECT FREQ answers the decayed
 * counter; allkeys-lfu / volatile-lfu evict the lowest.
 *
 * @example
 * let w = lfuNew(Date.now());          // counter 5 (LFU_INIT_VAL)
 * w = lfuTouch(w, Date.now(), 1, 10);  // maybe 6
 * lfuCounter(w, Date.now(), 1);        // 5 or 6
 */

/** The counter of a new key, so it is not evicted before it had a chance to be used again. */
export const LFU_INIT_VAL = 5;

/** Redis' LFUGetTimeInMinutes: unix minutes, 16 bits. */
export function lfuMinutes(ms: number): number {
  return Math.floor(ms / 60000) & 0xffff;
}

/** Minutes since `ldt`, across the 16-bit wrap (LFUTimeElapsed). */
function elapsed(ldt: number, now: number): number {
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

/** LFUDecrAndReturn: the counter less one per `decayTime` minutes since the last access (decayTime 0: no decay). */
export function lfuCounter(word: number, nowMs: number, decayTime: number): number {
  const counter = word & 255;
  const periods = decayTime > 0 ? Math.floor(elapsed(word >> 8, lfuMinutes(nowMs)) / decayTime) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** LFULogIncr: one more access, counted with probability 1 / ((counter - 5) * logFactor + 1). */
function logIncr(counter: number, logFactor: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  return Math.random() < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/** updateLFU: the word after an access at `nowMs`. */
export function lfuTouch(word: number, nowMs: number, decayTime: number, logFactor: number): number {
  return (lfuMinutes(nowMs) << 8) | logIncr(lfuCounter(word, nowMs, decayTime), logFactor);
}

/** A new key's word (createObject under an LFU policy). */
export function lfuNew(nowMs: number): number {
  return (lfuMinutes(nowMs) << 8) | LFU_INIT_VAL;
}

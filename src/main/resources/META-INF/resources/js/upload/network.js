/**
 * Is the network there? navigator.onLine where the browser knows, and the gateway itself where it
 * does not (navigator.onLine often still says true behind a captive portal, on a dead Wi-Fi or
 * on a laptop just waking up).
 */
import { Aborted } from './errors.js';
import { sleep } from './signals.js';

export function isOnline() {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

/** Resolves once the browser is online (at once if it is); rejects with Aborted on abort. */
export function waitUntilOnline(signal) {
  if (isOnline()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      globalThis.removeEventListener('online', done);
      if (signal) signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = () => {
      globalThis.removeEventListener('online', done);
      reject(new Aborted());
    };
    globalThis.addEventListener('online', done, { once: true });
    if (signal) signal.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * The one wait for the network that every request of an upload shares. `onLost` runs when the
 * wait begins (the upload says 'waiting'), `onBack` when the network is back (presigned URLs may
 * have lapsed meanwhile; the upload goes on).
 */
export class NetworkWatch {
  #reachable;
  #onLost;
  #onBack;
  #wait = null;

  /**
   * @param {object} hooks
   * @param {(signal: AbortSignal) => Promise<boolean>} hooks.reachable  does the gateway answer at all?
   * @param {() => void} hooks.onLost
   * @param {() => void} hooks.onBack
   */
  constructor({ reachable, onLost, onBack }) {
    this.#reachable = reachable;
    this.#onLost = onLost;
    this.#onBack = onBack;
  }

  /** True while a wait() is in progress. */
  get waiting() {
    return this.#wait !== null;
  }

  /**
   * After a request could not get through: if the gateway does not answer either, the network
   * is down. Waits, probing with backoff, and resolves true once it is back; resolves false at
   * once when the gateway answers (the problem lies elsewhere).
   */
  wait(signal) {
    if (!this.#wait) {
      this.#wait = (async () => {
        if (isOnline() && await this.#reachable(signal)) return false;
        this.#onLost();
        let delay = 1000;
        for (;;) {
          await waitUntilOnline(signal);
          if (await this.#reachable(signal)) break;
          await sleep(delay, signal);
          delay = Math.min(delay * 2, 15000);
        }
        this.#onBack();
        return true;
      })().finally(() => { this.#wait = null; });
    }
    return this.#wait;
  }

  /** When the browser knows it is offline: waits until it is online again (no probing). */
  async untilOnline(signal) {
    if (isOnline()) return;
    this.#onLost();
    await waitUntilOnline(signal);
    this.#onBack();
  }
}

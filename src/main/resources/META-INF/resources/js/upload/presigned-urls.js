/**
 * Presigned part URLs, asked for in small batches just ahead of need. Each URL is handed out
 * once: a retried part gets a fresh one. All are dropped when they may have lapsed (paused,
 * offline, asleep) and presigned again when needed.
 */
import { UploadError } from './errors.js';
import { throwIfAborted } from './signals.js';

export class PresignedUrls {
  #urls = new Map();       // partNumber -> presigned URL, not yet used
  #presigning = new Map(); // partNumber -> Promise of the presign call that covers it
  #hooks;

  /**
   * @param {object} hooks
   * @param {(partNumbers: number[], signal: AbortSignal) => Promise<object[]>} hooks.presign
   *        one presign call; resolves to its URLs ({partNumber, url, method, headers})
   * @param {(partNumbers: number[], urls: object[]) => void} hooks.presigned  after a batch is stored
   * @param {() => number} hooks.batchSize   parts per presign call
   * @param {() => Iterable<number>} hooks.upcoming  the parts to send next, in order
   */
  constructor(hooks) {
    this.#hooks = hooks;
  }

  /** Drops every URL not yet used (a call in progress still delivers its batch). */
  clear() {
    this.#urls.clear();
  }

  /** A URL for part n, used once: from the batch already presigned, or a new batch from n on. */
  async take(n, signal) {
    for (;;) {
      throwIfAborted(signal);
      const cached = this.#urls.get(n);
      if (cached) {
        this.#urls.delete(n);
        return cached;
      }
      const pending = this.#presigning.get(n);
      if (pending) {
        await pending.catch(() => {});
        if (this.#urls.has(n)) continue;
      }
      const batch = [n];
      for (const m of this.#hooks.upcoming()) {
        if (batch.length >= this.#hooks.batchSize()) break;
        if (!this.#urls.has(m) && !this.#presigning.has(m)) batch.push(m);
      }
      const call = this.#presign(batch, signal);
      batch.forEach((m) => this.#presigning.set(m, call));
      try {
        await call;
      } finally {
        batch.forEach((m) => { if (this.#presigning.get(m) === call) this.#presigning.delete(m); });
      }
      if (!this.#urls.has(n)) {
        throw new UploadError(`The gateway returned no URL for part ${n}.`, { code: 'presign_incomplete' });
      }
    }
  }

  async #presign(partNumbers, signal) {
    const urls = await this.#hooks.presign(partNumbers, signal);
    for (const url of urls) this.#urls.set(url.partNumber, url);
    this.#hooks.presigned(partNumbers, urls);
  }
}

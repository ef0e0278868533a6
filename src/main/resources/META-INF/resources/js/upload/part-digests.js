/**
 * Per-part digests — the Content-MD5, and the SHA256 or SHA1 additional checksum of an upload
 * created with one — computed off the main thread in one Web Worker per UploadClient
 * (md5-worker.js); parts are hashed one after another, in the order asked. Where a module worker
 * cannot start (an old browser, a policy that forbids workers), MD5 runs on the page instead, in
 * 4 MiB steps that yield between them, and `offMainThread` turns false.
 */
import { md5OfBlob, toBase64 } from './md5.js';

/** The additional checksums this client can compute (WebCrypto); the gateway also knows CRC32, CRC32C. */
export const CHECKSUM_ALGORITHMS = ['SHA256', 'SHA1'];

export class PartDigests {
  #worker = null;
  #failed = false;
  #pending = new Map(); // id -> {resolve, reject}
  #next = 1;
  /** Bytes hashed and milliseconds spent hashing (in the worker), for measuring the cost. */
  stats = { bytes: 0, ms: 0, offMainThread: true };

  /** The base64 MD5 of `blob`. */
  md5(blob) {
    return this.digest(blob, 'MD5');
  }

  /** The base64 digest of `blob`: 'MD5', or an additional checksum of CHECKSUM_ALGORITHMS. */
  digest(blob, algorithm) {
    const worker = this.#start();
    if (!worker) return this.#onPage(blob, algorithm);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, blob, algorithm });
      worker.postMessage({ id, blob, algorithm });
    });
  }

  /** Stops the worker (a new one starts when needed). */
  close() {
    if (this.#worker) this.#worker.terminate();
    this.#worker = null;
  }

  #start() {
    if (this.#worker || this.#failed) return this.#worker;
    try {
      this.#worker = new Worker(new URL('./md5-worker.js', import.meta.url), { type: 'module' });
    } catch (e) {
      this.#fallBack();
      return null;
    }
    this.#worker.onmessage = (event) => {
      const { id, value, error, bytes, ms } = event.data;
      const waiting = this.#pending.get(id);
      if (!waiting) return;
      this.#pending.delete(id);
      if (error) {
        waiting.reject(new Error(`Computing a part's ${waiting.algorithm} failed: ${error}`));
        return;
      }
      this.stats.bytes += bytes;
      this.stats.ms += ms;
      waiting.resolve(value);
    };
    this.#worker.onerror = (event) => {
      // The worker could not load or crashed: hash what it still owed on the page.
      event.preventDefault();
      const owed = [...this.#pending.values()];
      this.#pending.clear();
      this.#fallBack();
      owed.forEach((w) => this.#onPage(w.blob, w.algorithm).then(w.resolve, w.reject));
    };
    return this.#worker;
  }

  #fallBack() {
    this.close();
    this.#failed = true;
    this.stats.offMainThread = false;
  }

  async #onPage(blob, algorithm) {
    const started = performance.now();
    const md5 = algorithm === 'MD5' ? await md5OfBlob(blob)
      : toBase64(new Uint8Array(await crypto.subtle.digest(algorithm === 'SHA1' ? 'SHA-1' : 'SHA-256', await blob.arrayBuffer())));
    this.stats.bytes += blob.size;
    this.stats.ms += performance.now() - started;
    return md5;
  }
}

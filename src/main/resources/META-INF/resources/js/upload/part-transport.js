/**
 * Part transport: PUTs one part's bytes to a presigned S3 URL, again and again until S3 has
 * stored them.
 *
 * - XMLHttpRequest, since fetch cannot report upload progress.
 * - A PUT without progress for stallTimeoutMs is dropped and retried (half-open connections
 *   after a laptop's sleep).
 * - 403 means the URL lapsed (or was refused); status 0 usually means the same, as S3's error
 *   answers carry no CORS headers. Either way: a fresh URL, not counted as a failure (up to
 *   `freeRefusals` times per part).
 * - Status 0 while the gateway does not answer either: the network is down; wait, do not count.
 * - Other failures: backoff, at most maxAttempts; a 4xx other than 403/408/429 gives up at once.
 */
import { Aborted, EtagNotExposedError, PartUploadError } from './errors.js';
import { sleep, throwIfAborted } from './signals.js';
import { isOnline } from './network.js';

/** Headers a page may not set on a request: the browser derives them itself. */
const FORBIDDEN_HEADERS = new Set(['content-length', 'host', 'connection', 'keep-alive', 'transfer-encoding',
  'expect', 'te', 'trailer', 'upgrade', 'date', 'origin', 'referer', 'cookie', 'accept-encoding']);

export class PartTransport {
  #client;
  #urls;
  #network;
  #meter;
  #stats;
  #emit;

  /**
   * @param {object} o
   * @param {UploadClient} o.client       settings (freeRefusals, maxAttempts, stallTimeoutMs) and api.backoff
   * @param {PresignedUrls} o.urls
   * @param {NetworkWatch} o.network
   * @param {ProgressMeter} o.meter
   * @param {object} o.stats              the Upload's stats: partPuts, partPutNumbers, refusals, failures
   * @param {(type: string, detail: object) => void} o.emit  the Upload's events: partrefused, retry
   */
  constructor({ client, urls, network, meter, stats, emit }) {
    this.#client = client;
    this.#urls = urls;
    this.#network = network;
    this.#meter = meter;
    this.#stats = stats;
    this.#emit = emit;
  }

  /**
   * Sends part n (`blob`) until S3 stored it; resolves with the part's ETag. The part then still
   * counts as in flight (the caller records it, then settles it in the meter). Rejects with
   * EtagNotExposedError, PartUploadError, or Aborted when `signal` aborts.
   */
  async send(n, blob, signal) {
    let failures = 0;
    let refusals = 0;
    for (;;) {
      throwIfAborted(signal);
      if (!isOnline()) await this.#network.untilOnline(signal);
      const url = await this.#urls.take(n, signal);
      const answer = await this.#put(n, url, blob, signal);
      if (answer.status === 0 && await this.#network.wait(signal)) {
        this.#meter.partSettled(n);
        continue; // the network was down: not the URL's fault and not a failure
      }
      if (answer.status >= 200 && answer.status < 300) {
        if (!answer.etag) throw new EtagNotExposedError(n);
        return answer.etag;
      }
      this.#meter.partSettled(n);
      this.#meter.tick(true);
      if (!isOnline()) continue; // the network went away mid-part: wait, do not count it
      if ((answer.status === 403 || answer.status === 0) && refusals < this.#client.freeRefusals) {
        refusals++;
        this.#stats.refusals++;
        this.#emit('partrefused', { partNumber: n, status: answer.status });
        continue;
      }
      failures++;
      this.#stats.failures++;
      if (failures >= this.#client.maxAttempts || (answer.status >= 400 && answer.status < 500
          && ![403, 408, 429].includes(answer.status))) {
        throw new PartUploadError(n, answer.status, answer.body);
      }
      const delay = this.#client.api.backoff(failures);
      this.#emit('retry', { partNumber: n, status: answer.status, attempt: failures + 1, delayMs: delay });
      await sleep(delay, signal);
    }
  }

  /** One PUT: resolves {status, etag, body}; status 0 for network errors and stalls. */
  #put(n, url, blob, signal) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new Aborted());
        return;
      }
      const xhr = new XMLHttpRequest();
      let reported = 0;
      let stalled = false;
      let watchdog = null;
      const watch = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => { stalled = true; xhr.abort(); }, this.#client.stallTimeoutMs);
      };
      const onAbort = () => xhr.abort();
      xhr.open(url.method || 'PUT', url.url);
      for (const [name, value] of Object.entries(url.headers || {})) {
        if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = (e) => {
        const delta = e.loaded - reported;
        reported = e.loaded;
        watch();
        this.#meter.partProgress(n, delta, Math.min(e.loaded, blob.size));
      };
      const finish = (answer) => {
        clearTimeout(watchdog);
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      xhr.onload = () => finish({
        status: xhr.status,
        etag: xhr.getResponseHeader('ETag'),
        body: xhr.status >= 300 ? xhr.responseText : undefined,
      });
      xhr.onerror = () => finish({ status: 0 });
      xhr.ontimeout = () => finish({ status: 0 });
      xhr.onabort = () => {
        if (stalled) {
          finish({ status: 0, stalled: true }); // treated like a dropped connection
          return;
        }
        clearTimeout(watchdog);
        signal.removeEventListener('abort', onAbort);
        reject(new Aborted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#stats.partPuts++;
      this.#stats.partPutNumbers.push(n);
      this.#meter.partStarted(n);
      watch();
      xhr.send(blob);
    });
  }
}

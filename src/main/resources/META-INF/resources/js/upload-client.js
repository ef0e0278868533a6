/**
 * upload-client.js — browser client for the upload gateway's native API (/api/v1/uploads).
 *
 * Uploads a File straight to S3 through presigned multipart URLs: parts go up in parallel,
 * URLs are presigned in small batches just ahead of need, each part's ETag is read from S3's
 * answer and recorded in the gateway's ledger. Uploads survive pauses, offline spells, expired
 * URLs and page reloads (the upload is remembered in localStorage under the file's name, size
 * and lastModified; choosing the same file again sends only the parts S3 does not have).
 *
 *   import { UploadClient } from '/js/upload-client.js';
 *   const client = new UploadClient({ getToken: async () => myToken });
 *   const upload = client.upload(file);
 *   upload.addEventListener('progress', (e) => console.log(e.detail.bytesDone, e.detail.eta));
 *   const result = await upload.start();          // {state: 'completed', upload} | {state: 'paused'} | ...
 *   const { url } = await upload.downloadUrl();
 *
 * No dependencies, no build step. Events (CustomEvent, payload in `detail`): statechange,
 * progress, resumed, part, partrefused, presign, retry, error, complete.
 */

const STORAGE_PREFIX = 'upload-gateway:v1:';

/** Headers a page may not set on a request: the browser derives them itself. */
const FORBIDDEN_HEADERS = new Set(['content-length', 'host', 'connection', 'keep-alive', 'transfer-encoding',
  'expect', 'te', 'trailer', 'upgrade', 'date', 'origin', 'referer', 'cookie', 'accept-encoding']);

// ------------------------------------------------------------------------------------------ errors

/** Base class of every error this module throws; `code` is a stable machine word. */
export class UploadError extends Error {
  constructor(message, { code = 'upload_failed', cause, retryable = false } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'UploadError';
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * S3 accepted a part but the browser was not allowed to read its ETag header. Without the ETag
 * the part cannot be recorded nor the upload completed: the bucket's CORS rule has to expose it.
 */
export class EtagNotExposedError extends UploadError {
  constructor(partNumber) {
    super(`S3 stored part ${partNumber}, but the browser may not read the ETag header of its answer. `
      + 'The bucket\'s CORS configuration must expose ETag: add "ExposeHeaders": ["ETag"] to the '
      + 'CORS rule (AWS S3, R2, MinIO), or set s3proxy.cors-exposed-headers=ETag for S3Proxy. '
      + 'Until then no browser can complete a multipart upload to this bucket.',
    { code: 'etag_not_exposed' });
    this.name = 'EtagNotExposedError';
    this.partNumber = partNumber;
  }
}

/** The gateway answered with an error (RFC 9457 problem); `status` and `problem` say which. */
export class GatewayError extends UploadError {
  constructor(status, problem, what) {
    const detail = problem && (problem.detail || problem.title);
    super(`${what}: ${detail || `the gateway answered HTTP ${status}`}`,
      { code: (problem && problem.code) || `http_${status}`, retryable: status >= 500 || status === 429 || status === 408 });
    this.name = 'GatewayError';
    this.status = status;
    this.problem = problem || null;
  }
}

/** A part could not be stored in S3 after every retry. */
export class PartUploadError extends UploadError {
  constructor(partNumber, status, body) {
    const reason = status === 0
      ? 'the storage server could not be reached, or the browser blocked its answer (check the bucket\'s CORS rule allows PUT from this site)'
      : `the storage server answered HTTP ${status}${s3ErrorCode(body) ? ` (${s3ErrorCode(body)})` : ''}`;
    super(`Part ${partNumber} could not be uploaded: ${reason}.`, { code: 'part_upload_failed', retryable: true });
    this.name = 'PartUploadError';
    this.partNumber = partNumber;
    this.status = status;
  }
}

function s3ErrorCode(body) {
  const match = typeof body === 'string' && body.match(/<Code>([^<]+)<\/Code>/);
  return match ? match[1] : null;
}

class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

// ------------------------------------------------------------------------------------------ client

export class UploadClient {
  /**
   * @param {object} options
   * @param {string} [options.baseUrl]   where the gateway is ('' = this page's origin)
   * @param {() => Promise<string>|string} options.getToken  the bearer token; called before every gateway call
   * @param {number} [options.concurrency=4]   parts in flight per upload
   * @param {number} [options.presignBatch]    parts presigned per call (default: 2 × concurrency)
   * @param {number} [options.expiresInSeconds] lifetime asked for each part URL (default: the gateway's)
   * @param {number} [options.partSize]        bytes per part (default: the gateway picks)
   * @param {Storage} [options.storage=localStorage]  where unfinished uploads are remembered
   * @param {typeof fetch} [options.fetch]     fetch used for gateway calls
   * @param {number} [options.maxAttempts=6]   counted failures of one request before giving up
   * @param {number} [options.retryDelayMs=500] first backoff delay (doubles each time, with jitter)
   * @param {number} [options.maxRetryDelayMs=30000]
   * @param {number} [options.freeRefusals=3]  refused/unreachable part PUTs re-presigned per part
   *                                           before they start to count as failures
   * @param {number} [options.stallTimeoutMs=60000] a part PUT with no progress for this long is
   *                                           dropped and retried (half-open connections after sleep)
   * @param {number} [options.requestTimeoutMs=60000] a gateway call without an answer for this long
   *                                           is treated like a network error (completing gets 15 min)
   */
  constructor(options = {}) {
    if (typeof options.getToken !== 'function') {
      throw new TypeError('UploadClient needs a getToken option: an (async) function returning a bearer token');
    }
    this.baseUrl = (options.baseUrl || '').replace(/\/+$/, '');
    this.getToken = options.getToken;
    this.concurrency = positiveInt(options.concurrency, 4);
    this.presignBatch = positiveInt(options.presignBatch, this.concurrency * 2);
    this.expiresInSeconds = options.expiresInSeconds ? positiveInt(options.expiresInSeconds) : undefined;
    this.partSize = options.partSize ? positiveInt(options.partSize) : undefined;
    this.storage = options.storage === undefined ? safeLocalStorage() : options.storage;
    this.fetch = options.fetch || globalThis.fetch.bind(globalThis);
    this.maxAttempts = positiveInt(options.maxAttempts, 6);
    this.retryDelayMs = positiveInt(options.retryDelayMs, 500);
    this.maxRetryDelayMs = positiveInt(options.maxRetryDelayMs, 30000);
    this.freeRefusals = Math.max(0, Number.isFinite(options.freeRefusals) ? options.freeRefusals : 3);
    this.stallTimeoutMs = positiveInt(options.stallTimeoutMs, 60000);
    this.requestTimeoutMs = positiveInt(options.requestTimeoutMs, 60000);
  }

  /** A new, not yet started upload of `file`. Options: contentType, metadata, partSize. */
  upload(file, options = {}) {
    return new Upload(this, file, options);
  }

  /** The remembered unfinished upload of this file, or null. */
  findResumable(file) {
    return this.#read(rememberKey(file));
  }

  /** Every remembered unfinished upload (newest first). */
  listRemembered() {
    const found = [];
    if (!this.storage) return found;
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key && key.startsWith(STORAGE_PREFIX)) {
        const record = this.#read(key);
        if (record && record.baseUrl === this.baseUrl) found.push(record);
      }
    }
    return found.sort((a, b) => (b.updatedAt || 0) - (a.updatedAt || 0));
  }

  /** Forgets a remembered upload (by record or file) without touching the server. */
  forget(recordOrFile) {
    const key = recordOrFile && recordOrFile.storageKey ? recordOrFile.storageKey : rememberKey(recordOrFile);
    try { this.storage && this.storage.removeItem(key); } catch { /* storage full or disabled */ }
  }

  /** Aborts a remembered upload server-side and forgets it (for "discard" buttons). */
  async discard(record) {
    try {
      await this.request('DELETE', `/api/v1/uploads/${encodeURIComponent(record.id)}`, undefined, { what: 'Discarding the upload' });
    } catch (e) {
      if (!(e instanceof GatewayError && e.status === 404)) throw e;
    }
    this.forget(record);
  }

  remember(record) {
    try {
      this.storage && this.storage.setItem(record.storageKey, JSON.stringify(record));
    } catch { /* storage full or disabled: the upload still works, it just cannot resume after a reload */ }
  }

  #read(key) {
    try {
      const text = this.storage && this.storage.getItem(key);
      if (!text) return null;
      const record = JSON.parse(text);
      return record && typeof record.id === 'string' ? { ...record, storageKey: key } : null;
    } catch {
      return null;
    }
  }

  /**
   * One gateway call with the bearer token. Retries network errors, 5xx, 408 and 429 with
   * backoff (waiting while offline), asks getToken again once on 401, throws GatewayError on
   * any other error answer. Returns the parsed JSON body (null for 204).
   */
  async request(method, path, body, {
    signal, what = 'The gateway call failed', retry = true, headers: extra = {}, waitForNetwork,
    timeoutMs = this.requestTimeoutMs,
  } = {}) {
    let failures = 0;
    let refreshedToken = false;
    for (;;) {
      throwIfAborted(signal);
      if (!isOnline()) {
        if (waitForNetwork) await waitForNetwork();
        else await waitUntilOnline(signal);
      }
      let response;
      let text;
      const deadline = deadlineSignal(signal, timeoutMs);
      try {
        const token = await this.getToken();
        const headers = { Accept: 'application/json', ...extra };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        response = await this.fetch(this.baseUrl + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: deadline.signal,
          credentials: 'same-origin',
        });
        text = await response.text();
      } catch (e) {
        if (signal && signal.aborted) throw new Aborted();
        if (e instanceof UploadError) throw e;
        if (retry && waitForNetwork) {
          if (await waitForNetwork()) continue; // the network was down, not the call: no failure counted
        } else if (!isOnline()) {
          continue; // went offline mid-call: wait for the network, no failure counted
        }
        failures++;
        if (!retry || failures >= this.maxAttempts) {
          const reason = deadline.timedOut() ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.message || String(e));
          throw new UploadError(`${what}: the gateway could not be reached (${reason}).`, { code: 'network_error', cause: e, retryable: true });
        }
        await sleep(this.backoff(failures), signal);
        continue;
      } finally {
        deadline.clear();
      }
      if (response.ok) {
        return response.status === 204 || !text ? null : JSON.parse(text);
      }
      const problem = parseProblem(text);
      if (response.status === 401 && !refreshedToken) {
        refreshedToken = true; // the token may just have expired: ask the host page for a fresh one
        continue;
      }
      const error = new GatewayError(response.status, problem, what);
      if (!retry || !error.retryable) throw error;
      failures++;
      if (failures >= this.maxAttempts) throw error;
      await sleep(this.backoff(failures), signal);
    }
  }

  /** True when the gateway answers at all (any HTTP status): the network between us works. */
  async reachable(signal) {
    const deadline = deadlineSignal(signal, 5000);
    try {
      const response = await this.fetch(`${this.baseUrl}/api/v1/uploads?limit=1`,
        { method: 'GET', signal: deadline.signal, cache: 'no-store' });
      await response.text();
      return true;
    } catch (e) {
      if (signal && signal.aborted) throw new Aborted();
      return false;
    } finally {
      deadline.clear();
    }
  }

  /** Exponential backoff with full jitter in the upper half: 0.5–1 × base × 2^(n-1), capped. */
  backoff(failures) {
    const ceiling = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }
}

// ------------------------------------------------------------------------------------------ upload

/**
 * One file's upload. States: idle → preparing → uploading ⇄ waiting (offline) → completing →
 * completed; paused, cancelled and error can be reached from any running state; paused and error
 * go back to preparing with resume().
 */
export class Upload extends EventTarget {
  #client;
  #options;
  #controller = null;
  #run = null;
  #queue = [];
  #done = new Set();
  #urls = new Map();          // partNumber -> presigned URL, not yet used
  #presigning = new Map();    // partNumber -> Promise of the presign call that covers it
  #inFlight = new Map();      // partNumber -> bytes of that part sent so far
  #samples = [];              // [time, bytes sent] for the speed estimate
  #sent = 0;                  // bytes handed to the network in this page (retries included)
  #lastProgress = 0;
  #progressTimer = null;
  #record = null;
  #networkWait = null;        // the one wait for the network that every worker shares
  #createKey = null;          // Idempotency-Key of the create, kept across pause/resume

  constructor(client, file, options = {}) {
    super();
    if (!file || typeof file.size !== 'number' || typeof file.slice !== 'function') {
      throw new TypeError('upload(file) needs a File or Blob with a name');
    }
    this.#client = client;
    this.file = file;
    this.#options = options;
    this.id = null;
    this.state = 'idle';
    this.size = file.size;
    this.partSize = 0;
    this.partCount = 0;
    this.bytesDone = 0;
    this.resumedFrom = null;   // {partsDone, bytesDone} when this upload continued an earlier one
    this.result = null;        // the Upload resource once completed
    this.error = null;
    /** What happened on the wire, for host pages and tests: every part PUT, refusal, presign call. */
    this.stats = { partPuts: 0, partPutNumbers: [], refusals: 0, failures: 0, presignCalls: 0, presignedUrls: 0 };
  }

  /**
   * Starts or resumes the upload. Resolves with {state: 'completed', upload}, {state: 'paused'} or
   * {state: 'cancelled'}; rejects with an UploadError when it gives up (resume() tries again).
   */
  start() {
    if (this.#run) return this.#run;
    if (['completed', 'cancelled'].includes(this.state)) {
      return Promise.resolve({ state: this.state, upload: this.result });
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.error = null;
    this.#run = this.#execute(controller.signal)
      .then(() => ({ state: 'completed', upload: this.result }))
      .catch((e) => {
        if (controller.signal.aborted) return { state: this.state };
        this.error = e instanceof UploadError ? e : new UploadError(e && e.message ? e.message : String(e), { cause: e });
        this.#setState('error');
        this.#emit('error', { error: this.error });
        throw this.error;
      })
      .finally(() => {
        if (this.#controller === controller) this.#controller = null;
        this.#run = null;
        this.#inFlight.clear();
        this.#emitProgress(true);
      });
    return this.#run;
  }

  resume() {
    return this.start();
  }

  /** Stops sending; parts in flight are dropped and re-sent on resume(). */
  pause() {
    if (!this.#controller || ['completing', 'completed', 'cancelled'].includes(this.state)) return;
    this.#setState('paused');
    this.#controller.abort();
    this.#urls.clear(); // they may lapse while paused
  }

  /** Stops sending, aborts the upload server-side (S3 discards the parts) and forgets it. */
  async cancel() {
    if (['completed', 'cancelled'].includes(this.state)) return;
    const running = this.#run;
    this.#setState('cancelled');
    if (this.#controller) this.#controller.abort();
    if (running) await running.catch(() => {});
    this.#client.forget(this.file);
    if (this.id) {
      try {
        await this.#client.request('DELETE', `/api/v1/uploads/${this.id}`, undefined, { what: 'Cancelling the upload' });
      } catch (e) {
        if (!(e instanceof GatewayError && e.status === 404)) {
          this.error = e;
          this.#emit('error', { error: e });
          throw e;
        }
      }
    }
  }

  /** A fresh presigned GET for the completed object: {url, expiresAt}. */
  downloadUrl({ disposition = 'attachment', expiresInSeconds } = {}) {
    if (!this.id || this.state !== 'completed') {
      return Promise.reject(new UploadError('The upload is not complete yet.', { code: 'not_completed' }));
    }
    const query = new URLSearchParams({ disposition });
    if (expiresInSeconds) query.set('expiresInSeconds', String(expiresInSeconds));
    return this.#client.request('GET', `/api/v1/uploads/${this.id}/download?${query}`, undefined, { what: 'Getting the download link' });
  }

  /** bytes done, total, speed (bytes/s over the last seconds), eta (s) and part counts. */
  get progress() {
    const inFlight = [...this.#inFlight.values()].reduce((a, b) => a + b, 0);
    const bytesDone = Math.min(this.size, this.bytesDone + inFlight);
    const speed = this.#speed();
    const remaining = this.size - bytesDone;
    return {
      bytesDone,
      bytesTotal: this.size,
      fraction: this.size ? bytesDone / this.size : 1,
      speed,
      eta: speed > 0 && this.state === 'uploading' ? remaining / speed : null,
      partsDone: this.#done.size,
      partCount: this.partCount,
      state: this.state,
    };
  }

  // ---------------------------------------------------------------------------------- the run

  async #execute(signal) {
    this.#setState('preparing');
    const alreadyCompleted = await this.#prepare(signal);
    for (let round = 1; !alreadyCompleted; round++) {
      this.#urls.clear();
      await this.#sendMissingParts(signal);
      throwIfAborted(signal);
      this.#setState('completing');
      try {
        // S3 can take minutes to assemble a very large object.
        this.result = await this.#client.request('POST', `/api/v1/uploads/${this.id}/complete`, undefined,
          { signal, what: 'Completing the upload', timeoutMs: Math.max(this.#client.requestTimeoutMs, 15 * 60000),
            waitForNetwork: () => this.#waitForNetwork(signal) });
        break;
      } catch (e) {
        // The ledger and S3 disagree (a part lost or replaced between PUT and record): sync, S3
        // wins, and send whatever is still missing.
        if (e instanceof GatewayError && e.problem && ['parts_missing', 'part_mismatch'].includes(e.problem.code)
            && round < 3) {
          this.#setState('preparing');
          await this.#sync(signal);
          continue;
        }
        throw e;
      }
    }
    this.bytesDone = this.size;
    this.#client.forget(this.file);
    this.#setState('completed');
    this.#emit('complete', { upload: this.result });
  }

  /** Continue the remembered upload of this file if the gateway still has it, else start one. */
  async #prepare(signal) {
    if (!this.id) {
      const remembered = this.#client.findResumable(this.file);
      if (remembered && remembered.baseUrl === this.#client.baseUrl) {
        this.id = remembered.id;
        this.#record = remembered;
        try {
          const resource = await this.#sync(signal);
          if (resource.state === 'UPLOADING' && resource.size === this.size) {
            this.resumedFrom = { partsDone: this.#done.size, bytesDone: this.bytesDone, missingParts: [...this.#queue] };
            this.#emit('resumed', { ...this.resumedFrom, upload: resource });
            return false;
          }
          if (resource.state === 'COMPLETED' && resource.size === this.size) {
            // The page went away between completing and forgetting: nothing left to send.
            this.result = resource;
            this.partCount = resource.partCount;
            this.partSize = resource.partSize;
            return true;
          }
        } catch (e) {
          if (!(e instanceof GatewayError && (e.status === 404 || e.status === 403))) throw e;
        }
        // Gone, finished, aborted or expired: start afresh.
        this.#createKey = null;
        this.#client.forget(this.file);
        this.id = null;
        this.#record = null;
        this.#done.clear();
        this.bytesDone = 0;
      }
      await this.#create(signal);
      return false;
    }
    // Resuming in this page: S3 may hold parts we never recorded, or the upload may be gone.
    const resource = await this.#sync(signal);
    if (resource.state === 'COMPLETED') {
      this.result = resource;
      return true;
    }
    if (resource.state !== 'UPLOADING') {
      this.#client.forget(this.file);
      throw new UploadError(`This upload is ${resource.state.toLowerCase()} on the server (an administrator or the `
        + 'expiry of idle uploads ended it). Choose the file again to start over.', { code: 'upload_not_active' });
    }
    return false;
  }

  async #create(signal) {
    const body = { filename: this.file.name || 'upload.bin', size: this.size };
    const contentType = this.#options.contentType || this.file.type;
    if (contentType) body.contentType = contentType;
    const partSize = this.#options.partSize || this.#client.partSize;
    if (partSize) body.partSize = partSize;
    if (this.#options.metadata) body.metadata = this.#options.metadata;
    // The same key on every retry, and after a pause during this call: a create whose answer
    // was lost is not made twice.
    this.#createKey = this.#createKey || randomId();
    const created = await this.#client.request('POST', '/api/v1/uploads', body, {
      signal, what: 'Starting the upload', headers: { 'Idempotency-Key': this.#createKey },
    });
    this.#adopt(created);
    this.#remember();
  }

  /** Reconciles with S3 (GET ?sync=true) and queues exactly the parts still missing. */
  async #sync(signal) {
    const resource = await this.#client.request('GET', `/api/v1/uploads/${this.id}?sync=true`, undefined,
      { signal, what: 'Checking which parts the storage already has', waitForNetwork: () => this.#waitForNetwork(signal) });
    // ABORTED, EXPIRED and COMPLETED are final: the caller decides what that means.
    if (resource.state === 'UPLOADING') this.#adopt(resource);
    return resource;
  }

  #adopt(resource) {
    this.id = resource.id;
    this.partSize = resource.partSize;
    this.partCount = resource.partCount;
    const missing = new Set(resource.missingParts || []);
    this.#done = new Set();
    for (let n = 1; n <= this.partCount; n++) if (!missing.has(n)) this.#done.add(n);
    this.#queue = [...missing].sort((a, b) => a - b);
    this.bytesDone = [...this.#done].reduce((sum, n) => sum + this.#sizeOf(n), 0);
    this.#emitProgress(true);
  }

  #remember() {
    this.#record = {
      storageKey: rememberKey(this.file),
      baseUrl: this.#client.baseUrl,
      id: this.id,
      filename: this.file.name,
      size: this.size,
      lastModified: this.file.lastModified,
      partSize: this.partSize,
      partCount: this.partCount,
      bytesDone: this.bytesDone,
      createdAt: (this.#record && this.#record.createdAt) || Date.now(),
      updatedAt: Date.now(),
    };
    this.#client.remember(this.#record);
  }

  async #sendMissingParts(signal) {
    this.#setState(isOnline() ? 'uploading' : 'waiting');
    // One failing part stops its siblings without looking like a pause to the run.
    const siblings = new AbortController();
    const stop = () => siblings.abort();
    signal.addEventListener('abort', stop, { once: true });
    // Say so at once when the browser knows the network is gone (requests may take a while to fail).
    const offline = () => { if (this.state === 'uploading') this.#setState('waiting'); };
    const online = () => { if (this.state === 'waiting' && !this.#networkWait) this.#setState('uploading'); };
    globalThis.addEventListener('offline', offline);
    globalThis.addEventListener('online', online);
    const workers = [];
    const count = Math.min(this.#client.concurrency, Math.max(1, this.#queue.length));
    for (let i = 0; i < count; i++) {
      workers.push(this.#worker(siblings.signal).catch((e) => { siblings.abort(); throw e; }));
    }
    const results = await Promise.allSettled(workers);
    signal.removeEventListener('abort', stop);
    globalThis.removeEventListener('offline', offline);
    globalThis.removeEventListener('online', online);
    throwIfAborted(signal);
    const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof Aborted))
      || results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #worker(signal) {
    while (this.#queue.length > 0) {
      throwIfAborted(signal);
      const partNumber = this.#queue.shift();
      try {
        await this.#uploadPart(partNumber, signal);
      } catch (e) {
        if (!this.#done.has(partNumber)) this.#queue.unshift(partNumber); // re-sent by the next run
        throw e;
      }
    }
  }

  async #uploadPart(n, signal) {
    let failures = 0;
    let refusals = 0;
    for (;;) {
      throwIfAborted(signal);
      if (!isOnline()) {
        this.#setState('waiting');
        await waitUntilOnline(signal);
        this.#urls.clear(); // they may have lapsed while we were offline (or asleep)
        this.#setState('uploading');
      }
      const url = await this.#urlFor(n, signal);
      const answer = await this.#put(n, url, signal);
      if (answer.status === 0 && await this.#waitForNetwork(signal)) {
        this.#inFlight.delete(n);
        continue; // the network was down: not the URL's fault and not a failure
      }
      if (answer.status >= 200 && answer.status < 300) {
        if (!answer.etag) throw new EtagNotExposedError(n);
        await this.#client.request('PUT', `/api/v1/uploads/${this.id}/parts/${n}`, { etag: answer.etag },
          { signal, what: `Recording part ${n}`, waitForNetwork: () => this.#waitForNetwork(signal) });
        this.#inFlight.delete(n);
        this.#done.add(n);
        this.bytesDone += this.#sizeOf(n);
        this.#remember();
        this.#emit('part', { partNumber: n, etag: answer.etag, partsDone: this.#done.size, partCount: this.partCount });
        this.#emitProgress(true);
        return;
      }
      this.#inFlight.delete(n);
      this.#emitProgress(true);
      if (!isOnline()) continue; // the network went away mid-part: wait, do not count it
      // 403 = the URL lapsed (or was refused); 0 = S3's error answers carry no CORS headers, so an
      // expired URL usually looks like a network error. Either way: a fresh URL, not a failure.
      if ((answer.status === 403 || answer.status === 0) && refusals < this.#client.freeRefusals) {
        refusals++;
        this.stats.refusals++;
        this.#emit('partrefused', { partNumber: n, status: answer.status });
        continue;
      }
      failures++;
      this.stats.failures++;
      if (failures >= this.#client.maxAttempts || (answer.status >= 400 && answer.status < 500
          && ![403, 408, 429].includes(answer.status))) {
        throw new PartUploadError(n, answer.status, answer.body);
      }
      const delay = this.#client.backoff(failures);
      this.#emit('retry', { partNumber: n, status: answer.status, attempt: failures + 1, delayMs: delay });
      await sleep(delay, signal);
    }
  }

  /**
   * When a request could not get through: if the gateway does not answer either, the network is
   * down (navigator.onLine often still says true: a captive portal, a dead Wi-Fi, a laptop just
   * waking up). Waits in state 'waiting', probing with backoff, and resolves true once it is
   * back; resolves false at once when the gateway answers (the problem lies elsewhere).
   */
  #waitForNetwork(signal) {
    if (!this.#networkWait) {
      this.#networkWait = (async () => {
        if (isOnline() && await this.#client.reachable(signal)) return false;
        this.#setState('waiting');
        let delay = 1000;
        for (;;) {
          await waitUntilOnline(signal);
          if (await this.#client.reachable(signal)) break;
          await sleep(delay, signal);
          delay = Math.min(delay * 2, 15000);
        }
        this.#urls.clear(); // they may have lapsed meanwhile
        this.#setState('uploading');
        return true;
      })().finally(() => { this.#networkWait = null; });
    }
    return this.#networkWait;
  }

  /** A URL for part n, used once: from the batch already presigned, or a new batch from n on. */
  async #urlFor(n, signal) {
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
      for (const m of this.#queue) {
        if (batch.length >= this.#client.presignBatch) break;
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
    const body = { partNumbers };
    if (this.#client.expiresInSeconds) body.expiresInSeconds = this.#client.expiresInSeconds;
    this.stats.presignCalls++;
    const answer = await this.#client.request('POST', `/api/v1/uploads/${this.id}/presign`, body,
      { signal, what: 'Getting upload URLs', waitForNetwork: () => this.#waitForNetwork(signal) });
    for (const url of answer.urls || []) {
      this.#urls.set(url.partNumber, url);
      this.stats.presignedUrls++;
    }
    this.#emit('presign', { partNumbers });
  }

  /** PUTs part n's bytes to S3 with XMLHttpRequest (fetch cannot report upload progress). */
  #put(n, url, signal) {
    const start = (n - 1) * this.partSize;
    const blob = this.file.slice(start, start + this.#sizeOf(n));
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
        this.#sent += Math.max(0, delta);
        this.#inFlight.set(n, Math.min(e.loaded, blob.size));
        watch();
        this.#emitProgress(false);
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
      this.stats.partPuts++;
      this.stats.partPutNumbers.push(n);
      this.#inFlight.set(n, 0);
      watch();
      xhr.send(blob);
    });
  }

  #sizeOf(n) {
    return n < this.partCount ? this.partSize : this.size - (this.partCount - 1) * this.partSize;
  }

  #speed() {
    const now = performance.now();
    while (this.#samples.length > 2 && now - this.#samples[0][0] > 5000) this.#samples.shift();
    if (this.#samples.length < 2 || this.state !== 'uploading') return 0;
    const [t0, b0] = this.#samples[0];
    const elapsed = (now - t0) / 1000;
    return elapsed > 0.25 ? (this.#sent - b0) / elapsed : 0;
  }

  #emitProgress(force) {
    const now = performance.now();
    const last = this.#samples[this.#samples.length - 1];
    if (!last || now - last[0] > 100) this.#samples.push([now, this.#sent]);
    if (force || now - this.#lastProgress > 100) {
      this.#lastProgress = now;
      clearTimeout(this.#progressTimer);
      this.#progressTimer = null;
      this.#emit('progress', this.progress);
    } else if (!this.#progressTimer) {
      this.#progressTimer = setTimeout(() => { this.#progressTimer = null; this.#emitProgress(true); }, 120);
    }
  }

  #setState(state) {
    if (this.state === state) return;
    if (this.state === 'cancelled') return; // final
    if (this.state === 'paused' && !['preparing', 'cancelled'].includes(state)) return; // a paused run winding down
    const previous = this.state;
    this.state = state;
    if (state !== 'uploading') this.#samples = [];
    this.#emit('statechange', { state, previous });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// ------------------------------------------------------------------------------------------ helpers

function rememberKey(file) {
  return `${STORAGE_PREFIX}${JSON.stringify([file.name, file.size, file.lastModified])}`;
}

function positiveInt(value, fallback) {
  const n = Number(value);
  if (value === undefined || value === null || value === '') {
    if (fallback === undefined) throw new TypeError('a positive integer is required');
    return fallback;
  }
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`expected a positive integer, got ${value}`);
  return n;
}

function safeLocalStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null; // disabled by the browser's privacy settings
  }
}

function isOnline() {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

function waitUntilOnline(signal) {
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

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(new Aborted());
      return;
    }
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    if (signal) signal.addEventListener('abort', aborted, { once: true });
  });
}

function throwIfAborted(signal) {
  if (signal && signal.aborted) throw new Aborted();
}

function parseProblem(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

/** A signal that aborts with `outer` or after `ms`; timedOut() tells which. */
function deadlineSignal(outer, ms) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, ms);
  const follow = () => controller.abort();
  if (outer) {
    if (outer.aborted) controller.abort();
    else outer.addEventListener('abort', follow, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      if (outer) outer.removeEventListener('abort', follow);
    },
  };
}

function randomId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

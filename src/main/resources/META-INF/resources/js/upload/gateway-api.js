/**
 * The gateway's native API (/api/v1/uploads): every call carries the bearer token, has a
 * deadline, is retried with backoff where that can help (waiting while offline), and an error
 * answer (RFC 9457 problem+json) becomes a GatewayError.
 */
import { Aborted, GatewayError, UploadError } from './errors.js';
import { deadlineSignal, sleep, throwIfAborted } from './signals.js';
import { isOnline, waitUntilOnline } from './network.js';

const UPLOADS = '/api/v1/uploads';

export class GatewayApi {
  /**
   * @param {object} config  the client's settings, read on every call: baseUrl, getToken, fetch,
   *                         maxAttempts, retryDelayMs, maxRetryDelayMs, requestTimeoutMs
   */
  constructor(config) {
    this.config = config;
  }

  /**
   * One gateway call with the bearer token. Retries network errors, 5xx, 408 and 429 with
   * backoff (waiting while offline), asks getToken again once on 401, throws GatewayError on
   * any other error answer. Returns the parsed JSON body (null for 204).
   */
  async request(method, path, body, {
    signal, what = 'The gateway call failed', retry = true, headers: extra = {}, waitForNetwork,
    timeoutMs = this.config.requestTimeoutMs,
  } = {}) {
    const config = this.config;
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
        const token = await config.getToken();
        const headers = { Accept: 'application/json', ...extra };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        response = await config.fetch(config.baseUrl + path, {
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
        if (!retry || failures >= config.maxAttempts) {
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
      if (failures >= config.maxAttempts) throw error;
      await sleep(this.backoff(failures), signal);
    }
  }

  /** True when the gateway answers at all (any HTTP status): the network between us works. */
  async reachable(signal) {
    const deadline = deadlineSignal(signal, 5000);
    try {
      const response = await this.config.fetch(`${this.config.baseUrl}${UPLOADS}?limit=1`,
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
    const ceiling = Math.min(this.config.maxRetryDelayMs, this.config.retryDelayMs * 2 ** (failures - 1));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }

  // ------------------------------------------------------------------ the calls of one upload
  // `options` are request()'s: signal, waitForNetwork.

  /** Starts an upload; the same Idempotency-Key on every retry makes a lost answer harmless. */
  create(body, idempotencyKey, options) {
    return this.request('POST', UPLOADS, body,
      { ...options, what: 'Starting the upload', headers: { 'Idempotency-Key': idempotencyKey } });
  }

  /** The upload as the gateway's ledger has it (no look at S3). */
  get(id, options) {
    return this.request('GET', uploadPath(id), undefined, { ...options, what: 'Reading the upload' });
  }

  /** The upload, reconciled with S3 first (S3 wins): its state and missingParts. */
  sync(id, options) {
    return this.request('GET', `${uploadPath(id)}?sync=true`, undefined,
      { ...options, what: 'Checking which parts the storage already has' });
  }

  /**
   * URLs for parts. With `digests` (part number -> {contentMd5?, checksum?}, base64) each URL is
   * signed for its part's Content-MD5 / additional checksum and its `headers` carry them.
   */
  presign(id, partNumbers, expiresInSeconds, options, digests) {
    const body = digests
      ? { parts: partNumbers.map((partNumber) => ({ partNumber, ...digests.get(partNumber) })) }
      : { partNumbers };
    if (expiresInSeconds) body.expiresInSeconds = expiresInSeconds;
    return this.request('POST', `${uploadPath(id)}/presign`, body, { ...options, what: 'Getting upload URLs' });
  }

  recordPart(id, partNumber, etag, options) {
    return this.request('PUT', `${uploadPath(id)}/parts/${partNumber}`, { etag },
      { ...options, what: `Recording part ${partNumber}` });
  }

  /** Completes the upload; S3 can take minutes to assemble a very large object. */
  complete(id, options) {
    return this.request('POST', `${uploadPath(id)}/complete`, undefined,
      { ...options, what: 'Completing the upload', timeoutMs: Math.max(this.config.requestTimeoutMs, 15 * 60000) });
  }

  /** Aborts the upload server-side (S3 discards its parts). */
  abort(id, what) {
    return this.request('DELETE', uploadPath(id), undefined, { what });
  }

  /** A fresh presigned GET for a completed upload: {url, expiresAt}. */
  downloadUrl(id, { disposition = 'attachment', expiresInSeconds } = {}) {
    const query = new URLSearchParams({ disposition });
    if (expiresInSeconds) query.set('expiresInSeconds', String(expiresInSeconds));
    return this.request('GET', `${uploadPath(id)}/download?${query}`, undefined, { what: 'Getting the download link' });
  }
}

/** A fresh Idempotency-Key. */
export function idempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function uploadPath(id) {
  return `${UPLOADS}/${encodeURIComponent(id)}`;
}

function parseProblem(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

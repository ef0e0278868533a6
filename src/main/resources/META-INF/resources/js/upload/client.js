/**
 * UploadClient: the settings shared by a page's uploads, the factory of Upload objects, and the
 * list of unfinished uploads remembered for resuming.
 */
import { GatewayError } from './errors.js';
import { GatewayApi } from './gateway-api.js';
import { defaultStorage, findRecord, forgetRecord, listRecords, saveRecord } from './resume-store.js';
import { Upload } from './upload.js';
import { PartDigests } from './part-digests.js';

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
   * @param {boolean} [options.contentMd5=false] compute each part's MD5 (in a Web Worker) and have its
   *                                           URL signed for it: the store then refuses a part whose
   *                                           bytes changed on the way (costs CPU: see the README)
   * @param {string} [options.checksumAlgorithm] asked for at create ('SHA256', 'SHA1' or 'NONE'; default:
   *                                           the gateway's). For an upload with SHA256 or SHA1 each
   *                                           part's checksum is computed (WebCrypto, in the worker)
   *                                           and signed into its URL, whatever chose the algorithm
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
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.fetch = options.fetch || globalThis.fetch.bind(globalThis);
    this.maxAttempts = positiveInt(options.maxAttempts, 6);
    this.retryDelayMs = positiveInt(options.retryDelayMs, 500);
    this.maxRetryDelayMs = positiveInt(options.maxRetryDelayMs, 30000);
    this.freeRefusals = Math.max(0, Number.isFinite(options.freeRefusals) ? options.freeRefusals : 3);
    this.stallTimeoutMs = positiveInt(options.stallTimeoutMs, 60000);
    this.requestTimeoutMs = positiveInt(options.requestTimeoutMs, 60000);
    this.contentMd5 = options.contentMd5 === true;
    this.checksumAlgorithm = options.checksumAlgorithm ? String(options.checksumAlgorithm).toUpperCase() : undefined;
    /** Per-part digests, off the main thread (made when first needed). */
    this.digests = this.contentMd5 ? new PartDigests() : null;
    /** The gateway API with these settings (token, deadlines, retries, GatewayError). */
    this.api = new GatewayApi(this);
  }

  /** The worker that hashes parts (started on first use). */
  partDigests() {
    if (!this.digests) this.digests = new PartDigests();
    return this.digests;
  }

  /** A new, not yet started upload of `file`. Options: contentType, metadata, partSize. */
  upload(file, options = {}) {
    return new Upload(this, file, options);
  }

  /** The remembered unfinished upload of this file, or null. */
  findResumable(file) {
    return findRecord(this.storage, file);
  }

  /** Every remembered unfinished upload (newest first). */
  listRemembered() {
    return listRecords(this.storage, this.baseUrl);
  }

  /** Forgets a remembered upload (by record or file) without touching the server. */
  forget(recordOrFile) {
    forgetRecord(this.storage, recordOrFile);
  }

  /** Aborts a remembered upload server-side and forgets it (for "discard" buttons). */
  async discard(record) {
    try {
      await this.api.abort(record.id, 'Discarding the upload');
    } catch (e) {
      if (!(e instanceof GatewayError && e.status === 404)) throw e;
    }
    this.forget(record);
  }

  /** Remembers an upload's record (storage full or disabled: it just cannot resume after a reload). */
  remember(record) {
    saveRecord(this.storage, record);
  }

  /** One gateway call: see GatewayApi.request (admin pages and host pages use it). */
  request(method, path, body, options) {
    return this.api.request(method, path, body, options);
  }

  /** True when the gateway answers at all (any HTTP status): the network between us works. */
  reachable(signal) {
    return this.api.reachable(signal);
  }

  /** The backoff delay (ms) before retry number `failures`. */
  backoff(failures) {
    return this.api.backoff(failures);
  }
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

/**
 * The parts of one upload: which are still missing, sending them `concurrency` at a time (URLs
 * presigned just ahead of need), and recording each part S3 stored in the gateway's ledger.
 */
import { Aborted, UploadError } from './errors.js';
import { CHECKSUM_ALGORITHMS } from './part-digests.js';
import { throwIfAborted } from './signals.js';
import { isOnline } from './network.js';
import { PresignedUrls } from './presigned-urls.js';
import { PartTransport } from './part-transport.js';

export class PartScheduler {
  #upload;
  #client;
  #network;
  #meter;
  #setState;
  #onStored;
  #queue = [];         // part numbers still to send, in order
  #done = new Set();   // part numbers stored and recorded
  #urls;
  #transport;
  #digests = new Map(); // "algorithm:partSize:partNumber" -> base64 digest of that part's bytes

  /**
   * @param {object} o
   * @param {Upload} o.upload         its file, id, size, partSize, partCount, state and stats
   * @param {UploadClient} o.client
   * @param {NetworkWatch} o.network
   * @param {ProgressMeter} o.meter
   * @param {(type: string, detail: object) => void} o.emit  the Upload's events
   * @param {(state: string) => void} o.setState
   * @param {(partNumber: number, etag: string) => void} o.onStored  after a part was recorded
   */
  constructor({ upload, client, network, meter, emit, setState, onStored }) {
    this.#upload = upload;
    this.#client = client;
    this.#network = network;
    this.#meter = meter;
    this.#setState = setState;
    this.#onStored = onStored;
    this.#urls = new PresignedUrls({
      batchSize: () => client.presignBatch,
      upcoming: () => this.#queue,
      presign: async (partNumbers, signal) => {
        const digests = client.contentMd5 || upload.checksumAlgorithm ? await this.#digestsOf(partNumbers, signal) : undefined;
        upload.stats.presignCalls++;
        const answer = await client.api.presign(upload.id, partNumbers, client.expiresInSeconds,
          { signal, waitForNetwork: () => network.wait(signal) }, digests);
        return answer.urls || [];
      },
      presigned: (partNumbers, urls) => {
        upload.stats.presignedUrls += urls.length;
        emit('presign', { partNumbers });
      },
    });
    this.#transport = new PartTransport({ client, urls: this.#urls, network, meter, stats: upload.stats, emit });
  }

  get doneCount() {
    return this.#done.size;
  }

  /** The parts still to send, in order. */
  get missing() {
    return [...this.#queue];
  }

  /** Bytes in part n (every part but the last has partSize). */
  sizeOf(n) {
    const { size, partSize, partCount } = this.#upload;
    return n < partCount ? partSize : size - (partCount - 1) * partSize;
  }

  /** Plans the run from the parts the gateway says are missing; returns the bytes already done. */
  plan(missingParts) {
    const missing = new Set(missingParts || []);
    this.#done = new Set();
    for (let n = 1; n <= this.#upload.partCount; n++) if (!missing.has(n)) this.#done.add(n);
    this.#queue = [...missing].sort((a, b) => a - b);
    return [...this.#done].reduce((sum, n) => sum + this.sizeOf(n), 0);
  }

  /** Forgets the plan (the upload starts afresh). */
  reset() {
    this.#digests.clear();
    this.#done.clear();
    this.#queue = [];
  }

  /**
   * Each part's Content-MD5 (with the contentMd5 option) and additional checksum (for an upload
   * created with one), computed once per part in the worker: part number -> {contentMd5, checksum}.
   */
  async #digestsOf(partNumbers, signal) {
    const { file, partSize, checksumAlgorithm } = this.#upload;
    if (checksumAlgorithm && !CHECKSUM_ALGORITHMS.includes(checksumAlgorithm)) {
      throw new UploadError(`This upload needs ${checksumAlgorithm} checksums of its parts, which this client cannot`
        + ` compute (it can: ${CHECKSUM_ALGORITHMS.join(', ')}).`, { code: 'checksum_unsupported' });
    }
    const worker = this.#client.partDigests();
    const result = new Map();
    for (const n of partNumbers) {
      const start = (n - 1) * partSize;
      const bytes = file.slice(start, start + this.sizeOf(n));
      const entry = {};
      if (this.#client.contentMd5) entry.contentMd5 = await this.#digest(worker, 'MD5', n, bytes);
      if (checksumAlgorithm) entry.checksum = await this.#digest(worker, checksumAlgorithm, n, bytes);
      throwIfAborted(signal);
      result.set(n, entry);
    }
    return result;
  }

  async #digest(worker, algorithm, n, bytes) {
    const key = `${algorithm}:${this.#upload.partSize}:${n}`;
    if (!this.#digests.has(key)) this.#digests.set(key, await worker.digest(bytes, algorithm));
    return this.#digests.get(key);
  }

  /** Drops the presigned URLs not yet used: they may lapse (paused, offline, asleep). */
  dropUrls() {
    this.#urls.clear();
  }

  /**
   * Sends every missing part. One failing part stops its siblings and the run fails with its
   * error; parts cut off are sent again by the next run.
   */
  async sendMissing(signal) {
    const upload = this.#upload;
    this.#setState(isOnline() ? 'uploading' : 'waiting');
    // One failing part stops its siblings without looking like a pause to the run.
    const siblings = new AbortController();
    const stop = () => siblings.abort();
    signal.addEventListener('abort', stop, { once: true });
    // Say so at once when the browser knows the network is gone (requests may take a while to fail).
    const offline = () => { if (upload.state === 'uploading') this.#setState('waiting'); };
    const online = () => { if (upload.state === 'waiting' && !this.#network.waiting) this.#setState('uploading'); };
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
        await this.#sendPart(partNumber, signal);
      } catch (e) {
        if (!this.#done.has(partNumber)) this.#queue.unshift(partNumber); // re-sent by the next run
        throw e;
      }
    }
  }

  async #sendPart(n, signal) {
    const { file, partSize } = this.#upload;
    const start = (n - 1) * partSize;
    const etag = await this.#transport.send(n, file.slice(start, start + this.sizeOf(n)), signal);
    await this.#client.api.recordPart(this.#upload.id, n, etag,
      { signal, waitForNetwork: () => this.#network.wait(signal) });
    this.#meter.partSettled(n);
    this.#done.add(n);
    this.#onStored(n, etag);
  }
}

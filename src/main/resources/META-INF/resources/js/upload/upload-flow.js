/**
 * What a run of an upload does, step by step: continue the remembered upload of the file if the
 * gateway still has it (else start one), send the parts still missing, complete. It fills in the
 * Upload's public fields (id, partSize, partCount, bytesDone, resumedFrom, result) as it learns
 * them and remembers the upload for resuming after a reload.
 */
import { GatewayError, UploadError } from './errors.js';
import { throwIfAborted } from './signals.js';
import { idempotencyKey } from './gateway-api.js';
import { uploadRecord } from './resume-store.js';

/** States of an upload whose object the gateway already assembled (PROCESSING: not served until its steps cleared it). */
const ASSEMBLED = new Set(['COMPLETED', 'PROCESSING', 'QUARANTINED']);

export class UploadFlow {
  #upload;
  #client;
  #options;
  #parts;
  #network;
  #meter;
  #setState;
  #emit;
  #record = null;
  #createKey = null;   // Idempotency-Key of the create, kept across pause/resume

  /** @param {object} o  the Upload, its client and options, and its collaborators and hooks */
  constructor({ upload, client, options, parts, network, meter, setState, emit }) {
    this.#upload = upload;
    this.#client = client;
    this.#options = options;
    this.#parts = parts;
    this.#network = network;
    this.#meter = meter;
    this.#setState = setState;
    this.#emit = emit;
  }

  /** One run, from preparing to completed. Rejects when it gives up or `signal` aborts. */
  async execute(signal) {
    const upload = this.#upload;
    this.#setState('preparing');
    const alreadyCompleted = await this.#prepare(signal);
    for (let round = 1; !alreadyCompleted; round++) {
      this.#parts.dropUrls();
      await this.#parts.sendMissing(signal);
      throwIfAborted(signal);
      this.#setState('completing');
      try {
        upload.result = await this.#client.api.complete(upload.id, { signal, waitForNetwork: () => this.#network.wait(signal) });
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
    upload.bytesDone = upload.size;
    this.#client.forget(upload.file);
    this.#setState('completed');
    this.#emit('complete', { upload: upload.result });
  }

  /** Part n is in S3 and recorded in the ledger. */
  stored(n, etag) {
    const upload = this.#upload;
    upload.bytesDone += this.#parts.sizeOf(n);
    this.#remember();
    this.#emit('part', { partNumber: n, etag, partsDone: this.#parts.doneCount, partCount: upload.partCount });
    this.#meter.tick(true);
  }

  /** Continues the remembered upload of this file if the gateway still has it, else starts one. */
  async #prepare(signal) {
    const upload = this.#upload;
    if (!upload.id) {
      const remembered = this.#client.findResumable(upload.file);
      if (remembered && remembered.baseUrl === this.#client.baseUrl) {
        upload.id = remembered.id;
        this.#record = remembered;
        try {
          const resource = await this.#sync(signal);
          if (resource.state === 'UPLOADING' && resource.size === upload.size) {
            upload.resumedFrom = { partsDone: this.#parts.doneCount, bytesDone: upload.bytesDone, missingParts: this.#parts.missing };
            this.#emit('resumed', { ...upload.resumedFrom, upload: resource });
            return false;
          }
          if (ASSEMBLED.has(resource.state) && resource.size === upload.size) {
            // The page went away between completing and forgetting: nothing left to send.
            upload.result = resource;
            upload.partCount = resource.partCount;
            upload.partSize = resource.partSize;
            return true;
          }
        } catch (e) {
          if (!(e instanceof GatewayError && (e.status === 404 || e.status === 403))) throw e;
        }
        // Gone, finished, aborted or expired: start afresh.
        this.#createKey = null;
        this.#client.forget(upload.file);
        upload.id = null;
        this.#record = null;
        this.#parts.reset();
        upload.bytesDone = 0;
      }
      await this.#create(signal);
      return false;
    }
    // Resuming in this page: S3 may hold parts we never recorded, or the upload may be gone.
    const resource = await this.#sync(signal);
    if (ASSEMBLED.has(resource.state)) {
      upload.result = resource;
      return true;
    }
    if (resource.state !== 'UPLOADING') {
      this.#client.forget(upload.file);
      throw new UploadError(`This upload is ${resource.state.toLowerCase()} on the server (an administrator or the `
        + 'expiry of idle uploads ended it). Choose the file again to start over.', { code: 'upload_not_active' });
    }
    return false;
  }

  async #create(signal) {
    const { file, size } = this.#upload;
    const body = { filename: file.name || 'upload.bin', size };
    const contentType = this.#options.contentType || file.type;
    if (contentType) body.contentType = contentType;
    const partSize = this.#options.partSize || this.#client.partSize;
    if (partSize) body.partSize = partSize;
    if (this.#options.metadata) body.metadata = this.#options.metadata;
    const checksumAlgorithm = this.#options.checksumAlgorithm || this.#client.checksumAlgorithm;
    if (checksumAlgorithm) body.checksumAlgorithm = checksumAlgorithm;
    // The same key on every retry, and after a pause during this call: a create whose answer
    // was lost is not made twice.
    this.#createKey = this.#createKey || idempotencyKey();
    this.#adopt(await this.#client.api.create(body, this.#createKey, { signal }));
    this.#remember();
  }

  /** Reconciles with S3 (GET ?sync=true) and queues exactly the parts still missing. */
  async #sync(signal) {
    const resource = await this.#client.api.sync(this.#upload.id, { signal, waitForNetwork: () => this.#network.wait(signal) });
    // ABORTED, EXPIRED and COMPLETED are final: the caller decides what that means.
    if (resource.state === 'UPLOADING') this.#adopt(resource);
    return resource;
  }

  #adopt(resource) {
    const upload = this.#upload;
    upload.id = resource.id;
    upload.partSize = resource.partSize;
    upload.partCount = resource.partCount;
    upload.checksumAlgorithm = resource.checksumAlgorithm || null;
    upload.bytesDone = this.#parts.plan(resource.missingParts);
    this.#meter.tick(true);
  }

  #remember() {
    this.#record = uploadRecord(this.#upload, this.#client.baseUrl, this.#record);
    this.#client.remember(this.#record);
  }
}

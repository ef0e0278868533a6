/**
 * One file's upload as host pages see it: start, pause, resume, cancel, downloadUrl, progress,
 * its state machine, and its events (CustomEvent, payload in `detail`): statechange, progress,
 * resumed, part, partrefused, presign, retry, error, complete. What a run does step by step is
 * in upload-flow.js, the parts in part-scheduler.js.
 *
 * States: idle → preparing → uploading ⇄ waiting (offline) → completing → completed; paused,
 * cancelled and error can be reached from any running state; paused and error go back to
 * preparing with resume(). Completed means the object is assembled; a gateway with processing
 * steps (virus scan, the app's verdict) serves it only once they cleared it: `result.state` is
 * then PROCESSING, and refresh() tells when it is COMPLETED (served) or QUARANTINED (never served).
 */
import { GatewayError, UploadError } from './errors.js';
import { NetworkWatch } from './network.js';
import { ProgressMeter } from './progress.js';
import { PartScheduler } from './part-scheduler.js';
import { UploadFlow } from './upload-flow.js';

export class Upload extends EventTarget {
  #client;
  #controller = null;
  #run = null;
  #meter;
  #network;            // the one wait for the network that every request shares
  #parts;
  #flow;

  constructor(client, file, options = {}) {
    super();
    if (!file || typeof file.size !== 'number' || typeof file.slice !== 'function') {
      throw new TypeError('upload(file) needs a File or Blob with a name');
    }
    this.#client = client;
    this.file = file;
    this.id = null;
    this.state = 'idle';
    this.size = file.size;
    this.partSize = 0;
    this.partCount = 0;
    this.checksumAlgorithm = null; // the additional checksum the gateway created the upload with
    this.bytesDone = 0;
    this.resumedFrom = null;   // {partsDone, bytesDone, missingParts} when this upload continued an earlier one
    this.result = null;        // the Upload resource once completed (refresh() reads it again)
    this.error = null;
    /** What happened on the wire, for host pages and tests: every part PUT, refusal, presign call. */
    this.stats = { partPuts: 0, partPutNumbers: [], refusals: 0, failures: 0, presignCalls: 0, presignedUrls: 0 };

    const emit = (type, detail) => this.#emit(type, detail);
    const setState = (state) => this.#setState(state);
    this.#meter = new ProgressMeter(() => this.#emit('progress', this.progress));
    this.#network = new NetworkWatch({
      reachable: (signal) => client.api.reachable(signal),
      onLost: () => setState('waiting'),
      onBack: () => { this.#parts.dropUrls(); setState('uploading'); },
    });
    this.#parts = new PartScheduler({
      upload: this, client, network: this.#network, meter: this.#meter, emit, setState,
      onStored: (n, etag) => this.#flow.stored(n, etag),
    });
    this.#flow = new UploadFlow({
      upload: this, client, options, parts: this.#parts, network: this.#network, meter: this.#meter, setState, emit,
    });
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
    this.#run = this.#flow.execute(controller.signal)
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
        this.#meter.clearInFlight();
        this.#meter.tick(true);
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
    this.#parts.dropUrls(); // they may lapse while paused
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
        await this.#client.api.abort(this.id, 'Cancelling the upload');
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
    return this.#client.api.downloadUrl(this.id, { disposition, expiresInSeconds });
  }

  /**
   * Reads the completed upload again (no look at S3) into `result`: after a complete answered
   * PROCESSING, whether the gateway's processing steps made it COMPLETED or QUARANTINED yet.
   */
  async refresh() {
    if (!this.id || this.state !== 'completed') {
      throw new UploadError('The upload is not complete yet.', { code: 'not_completed' });
    }
    this.result = await this.#client.api.get(this.id);
    return this.result;
  }

  /** bytes done, total, speed (bytes/s over the last seconds), eta (s) and part counts. */
  get progress() {
    return this.#meter.snapshot({
      size: this.size, bytesDone: this.bytesDone, partsDone: this.#parts.doneCount,
      partCount: this.partCount, state: this.state,
    });
  }

  #setState(state) {
    if (this.state === state) return;
    if (this.state === 'cancelled') return; // final
    if (this.state === 'paused' && !['preparing', 'cancelled'].includes(state)) return; // a paused run winding down
    const previous = this.state;
    this.state = state;
    if (state !== 'uploading') this.#meter.resetSpeed();
    this.#emit('statechange', { state, previous });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

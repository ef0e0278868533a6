/**
 * Progress of one upload: the bytes of parts still in flight, the speed over the last few
 * seconds, the time left, and 'progress' reports throttled to about ten a second.
 */

const SPEED_WINDOW_MS = 5000;   // speed is measured over the samples of the last 5 s
const SAMPLE_EVERY_MS = 100;
const REPORT_EVERY_MS = 100;
const TRAILING_REPORT_MS = 120; // a report held back by the throttle still goes out this late

export class ProgressMeter {
  #report;
  #inFlight = new Map(); // partNumber -> bytes of that part sent so far
  #samples = [];         // [time, bytes sent] for the speed estimate
  #sent = 0;             // bytes handed to the network in this page (retries included)
  #lastReport = 0;
  #timer = null;

  /** @param {() => void} report  sends one progress report (the Upload's 'progress' event) */
  constructor(report) {
    this.#report = report;
  }

  partStarted(partNumber) {
    this.#inFlight.set(partNumber, 0);
  }

  /** XMLHttpRequest upload progress of a part: `delta` bytes more sent, `loaded` of it so far. */
  partProgress(partNumber, delta, loaded) {
    this.#sent += Math.max(0, delta);
    this.#inFlight.set(partNumber, loaded);
    this.tick(false);
  }

  /** The part is stored and counted as done, or it was dropped: it is no longer in flight. */
  partSettled(partNumber) {
    this.#inFlight.delete(partNumber);
  }

  clearInFlight() {
    this.#inFlight.clear();
  }

  /** Forgets the speed samples (the upload stopped sending for a while). */
  resetSpeed() {
    this.#samples = [];
  }

  /** Takes a speed sample and reports: now when `force`d, else at most every 100 ms. */
  tick(force) {
    const now = performance.now();
    const last = this.#samples[this.#samples.length - 1];
    if (!last || now - last[0] > SAMPLE_EVERY_MS) this.#samples.push([now, this.#sent]);
    if (force || now - this.#lastReport > REPORT_EVERY_MS) {
      this.#lastReport = now;
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#report();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => { this.#timer = null; this.tick(true); }, TRAILING_REPORT_MS);
    }
  }

  /**
   * The upload's progress: bytes done (parts in flight included), total, speed (bytes/s over the
   * last seconds), eta (s) and part counts.
   */
  snapshot({ size, bytesDone: recorded, partsDone, partCount, state }) {
    const inFlight = [...this.#inFlight.values()].reduce((a, b) => a + b, 0);
    const bytesDone = Math.min(size, recorded + inFlight);
    const speed = this.#speed(state === 'uploading');
    const remaining = size - bytesDone;
    return {
      bytesDone,
      bytesTotal: size,
      fraction: size ? bytesDone / size : 1,
      speed,
      eta: speed > 0 && state === 'uploading' ? remaining / speed : null,
      partsDone,
      partCount,
      state,
    };
  }

  #speed(uploading) {
    const now = performance.now();
    while (this.#samples.length > 2 && now - this.#samples[0][0] > SPEED_WINDOW_MS) this.#samples.shift();
    if (this.#samples.length < 2 || !uploading) return 0;
    const [t0, b0] = this.#samples[0];
    const elapsed = (now - t0) / 1000;
    return elapsed > 0.25 ? (this.#sent - b0) / elapsed : 0;
  }
}

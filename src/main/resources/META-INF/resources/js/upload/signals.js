/** Abort-aware waiting: sleeps, abort checks and request deadlines. */
import { Aborted } from './errors.js';

/** Resolves after `ms`; rejects with Aborted as soon as `signal` aborts. */
export function sleep(ms, signal) {
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

export function throwIfAborted(signal) {
  if (signal && signal.aborted) throw new Aborted();
}

/** A signal that aborts with `outer` or after `ms`; timedOut() tells which. */
export function deadlineSignal(outer, ms) {
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

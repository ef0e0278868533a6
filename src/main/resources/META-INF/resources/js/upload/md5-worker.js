/**
 * A Web Worker (module) that computes the base64 MD5 of Blobs, so hashing a part never blocks
 * the page. Message in: {id, blob}; out: {id, contentMd5, bytes, ms} or {id, error}.
 * Started by part-digests.js; see md5.js for why the MD5 is hand-written.
 */
import { md5OfBlob } from './md5.js';

self.onmessage = async (event) => {
  const { id, blob } = event.data;
  try {
    const started = performance.now();
    const contentMd5 = await md5OfBlob(blob);
    self.postMessage({ id, contentMd5, bytes: blob.size, ms: performance.now() - started });
  } catch (e) {
    self.postMessage({ id, error: (e && e.message) || String(e) });
  }
};

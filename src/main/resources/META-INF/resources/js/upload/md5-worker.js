/**
 * A Web Worker (module) that computes digests of Blobs, so hashing a part never blocks the page:
 * MD5 (md5.js: WebCrypto has none) and the additional checksums SHA256 and SHA1 (WebCrypto).
 * Message in: {id, blob, algorithm: 'MD5'|'SHA256'|'SHA1'}; out: {id, value (base64), bytes, ms}
 * or {id, error}. Started by part-digests.js.
 */
import { md5OfBlob, toBase64 } from './md5.js';

const WEB_CRYPTO = { SHA256: 'SHA-256', SHA1: 'SHA-1' };

self.onmessage = async (event) => {
  const { id, blob, algorithm = 'MD5' } = event.data;
  try {
    const started = performance.now();
    let value;
    if (algorithm === 'MD5') {
      value = await md5OfBlob(blob);
    } else if (WEB_CRYPTO[algorithm]) {
      value = toBase64(new Uint8Array(await crypto.subtle.digest(WEB_CRYPTO[algorithm], await blob.arrayBuffer())));
    } else {
      throw new Error(`this client cannot compute ${algorithm} checksums`);
    }
    self.postMessage({ id, value, bytes: blob.size, ms: performance.now() - started });
  } catch (e) {
    self.postMessage({ id, error: (e && e.message) || String(e) });
  }
};

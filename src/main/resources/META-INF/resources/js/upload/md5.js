/**
 * MD5 (RFC 1321), incremental, for the Content-MD5 of upload parts.
 *
 * Why hand-written: S3 checks a part against its Content-MD5 on every store (AWS, R2, MinIO,
 * S3Proxy), but WebCrypto's digest() offers SHA-1/SHA-256/SHA-384/SHA-512 only — no MD5 — and
 * this client has no build step or dependencies to pull a library through. MD5 is small and
 * fully specified; the browser test checks this code against the RFC 1321 test vectors and
 * against the store's own verdict. It runs in a Web Worker (md5-worker.js), never on the page's
 * main thread. MD5 is used here as a transfer checksum against accidental corruption, which it
 * is fit for; it is not used for anything that needs collision resistance.
 */

/** K[i] = floor(abs(sin(i + 1)) × 2^32), as listed in RFC 1321 (not computed: sin() may differ between engines). */
const K = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Md5 {
  #state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  #block = new Uint8Array(64); // bytes waiting for a full 64-byte block
  #buffered = 0;
  #length = 0;                 // bytes hashed so far (exact up to 2^53)
  #words = new Int32Array(16);

  /** Adds bytes (a Uint8Array). Returns this. */
  update(bytes) {
    let i = 0;
    this.#length += bytes.length;
    if (this.#buffered > 0) {
      const take = Math.min(64 - this.#buffered, bytes.length);
      this.#block.set(bytes.subarray(0, take), this.#buffered);
      this.#buffered += take;
      i = take;
      if (this.#buffered < 64) return this;
      this.#compress(this.#block, 0);
      this.#buffered = 0;
    }
    const blocks = (bytes.length - i) >> 6;
    if (blocks > 0 && LITTLE_ENDIAN && (bytes.byteOffset + i) % 4 === 0) {
      // Aligned: read the message words straight from the bytes, no copying.
      const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, blocks * 16);
      for (let w = 0; w < words.length; w += 16) compress(this.#state, words, w);
      i += blocks * 64;
    }
    for (; i + 64 <= bytes.length; i += 64) this.#compress(bytes, i);
    if (i < bytes.length) {
      this.#block.set(bytes.subarray(i), 0);
      this.#buffered = bytes.length - i;
    }
    return this;
  }

  /** The 16-byte digest; the hasher must not be used afterwards. */
  digest() {
    const bits = this.#length * 8;
    const tail = new Uint8Array(this.#buffered < 56 ? 64 - this.#buffered : 128 - this.#buffered);
    tail[0] = 0x80;
    const end = tail.length - 8;
    const low = bits % 0x100000000;
    const high = Math.floor(bits / 0x100000000);
    for (let b = 0; b < 4; b++) {
      tail[end + b] = (low >>> (8 * b)) & 0xff;
      tail[end + 4 + b] = (high >>> (8 * b)) & 0xff;
    }
    const length = this.#length;
    this.update(tail);
    this.#length = length;
    const out = new Uint8Array(16);
    for (let w = 0; w < 4; w++) {
      for (let b = 0; b < 4; b++) out[4 * w + b] = (this.#state[w] >>> (8 * b)) & 0xff;
    }
    return out;
  }

  #compress(bytes, offset) {
    const x = this.#words;
    for (let j = 0; j < 16; j++) {
      const o = offset + 4 * j;
      x[j] = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24);
    }
    compress(this.#state, x, 0);
  }
}

// The 64 operations written out (the engine inlines the four helpers): several times faster than
// a loop that picks the function and the word per step.
function ff(a, b, c, d, x, s, k) {
  const t = (a + ((b & c) | (~b & d)) + x + k) | 0;
  return (b + ((t << s) | (t >>> (32 - s)))) | 0;
}

function gg(a, b, c, d, x, s, k) {
  const t = (a + ((b & d) | (c & ~d)) + x + k) | 0;
  return (b + ((t << s) | (t >>> (32 - s)))) | 0;
}

function hh(a, b, c, d, x, s, k) {
  const t = (a + (b ^ c ^ d) + x + k) | 0;
  return (b + ((t << s) | (t >>> (32 - s)))) | 0;
}

function ii(a, b, c, d, x, s, k) {
  const t = (a + (c ^ (b | ~d)) + x + k) | 0;
  return (b + ((t << s) | (t >>> (32 - s)))) | 0;
}

function compress(state, x, o) {
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  a = ff(a, b, c, d, x[o], 7, K[0]);
  d = ff(d, a, b, c, x[o + 1], 12, K[1]);
  c = ff(c, d, a, b, x[o + 2], 17, K[2]);
  b = ff(b, c, d, a, x[o + 3], 22, K[3]);
  a = ff(a, b, c, d, x[o + 4], 7, K[4]);
  d = ff(d, a, b, c, x[o + 5], 12, K[5]);
  c = ff(c, d, a, b, x[o + 6], 17, K[6]);
  b = ff(b, c, d, a, x[o + 7], 22, K[7]);
  a = ff(a, b, c, d, x[o + 8], 7, K[8]);
  d = ff(d, a, b, c, x[o + 9], 12, K[9]);
  c = ff(c, d, a, b, x[o + 10], 17, K[10]);
  b = ff(b, c, d, a, x[o + 11], 22, K[11]);
  a = ff(a, b, c, d, x[o + 12], 7, K[12]);
  d = ff(d, a, b, c, x[o + 13], 12, K[13]);
  c = ff(c, d, a, b, x[o + 14], 17, K[14]);
  b = ff(b, c, d, a, x[o + 15], 22, K[15]);
  a = gg(a, b, c, d, x[o + 1], 5, K[16]);
  d = gg(d, a, b, c, x[o + 6], 9, K[17]);
  c = gg(c, d, a, b, x[o + 11], 14, K[18]);
  b = gg(b, c, d, a, x[o], 20, K[19]);
  a = gg(a, b, c, d, x[o + 5], 5, K[20]);
  d = gg(d, a, b, c, x[o + 10], 9, K[21]);
  c = gg(c, d, a, b, x[o + 15], 14, K[22]);
  b = gg(b, c, d, a, x[o + 4], 20, K[23]);
  a = gg(a, b, c, d, x[o + 9], 5, K[24]);
  d = gg(d, a, b, c, x[o + 14], 9, K[25]);
  c = gg(c, d, a, b, x[o + 3], 14, K[26]);
  b = gg(b, c, d, a, x[o + 8], 20, K[27]);
  a = gg(a, b, c, d, x[o + 13], 5, K[28]);
  d = gg(d, a, b, c, x[o + 2], 9, K[29]);
  c = gg(c, d, a, b, x[o + 7], 14, K[30]);
  b = gg(b, c, d, a, x[o + 12], 20, K[31]);
  a = hh(a, b, c, d, x[o + 5], 4, K[32]);
  d = hh(d, a, b, c, x[o + 8], 11, K[33]);
  c = hh(c, d, a, b, x[o + 11], 16, K[34]);
  b = hh(b, c, d, a, x[o + 14], 23, K[35]);
  a = hh(a, b, c, d, x[o + 1], 4, K[36]);
  d = hh(d, a, b, c, x[o + 4], 11, K[37]);
  c = hh(c, d, a, b, x[o + 7], 16, K[38]);
  b = hh(b, c, d, a, x[o + 10], 23, K[39]);
  a = hh(a, b, c, d, x[o + 13], 4, K[40]);
  d = hh(d, a, b, c, x[o], 11, K[41]);
  c = hh(c, d, a, b, x[o + 3], 16, K[42]);
  b = hh(b, c, d, a, x[o + 6], 23, K[43]);
  a = hh(a, b, c, d, x[o + 9], 4, K[44]);
  d = hh(d, a, b, c, x[o + 12], 11, K[45]);
  c = hh(c, d, a, b, x[o + 15], 16, K[46]);
  b = hh(b, c, d, a, x[o + 2], 23, K[47]);
  a = ii(a, b, c, d, x[o], 6, K[48]);
  d = ii(d, a, b, c, x[o + 7], 10, K[49]);
  c = ii(c, d, a, b, x[o + 14], 15, K[50]);
  b = ii(b, c, d, a, x[o + 5], 21, K[51]);
  a = ii(a, b, c, d, x[o + 12], 6, K[52]);
  d = ii(d, a, b, c, x[o + 3], 10, K[53]);
  c = ii(c, d, a, b, x[o + 10], 15, K[54]);
  b = ii(b, c, d, a, x[o + 1], 21, K[55]);
  a = ii(a, b, c, d, x[o + 8], 6, K[56]);
  d = ii(d, a, b, c, x[o + 15], 10, K[57]);
  c = ii(c, d, a, b, x[o + 6], 15, K[58]);
  b = ii(b, c, d, a, x[o + 13], 21, K[59]);
  a = ii(a, b, c, d, x[o + 4], 6, K[60]);
  d = ii(d, a, b, c, x[o + 11], 10, K[61]);
  c = ii(c, d, a, b, x[o + 2], 15, K[62]);
  b = ii(b, c, d, a, x[o + 9], 21, K[63]);
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
}

/** Standard base64 of bytes (what Content-MD5 carries). */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Lowercase hex of bytes (for test vectors). */
export function toHex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The base64 MD5 of a Blob, read in chunks (inside the worker; usable anywhere). */
export async function md5OfBlob(blob, chunkBytes = 4 * 1024 * 1024) {
  const md5 = new Md5();
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    md5.update(new Uint8Array(await blob.slice(offset, offset + chunkBytes).arrayBuffer()));
  }
  return toBase64(md5.digest());
}

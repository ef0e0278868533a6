/**
 * upload-client.js — browser client for the upload gateway's native API (/api/v1/uploads).
 *
 * Uploads a File straight to S3 through presigned multipart URLs: parts go up in parallel,
 * URLs are presigned in small batches just ahead of need, each part's ETag is read from S3's
 * answer and recorded in the gateway's ledger. Uploads survive pauses, offline spells, expired
 * URLs and page reloads (the upload is remembered in localStorage under the file's name, size
 * and lastModified; choosing the same file again sends only the parts S3 does not have).
 *
 *   import { UploadClient } from '/js/upload-client.js';
 *   const client = new UploadClient({ getToken: async () => myToken });
 *   const upload = client.upload(file);
 *   upload.addEventListener('progress', (e) => console.log(e.detail.bytesDone, e.detail.eta));
 *   const result = await upload.start();          // {state: 'completed', upload} | {state: 'paused'} | ...
 *   const { url } = await upload.downloadUrl();
 *
 * No dependencies, no build step. Events (CustomEvent, payload in `detail`): statechange,
 * progress, resumed, part, partrefused, presign, retry, error, complete.
 *
 * This file is the public entry point; the modules behind it are in ./upload/:
 *   client.js          UploadClient: settings, creates Uploads, lists/forgets remembered ones
 *   upload.js          Upload: start/pause/resume/cancel, state machine, events, progress
 *   upload-flow.js     one run: continue or create on the gateway, send missing parts, complete
 *   part-scheduler.js  which parts are missing; sends them `concurrency` at a time, records each
 *   part-transport.js  the PUT of one part: retries, stall watchdog, re-presign on 403/status 0
 *   presigned-urls.js  part URLs presigned in batches just ahead of need, each used once
 *   part-digests.js    per-part Content-MD5 in a Web Worker (md5-worker.js, md5.js), with contentMd5: true
 *   gateway-api.js     /api/v1/uploads calls: token, deadlines, retries, problem+json → GatewayError
 *   resume-store.js    the localStorage records that let a reloaded page resume an upload
 *   progress.js        bytes in flight, speed and ETA; throttled progress reports
 *   network.js         online/offline, and the shared wait until the gateway answers again
 *   signals.js         abort-aware sleep and request deadlines
 *   errors.js          UploadError and its subclasses
 */
export { UploadClient } from './upload/client.js';
export { Upload } from './upload/upload.js';
export { UploadError, EtagNotExposedError, GatewayError, PartUploadError } from './upload/errors.js';

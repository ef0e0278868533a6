/**
 * The uploader page: wires index.html to upload-client.js. Options come from
 * `window.uploadGatewayOptions` (set by a host page) and, for tuning and tests, from the query
 * string: ?partSize=5242880&concurrency=4&presignBatch=8&expiresInSeconds=900&stallTimeoutMs=60000&requestTimeoutMs=60000.
 * Per-part Content-MD5 (computed in a Web Worker, signed into each part's URL) is on with
 * `contentMd5: true` in the host's options, `?contentMd5=true`, or `data-content-md5` on <html>;
 * `checksumAlgorithm` (host option or query: SHA256, SHA1, NONE) is asked for at create.
 *
 * `window.uploader` exposes the page's uploads ({items: [{file, upload, row, ...}]}) to host
 * pages and browser automation.
 */
import { GatewayError, UploadClient } from './upload-client.js';
import { TokenSource } from './auth.js';
import { $, hidePageError, showPageError } from './ui/dom.js';
import { signIn } from './ui/sign-in.js';
import { ACTIVE_STATES, stateOf } from './ui/file-state.js';
import { createRow, fetchDownloadLink, renderRow } from './ui/file-row.js';
import { renderSummary } from './ui/summary.js';
import { renderRemembered } from './ui/remembered-list.js';
import { formatBytes } from './format.js';

const MAX_ACTIVE_FILES = 2;
/** How often the page asks whether a completed upload the gateway still processes is served yet. */
const PROCESSING_POLL_MS = 2000;

const tokens = new TokenSource();
const options = readOptions();
const client = new UploadClient({ ...options, getToken: tokens.getToken });
const items = [];
window.uploader = { client, items, tokens, options };

signIn({
  tokens,
  page: 'The uploader',
  onSignedIn: () => {
    $('uploader').hidden = false;
    showRemembered();
  },
  beforeSignOut: () => items.filter((item) => ACTIVE_STATES.has(item.upload.state)).forEach((item) => item.upload.pause()),
});

// ------------------------------------------------------------------------------------ adding files

const input = $('file-input');
const dropzone = $('dropzone');

input.addEventListener('change', () => {
  addFiles(input.files);
  input.value = ''; // choosing the same file again must fire change again
});

let dragDepth = 0;
window.addEventListener('dragover', (e) => e.preventDefault()); // a missed drop must not navigate away
window.addEventListener('drop', (e) => e.preventDefault());
dropzone.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth++; dropzone.classList.add('dragging'); });
dropzone.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; dropzone.classList.remove('dragging'); } });
dropzone.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  dropzone.classList.remove('dragging');
  const files = [...(e.dataTransfer ? e.dataTransfer.files : [])].filter((f) => f.size > 0 || f.type !== '');
  if (files.length === 0) {
    showPageError('Only files can be uploaded; folders are not supported yet.');
    return;
  }
  addFiles(files);
});

let nextSeq = 0;
function addFiles(fileList) {
  hidePageError();
  // Newest choice on top, files of one choice in the order they were picked.
  const batch = [...fileList];
  const firstSeq = nextSeq;
  nextSeq += batch.length;
  for (let i = batch.length - 1; i >= 0; i--) {
    const file = batch[i];
    if (file.size === 0) {
      showPageError(`"${file.name}" is empty; there is nothing to upload.`);
      continue;
    }
    const duplicate = items.find((item) => sameFile(item.file, file)
      && !['cancelled', 'completed', 'quarantined'].includes(stateOf(item)));
    if (duplicate) {
      if (['paused', 'error'].includes(stateOf(duplicate))) startItem(duplicate);
      continue;
    }
    const item = { file, upload: client.upload(file), row: null, download: null, seq: firstSeq + i };
    items.unshift(item);
    item.row = createRow(item, { resume: startItem, cancel: cancelItem, remove: removeItem });
    $('file-list').prepend(item.row);
    wire(item);
  }
  pump();
  showRemembered();
  render();
}

function wire(item) {
  const { upload } = item;
  upload.addEventListener('progress', scheduleRender);
  upload.addEventListener('statechange', () => { scheduleRender(); if (!ACTIVE_STATES.has(upload.state)) pump(); });
  upload.addEventListener('resumed', (e) => {
    item.note = `Resumed: ${formatBytes(e.detail.bytesDone)} were already uploaded`;
    showRemembered();
  });
  upload.addEventListener('complete', () => { whenServed(item); showRemembered(); });
}

/**
 * The download link once the upload is served: at once, or, while the gateway's processing steps
 * (virus scan, the app's verdict) hold it back (PROCESSING), after asking every few seconds until
 * it is COMPLETED or QUARANTINED (shown as not accepted), or the page forgot it.
 */
async function whenServed(item) {
  while (stateOf(item) === 'scanning') {
    await new Promise((resolve) => setTimeout(resolve, PROCESSING_POLL_MS));
    if (!items.includes(item)) return;
    try {
      await item.upload.refresh();
    } catch (e) {
      if (e instanceof GatewayError && e.status === 404) return; // gone: nothing more to learn
      // Otherwise (network, gateway busy) ask again next time.
    }
  }
  render();
  if (stateOf(item) === 'completed') fetchDownloadLink(item).catch(() => {});
}

// ------------------------------------------------------------------------------------ running files

/** Starts queued files while fewer than MAX_ACTIVE_FILES are running. */
function pump() {
  let active = items.filter((item) => ACTIVE_STATES.has(item.upload.state)).length;
  for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
    if (active >= MAX_ACTIVE_FILES) break;
    if (item.upload.state === 'idle' && !item.held) {
      startItem(item);
      active++;
    }
  }
}

function startItem(item) {
  item.held = false;
  item.upload.start().catch(() => { /* shown from upload.error */ }).finally(() => { render(); pump(); });
  render();
}

async function cancelItem(item) {
  item.held = true;
  try {
    await item.upload.cancel();
  } catch { /* shown from upload.error */ }
  render();
  showRemembered();
}

function removeItem(item) {
  items.splice(items.indexOf(item), 1);
  item.row.remove();
  render();
}

function sameFile(a, b) {
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
}

// ------------------------------------------------------------------------------------ rendering

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; render(); }, 80);
}

function render() {
  for (const item of items) renderRow(item, isRemembered);
  renderSummary(items);
}

function isRemembered(file) {
  return client.findResumable(file) !== null;
}

function showRemembered() {
  renderRemembered(client, items);
}

function readOptions() {
  const fromHost = window.uploadGatewayOptions || {};
  const query = new URLSearchParams(location.search);
  const result = {};
  for (const key of ['baseUrl']) {
    if (fromHost[key] !== undefined) result[key] = fromHost[key];
  }
  for (const key of ['partSize', 'concurrency', 'presignBatch', 'expiresInSeconds', 'maxAttempts', 'stallTimeoutMs', 'requestTimeoutMs']) {
    const raw = query.has(key) ? query.get(key) : fromHost[key];
    if (raw === undefined || raw === null || raw === '') continue;
    const value = Number(raw);
    if (Number.isInteger(value) && value > 0) result[key] = value;
  }
  const md5 = query.has('contentMd5') ? query.get('contentMd5') : fromHost.contentMd5;
  if (md5 === true || md5 === 'true' || md5 === '1' || document.documentElement.hasAttribute('data-content-md5')) {
    result.contentMd5 = true;
  }
  const checksum = query.has('checksumAlgorithm') ? query.get('checksumAlgorithm') : fromHost.checksumAlgorithm;
  if (checksum) result.checksumAlgorithm = checksum;
  return result;
}

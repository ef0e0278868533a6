/**
 * The uploader page: a thin UI over upload-client.js. Options come from
 * `window.uploadGatewayOptions` (set by a host page) and, for tuning and tests, from the query
 * string: ?partSize=5242880&concurrency=4&presignBatch=8&expiresInSeconds=900&stallTimeoutMs=60000&requestTimeoutMs=60000.
 *
 * `window.uploader` exposes the page's uploads ({items: [{file, upload, ...}]}) to host pages
 * and browser automation.
 */
import { UploadClient } from './upload-client.js';
import { TokenSource } from './auth.js';
import { formatBytes, formatDuration, formatSpeed, fileExtension } from './format.js';

const ACTIVE_STATES = new Set(['preparing', 'uploading', 'waiting', 'completing']);
const STATUS_LABELS = {
  queued: 'Queued', preparing: 'Preparing', uploading: 'Uploading', waiting: 'Waiting for network',
  paused: 'Paused', completing: 'Finishing', completed: 'Done', cancelled: 'Cancelled', error: 'Failed',
};
const MAX_ACTIVE_FILES = 2;

const $ = (id) => document.getElementById(id);
const tokens = new TokenSource();
const options = readOptions();
const client = new UploadClient({ ...options, getToken: tokens.getToken });
const items = [];
window.uploader = { client, items, tokens, options };

boot().catch((e) => showPageError(`The uploader could not start: ${e.message || e}`));

async function boot() {
  const ready = await tokens.init();
  if (ready) {
    showUploader();
  } else if (tokens.mode === 'dev') {
    $('dev-signin').hidden = false;
    $('dev-user').focus();
  } else {
    $('token-signin').hidden = false;
  }
}

// ------------------------------------------------------------------------------------ sign-in

$('dev-signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('dev-signin-error');
  error.hidden = true;
  $('dev-signin-button').disabled = true;
  try {
    await tokens.signIn($('dev-user').value.trim());
    $('dev-signin').hidden = true;
    showUploader();
  } catch (e) {
    error.textContent = `Could not sign in: ${e.message}`;
    error.hidden = false;
  } finally {
    $('dev-signin-button').disabled = false;
  }
});

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const error = $('token-error');
  try {
    tokens.usePastedToken($('token-input').value);
    $('token-signin').hidden = true;
    showUploader();
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
});

$('sign-out').addEventListener('click', () => {
  items.filter((item) => item.upload && ACTIVE_STATES.has(item.upload.state)).forEach((item) => item.upload.pause());
  tokens.signOut();
  location.reload();
});

function showUploader() {
  if (tokens.mode !== 'host') {
    $('account').hidden = false;
    $('account-name').textContent = tokens.user;
    $('account-avatar').textContent = (tokens.user || '?').slice(0, 1);
    $('sign-out').hidden = tokens.mode === 'host';
  }
  $('uploader').hidden = false;
  renderRemembered();
}

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
    const duplicate = items.find((item) => sameFile(item.file, file) && !['cancelled', 'completed'].includes(stateOf(item)));
    if (duplicate) {
      if (['paused', 'error'].includes(stateOf(duplicate))) startItem(duplicate);
      continue;
    }
    const item = { file, upload: client.upload(file), row: null, download: null, seq: firstSeq + i };
    items.unshift(item);
    item.row = createRow(item);
    $('file-list').prepend(item.row);
    wire(item);
  }
  pump();
  renderRemembered();
  render();
}

function wire(item) {
  const { upload } = item;
  upload.addEventListener('progress', scheduleRender);
  upload.addEventListener('statechange', () => { scheduleRender(); if (!ACTIVE_STATES.has(upload.state)) pump(); });
  upload.addEventListener('resumed', (e) => {
    item.note = `Resumed: ${formatBytes(e.detail.bytesDone)} were already uploaded`;
    renderRemembered();
  });
  upload.addEventListener('complete', () => { fetchDownloadLink(item).catch(() => {}); renderRemembered(); });
}

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

function stateOf(item) {
  return item.upload.state === 'idle' ? 'queued' : item.upload.state;
}

function sameFile(a, b) {
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
}

// ------------------------------------------------------------------------------------ rows

function createRow(item) {
  const row = $('file-row').content.firstElementChild.cloneNode(true);
  row.querySelector('.file-name').textContent = item.file.name;
  row.querySelector('.file-name').title = item.file.name;
  row.querySelector('.file-ext').textContent = fileExtension(item.file.name);
  row.querySelector('.action-pause').addEventListener('click', () => item.upload.pause());
  row.querySelector('.action-resume').addEventListener('click', () => startItem(item));
  row.querySelector('.action-cancel').addEventListener('click', async () => {
    item.held = true;
    try {
      await item.upload.cancel();
    } catch { /* shown from upload.error */ }
    render();
    renderRemembered();
  });
  row.querySelector('.action-remove').addEventListener('click', () => {
    items.splice(items.indexOf(item), 1);
    row.remove();
    render();
  });
  row.querySelector('.action-download').addEventListener('click', (event) => openDownload(event, item));
  return row;
}

async function fetchDownloadLink(item) {
  const link = await item.upload.downloadUrl();
  item.download = { url: link.url, expiresAt: Date.parse(link.expiresAt) };
  const anchor = item.row.querySelector('.action-download');
  anchor.href = link.url;
  anchor.setAttribute('download', item.file.name);
  return item.download;
}

/** Download links are presigned and expire: fetch a fresh one when this one is (nearly) spent. */
async function openDownload(event, item) {
  if (item.download && item.download.expiresAt - Date.now() > 30_000) return; // the href is still good
  event.preventDefault();
  try {
    const fresh = await fetchDownloadLink(item);
    window.location.assign(fresh.url);
  } catch (e) {
    showPageError(`Could not get a download link for "${item.file.name}": ${e.message}`);
  }
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  setTimeout(() => { renderPending = false; render(); }, 80);
}

function render() {
  for (const item of items) renderRow(item);
  renderSummary();
}

function renderRow(item) {
  const { row, upload } = item;
  const state = stateOf(item);
  const p = upload.progress;
  row.dataset.state = state;
  if (upload.id) row.dataset.uploadId = upload.id;
  let label = STATUS_LABELS[state] || state;
  if (state === 'preparing' && upload.resumedFrom === null && client.findResumable(item.file)) label = 'Resuming';
  if (state === 'uploading' && p.partCount > 1) label = `Uploading · ${p.partsDone} of ${p.partCount} parts`;
  row.querySelector('.file-status').textContent = label;
  row.querySelector('.bar-fill').style.width = `${(p.fraction * 100).toFixed(2)}%`;
  const bytes = state === 'completed' ? formatBytes(p.bytesTotal)
    : `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`;
  row.querySelector('.file-bytes').textContent = bytes;
  row.querySelector('.file-speed').textContent = state === 'uploading' && p.speed > 0 ? formatSpeed(p.speed) : '';
  row.querySelector('.file-eta').textContent = state === 'uploading' && p.eta !== null
    ? `${formatDuration(p.eta)} left` : (item.note && state !== 'completed' ? item.note : '');
  const error = row.querySelector('.file-error');
  const message = upload.error && ['error', 'cancelled'].includes(upload.state) ? upload.error.message : '';
  error.textContent = message;
  error.hidden = !message;
}

function renderSummary() {
  const visible = items.filter((item) => item.upload.state !== 'cancelled');
  const summary = $('summary');
  if (visible.length === 0) {
    summary.hidden = true;
    return;
  }
  summary.hidden = false;
  let total = 0;
  let done = 0;
  let speed = 0;
  for (const item of visible) {
    const p = item.upload.progress;
    total += p.bytesTotal;
    done += p.bytesDone;
    speed += p.speed;
  }
  const count = (state) => visible.filter((item) => stateOf(item) === state).length;
  const completed = count('completed');
  const running = visible.filter((item) => ACTIVE_STATES.has(item.upload.state) || stateOf(item) === 'queued').length;
  const failed = count('error');
  const paused = count('paused');
  const files = (n) => `${n} ${n === 1 ? 'file' : 'files'}`;
  let title;
  if (running > 0) title = `Uploading ${files(running)}`;
  else if (failed > 0) title = `${files(failed)} failed`;
  else if (paused > 0) title = `${files(paused)} paused`;
  else title = `${completed === 1 ? 'File' : `All ${completed} files`} uploaded`;
  if (running > 0 && completed > 0) title += ` · ${completed} done`;
  const parts = [`${formatBytes(done)} of ${formatBytes(total)}`];
  if (running > 0 && speed > 0) {
    parts.push(formatSpeed(speed));
    parts.push(`${formatDuration((total - done) / speed)} left`);
  }
  $('summary-title').textContent = title;
  $('summary-stats').textContent = parts.join(' · ');
  $('summary-bar').style.width = `${total ? (done / total * 100).toFixed(2) : 0}%`;
  summary.dataset.state = running > 0 ? 'uploading' : failed > 0 ? 'error' : paused > 0 ? 'paused' : 'completed';
}

// ------------------------------------------------------------------------------------ remembered

function renderRemembered() {
  const inPage = (record) => items.some((item) => item.upload.id === record.id
    || (item.file.name === record.filename && item.file.size === record.size && item.file.lastModified === record.lastModified));
  const records = client.listRemembered().filter((record) => !inPage(record));
  const list = $('resumable-list');
  list.replaceChildren();
  for (const record of records) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = record.filename;
    const meta = document.createElement('span');
    meta.className = 'meta';
    const percent = record.size ? Math.floor((record.bytesDone || 0) / record.size * 100) : 0;
    meta.textContent = `${formatBytes(record.size)} · ${percent}% uploaded`;
    const discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'btn btn-ghost btn-small';
    discard.textContent = 'Discard';
    discard.addEventListener('click', async () => {
      discard.disabled = true;
      try {
        await client.discard(record);
      } catch (e) {
        showPageError(`Could not discard "${record.filename}": ${e.message}`);
      }
      renderRemembered();
    });
    li.append(name, meta, discard);
    list.append(li);
  }
  $('resumable').hidden = records.length === 0;
}

// ------------------------------------------------------------------------------------ misc

function showPageError(message) {
  const banner = $('page-error');
  banner.textContent = message;
  banner.hidden = false;
}

function hidePageError() {
  $('page-error').hidden = true;
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
  return result;
}

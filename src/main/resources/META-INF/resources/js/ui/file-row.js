/**
 * One file's row in the uploader's list (cloned from <template id="file-row">): name, status,
 * progress bar, bytes, speed, time left, error, and the actions its state offers (the CSS shows
 * them by the row's data-state).
 */
import { showPageError } from './dom.js';
import { STATUS_LABELS, stateOf } from './file-state.js';
import { fileExtension, formatBytes, formatDuration, formatSpeed } from '../format.js';

/**
 * A new row for a list item ({file, upload, download, note}).
 *
 * @param {object} item
 * @param {object} actions  what the page does on resume, cancel and remove: (item) => void
 */
export function createRow(item, { resume, cancel, remove }) {
  const row = document.getElementById('file-row').content.firstElementChild.cloneNode(true);
  row.querySelector('.file-name').textContent = item.file.name;
  row.querySelector('.file-name').title = item.file.name;
  row.querySelector('.file-ext').textContent = fileExtension(item.file.name);
  row.querySelector('.action-pause').addEventListener('click', () => item.upload.pause());
  row.querySelector('.action-resume').addEventListener('click', () => resume(item));
  row.querySelector('.action-cancel').addEventListener('click', () => cancel(item));
  row.querySelector('.action-remove').addEventListener('click', () => remove(item));
  row.querySelector('.action-download').addEventListener('click', (event) => openDownload(event, item));
  return row;
}

/**
 * Brings the row up to date with its upload. `isRemembered(file)` tells whether the client
 * remembers an unfinished upload of the file (then 'Preparing' reads 'Resuming').
 */
export function renderRow(item, isRemembered) {
  const { row, upload } = item;
  const state = stateOf(item);
  const p = upload.progress;
  row.dataset.state = state;
  if (upload.id) row.dataset.uploadId = upload.id;
  let label = STATUS_LABELS[state] || state;
  if (state === 'preparing' && upload.resumedFrom === null && isRemembered(item.file)) label = 'Resuming';
  if (state === 'uploading' && p.partCount > 1) label = `Uploading · ${p.partsDone} of ${p.partCount} parts`;
  row.querySelector('.file-status').textContent = label;
  row.querySelector('.bar-fill').style.width = `${(p.fraction * 100).toFixed(2)}%`;
  const bytes = upload.state === 'completed' ? formatBytes(p.bytesTotal)
    : `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`;
  row.querySelector('.file-bytes').textContent = bytes;
  row.querySelector('.file-speed').textContent = state === 'uploading' && p.speed > 0 ? formatSpeed(p.speed) : '';
  row.querySelector('.file-eta').textContent = state === 'uploading' && p.eta !== null
    ? `${formatDuration(p.eta)} left` : (item.note && upload.state !== 'completed' ? item.note : '');
  const error = row.querySelector('.file-error');
  let message = upload.error && ['error', 'cancelled'].includes(upload.state) ? upload.error.message : '';
  if (state === 'quarantined') message = `Not accepted: ${upload.result.quarantineReason || 'the gateway refused the file'}`;
  error.textContent = message;
  error.hidden = !message;
}

/** Gets a download link for the completed upload and puts it on the row's Download button. */
export async function fetchDownloadLink(item) {
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

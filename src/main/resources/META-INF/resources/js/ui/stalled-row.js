/** One stalled upload in the admin table (cloned from <template id="stalled-row">), with its Abort button. */
import { formatBytes, formatDuration } from '../format.js';

/**
 * @param {object} upload  an item of GET /api/v1/admin/uploads
 * @param {(upload: object, row: HTMLElement) => Promise<boolean>} abort  aborts it (after the
 *        user confirmed); resolves false when that failed and the button should be offered again
 */
export function stalledRow(upload, abort) {
  const tr = document.getElementById('stalled-row').content.firstElementChild.cloneNode(true);
  const percent = upload.size ? Math.floor((upload.bytesUploaded || 0) / upload.size * 100) : 0;
  fillWho(tr, upload);
  const partsUploaded = upload.partsUploaded ?? 0;
  // An upload started through the /s3 (Uppy) routes has no size or part count until it completes.
  tr.querySelector('.progress-text').textContent = upload.size == null
    ? `${formatBytes(upload.bytesUploaded || 0)} so far (size not declared) · ${partsUploaded} parts`
    : `${formatBytes(upload.bytesUploaded || 0)} of ${formatBytes(upload.size)} · ${partsUploaded}/${upload.partCount} parts`;
  tr.querySelector('.bar-fill').style.width = `${percent}%`;
  tr.querySelector('.idle').textContent = upload.idleSeconds != null ? formatDuration(upload.idleSeconds) : ago(upload.lastActivityAt);
  tr.querySelector('.created').textContent = upload.createdAt ? new Date(upload.createdAt).toLocaleString() : '–';
  if (upload.autoComplete) {
    // The app handed the parts to the OS; the gateway completes the upload itself once they are all in S3.
    const note = tr.querySelector('.auto-complete');
    note.hidden = false;
    note.querySelector('.pill').textContent = upload.nextCheckAt
      ? `Server-side completion · next look ${new Date(upload.nextCheckAt).toLocaleTimeString()}`
      : 'Server-side completion';
  }
  const button = tr.querySelector('.abort');
  button.addEventListener('click', async () => {
    if (!confirm(`Abort "${upload.filename}" of ${upload.owner}? Its uploaded parts are discarded.`)) return;
    button.disabled = true;
    button.textContent = 'Aborting…';
    if (!(await abort(upload, tr))) {
      button.disabled = false;
      button.textContent = 'Abort';
    }
  });
  return tr;
}

/** The cells every admin row has: owner, file, id, and the store when it is not the default one. */
export function fillWho(tr, upload) {
  tr.querySelector('.owner').textContent = upload.owner || '–';
  tr.querySelector('.filename').textContent = upload.filename;
  tr.querySelector('.id').textContent = upload.id;
  if (upload.store && upload.store !== 'default') {
    const store = tr.querySelector('.store');
    store.hidden = false;
    store.textContent = `store ${upload.store}`;
  }
}

/** How long ago an ISO instant was, e.g. "3 h 5 min". */
export function ago(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  return Number.isFinite(seconds) ? formatDuration(Math.max(0, seconds)) : '–';
}

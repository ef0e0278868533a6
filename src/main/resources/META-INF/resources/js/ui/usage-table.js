/** Owners' quota usage on the admin page (#usage), from GET /api/v1/admin/usage. */
import { $ } from './dom.js';
import { formatBytes } from '../format.js';

/** @param {object} page  the answer of GET /api/v1/admin/usage */
export function renderUsage(page) {
  const rows = (page.items || []).map(usageRow);
  $('usage-rows').replaceChildren(...rows);
  $('usage-empty').hidden = rows.length > 0;
  $('usage').hidden = false;
}

function usageRow(owner) {
  const tr = document.getElementById('usage-row').content.firstElementChild.cloneNode(true);
  tr.querySelector('.owner').textContent = owner.owner;
  tr.querySelector('.active').textContent = owner.maxActiveUploads != null
    ? `${owner.activeUploads} of ${owner.maxActiveUploads}` : String(owner.activeUploads);
  tr.querySelector('.bytes').textContent = owner.maxBytesInFlight != null
    ? `${formatBytes(owner.bytesInFlight)} of ${formatBytes(owner.maxBytesInFlight)}` : formatBytes(owner.bytesInFlight);
  tr.querySelector('.overridden').textContent = owner.overridden ? 'limits set for this owner' : '';
  return tr;
}

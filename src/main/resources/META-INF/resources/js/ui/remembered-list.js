/**
 * The list of unfinished uploads this browser remembers (#resumable): each with a Discard
 * button; choosing the same file again continues it.
 */
import { $, showPageError } from './dom.js';
import { formatBytes } from '../format.js';

/** Shows the remembered uploads that are not already in the page's list of items ({file, upload}). */
export function renderRemembered(client, items) {
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
      renderRemembered(client, items);
    });
    li.append(name, meta, discard);
    list.append(li);
  }
  $('resumable').hidden = records.length === 0;
}

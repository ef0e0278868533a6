/**
 * Where unfinished uploads are remembered, so that choosing the same file again (after a reload
 * or a browser restart) continues it: one JSON record per file in localStorage (or the client's
 * `storage` option), keyed by the file's name, size and lastModified. Records written by earlier
 * versions of this client must still be found: keep the key format and the record's fields.
 *
 * Storage that is full or disabled is not an error: uploads still work, they just cannot resume
 * after a reload.
 */

const STORAGE_PREFIX = 'upload-gateway:v1:';

/** The storage key of a file (or of anything with its name, size and lastModified). */
export function rememberKey(file) {
  return `${STORAGE_PREFIX}${JSON.stringify([file.name, file.size, file.lastModified])}`;
}

/** localStorage, or null where the browser's privacy settings disable it. */
export function defaultStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/** The record of one upload as it is stored; `previous` keeps its createdAt. */
export function uploadRecord({ file, id, size, partSize, partCount, bytesDone }, baseUrl, previous) {
  return {
    storageKey: rememberKey(file),
    baseUrl,
    id,
    filename: file.name,
    size,
    lastModified: file.lastModified,
    partSize,
    partCount,
    bytesDone,
    createdAt: (previous && previous.createdAt) || Date.now(),
    updatedAt: Date.now(),
  };
}

export function saveRecord(storage, record) {
  try {
    if (storage) storage.setItem(record.storageKey, JSON.stringify(record));
  } catch { /* full or disabled */ }
}

/** The remembered upload of this file, or null. */
export function findRecord(storage, file) {
  return readRecord(storage, rememberKey(file));
}

/** Every remembered upload made through the gateway at `baseUrl`, newest first. */
export function listRecords(storage, baseUrl) {
  const found = [];
  if (!storage) return found;
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key && key.startsWith(STORAGE_PREFIX)) {
      const record = readRecord(storage, key);
      if (record && record.baseUrl === baseUrl) found.push(record);
    }
  }
  return found.sort((a, b) => (b.updatedAt || 0) - (a.updatedAt || 0));
}

/** Forgets a remembered upload, given its record or its file. */
export function forgetRecord(storage, recordOrFile) {
  const key = recordOrFile && recordOrFile.storageKey ? recordOrFile.storageKey : rememberKey(recordOrFile);
  try {
    if (storage) storage.removeItem(key);
  } catch { /* full or disabled */ }
}

function readRecord(storage, key) {
  try {
    const text = storage && storage.getItem(key);
    if (!text) return null;
    const record = JSON.parse(text);
    return record && typeof record.id === 'string' ? { ...record, storageKey: key } : null;
  } catch {
    return null;
  }
}

/** How the uploader page names the state of a file in its list. */

/** States in which an upload is running (it counts against the page's limit of active files). */
export const ACTIVE_STATES = new Set(['preparing', 'uploading', 'waiting', 'completing']);

export const STATUS_LABELS = {
  queued: 'Queued', preparing: 'Preparing', uploading: 'Uploading', waiting: 'Waiting for network',
  paused: 'Paused', completing: 'Finishing', completed: 'Done', cancelled: 'Cancelled', error: 'Failed',
  scanning: 'Scanning…', quarantined: 'Not accepted',
};

/**
 * The state the page shows for a list item: an upload not yet started is 'queued'; a completed
 * one the gateway's processing steps have not cleared yet (PROCESSING) is 'scanning', and one they
 * refused (QUARANTINED) 'quarantined'.
 */
export function stateOf(item) {
  const { state, result } = item.upload;
  if (state === 'idle') return 'queued';
  if (state === 'completed' && result && result.state === 'PROCESSING') return 'scanning';
  if (state === 'completed' && result && result.state === 'QUARANTINED') return 'quarantined';
  return state;
}

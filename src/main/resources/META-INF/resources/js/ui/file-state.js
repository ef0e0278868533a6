/** How the uploader page names the state of a file in its list. */

/** States in which an upload is running (it counts against the page's limit of active files). */
export const ACTIVE_STATES = new Set(['preparing', 'uploading', 'waiting', 'completing']);

export const STATUS_LABELS = {
  queued: 'Queued', preparing: 'Preparing', uploading: 'Uploading', waiting: 'Waiting for network',
  paused: 'Paused', completing: 'Finishing', completed: 'Done', cancelled: 'Cancelled', error: 'Failed',
};

/** The state the page shows for a list item: an upload not yet started is 'queued'. */
export function stateOf(item) {
  return item.upload.state === 'idle' ? 'queued' : item.upload.state;
}

/**
 * Errors of the upload client. Everything it throws is an UploadError with a stable `code` (a
 * machine word) and `retryable` (whether trying again later may help).
 */

/** Base class of every error the client throws. */
export class UploadError extends Error {
  constructor(message, { code = 'upload_failed', cause, retryable = false } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'UploadError';
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * S3 accepted a part but the browser was not allowed to read its ETag header. Without the ETag
 * the part cannot be recorded nor the upload completed: the bucket's CORS rule has to expose it.
 */
export class EtagNotExposedError extends UploadError {
  constructor(partNumber) {
    super(`S3 stored part ${partNumber}, but the browser may not read the ETag header of its answer. `
      + 'The bucket\'s CORS configuration must expose ETag: add "ExposeHeaders": ["ETag"] to the '
      + 'CORS rule (AWS S3, R2, MinIO), or set s3proxy.cors-exposed-headers=ETag for S3Proxy. '
      + 'Until then no browser can complete a multipart upload to this bucket.',
    { code: 'etag_not_exposed' });
    this.name = 'EtagNotExposedError';
    this.partNumber = partNumber;
  }
}

/** Problem codes of a 4xx that asking again later can fix: another call is finishing the upload right now. */
const RETRYABLE_CODES = new Set(['upload_busy']);

/** The gateway answered with an error (RFC 9457 problem); `status` and `problem` say which. */
export class GatewayError extends UploadError {
  constructor(status, problem, what) {
    const detail = problem && (problem.detail || problem.title);
    const code = (problem && problem.code) || `http_${status}`;
    super(`${what}: ${detail || `the gateway answered HTTP ${status}`}`,
      { code, retryable: status >= 500 || status === 429 || status === 408 || RETRYABLE_CODES.has(code) });
    this.name = 'GatewayError';
    this.status = status;
    this.problem = problem || null;
  }
}

/** A part could not be stored in S3 after every retry. */
export class PartUploadError extends UploadError {
  constructor(partNumber, status, body) {
    const reason = status === 0
      ? 'the storage server could not be reached, or the browser blocked its answer (check the bucket\'s CORS rule allows PUT from this site)'
      : `the storage server answered HTTP ${status}${s3ErrorCode(body) ? ` (${s3ErrorCode(body)})` : ''}`;
    super(`Part ${partNumber} could not be uploaded: ${reason}.`, { code: 'part_upload_failed', retryable: true });
    this.name = 'PartUploadError';
    this.partNumber = partNumber;
    this.status = status;
  }
}

/** Internal: a run was stopped (pause, cancel, a failing sibling part). Never reported as a failure. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

function s3ErrorCode(body) {
  const match = typeof body === 'string' && body.match(/<Code>([^<]+)<\/Code>/);
  return match ? match[1] : null;
}

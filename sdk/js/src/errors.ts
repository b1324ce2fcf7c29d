/** One invalid parameter of an INVALID_PARAMETERS error. */
export interface FieldError {
  field: string;
  message: string;
}

/** The API's error body: {name, message, event, errors?, code?, className?}. */
export interface ErrorBody {
  name?: string;
  message?: string;
  event?: string;
  errors?: FieldError[];
  code?: string | number;
  className?: string;
  reason?: string;
  [key: string]: unknown;
}

/**
 * An error the API answered (or, for ConnectionError, could not answer). `name` is the API's
 * error name (NOT_FOUND, INVALID_PARAMETERS, ...) as the guide lists them; match the kind with
 * `instanceof` on the subclasses below.
 */
export class HapiHubError extends Error {
  /** HTTP status; 0 when no answer came (ConnectionError). */
  readonly status: number;
  /** Identifies this occurrence in HAPI Hub's logs: quote it to support. */
  readonly event?: string;
  /** The response's Request-Id (x-amzn-RequestId for the gateway's own answers): the same id as `event`. */
  readonly requestId?: string;
  /** Each invalid parameter (INVALID_PARAMETERS). */
  readonly errors: FieldError[];
  /** Feathers' `code` (the HTTP status) or a finer code, as the API sends it. */
  readonly code?: string | number;
  /** Feathers' class name of the error, where the API sends one (not-found, bad-request, ...). */
  readonly className?: string;
  /** The finer reason where the API sends one (lock_timeout, idempotency_key_reused, ...). */
  readonly reason?: string;
  /** The server's Retry-After in milliseconds, when it sent one. */
  readonly retryAfter?: number;
  /** The response's headers (lower-case names). */
  readonly headers: Record<string, string>;
  /** The parsed body as received. */
  readonly body?: ErrorBody;

  constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}, retryAfter?: number) {
    super(body.message ?? `HTTP ${status}`);
    this.name = body.name ?? 'UNKNOWN_ERROR';
    this.status = status;
    this.event = body.event;
    this.requestId = headers['request-id'] ?? headers['x-amzn-requestid'];
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.code = body.code;
    this.className = body.className;
    this.reason = body.reason;
    this.retryAfter = retryAfter;
    this.headers = headers;
    this.body = body;
  }
}

// One subclass per error name of the guide; the table below maps the API's names to them.
export class AuthError extends HapiHubError {}
export class UnknownError extends HapiHubError {}
export class InvalidParametersError extends HapiHubError {}
export class InvalidContentTypeError extends HapiHubError {}
export class NotFoundError extends HapiHubError {}
export class PermissionsError extends HapiHubError {}
export class CredentialsError extends HapiHubError {}
export class MethodNotImplementedError extends HapiHubError {}
export class MethodNotSupportedError extends HapiHubError {}
export class SecurityError extends HapiHubError {}
export class RateLimitError extends HapiHubError {}
/** 409: a request with the same Idempotency-Key is in flight (retried by the client). */
export class IdempotencyError extends HapiHubError {}
/** 412: If-Match named a version the object no longer has. */
export class PreconditionFailedError extends HapiHubError {}
/** 409 CONFLICT: reason `resource_in_use` is a delete of an object others refer to; `errors` names each referring field. */
export class ConflictError extends HapiHubError {}

/** No answer: the network failed or the timeout passed, after the retries. `cause` has the reason. */
export class ConnectionError extends HapiHubError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(0, { name: 'CONNECTION_ERROR', message });
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** No answer within the timeout option. */
export class TimeoutError extends ConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TIMEOUT_ERROR';
  }
}

/** A webhook delivery's signature or timestamp did not verify. */
export class SignatureVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SIGNATURE_VERIFICATION_ERROR';
  }
}

type ErrorClass = new (status: number, body: ErrorBody, headers?: Record<string, string>, retryAfter?: number) => HapiHubError;

/** The API's error names (the guide's table) and the class each becomes. */
export const errorClasses: Readonly<Record<string, ErrorClass>> = {
  AUTH_ERROR: AuthError,
  UNKNOWN_ERROR: UnknownError,
  INVALID_PARAMETERS: InvalidParametersError,
  INVALID_CONTENT_TYPE: InvalidContentTypeError,
  NOT_FOUND: NotFoundError,
  PERMISSIONS_ERROR: PermissionsError,
  CREDENTIALS_ERROR: CredentialsError,
  METHOD_NOT_IMPLEMENTED: MethodNotImplementedError,
  METHOD_NOT_SUPPORTED: MethodNotSupportedError,
  SECURITY_ERROR: SecurityError,
  RATE_LIMIT_EXCEEDED: RateLimitError,
  IDEMPOTENCY_ERROR: IdempotencyError,
  PRECONDITION_FAILED: PreconditionFailedError,
  CONFLICT: ConflictError,
};

// A body without a known name (RFC 9457 problem+json from a gateway, a proxy's page) is classed
// by its status, as the guide's table pairs names and statuses.
const statusClasses: Readonly<Record<number, ErrorClass>> = {
  400: InvalidParametersError,
  401: AuthError,
  403: PermissionsError,
  404: NotFoundError,
  409: IdempotencyError,
  412: PreconditionFailedError,
  415: InvalidContentTypeError,
  426: SecurityError,
  429: RateLimitError,
};

/** The error for an API answer: by the body's name, else by its status, else UnknownError. */
export function errorFromResponse(status: number, body: ErrorBody, headers: Record<string, string>, retryAfter?: number): HapiHubError {
  const cls = (body.name && errorClasses[body.name]) || statusClasses[status] || UnknownError;
  if (!body.name) {
    // problem+json says title/detail; keep one message field for every error.
    const problem = body as { title?: string; detail?: string };
    body = { ...body, name: Object.keys(errorClasses).find((n) => errorClasses[n] === cls) ?? 'UNKNOWN_ERROR', message: body.message ?? problem.detail ?? problem.title };
  }
  return new cls(status, body, headers, retryAfter);
}

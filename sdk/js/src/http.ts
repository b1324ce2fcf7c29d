import { ConnectionError, HapiHubError, TimeoutError, errorFromResponse, type ErrorBody } from './errors.js';
import { encodeQuery, type Query } from './query.js';

export const VERSION = '0.1.0';
export const DEFAULT_API_URL = 'https://api.hapihub.com';

/** Options of a client (HapiHub constructor, sdk.initialize). */
export interface ClientOptions {
  /** The API's base URL (default https://api.hapihub.com; the local stack: http://localhost:3000). */
  apiUrl?: string;
  /** Sent as HapiHub-Organization: the organization a live key connected to several clinics acts on. */
  organization?: string;
  /**
   * Sent as HapiHub-Version on every call: the API version (YYYY-MM-DD) your code was written
   * for, so answers keep its shape whatever the account is pinned to (docs/versioning.md).
   */
  apiVersion?: string;
  /** Milliseconds one attempt may take before it is abandoned (and retried); default 30 000. */
  timeout?: number;
  /** Retries of a failed call (network error, timeout, 429, 409 in flight, 5xx); default 3, 0 disables. */
  maxRetries?: number;
  /** First retry's delay and the cap of the exponential backoff, in ms (defaults 500 and 8 000). */
  minBackoff?: number;
  maxBackoff?: number;
  /** A longer Retry-After than this (ms, default 60 000) ends the retries with the error. */
  maxRetryAfter?: number;
  /** Prefix of the User-Agent (Node; browsers set their own), e.g. "reminders/1.2". */
  userAgent?: string;
  /** A fetch implementation (default: the global fetch of Node 18+ and browsers). */
  fetch?: typeof fetch;
}

/** Options of one call: Feathers' params plus HAPI Hub's headers. */
export interface RequestOptions {
  query?: Query;
  /** Idempotency-Key of this write; by default a random UUID, the same on each retry of the call. */
  idempotencyKey?: string;
  /** If-Match: the write applies only to this version (an ETag from a get). */
  ifMatch?: string;
  /** HapiHub-Organization for this call (overrides the client's organization). */
  organization?: string;
  /** HapiHub-Version for this call (overrides the client's apiVersion). */
  apiVersion?: string;
  headers?: Record<string, string>;
  timeout?: number;
  maxRetries?: number;
  /** Aborts the call, retries included. */
  signal?: AbortSignal;
}

/** What came back, attached to every returned object as the non-enumerable `lastResponse`. */
export interface ResponseInfo {
  status: number;
  headers: Record<string, string>;
  /** Attempts the call took (1 = no retry). */
  attempts: number;
  /** The Idempotency-Key sent (writes). */
  idempotencyKey?: string;
  /** ETag of the object (reads and writes of one object). */
  etag?: string;
  /** True when the server answered from its idempotency record (Idempotent-Replayed). */
  replayed: boolean;
  /** On a replay, the request id of the request whose answer it is (Original-Request). */
  originalRequest?: string;
  /** The request's id in HAPI Hub's request logs (Request-Id, or the gateway's x-amzn-RequestId). */
  requestId?: string;
  /** The API version the answer was served in (HapiHub-Version). */
  apiVersion?: string;
}

interface Settings {
  apiUrl: string;
  organization?: string;
  apiVersion?: string;
  timeout: number;
  maxRetries: number;
  minBackoff: number;
  maxBackoff: number;
  maxRetryAfter: number;
  userAgent: string;
  fetch: typeof fetch;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function webcrypto(): Promise<Crypto> {
  const g = (globalThis as { crypto?: Crypto }).crypto;
  if (g?.subtle) return g;
  // Node 18 has no global crypto; its node:crypto module has the same Web Crypto object.
  const mod = (await import(/* webpackIgnore: true */ 'node:crypto')) as unknown as { webcrypto: Crypto };
  return mod.webcrypto;
}

export { webcrypto };

/** A random UUID v4, for Idempotency-Key. */
export async function uuid(): Promise<string> {
  const c = await webcrypto();
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function headersObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Sends requests with the key, retries and idempotency; one per client. */
export class Transport {
  readonly settings: Settings;
  /** Replaceable wait between attempts (tests record the waits instead of taking them). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void> = sleep;

  constructor(
    private readonly key: string,
    opts: ClientOptions = {},
  ) {
    if (!key || typeof key !== 'string') throw new TypeError('HapiHub: an API key is required (sk_..., rk_... or pk_...)');
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('HapiHub: no fetch; use Node 18+ or pass options.fetch');
    this.settings = {
      apiUrl: (opts.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, ''),
      organization: opts.organization,
      apiVersion: opts.apiVersion,
      timeout: opts.timeout ?? 30_000,
      maxRetries: Math.max(0, opts.maxRetries ?? 3),
      minBackoff: opts.minBackoff ?? 500,
      maxBackoff: opts.maxBackoff ?? 8_000,
      maxRetryAfter: opts.maxRetryAfter ?? 60_000,
      userAgent: (opts.userAgent ? opts.userAgent + ' ' : '') + `hapihub-js/${VERSION}`,
      fetch: f.bind(globalThis),
    };
  }

  /** Exponential backoff with jitter: between half and all of min·2^attempt, capped. */
  backoff(attempt: number): number {
    const full = Math.min(this.settings.maxBackoff, this.settings.minBackoff * 2 ** attempt);
    return full / 2 + Math.random() * (full / 2);
  }

  /**
   * Sends one call: method, path (with a leading /), a JSON body, and per-call options. Resolves
   * with the parsed JSON (null for an empty body) and what came back; rejects with a
   * HapiHubError subclass.
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<{ data: T; info: ResponseInfo }> {
    method = method.toUpperCase();
    const s = this.settings;
    const qs = encodeQuery(opts.query);
    const url = s.apiUrl + path + (qs ? (path.includes('?') ? '&' : '?') + qs : '');
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.key}` };
    if (typeof process !== 'undefined' && process.versions?.node) headers['User-Agent'] = s.userAgent;
    const org = opts.organization ?? s.organization;
    if (org) headers['HapiHub-Organization'] = org;
    const version = opts.apiVersion ?? s.apiVersion;
    if (version) headers['HapiHub-Version'] = version;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
    let idempotencyKey: string | undefined;
    if (WRITES.has(method)) {
      // One key for the call, sent on every attempt: a retried write the server already
      // committed is answered from its record, never applied twice.
      idempotencyKey = opts.idempotencyKey ?? (await uuid());
      headers['Idempotency-Key'] = idempotencyKey;
    }
    Object.assign(headers, opts.headers);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const maxRetries = Math.max(0, opts.maxRetries ?? s.maxRetries);
    const timeout = opts.timeout ?? s.timeout;

    for (let attempt = 0; ; attempt++) {
      let failure: HapiHubError;
      let wait: number | undefined;
      const ctl = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, timeout);
      const onAbort = () => ctl.abort(opts.signal!.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (opts.signal?.aborted) throw opts.signal.reason;
        const res = await s.fetch(url, { method, headers, body: payload, signal: ctl.signal });
        const text = await res.text();
        const h = headersObject(res.headers);
        const info: ResponseInfo = {
          status: res.status,
          headers: h,
          attempts: attempt + 1,
          idempotencyKey,
          etag: h['etag'],
          replayed: h['idempotent-replayed'] === 'true',
          originalRequest: h['original-request'],
          requestId: h['request-id'] ?? h['x-amzn-requestid'],
          apiVersion: h['hapihub-version'],
        };
        if (res.ok) {
          return { data: (text ? JSON.parse(text) : null) as T, info };
        }
        let errBody: ErrorBody;
        try {
          const parsed = JSON.parse(text);
          errBody = parsed && typeof parsed === 'object' ? parsed : { message: text };
        } catch {
          // Not our JSON (a proxy's page): keep the start of it as the message.
          errBody = { name: 'UNKNOWN_ERROR', message: text.slice(0, 512) || `HTTP ${res.status}` };
        }
        const retryAfter = parseRetryAfter(h['retry-after']);
        failure = errorFromResponse(res.status, errBody, h, retryAfter);
        // A 409 IDEMPOTENCY_ERROR with Retry-After means the key's first request is still in
        // flight (retry to get its answer); without one, that request changed data and its answer
        // is gone: retrying the same key can only fail again.
        const retryable =
          res.status === 429 || res.status >= 500 || (res.status === 409 && failure.name === 'IDEMPOTENCY_ERROR' && retryAfter !== undefined);
        if (!retryable) throw failure;
        wait = retryAfter;
      } catch (err) {
        if (err instanceof HapiHubError && !(err instanceof ConnectionError)) throw err;
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        if (err instanceof SyntaxError) throw new ConnectionError(`HapiHub: response is not JSON: ${err.message}`, { cause: err });
        failure = timedOut
          ? new TimeoutError(`HapiHub: no answer within ${timeout} ms (${method} ${path})`, { cause: err })
          : new ConnectionError(`HapiHub: ${method} ${path}: ${(err as Error)?.message ?? err}`, { cause: err });
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      }
      if (attempt >= maxRetries) throw failure;
      if (wait !== undefined && wait > s.maxRetryAfter) throw failure;
      // Never sooner than the server's Retry-After, plus a random share of the backoff, so that
      // callers refused together (a burst against the concurrency cap) do not all return together.
      await this.sleep(wait === undefined ? this.backoff(attempt) : wait + Math.random() * this.backoff(attempt), opts.signal);
    }
  }
}

/** Attaches what came back to a returned object without making it part of its JSON. */
export function withInfo<T>(data: T, info: ResponseInfo): T {
  if (data && typeof data === 'object') {
    Object.defineProperty(data, 'lastResponse', { value: info, enumerable: false, configurable: true });
  }
  return data;
}

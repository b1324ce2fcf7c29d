import { SignatureVerificationError } from './errors.js';
import { webcrypto } from './http.js';
import type { Event } from './types.js';

/** The signature header HAPI Hub sends with each delivery: `t=<unix s>,v1=<hex HMAC-SHA256>[,v1=...]`. */
export const SIGNATURE_HEADER = 'hapihub-signature';
/** Default tolerance, in seconds, between a delivery's timestamp and now (replays). */
export const DEFAULT_TOLERANCE = 300;

export type RawBody = string | Uint8Array | ArrayBuffer;
/** Request headers: a fetch Headers, or Node's IncomingHttpHeaders / Express' req.headers. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** Seconds a delivery's timestamp may differ from now, either way (default 300: five minutes). */
  tolerance?: number;
  /** The time to verify at, in ms (default Date.now()); for tests. */
  now?: number;
}

const enc = new TextEncoder();

function bytes(body: RawBody): Uint8Array {
  if (typeof body === 'string') return enc.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('constructEvent: the raw body must be a string, Buffer, Uint8Array or ArrayBuffer, not parsed JSON');
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(',') : v;
  }
  return undefined;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

function fromHex(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]*$/.test(s) || s.length % 2) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function fromBase64(s: string): Uint8Array | undefined {
  try {
    const bin = atob(s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  const c = await webcrypto();
  return c.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/**
 * True when any candidate is the HMAC-SHA256 of message. Web Crypto's verify compares in
 * constant time; every candidate is checked (no early exit), so which one matched does not leak.
 */
async function anyMatches(key: CryptoKey, message: Uint8Array, candidates: (Uint8Array | undefined)[]): Promise<boolean> {
  const c = await webcrypto();
  let matched = false;
  for (const sig of candidates) {
    if (sig && sig.length === 32 && (await c.subtle.verify('HMAC', key, sig as BufferSource, message as BufferSource))) matched = true;
  }
  return matched;
}

function checkTime(ts: number, opts: VerifyOptions): void {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > tolerance) {
    throw new SignatureVerificationError(`timestamp ${ts} is outside the tolerance of ${tolerance} s`);
  }
}

/** Verifies a HapiHub-Signature header against the raw body and the endpoint's secret (whsec_...). */
export async function verifySignature(rawBody: RawBody, signatureHeader: string, secret: string, opts: VerifyOptions = {}): Promise<void> {
  let ts: number | undefined;
  const sigs: string[] = [];
  for (const part of signatureHeader.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) throw new SignatureVerificationError('malformed HapiHub-Signature header');
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't') {
      if (!/^\d+$/.test(v)) throw new SignatureVerificationError('malformed timestamp in HapiHub-Signature');
      ts = Number(v);
    } else if (k === 'v1') sigs.push(v);
  }
  if (ts === undefined) throw new SignatureVerificationError('no timestamp in HapiHub-Signature');
  if (!sigs.length) throw new SignatureVerificationError('no v1 signature in HapiHub-Signature');
  // The whole whsec_ string is the key (Stripe's scheme); the message is "<t>.<body>".
  const key = await hmacKey(enc.encode(secret));
  const message = concat(enc.encode(`${ts}.`), bytes(rawBody));
  if (!(await anyMatches(key, message, sigs.map(fromHex)))) {
    throw new SignatureVerificationError('no signature matches the payload');
  }
  checkTime(ts, opts);
}

/**
 * Verifies the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature:
 * space-separated "v1,<base64>"), keyed with the base64 part of whsec_... (standardwebhooks.com).
 */
export async function verifyStandardSignature(rawBody: RawBody, headers: HeaderSource, secret: string, opts: VerifyOptions = {}): Promise<void> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signature) throw new SignatureVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d+$/.test(timestamp)) throw new SignatureVerificationError('malformed webhook-timestamp');
  const secretBytes = fromBase64(secret.replace(/^whsec_/, ''));
  if (!secretBytes) throw new SignatureVerificationError('the secret is not whsec_<base64>');
  const key = await hmacKey(secretBytes);
  const message = concat(enc.encode(`${id}.${timestamp}.`), bytes(rawBody));
  const candidates = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => fromBase64(s.slice(3)));
  if (!(await anyMatches(key, message, candidates))) throw new SignatureVerificationError('no signature matches the payload');
  checkTime(Number(timestamp), opts);
}

/**
 * Verifies a delivery and returns its event. Pass the raw body exactly as received (not parsed
 * and re-serialized JSON: the signature covers its bytes), the request's headers and the
 * endpoint's secret. HapiHub-Signature is checked when present, else the Standard Webhooks
 * headers. Rejects with SignatureVerificationError.
 */
export async function constructEvent<T = Event>(rawBody: RawBody, headers: HeaderSource, secret: string, opts: VerifyOptions = {}): Promise<T> {
  const sig = header(headers, SIGNATURE_HEADER);
  if (sig) await verifySignature(rawBody, sig, secret, opts);
  else if (header(headers, 'webhook-signature')) await verifyStandardSignature(rawBody, headers, secret, opts);
  else throw new SignatureVerificationError('no HapiHub-Signature or webhook-signature header');
  const text = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(bytes(rawBody));
  return JSON.parse(text) as T;
}

/** A HapiHub-Signature value for payload at time t (Unix s), as HAPI Hub signs: for receivers' own tests. */
export async function sign(payload: RawBody, secret: string, t = Math.floor(Date.now() / 1000)): Promise<string> {
  const c = await webcrypto();
  const key = await hmacKey(enc.encode(secret));
  const mac = new Uint8Array(await c.subtle.sign('HMAC', key, concat(enc.encode(`${t}.`), bytes(payload)) as BufferSource));
  return `t=${t},v1=${toHex(mac)}`;
}

export const webhooks = { constructEvent, verifySignature, verifyStandardSignature, sign, SIGNATURE_HEADER, DEFAULT_TOLERANCE };

/**
 * Query strings as the API reads them: what Node's `qs.stringify` writes for a Feathers query
 * object (brackets, array indices, RFC 3986 percent-encoding of keys and values), with two
 * decisions of HAPI Hub's own:
 * - `$sort` with several keys is sent in the array form `$sort[0][lastName]=1&$sort[1][firstName]=-1`.
 *   API Gateway hands a Lambda the query string as a map, so the object form's key order, which
 *   is the sort order, would be lost (docs/query.md).
 * - Dates are sent as Unix milliseconds (the API's time format), `null` as the string `null`
 *   (the server reads it as null for non-string fields), undefined values are left out.
 */

/** A Feathers query: fields, operators ($in, $lt, $or, ...), $sort, $limit, $skip, $select, $total, $search; or Hubpay's page/size/sort. */
export type Query = Record<string, unknown>;

/** RFC 3986 percent-encoding, as qs's default: only A-Z a-z 0-9 - _ . ~ stay as they are. */
export function encodeComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Date) return String(v.getTime());
  return String(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The $sort value as sent: several keys become an array of one-key objects, in their order. */
export function normalizeSort(sort: unknown): unknown {
  if (isPlainObject(sort)) {
    const keys = Object.keys(sort).filter((k) => sort[k] !== undefined);
    if (keys.length > 1) return keys.map((k) => ({ [k]: sort[k] }));
  }
  return sort;
}

function walk(prefix: string, v: unknown, out: string[]): void {
  if (v === undefined || typeof v === 'function') return;
  if (Array.isArray(v)) {
    v.forEach((item, i) => walk(`${prefix}[${i}]`, item, out));
    return;
  }
  if (isPlainObject(v)) {
    for (const [k, item] of Object.entries(v)) walk(`${prefix}[${k}]`, item, out);
    return;
  }
  out.push(encodeComponent(prefix) + '=' + encodeComponent(scalar(v)));
}

/** Encodes a query object as a query string (without the leading "?"). */
export function encodeQuery(query: Query | undefined | null): string {
  if (!query) return '';
  const out: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    walk(k, k === '$sort' ? normalizeSort(v) : v, out);
  }
  return out.join('&');
}

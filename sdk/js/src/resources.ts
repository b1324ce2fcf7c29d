import { InvalidParametersError } from './errors.js';
import { type RequestOptions, type Transport, withInfo } from './http.js';
import type { Query } from './query.js';
import type { HubpayPage, Page } from './types.js';

/**
 * Params of a find, get or all(): a Feathers query plus the call's options. `expand` returns the
 * objects references name beside their ids (`expand: ['patient']` fills `appointment.patient`;
 * `'appointment.patient'` on invoices goes two levels, the most allowed; lists also take Stripe's
 * `'data.patient'`). It is sent as `expand[0]=...`; `query.expand` works too.
 */
export type FindParams = RequestOptions & { query?: Query; expand?: string[] };
/** A query in Hubpay's dialect: page (from 0), size (1..100), sort ("lastName,desc"). */
export type HubpayQuery = Query & ({ page: number } | { size: number });

const enc = encodeURIComponent;

/** The params with `expand` moved into the query, where the API reads it. */
function withExpand<P extends FindParams>(params: P): P {
  const { expand, ...rest } = params;
  if (!expand || expand.length === 0) return params;
  const prior = rest.query?.expand;
  const merged = [...(Array.isArray(prior) ? prior : prior === undefined ? [] : [prior]), ...expand];
  return { ...rest, query: { ...(rest.query ?? {}), expand: merged } } as unknown as P;
}

function isHubpay(query: Query | undefined): boolean {
  return !!query && (query.page !== undefined || query.size !== undefined);
}

/** Reading: find, get and all(). Every resource has them. */
export class Reader<T> {
  constructor(
    protected readonly transport: Transport,
    /** The API path of the collection, e.g. /patients. */
    readonly path: string,
  ) {}

  protected async call<R>(method: string, path: string, body: unknown, params: RequestOptions | undefined): Promise<R> {
    const { data, info } = await this.transport.request<R>(method, path, body, params);
    return withInfo(data, info);
  }

  /** A page of objects: `{data, limit, skip, total?}`, or Hubpay's page when the query has page/size. */
  find(params: FindParams & { query: HubpayQuery }): Promise<HubpayPage<T>>;
  find(params?: FindParams): Promise<Page<T>>;
  find(params: FindParams = {}): Promise<Page<T> | HubpayPage<T>> {
    return this.call('GET', this.path, undefined, withExpand(params));
  }

  /** One object by id; `query.$select` limits the fields, `expand` adds referenced objects. */
  get(id: string, params: FindParams = {}): Promise<T> {
    return this.call('GET', `${this.path}/${enc(id)}`, undefined, withExpand(params));
  }

  /**
   * Every object the query matches, fetched page by page as the loop goes:
   * `for await (const p of sdk.patients.all({query}))`. `$limit` is the page size (default 100);
   * `$skip` (or `startingAfter`) the start. Each next page starts after the last object seen
   * (`startingAfter`), so inserts and deletes meanwhile shift nothing: every object present for
   * the whole loop comes exactly once. In Hubpay's dialect (`size`, `page`) it pages by page number.
   */
  async *all(params: FindParams = {}): AsyncGenerator<T, void, undefined> {
    const query: Query = { ...(params.query ?? {}) };
    if (isHubpay(query)) {
      let page = Number(query.page ?? 0);
      for (;;) {
        const res = (await this.find({ ...params, query: { ...query, page } } as FindParams & { query: HubpayQuery })) as HubpayPage<T>;
        yield* res.content;
        if (res.last || res.content.length === 0) return;
        page++;
      }
    }
    const size = query.$limit === undefined ? 100 : Number(query.$limit);
    if (!(size > 0)) throw new RangeError('all(): $limit is the page size and must be at least 1');
    delete query.$total; // counting every page would cost a count per page for nothing
    let q: Query = { ...query, $limit: size };
    let prev: string[] = []; // the last page's ids, to resume from if its last object is deleted
    for (;;) {
      let res: Page<T>;
      try {
        res = await this.find({ ...params, query: q });
      } catch (err) {
        if (prev.length > 1 && err instanceof InvalidParametersError && err.errors.some((e) => e.field === 'startingAfter')) {
          // Sorted on a field, the cursor object's values are its position: it was deleted, so
          // resume after the page's previous object.
          prev.pop();
          q = { ...q, startingAfter: prev[prev.length - 1] };
          continue;
        }
        throw err;
      }
      yield* res.data;
      prev = res.data.map((d) => String((d as { id?: unknown }).id ?? ''));
      const last = prev[prev.length - 1];
      if (!res.hasMore || !last) return;
      const { $skip: _skip, endingBefore: _before, ...rest } = q;
      q = { ...rest, startingAfter: last };
    }
  }
}

/** The six Feathers methods: find, get, create, update, patch, remove (and all()). */
export class Resource<T, C = Partial<T>, P = Partial<T>> extends Reader<T> {
  /**
   * Creates an object; with an array, several in one call where the API accepts arrays (each
   * answer in order). An Idempotency-Key is sent, the same on each retry.
   */
  create(data: C, params?: RequestOptions): Promise<T>;
  create(data: C[], params?: RequestOptions): Promise<T[]>;
  create(data: C | C[], params: RequestOptions = {}): Promise<T | T[]> {
    return this.call('POST', this.path, data, params);
  }

  /** Replaces an object (fields left out are cleared). `ifMatch` makes it conditional. */
  update(id: string, data: C, params: RequestOptions = {}): Promise<T> {
    return this.call('PUT', `${this.path}/${enc(id)}`, data, params);
  }

  /** Changes the given fields; `null` unsets one. */
  patch(id: string, data: P, params: RequestOptions = {}): Promise<T> {
    return this.call('PATCH', `${this.path}/${enc(id)}`, data, params);
  }

  /** Removes an object; answers it with `deleted: true`. */
  remove(id: string, params: RequestOptions = {}): Promise<T> {
    return this.call('DELETE', `${this.path}/${enc(id)}`, undefined, params);
  }
}

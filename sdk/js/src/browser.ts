// The browser entry for publishable keys (the guide's "HAPI Hub.js"): a page may hold a pk_ key,
// which can only create tokens, so this entry offers only tokens.create. Secret keys belong on
// servers and use the main entry.
import { type ClientOptions, type RequestOptions, Transport, withInfo } from './http.js';
import type { Token, TokenCreate } from './types.js';

export * from './errors.js';
export type { Token, TokenCreate } from './types.js';
export type { ClientOptions, RequestOptions } from './http.js';

export class HapiHubJS {
  readonly tokens: { create(data: TokenCreate, params?: RequestOptions): Promise<Token> };

  constructor(publishableKey: string, options: ClientOptions = {}) {
    if (!/^pk_(test|live)_/.test(publishableKey)) {
      throw new TypeError('HapiHubJS takes a publishable key (pk_test_... or pk_live_...); never put a secret key in a web page');
    }
    const t = new Transport(publishableKey, options);
    this.tokens = {
      async create(data: TokenCreate, params: RequestOptions = {}): Promise<Token> {
        const { data: out, info } = await t.request<Token>('POST', '/tokens', data, params);
        return withInfo(out, info);
      },
    };
  }
}

/** `HapiHub('pk_test_...')` as Stripe.js is called, without `new`. */
export function loadHapiHub(publishableKey: string, options?: ClientOptions): HapiHubJS {
  return new HapiHubJS(publishableKey, options);
}

export default loadHapiHub;

import { HapiHub } from './client.js';

export { HapiHub, WebhookEndpoints, Events, ApiKeys, Tokens, Account, Sandbox } from './client.js';
export { Reader, Resource, type FindParams, type HubpayQuery } from './resources.js';
export { Transport, VERSION, DEFAULT_API_URL, parseRetryAfter, type ClientOptions, type RequestOptions, type ResponseInfo } from './http.js';
export { encodeQuery, normalizeSort, type Query } from './query.js';
export * from './errors.js';
export * from './types.js';
export { webhooks, constructEvent, verifySignature, verifyStandardSignature, sign, type VerifyOptions, type RawBody, type HeaderSource } from './webhooks.js';

/**
 * The default client, as the guide writes it:
 *
 *     import sdk from '@hapihub/sdk-js';
 *     sdk.initialize('sk_test_...', { apiUrl: 'http://localhost:3000' });
 *     const { data } = await sdk.patients.find({ query: { $limit: 5 } });
 */
const sdk = new HapiHub();
export { sdk };
export default sdk;

// The client's own behaviour where the real stack cannot be made to misbehave on demand:
// encoding (against the qs package Feathers clients use), retries, backoff, Retry-After,
// idempotency keys, timeouts and the error table (against a scripted local server).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import qs from 'qs';
import sdkDefault, * as esm from '../dist/esm/index.js';
import { fakeServer, hang, hangUp, reply } from './helpers/fake.mjs';

const {
  HapiHub, encodeQuery, errorClasses, HapiHubError, ConnectionError, TimeoutError, RateLimitError, NotFoundError,
  IdempotencyError, InvalidParametersError, UnknownError, PermissionsError, parseRetryAfter,
} = esm;

const uuidRE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const okPatient = { id: 'pat_1', object: 'patient', firstName: 'Ada', lastName: 'Lovelace' };

/** A client on a fake server whose waits are recorded, not taken. */
function client(url, opts = {}) {
  const c = new HapiHub('sk_test_abc', { apiUrl: url, minBackoff: 100, maxBackoff: 400, ...opts });
  const waits = [];
  c.transport.sleep = async (ms) => void waits.push(ms);
  return { c, waits };
}

describe('query encoding', () => {
  // qs.stringify is what Feathers' REST client sends; for everything but several sort keys,
  // dates and null the SDK must send the same bytes.
  const sameAsQs = [
    { status: 'active', $limit: 5, $skip: 10 },
    { $sort: { lastName: 1 }, $select: ['id', 'lastName'] },
    { status: { $in: ['active', 'inactive'] }, tags: { $nin: ['vip'] } },
    { dateOfBirth: { $gt: 315619200000, $lte: 1479664146607 }, sex: { $ne: 'male' } },
    { $or: [{ lastName: 'Lupin', status: 'active' }, { 'address.city': 'Hogsmeade' }] },
    { $search: '"Diagon Alley" -knockturn', $total: true },
    { 'metadata.crm': "a&b=c/d+e (x)*!'", email: { $exists: false } },
    { $search: { text: 'Café', caseSensitive: true, language: 'german' } },
    { page: 2, size: 5, sort: 'lastName,desc' },
  ];
  for (const q of sameAsQs) {
    it(`as qs: ${JSON.stringify(q)}`, () => assert.equal(encodeQuery(q), qs.stringify(q)));
  }
  it('several sort keys go in the array form, in their order', () => {
    const q = { $sort: { lastName: 1, firstName: -1 }, $limit: 2 };
    assert.equal(decodeURIComponent(encodeQuery(q)), '$sort[0][lastName]=1&$sort[1][firstName]=-1&$limit=2');
    assert.deepEqual(qs.parse(encodeQuery(q)), { $sort: [{ lastName: '1' }, { firstName: '-1' }], $limit: '2' });
  });
  it('an array $sort is sent as given', () => {
    assert.equal(decodeURIComponent(encodeQuery({ $sort: [{ b: -1 }, { a: 1 }] })), '$sort[0][b]=-1&$sort[1][a]=1');
  });
  it('dates as Unix ms, null as null, undefined left out', () => {
    assert.equal(decodeURIComponent(encodeQuery({ createdAt: { $gt: new Date(1000) }, email: null, x: undefined })), 'createdAt[$gt]=1000&email=null');
  });
});

describe('retries', () => {
  const cases = [
    { name: '503 then 502 then success', script: [reply(503, { name: 'UNKNOWN_ERROR', message: 'x' }), reply(502, 'bad gateway'), reply(201, okPatient)], attempts: 3 },
    { name: '429 honours Retry-After', script: [reply(429, { name: 'RATE_LIMIT_EXCEEDED', message: 'slow' }, { 'Retry-After': '2' }), reply(201, okPatient)], attempts: 2, waits: [2000] },
    { name: '409 IDEMPOTENCY_ERROR (in flight) retried', script: [reply(409, { name: 'IDEMPOTENCY_ERROR', message: 'in flight' }, { 'Retry-After': '1' }), reply(201, okPatient)], attempts: 2, waits: [1000] },
    { name: 'a second Retry-After wait', script: [reply(429, { name: 'RATE_LIMIT_EXCEEDED', message: 'slow' }, { 'Retry-After': '1' }), reply(429, { name: 'RATE_LIMIT_EXCEEDED', message: 'slow' }, { 'Retry-After': '1' }), reply(201, okPatient)], attempts: 3, waits: [1000, 1000] },
    { name: 'network error retried', script: [hangUp, reply(201, okPatient)], attempts: 2 },
    { name: '409 IDEMPOTENCY_ERROR without Retry-After (the key already changed data) is final', script: [reply(409, { name: 'IDEMPOTENCY_ERROR', message: 'use a new key' })], attempts: 1, error: IdempotencyError },
    { name: 'another 409 not retried', script: [reply(409, { name: 'CONFLICT', message: 'x' })], attempts: 1, error: HapiHubError },
    { name: '400 not retried', script: [reply(400, { name: 'INVALID_PARAMETERS', message: 'bad', errors: [{ field: 'lastName', message: 'is required' }] })], attempts: 1, error: InvalidParametersError },
    { name: 'bounded by maxRetries', script: [reply(500, { name: 'UNKNOWN_ERROR', message: 'boom' })], attempts: 4, error: UnknownError },
    { name: 'Retry-After beyond maxRetryAfter ends the retries', script: [reply(429, { name: 'RATE_LIMIT_EXCEEDED', message: 'x' }, { 'Retry-After': '3600' })], attempts: 1, error: RateLimitError },
    { name: 'hang-ups until the end: ConnectionError', script: [hangUp], attempts: 4, error: ConnectionError },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const srv = await fakeServer(...tc.script);
      try {
        const { c, waits } = client(srv.url);
        const p = c.patients.create({ firstName: 'Ada', lastName: 'Lovelace' });
        if (tc.error) await assert.rejects(p, tc.error);
        else assert.equal((await p).id, 'pat_1');
        assert.equal(srv.requests.length, tc.attempts);
        const key = srv.requests[0].headers['idempotency-key'];
        assert.match(key, uuidRE);
        for (const r of srv.requests) assert.equal(r.headers['idempotency-key'], key, 'one key across the retries of a call');
        // A Retry-After is the least wait; a random share of the backoff (min 100 ms doubling) is added.
        if (tc.waits) tc.waits.forEach((w, i) => assert.ok(waits[i] >= w && waits[i] <= w + 100 * 2 ** i, `wait ${i}: ${waits[i]} not in [${w}, ${w + 100 * 2 ** i}]`));
        assert.equal(waits.length, tc.attempts - 1);
      } finally {
        await srv.close();
      }
    });
  }

  it('backoff doubles from minBackoff, is capped, with jitter between half and all', async () => {
    const srv = await fakeServer(reply(503, { name: 'UNKNOWN_ERROR', message: 'x' }));
    try {
      const { c, waits } = client(srv.url, { maxRetries: 5 });
      await assert.rejects(c.patients.get('pat_1'), UnknownError);
      assert.equal(waits.length, 5);
      [100, 200, 400, 400, 400].forEach((full, i) => {
        assert.ok(waits[i] >= full / 2 && waits[i] <= full, `wait ${i}: ${waits[i]} not in [${full / 2}, ${full}]`);
      });
    } finally {
      await srv.close();
    }
  });

  it('timeout: each attempt is abandoned after `timeout` ms and retried; TimeoutError at the end', async () => {
    const srv = await fakeServer(hang);
    try {
      const { c } = client(srv.url, { timeout: 100, maxRetries: 1 });
      const err = await c.patients.find().catch((e) => e);
      assert.ok(err instanceof TimeoutError, String(err));
      assert.ok(err instanceof ConnectionError);
      assert.equal(err.status, 0);
      assert.equal(srv.requests.length, 2);
    } finally {
      await srv.close();
    }
  });

  it('an aborted signal ends the call without retrying', async () => {
    const srv = await fakeServer(hang);
    try {
      const { c } = client(srv.url, { timeout: 10_000 });
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(new Error('user gave up')), 50);
      await assert.rejects(c.patients.find({ signal: ctl.signal }), /user gave up/);
      assert.equal(srv.requests.length, 1);
    } finally {
      await srv.close();
    }
  });

  it('Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 12:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});

describe('requests', () => {
  it('headers: key, organization, If-Match, Idempotency-Key only on writes, one per call, caller-chosen kept', async () => {
    const srv = await fakeServer(reply(200, okPatient, { ETag: '"7"' }));
    try {
      const { c } = client(srv.url, { organization: 'org_a', userAgent: 'clinic-sync/2' });
      const got = await c.patients.get('pat_1');
      assert.equal(got.lastResponse.etag, '"7"');
      assert.equal(got.lastResponse.attempts, 1);
      assert.deepEqual(Object.keys(got), Object.keys(okPatient), 'lastResponse is not part of the object');
      await c.patients.patch('pat_1', { preferredName: null }, { ifMatch: got.lastResponse.etag, organization: 'org_b' });
      await c.patients.update('pat_1', { firstName: 'Ada', lastName: 'L' });
      await c.patients.remove('pat_1', { idempotencyKey: 'mine' });
      await c.patients.remove('pat_1');
      await c.patients.create([{ firstName: 'A', lastName: 'B' }, { firstName: 'C', lastName: 'D' }]);
      const [get, patch, update, del, del2, bulk] = srv.requests;
      assert.equal(get.headers.authorization, 'Bearer sk_test_abc');
      assert.equal(get.headers['hapihub-organization'], 'org_a');
      assert.equal(get.headers['idempotency-key'], undefined, 'reads need no key');
      assert.match(get.headers['user-agent'], /^clinic-sync\/2 hapihub-js\//);
      assert.equal(patch.method, 'PATCH');
      assert.equal(patch.headers['if-match'], '"7"');
      assert.equal(patch.headers['hapihub-organization'], 'org_b');
      assert.equal(patch.headers['content-type'], 'application/json');
      assert.equal(patch.body, '{"preferredName":null}');
      assert.equal(update.method, 'PUT');
      assert.equal(del.method, 'DELETE');
      assert.equal(del.headers['idempotency-key'], 'mine');
      assert.notEqual(del2.headers['idempotency-key'], update.headers['idempotency-key'], 'each call its own key');
      assert.deepEqual(JSON.parse(bulk.body).length, 2, 'arrays are sent as arrays');
    } finally {
      await srv.close();
    }
  });

  it('apiVersion: the client pins HapiHub-Version on every call, a call may override, lastResponse.apiVersion reads it back', async () => {
    const srv = await fakeServer(reply(200, okPatient, { 'HapiHub-Version': '2026-12-07' }));
    try {
      const { c } = client(srv.url, { apiVersion: '2026-12-07' });
      const got = await c.patients.get('pat_1');
      assert.equal(got.lastResponse.apiVersion, '2026-12-07');
      await c.patients.patch('pat_1', { preferredName: null }, { apiVersion: '2099-01-01' });
      const { c: plain } = client(srv.url);
      await plain.patients.get('pat_1');
      const [get, patch, unpinned] = srv.requests;
      assert.equal(get.headers['hapihub-version'], '2026-12-07');
      assert.equal(patch.headers['hapihub-version'], '2099-01-01', "the call's own version wins");
      assert.equal(unpinned.headers['hapihub-version'], undefined, 'no pin: the account\'s version applies');
    } finally {
      await srv.close();
    }
  });

  it('all() pages by startingAfter the last id while hasMore, without $total, resumes past a deleted cursor, and stops on an error', async () => {
    const pat = (id) => ({ ...okPatient, id });
    const page = (ids, hasMore, skip = 0) => ({ data: ids.map(pat), limit: 2, skip, hasMore });
    const srv = await fakeServer(reply(200, page(['pat_1', 'pat_2'], true, 1)), reply(200, page(['pat_3', 'pat_4'], true)),
      reply(400, { name: 'INVALID_PARAMETERS', message: 'no patient', errors: [{ field: 'startingAfter', message: 'no patient' }] }),
      reply(200, page(['pat_5'], false)));
    try {
      const { c } = client(srv.url);
      const got = [];
      for await (const p of c.patients.all({ query: { status: 'active', $limit: 2, $skip: 1, $total: true } })) got.push(p.id);
      assert.deepEqual(got, ['pat_1', 'pat_2', 'pat_3', 'pat_4', 'pat_5']);
      assert.deepEqual(srv.requests.map((r) => decodeURIComponent(r.url)), [
        '/patients?status=active&$limit=2&$skip=1', '/patients?status=active&$limit=2&startingAfter=pat_2',
        '/patients?status=active&$limit=2&startingAfter=pat_4', '/patients?status=active&$limit=2&startingAfter=pat_3',
      ]);
    } finally {
      await srv.close();
    }
    const failing = await fakeServer(reply(200, page(['pat_1', 'pat_2'], true)), reply(404, { name: 'NOT_FOUND', message: 'gone' }));
    try {
      const { c } = client(failing.url, { maxRetries: 0 });
      let n = 0;
      await assert.rejects(async () => {
        for await (const _ of c.patients.all({ query: { $limit: 2 } })) n++;
      }, NotFoundError);
      assert.equal(n, 2);
    } finally {
      await failing.close();
    }
  });
});

describe('errors', () => {
  for (const [name, cls] of Object.entries(errorClasses)) {
    it(`${name} → ${cls.name}`, async () => {
      const body = { name, message: 'm', event: 'ev_1', errors: [{ field: 'f', message: 'bad' }], code: 418, className: 'x', reason: 'r' };
      const srv = await fakeServer(reply(418, body));
      try {
        const { c } = client(srv.url, { maxRetries: 0 });
        const err = await c.patients.get('pat_1').catch((e) => e);
        assert.ok(err instanceof cls, `${err} is a ${cls.name}`);
        assert.ok(err instanceof HapiHubError && err instanceof Error);
        assert.equal(err.status, 418);
        assert.equal(err.name, name);
        assert.equal(err.message, 'm');
        assert.equal(err.event, 'ev_1');
        assert.deepEqual(err.errors, [{ field: 'f', message: 'bad' }]);
        assert.equal(err.code, 418);
        assert.equal(err.className, 'x');
        assert.equal(err.reason, 'r');
      } finally {
        await srv.close();
      }
    });
  }
  it('a non-JSON answer is an UnknownError with the start of the body', async () => {
    const srv = await fakeServer(reply(403, '<html>Forbidden</html>'));
    try {
      const { c } = client(srv.url);
      const err = await c.patients.get('pat_1').catch((e) => e);
      assert.ok(err instanceof UnknownError);
      assert.equal(err.message, '<html>Forbidden</html>');
    } finally {
      await srv.close();
    }
  });
  it('problem+json (no name) is classed by status', async () => {
    const srv = await fakeServer(reply(403, { type: 'about:blank', title: 'Forbidden', status: 403, detail: 'Key not allowed' }));
    try {
      const { c } = client(srv.url);
      const err = await c.patients.get('pat_1').catch((e) => e);
      assert.ok(err instanceof PermissionsError);
      assert.equal(err.name, 'PERMISSIONS_ERROR');
      assert.equal(err.message, 'Key not allowed');
    } finally {
      await srv.close();
    }
  });
  it('a RateLimitError carries Retry-After', async () => {
    const srv = await fakeServer(reply(429, { name: 'RATE_LIMIT_EXCEEDED', message: 'x' }, { 'Retry-After': '3' }));
    try {
      const { c } = client(srv.url, { maxRetries: 0 });
      const err = await c.patients.find().catch((e) => e);
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.retryAfter, 3000);
      assert.equal(err.headers['retry-after'], '3');
    } finally {
      await srv.close();
    }
  });
  it('IdempotencyError is what an in-flight 409 becomes when retries are off', async () => {
    const srv = await fakeServer(reply(409, { name: 'IDEMPOTENCY_ERROR', message: 'in flight' }));
    try {
      const { c } = client(srv.url, { maxRetries: 0 });
      await assert.rejects(c.patients.create({}), IdempotencyError);
    } finally {
      await srv.close();
    }
  });
});

describe('package entries', () => {
  it('the default export is a client to initialize; service(name) is the Feathers style', () => {
    assert.ok(sdkDefault instanceof HapiHub);
    assert.throws(() => sdkDefault.transport, /initialize/);
    sdkDefault.initialize('sk_test_x', { apiUrl: 'http://localhost:1' });
    assert.equal(sdkDefault.service('webhook-endpoints'), sdkDefault.webhookEndpoints);
    assert.equal(sdkDefault.service('patients').path, '/patients');
  });
  it('CommonJS build: require() gives the same API', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/cjs/index.js');
    assert.equal(typeof cjs.HapiHub, 'function');
    assert.ok(cjs.default instanceof cjs.HapiHub);
    assert.equal(typeof cjs.webhooks.constructEvent, 'function');
    assert.deepEqual(Object.keys(cjs.errorClasses), Object.keys(errorClasses));
    const browser = require('../dist/cjs/browser.js');
    assert.deepEqual(Object.keys(new browser.HapiHubJS('pk_test_x').tokens), ['create']);
  });
  it("the guide's first lines, verbatim: the default client on the production API with that key", async () => {
    const srv = await fakeServer(reply(200, { data: [], limit: 10, skip: 0 }));
    const realFetch = globalThis.fetch;
    // Production is not reachable from tests: the guide's client is redirected to the fake server
    // below fetch, so the two lines themselves run unchanged.
    globalThis.fetch = (url, init) => realFetch(String(url).replace('https://api.hapihub.com', srv.url), init);
    try {
      sdkDefault.initialize('meowmeowmeow');
      assert.equal(sdkDefault.transport.settings.apiUrl, 'https://api.hapihub.com');
      await sdkDefault.patients.find();
      assert.equal(srv.requests[0].headers.authorization, 'Bearer meowmeowmeow');
      assert.equal(srv.requests[0].url, '/patients');
    } finally {
      globalThis.fetch = realFetch;
      await srv.close();
    }
  });
  it('no key is an error at once', () => {
    assert.throws(() => new HapiHub(''), /API key/);
  });
});

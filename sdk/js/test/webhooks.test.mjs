// Signature verification against references: node:crypto's HMAC for HapiHub-Signature, and the
// standardwebhooks package (the Standard Webhooks reference library) for its headers. Real
// deliveries by the running server are verified in stack.test.mjs.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { webhooks, SignatureVerificationError } from '../dist/esm/index.js';

const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'patient.created', data: { object: { id: 'pat_1' } } });
const now = 1_765_000_000; // Unix s
const hapiSig = (t, payload = body, key = secret) => `t=${t},v1=${createHmac('sha256', key).update(`${t}.${payload}`).digest('hex')}`;

describe('HapiHub-Signature', () => {
  const at = { now: now * 1000 };
  it('accepts a delivery signed as HAPI Hub signs (string, Buffer, Uint8Array bodies; any header case)', async () => {
    for (const raw of [body, Buffer.from(body), new TextEncoder().encode(body)]) {
      const ev = await webhooks.constructEvent(raw, { 'HapiHub-Signature': hapiSig(now) }, secret, at);
      assert.equal(ev.type, 'patient.created');
    }
    const ev = await webhooks.constructEvent(body, new Headers({ 'hapihub-signature': hapiSig(now) }), secret, at);
    assert.equal(ev.id, 'evt_1');
  });
  it('sign() writes what node:crypto computes', async () => {
    assert.equal(await webhooks.sign(body, secret, now), hapiSig(now));
  });
  const bad = [
    ['tampered body', body.replace('pat_1', 'pat_2'), hapiSig(now), /no signature matches/],
    ['another secret', body, hapiSig(now, body, secret + 'x'), /no signature matches/],
    ['timestamp changed', body, hapiSig(now).replace(`t=${now}`, `t=${now + 1}`), /no signature matches/],
    ['older than 5 minutes', body, hapiSig(now - 301), /tolerance/],
    ['more than 5 minutes ahead', body, hapiSig(now + 301), /tolerance/],
    ['no v1', body, `t=${now}`, /no v1/],
    ['no t', body, hapiSig(now).replace(/^t=\d+,/, ''), /no timestamp/],
    ['garbage', body, 'nonsense', /malformed/],
    ['short signature', body, `t=${now},v1=abcd`, /no signature matches/],
  ];
  for (const [name, raw, header, re] of bad) {
    it(`rejects: ${name}`, async () => {
      await assert.rejects(webhooks.constructEvent(raw, { 'hapihub-signature': header }, secret, at), (e) => e instanceof SignatureVerificationError && re.test(e.message));
    });
  }
  it('the tolerance is an option; 300 s is accepted at the edge', async () => {
    await webhooks.constructEvent(body, { 'hapihub-signature': hapiSig(now - 300) }, secret, at);
    await webhooks.constructEvent(body, { 'hapihub-signature': hapiSig(now - 3600) }, secret, { ...at, tolerance: 3601 });
  });
  it('during a secret roll any v1 may match', async () => {
    const two = `${hapiSig(now, body, 'whsec_old')},v1=${hapiSig(now).split('v1=')[1]}`;
    await webhooks.constructEvent(body, { 'hapihub-signature': two }, secret, at);
    await webhooks.constructEvent(body, { 'hapihub-signature': two }, 'whsec_old', at);
  });
  it('no signature header at all', async () => {
    await assert.rejects(webhooks.constructEvent(body, {}, secret, at), SignatureVerificationError);
  });
  it('parsed JSON instead of the raw body is refused with a clear message', async () => {
    await assert.rejects(webhooks.constructEvent(JSON.parse(body), { 'hapihub-signature': hapiSig(now) }, secret, at), /raw body/);
  });
});

describe('Standard Webhooks headers (standardwebhooks as the reference)', () => {
  const wh = new Webhook(secret);
  const headers = (t, payload = body) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(t), 'webhook-signature': wh.sign('msg_1', new Date(t * 1000), payload) });
  it('accepts what the reference signs', async () => {
    const ev = await webhooks.constructEvent(body, headers(now), secret, { now: now * 1000 });
    assert.equal(ev.type, 'patient.created');
  });
  it('rejects a tampered body, an old timestamp, another id', async () => {
    await assert.rejects(webhooks.constructEvent(body + ' ', headers(now), secret, { now: now * 1000 }), SignatureVerificationError);
    await assert.rejects(webhooks.constructEvent(body, headers(now - 301), secret, { now: now * 1000 }), /tolerance/);
    await assert.rejects(webhooks.constructEvent(body, { ...headers(now), 'webhook-id': 'msg_2' }, secret, { now: now * 1000 }), SignatureVerificationError);
  });
  it('several space-separated signatures: any may match', async () => {
    const h = headers(now);
    h['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} ${h['webhook-signature']}`;
    await webhooks.verifyStandardSignature(body, h, secret, { now: now * 1000 });
  });
});

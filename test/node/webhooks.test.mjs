// Real deliveries from the running stack verified with verifier libraries we did not write:
// Stripe's own `stripe.webhooks.constructEvent` on HapiHub-Signature (docs/webhooks.md says
// Stripe's verifiers accept it unchanged), and the Standard Webhooks reference library and
// Svix's on the webhook-* headers. Also the event envelope the guide and docs/webhooks.md
// describe, a resend signed afresh, and a rolled secret's two signatures.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import Stripe from 'stripe'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { url, key } from './client.mjs'

const received = []
let receiver

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      res.end('ok')
    })
  })
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
})
after(() => new Promise((r) => receiver.close(r)))

async function api(method, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  })
  const json = await res.json()
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

async function waitFor(pred, what, from = 0) {
  for (let i = 0; i < 150; i++) {
    const hit = received.slice(from).find(pred)
    if (hit) return hit
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no delivery: ${what}`)
}

const stripeVerify = (d, secret) => Stripe.webhooks.constructEvent(d.raw, d.headers['hapihub-signature'], secret)

test('a real delivery verifies with stripe, standardwebhooks and svix; a tampered one with none', async () => {
  const ep = await api('POST', '/webhook-endpoints', { url: `http://localhost:${receiver.address().port}/hook`, enabledEvents: ['patient.*'] })
  try {
    assert.match(ep.secret, /^whsec_/)
    const p = await api('POST', '/patients', { firstName: 'Severus', lastName: 'Verifier' }, { 'Idempotency-Key': `aud2-${ep.id}` })
    const d = await waitFor((r) => r.raw.includes(p.id), 'patient.created')

    // Stripe's verifier: t in seconds within its 300 s default tolerance, v1 = hex HMAC-SHA256.
    const ev = stripeVerify(d, ep.secret)
    assert.equal(ev.type, 'patient.created')
    const t = Number(/t=(\d+)/.exec(d.headers['hapihub-signature'])[1])
    assert.ok(Math.abs(t - d.at / 1000) < 60, `t=${t} is Unix seconds`)
    // Standard Webhooks reference library and Svix's on the same delivery.
    assert.equal(new StandardWebhook(ep.secret).verify(d.raw, d.headers).id, ev.id)
    assert.equal(new SvixWebhook(ep.secret).verify(d.raw, d.headers).id, ev.id)
    assert.equal(d.headers['webhook-id'], ev.id, 'webhook-id is the event id, for dropping duplicates')
    assert.match(d.headers['content-type'], /^application\/json/)

    // The envelope (docs/webhooks.md, "Events"): the object after the change and the request.
    assert.equal(ev.object, 'event')
    assert.match(ev.id, /^evt_/)
    assert.equal(ev.livemode, false)
    assert.equal(ev.organizationId, p.organizationId)
    assert.ok(Number.isInteger(ev.createdAt) && ev.createdAt > 1e12, 'createdAt is Unix milliseconds')
    assert.deepEqual(ev.data.object, p)
    assert.equal(ev.request.idempotencyKey, `aud2-${ep.id}`)
    assert.match(ev.request.id, /\S/)

    const tampered = { ...d, raw: d.raw.replace('Severus', 'Sevvrus') }
    assert.throws(() => stripeVerify(tampered, ep.secret), Stripe.errors.StripeSignatureVerificationError)
    assert.throws(() => new StandardWebhook(ep.secret).verify(tampered.raw, d.headers))
    assert.throws(() => new SvixWebhook(ep.secret).verify(tampered.raw, d.headers))
    assert.throws(() => stripeVerify(d, 'whsec_' + Buffer.alloc(32).toString('base64')), Stripe.errors.StripeSignatureVerificationError)
    // Stripe's tolerance is against t (receivedAt in ms): 6 minutes later the same delivery is refused.
    assert.throws(() => Stripe.webhooks.constructEvent(d.raw, d.headers['hapihub-signature'], ep.secret, 300, undefined, (t + 360) * 1000), /tolerance/)

    // A resend is a new attempt, signed afresh (the guide: a new signature and timestamp).
    const { data: deliveries } = await api('GET', `/webhook-endpoints/${ep.id}/deliveries`)
    const delivery = deliveries.find((x) => x.eventId === ev.id)
    assert.ok(delivery, 'the delivery is listed')
    const n = received.length
    await new Promise((r) => setTimeout(r, 1100)) // a new second, so a new t
    await api('POST', `/webhook-endpoints/${ep.id}/deliveries/${delivery.id}/resend`)
    const again = await waitFor((r) => r.raw.includes(ev.id), 'resend', n)
    assert.equal(stripeVerify(again, ep.secret).id, ev.id)
    assert.notEqual(again.headers['hapihub-signature'], d.headers['hapihub-signature'])
    assert.equal(again.raw, d.raw, 'the same event body')

    // Rolled with a grace period: one signature per active secret, and each library accepts
    // either secret (Stripe: any v1 may match; Standard Webhooks/Svix: space-separated list).
    const rolled = await api('POST', `/webhook-endpoints/${ep.id}/roll-secret`, { expiresInSeconds: 600 })
    assert.notEqual(rolled.secret, ep.secret)
    await api('PATCH', `/patients/${p.id}`, { preferredName: 'Sev' })
    const upd = await waitFor((r) => r.raw.includes(p.id) && JSON.parse(r.raw).type === 'patient.updated', 'patient.updated')
    assert.equal(upd.headers['hapihub-signature'].split(',').filter((s) => s.startsWith('v1=')).length, 2)
    for (const secret of [ep.secret, rolled.secret]) {
      assert.equal(stripeVerify(upd, secret).type, 'patient.updated')
      assert.equal(new StandardWebhook(secret).verify(upd.raw, upd.headers).type, 'patient.updated')
      assert.equal(new SvixWebhook(secret).verify(upd.raw, upd.headers).type, 'patient.updated')
    }
    assert.deepEqual(JSON.parse(upd.raw).data.previousAttributes, { preferredName: null })
    await api('DELETE', `/patients/${p.id}`)
  } finally {
    await api('DELETE', `/webhook-endpoints/${ep.id}`)
  }
})

// @feathersjs/rest-client against the running stack: errors carry Feathers' numeric code and
// className beside the guide's name, so a Feathers app tells a 404 from a 400 without the
// response object; the object form of several sort keys is refused (its order is lost in API
// Gateway's map), the array form sorts in the client's order.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { app, auth } from './client.mjs'

const patients = app.service('patients')

test('a missing patient is a not-found error with code 404', async () => {
  await assert.rejects(patients.get('pat_doesnotexist', auth()), (err) => {
    assert.equal(err.code, 404)
    assert.equal(err.className, 'not-found')
    assert.equal(err.name, 'NOT_FOUND')
    assert.match(err.event, /^[0-9a-f-]{36}$/)
    return true
  })
})

test('a bad query is a bad-request error with code 400 naming the parameter', async () => {
  await assert.rejects(patients.find(auth({ query: { nope: 1 } })), (err) => {
    assert.equal(err.code, 400)
    assert.equal(err.className, 'bad-request')
    assert.equal(err.name, 'INVALID_PARAMETERS')
    assert.deepEqual(err.errors.map((e) => e.field), ['nope'])
    return true
  })
})

test('no key is not-authenticated (401)', async () => {
  await assert.rejects(patients.find({ query: {} }), (err) => err.code === 401 && err.className === 'not-authenticated')
})

test('several object-form sort keys are refused, explaining the array form', async () => {
  await assert.rejects(patients.find(auth({ query: { $sort: { lastName: 1, firstName: -1 } } })), (err) => {
    assert.equal(err.code, 400)
    assert.match(err.message, /\$sort\[0\]\[(lastName|firstName)\]=/)
    assert.match(err.message, /sort=/)
    return true
  })
})

test('the array form sorts by lastName, then firstName descending', async () => {
  const page = await patients.find(auth({ query: { $sort: [{ lastName: 1 }, { firstName: -1 }], $limit: 100 } }))
  assert.ok(page.data.length > 10)
  for (let i = 1; i < page.data.length; i++) {
    const [a, b] = [page.data[i - 1], page.data[i]]
    assert.ok(a.lastName <= b.lastName, `${a.lastName} before ${b.lastName}`)
    if (a.lastName === b.lastName) assert.ok(a.firstName >= b.firstName, `${a.firstName} before ${b.firstName}`)
  }
})

test('create, patch with a stale If-Match (412 precondition-failed), remove', async () => {
  const p = await patients.create({ firstName: 'Ada', lastName: 'Feathers' }, auth())
  assert.equal(p.object, 'patient')
  await assert.rejects(patients.patch(p.id, { preferredName: 'A' }, auth({ headers: { Authorization: auth().headers.Authorization, 'If-Match': '"7"' } })),
    (err) => err.code === 412 && err.className === 'precondition-failed')
  const removed = await patients.remove(p.id, auth())
  assert.equal(removed.deleted, true)
})

test('a Feathers create with $select is refused naming it, and creates nothing', async () => {
  const lastName = `Select${Date.now()}`
  // @feathersjs/rest-client sends params.query on create as qs writes it: $select[0]=id.
  await assert.rejects(patients.create({ firstName: 'Sel', lastName }, auth({ query: { $select: ['id'] } })), (err) => {
    assert.equal(err.code, 400)
    assert.equal(err.className, 'bad-request')
    assert.deepEqual(err.errors.map((e) => e.field), ['$select[0]'])
    assert.match(err.message, /not accepted on POST/)
    return true
  })
  const page = await patients.find(auth({ query: { lastName, $limit: 0 } }))
  assert.equal(page.total, 0)
})

test('a get whose route takes no parameters refuses them (events)', async () => {
  const { data } = await app.service('events').find(auth({ query: { $limit: 1 } }))
  assert.equal(data.length, 1)
  await assert.rejects(app.service('events').get(data[0].id, auth({ query: { $select: ['type'] } })), (err) => err.code === 400 && err.errors[0].field === '$select[0]')
  assert.equal((await app.service('events').get(data[0].id, auth())).id, data[0].id)
})

// expand: the option goes into the query as the API reads it (qs's array form), on get, find and
// every page of all(); the stack test (stack.test.mjs) checks what the server answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import qs from 'qs';
import { HapiHub } from '../dist/esm/index.js';
import { fakeServer, reply } from './helpers/fake.mjs';

const appt = { id: 'appt_1', object: 'appointment', patientId: 'pat_1', patient: { id: 'pat_1', object: 'patient', lastName: 'Lovelace' } };

describe('expand', () => {
  const cases = [
    ['get', (c) => c.appointments.get('appt_1', { expand: ['patient', 'practitioner'] }), { expand: ['patient', 'practitioner'] }],
    ['get, with query.expand too', (c) => c.appointments.get('appt_1', { query: { expand: ['patient'] }, expand: ['practitioner'] }), { expand: ['patient', 'practitioner'] }],
    ['find with $select', (c) => c.appointments.find({ query: { $select: ['startsAt'] }, expand: ['data.patient'] }), { $select: ['startsAt'], expand: ['data.patient'] }],
    ['get without expand', (c) => c.appointments.get('appt_1'), {}],
  ];
  for (const [name, call, want] of cases) {
    it(name, async () => {
      const srv = await fakeServer(reply(200, name.startsWith('find') ? { data: [appt], limit: 10, skip: 0 } : appt));
      try {
        const got = await call(new HapiHub('sk_test_abc', { apiUrl: srv.url }));
        const [, query = ''] = srv.requests[0].url.split('?');
        assert.deepEqual(qs.parse(query), JSON.parse(JSON.stringify(want)));
        assert.match(query, want.expand ? /expand%5B0%5D=/ : /^$|^(?!.*expand)/);
        const one = got.data ? got.data[0] : got;
        assert.equal(one.patient.lastName, 'Lovelace', 'the expanded object comes back as sent');
      } finally {
        await srv.close();
      }
    });
  }

  it('rides on every page of all()', async () => {
    const page = (n, skip, hasMore) => ({ data: Array.from({ length: n }, (_, i) => ({ ...appt, id: `appt_${skip + i}` })), limit: 2, skip, hasMore });
    const srv = await fakeServer(reply(200, page(2, 0, true)), reply(200, page(1, 2, false)));
    try {
      const c = new HapiHub('sk_test_abc', { apiUrl: srv.url });
      const seen = [];
      for await (const a of c.appointments.all({ query: { $limit: 2 }, expand: ['patient'] })) seen.push(a.id);
      assert.equal(seen.length, 3);
      assert.equal(srv.requests.length, 2);
      for (const r of srv.requests) assert.deepEqual(qs.parse(r.url.split('?')[1]).expand, ['patient']);
    } finally {
      await srv.close();
    }
  });
});

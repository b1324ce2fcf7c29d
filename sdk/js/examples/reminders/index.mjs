// Appointment reminders: a small service on @hapihub/sdk-js. It lists St. Mungo's next booked
// appointments with their patients, registers a webhook endpoint for appointment and patient
// events, and verifies every delivery's signature before acting on it.
//
//   HAPIHUB_TEST_SECRET_KEY=sk_test_... HAPIHUB_API_URL=http://localhost:3000 node examples/reminders/index.mjs
//
// --demo creates a patient, waits for its verified patient.created delivery, shows that a tampered
// copy of that delivery is refused, cleans up and exits.
import { createServer } from 'node:http';
import sdk, { SignatureVerificationError } from '@hapihub/sdk-js';

const port = Number(process.env.PORT ?? 4242);
const demo = process.argv.includes('--demo');
sdk.initialize(process.env.HAPIHUB_TEST_SECRET_KEY, { apiUrl: process.env.HAPIHUB_API_URL ?? 'http://localhost:3000' });

// 1. The next five booked appointments from FROM (an ISO date; default now: the sandbox's
// appointments are in 2025 and early 2026, so try FROM=2025-06-01), soonest first, with the patient.
const from = process.env.FROM ? Date.parse(process.env.FROM) : Date.now();
let shown = 0;
for await (const appt of sdk.appointments.all({ query: { status: 'booked', startsAt: { $gte: from }, $sort: { startsAt: 1 }, $limit: 5 } })) {
  const patient = await sdk.patients.get(appt.patientId, { query: { $select: ['firstName', 'lastName', 'phone'] } });
  console.log(`reminder: ${new Date(appt.startsAt).toISOString()} ${patient.firstName} ${patient.lastName} (${patient.phone ?? 'no phone'})`);
  if (++shown === 5) break;
}
if (!shown) console.log(`no booked appointments after ${new Date(from).toISOString()}`);

// 2. A webhook receiver: the raw body is verified before anything is trusted.
let endpoint;
let onEvent = () => {};
let last; // the last verified delivery, for the demo's tampered copy
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const raw = Buffer.concat(chunks);
      const event = await sdk.webhooks.constructEvent(raw, req.headers, endpoint.secret);
      console.log(`verified ${event.type} ${event.data.object.id}`);
      last = { raw, headers: req.headers };
      res.writeHead(200).end('ok');
      onEvent(event);
    } catch (err) {
      if (!(err instanceof SignatureVerificationError)) throw err;
      console.log(`refused a delivery: ${err.message}`);
      res.writeHead(400).end();
    }
  });
});
await new Promise((resolve) => server.listen(port, resolve));
endpoint = await sdk.webhookEndpoints.create({ url: `http://localhost:${port}/webhook`, enabledEvents: ['appointment.*', 'patient.*'] });
console.log(`listening on http://localhost:${port}/webhook as ${endpoint.id}`);

async function shutdown() {
  await sdk.webhookEndpoints.remove(endpoint.id);
  server.close();
}
// SIGTERM too (timeout, docker stop, systemd): an endpoint left behind keeps sending to this port,
// signed with a secret the next run does not know.
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => shutdown().then(() => process.exit(0)));

if (demo) {
  const created = new Promise((resolve) => (onEvent = (e) => e.type === 'patient.created' && resolve(e)));
  const p = await sdk.patients.create({ firstName: 'Neville', lastName: 'Longbottom', phone: '+442079460001' });
  const timeout = setTimeout(() => { console.error('no delivery within 30 s'); process.exit(1); }, 30_000);
  const event = await created;
  clearTimeout(timeout);
  console.log(event.data.object.id === p.id ? 'demo: the delivery was for the new patient' : 'demo: unexpected delivery');
  const signatures = Object.fromEntries(Object.entries(last.headers).filter(([k]) => k === 'hapihub-signature' || k.startsWith('webhook-')));
  const tampered = await fetch(`http://localhost:${port}/webhook`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...signatures }, body: last.raw.toString().replace('Neville', 'Nevile'),
  });
  console.log(`demo: a tampered copy was answered ${tampered.status}`);
  await sdk.patients.remove(p.id);
  await shutdown();
}

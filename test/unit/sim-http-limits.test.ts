// The fault API's answers to oversized bodies, over a real socket: a 413 that reaches the client
// (not a reset connection, not "not valid JSON"), and the API keeps serving afterwards.
import { startSimulator, type RunningSimulator } from '../../sim';

let sim: RunningSimulator;
const post = (body: string) => fetch(`http://127.0.0.1:${sim.httpPort}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  sim = await startSimulator({ httpPort: 0, modbusPort: 0, speed: 20, seed: 3 });
});
afterAll(async () => {
  await sim.stop();
});

test('a body over 16 kB is answered 413 with what a fault request looks like; the API still works after it', async () => {
  const big = JSON.stringify({ type: 'pump-trip', target: 'P-301', note: 'x'.repeat(40 * 1024) });
  const res = await post(big);
  expect(res.status).toBe(413);
  expect((await res.json()).error).toMatch(/larger than 16 kB.*"type": "pump-trip"/);
  const ok = await post(JSON.stringify({ type: 'pump-trip', target: 'P-301' }));
  expect(ok.status).toBe(201);
});

test('a body just under the limit is parsed (and judged on its content)', async () => {
  const res = await post(JSON.stringify({ type: 'pump-trip', target: 'P-301', note: 'x'.repeat(15 * 1024) }));
  expect(res.status).toBe(400); // an unknown field, not a size refusal
  expect((await res.json()).error).toMatch(/note|unrecognized/i);
});

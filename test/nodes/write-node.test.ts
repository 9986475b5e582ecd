// copilot-write in a real Node-RED runtime, without a PLC: whatever is wired in, a message
// without a valid token is refused and audited; a valid token whose tag has no connection fails
// the proposal (the token is spent, nothing is retried); no audit log, no write.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collect, errorsOf, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE, freshLive } from '../helpers/plant';
import { until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const approvalNode = require('../../dist/nodes/copilot-approval/copilot-approval.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const writeNode = require('../../dist/nodes/copilot-write/copilot-write.js');

helper.init(require.resolve('node-red'));

const op1 = { name: 'operator1', roles: ['operator'] };

describe('copilot-write', () => {
  const userDir = useNodeRed({ prefix: 'copilot-write-', plant: DEMO_PLANT_FILE });

  test('refuses and audits messages without a valid token, whatever is wired in', async () => {
    await helper.load(
      [plantNode, approvalNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
        { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [[], [], []] },
        { id: 'w', type: 'copilot-write', plant: 'plant', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const plant = helper.getNode('plant');
    freshLive(plant);
    const w = helper.getNode('w');
    const errors = errorsOf(w);
    const outputs = collect('out');
    w.receive({ payload: { proposalId: 'p1', tag: 'LIC-201.SP', value: 55, approvedBy: ['operator1'] } });
    w.receive({ payload: 55, topic: 'LIC-201.SP' });
    w.receive({ payload: { proposalId: 'p1', tag: 'LIC-201.SP', value: 55, approvedBy: ['operator1'], token: 'eyJ4IjoxfQ.AAAA' } });
    await until('three refusals', () => errors.length === 3);
    expect(errors[0]).toMatch(/^write refused: not an approved write: token/);
    expect(errors[2]).toMatch(/signature is not valid/);
    expect(outputs).toEqual([]);
    const refusals = plant.hub.audit.query({ kind: 'token-refusal' });
    expect(refusals.length).toBe(3);
    expect(plant.hub.audit.verify().ok).toBe(true);
  });

  test('without a copilot-approval node on the plant nothing is written', async () => {
    await helper.load(
      [plantNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
        { id: 'w', type: 'copilot-write', plant: 'plant', wires: [[]] },
      ],
    );
    const w = helper.getNode('w');
    const errors = errorsOf(w);
    w.receive({ payload: { proposalId: 'p1', tag: 'LIC-201.SP', value: 55, approvedBy: ['operator1'], token: 'a.b' } });
    await until('refusal', () => errors.length === 1);
    expect(errors[0]).toMatch(/no copilot-approval node serves this plant/);
    expect(helper.getNode('plant').hub.audit.query({ kind: 'token-refusal' }).length).toBe(1);
  });

  test('a valid token for a tag whose connection is missing fails the proposal; the token is spent', async () => {
    await helper.load(
      [plantNode, approvalNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
        { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [['w', 'aw'], [], []] },
        { id: 'w', type: 'copilot-write', plant: 'plant', wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'aw', type: 'helper' },
      ],
    );
    const plant = helper.getNode('plant');
    freshLive(plant);
    let approvedWrite: any;
    helper.getNode('aw').on('input', (m: any) => (approvedWrite = m.payload));
    const outputs = collect('out');
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'p1', tag: 'LIC-201.SP', proposed: 55, expiresAt: Date.now() + 60_000 } });
    const svc = plant.hub.service('approval');
    svc.select('p1', op1);
    svc.approve('p1', op1, {});
    const result = await until('write result', () => outputs[0]?.payload);
    expect(result).toMatchObject({ proposalId: 'p1', tag: 'LIC-201.SP', verified: false, written: null, error: expect.stringMatching(/no connection named "plc1"/) });
    await until('failed proposal', () => svc.get('p1').state === 'failed');
    expect(svc.get('p1').result.verified).toBe(false);
    // The spent token cannot be used again.
    expect(svc.redeem(approvedWrite)).toMatchObject({ ok: false, reason: expect.stringMatching(/already used|is failed/) });
    expect(plant.hub.audit.query({ kind: 'write' })).toEqual([]);
  });

  test('Ramp off while copilot-approval allows ramp steps: the node warns once, and a change beyond maxStep fails saying to tick Ramp', async () => {
    await helper.load(
      [plantNode, approvalNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
        { id: 'appr', type: 'copilot-approval', plant: 'plant', maxSteps: 3, wires: [['w'], [], []] },
        { id: 'w', type: 'copilot-write', plant: 'plant', ramp: false, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const plant = helper.getNode('plant');
    freshLive(plant);
    const warnings: string[] = [];
    helper.getNode('w').on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    const outputs = collect('out');
    const svc = plant.hub.service('approval');
    const approveAndWrite = async (id: string, proposed: number) => {
      helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id, tag: 'LIC-201.SP', proposed, expiresAt: Date.now() + 60_000 } });
      svc.select(id, op1);
      svc.approve(id, op1, {});
      return until(`write result of ${id}`, () => outputs.find((m) => m.payload.proposalId === id)?.payload);
    };
    // LIC-201.SP: live 50, maxStep 10; copilot-approval approves up to 3 steps of 10.
    const beyond = await approveAndWrite('p1', 65);
    expect(beyond.verified).toBe(false);
    expect(beyond.error).toMatch(/exceeds the largest allowed step of 10.*; copilot-approval allows 3 ramp steps: tick Ramp on this copilot-write$/);
    const again = await approveAndWrite('p2', 64);
    expect(again.error).toMatch(/tick Ramp on this copilot-write$/);
    // Within one step the hint does not apply (this one fails for the missing connection).
    const within = await approveAndWrite('p3', 55);
    expect(within.error).toMatch(/no connection named "plc1"/);
    expect(within.error).not.toMatch(/tick Ramp/);
    // Once on the node, besides each failed write's own warning.
    expect(warnings.filter((w) => w.startsWith('copilot-approval allows 3 ramp steps: tick Ramp on this copilot-write'))).toHaveLength(1);
  });

  test('when the spent token cannot be saved, nothing is written', async () => {
    await helper.load(
      [plantNode, approvalNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
        { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [['w'], [], []] },
        { id: 'w', type: 'copilot-write', plant: 'plant', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const plant = helper.getNode('plant');
    freshLive(plant);
    const errors = errorsOf(helper.getNode('w'));
    const outputs = collect('out');
    // The state file's temp path is a directory: every save of the approval state fails.
    fs.mkdirSync(path.join(userDir(), 'copilot-state', `approval-appr.json.${process.pid}.tmp`), { recursive: true });
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'p1', tag: 'LIC-201.SP', proposed: 55, expiresAt: Date.now() + 60_000 } });
    const svc = plant.hub.service('approval');
    svc.select('p1', op1);
    svc.approve('p1', op1, {});
    await until('refusal', () => errors.length === 1);
    expect(errors[0]).toMatch(/spent approval token cannot be saved.*the write is not carried out/);
    expect(outputs).toEqual([]);
    expect(plant.hub.audit.query({ kind: 'write' })).toEqual([]);
  });

  test('a plant without an audit log writes nothing', async () => {
    await helper.load(
      [plantNode, approvalNode, writeNode],
      [
        { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml', audit: '' },
        { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [['w'], [], []] },
        { id: 'w', type: 'copilot-write', plant: 'plant', wires: [[]] },
      ],
    );
    const plant = helper.getNode('plant');
    expect(plant.hub.audit).toBeUndefined();
    freshLive(plant);
    const errors = errorsOf(helper.getNode('w'));
    helper.getNode('appr').receive({ topic: 'copilot/proposal', payload: { id: 'p1', tag: 'LIC-201.SP', proposed: 55, expiresAt: Date.now() + 60_000 } });
    const svc = plant.hub.service('approval');
    svc.select('p1', op1);
    svc.approve('p1', op1, {});
    await until('refusal', () => errors.length === 1);
    expect(errors[0]).toMatch(/no audit log/);
  });
});

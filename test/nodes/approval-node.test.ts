// copilot-approval in a real Node-RED runtime: proposals and decisions as messages, the
// ApprovalService the console calls (with its HTTP-style statuses), the three outputs, hub
// events, audit records, and pending proposals and the generated secret surviving a restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog } from '../../nodes/lib/audit';
import { callsTo, errorsOf, reportedBy, useNodeRed } from '../helpers/node-red';
import { DEMO_PLANT_FILE, freshLive } from '../helpers/plant';
import { sleep, until } from '../helpers/wait';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plantNode = require('../../dist/nodes/copilot-plant/copilot-plant.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const approvalNode = require('../../dist/nodes/copilot-approval/copilot-approval.js');

helper.init(require.resolve('node-red'));

const op1 = { name: 'operator1', roles: ['operator'] };
const op2 = { name: 'operator2', roles: ['operator'] };

function flow() {
  return [
    { id: 'plant', type: 'copilot-plant', source: 'file', path: 'plant.yaml' },
    { id: 'appr', type: 'copilot-approval', plant: 'plant', wires: [['approved'], ['rejected'], ['expired']] },
    { id: 'approved', type: 'helper' },
    { id: 'rejected', type: 'helper' },
    { id: 'expired', type: 'helper' },
  ];
}

const proposal = (id: string, tag: string, proposed: number, expiresInMs = 600_000) => ({
  topic: 'copilot/proposal',
  payload: { id, tag, current: null, proposed, rationale: 'test', evidence: [], expiresAt: Date.now() + expiresInMs, reasoner: 'knowledge-base' },
});

const next = (n: any) => new Promise<any>((resolve) => n.once('input', resolve));

describe('copilot-approval', () => {
  const userDir = useNodeRed({ prefix: 'copilot-approval-', plant: DEMO_PLANT_FILE });

  test('four-eyes through decision messages: output 1 carries the approved write with its token; every decision is audited', async () => {
    await helper.load([plantNode, approvalNode], flow());
    const plant = helper.getNode('plant');
    const appr = helper.getNode('appr');
    freshLive(plant);
    const events: any[] = [];
    plant.hub.on((e: any) => events.push(e));
    appr.receive(proposal('p1', 'FIC-101.SP', 8));
    const svc = plant.hub.service('approval');
    expect(svc.get('p1')).toMatchObject({ state: 'pending', approvalsRequired: 2, roles: ['operator', 'supervisor'] });
    appr.receive({ topic: 'select', payload: { proposalId: 'p1', user: op1 } });
    appr.receive({ topic: 'approve', payload: { proposalId: 'p1', user: op1, reason: 'first' } });
    expect(svc.get('p1')).toMatchObject({ state: 'pending', approvals: [{ user: 'operator1', value: 8 }] });
    const out = next(helper.getNode('approved'));
    appr.receive({ topic: 'select', payload: { proposalId: 'p1', user: op2 } });
    appr.receive({ topic: 'approve', payload: { proposalId: 'p1', user: op2 } });
    const msg = await out;
    expect(msg.topic).toBe('copilot/approved-write');
    expect(msg.payload).toMatchObject({ proposalId: 'p1', tag: 'FIC-101.SP', value: 8, approvedBy: ['operator1', 'operator2'], token: expect.any(String) });
    expect(events.filter((e) => e.type === 'proposal').map((e) => e.payload.state)).toEqual(['pending', 'selected', 'pending', 'selected', 'approved']);
    const audit = plant.hub.audit as AuditLog;
    const decisions = audit.query({ kind: 'decision' }).map((r) => `${r.actor}:${(r.data as any).action}`);
    expect(decisions).toEqual(['operator1:select', 'operator1:approve', 'operator2:select', 'operator2:approve']);
    expect(audit.verify().ok).toBe(true);
  });

  test('a typed secret shorter than 16 characters stops the node at start-up, naming the field; a proposal sent to it is reported, not dropped', async () => {
    await helper.load([plantNode, approvalNode], flow(), { appr: { secret: 'too-short' } });
    expect(reportedBy('appr', 'error').join('\n')).toMatch(/the Secret field holds 9 characters; a signing secret needs at least 16/);
    expect(callsTo('appr', 'status').at(-1)).toMatchObject({ fill: 'red', text: 'secret too short' });
    const errors = errorsOf('appr');
    helper.getNode('appr').receive(proposal('p1', 'FIC-101.SP', 8));
    await until('the proposal reported', () => errors.length > 0);
    expect(errors[0]).toMatch(/Secret field/);
    expect(helper.getNode('plant').hub.service('approval')).toBeUndefined();
  });

  test('the ApprovalService answers with the statuses the console maps: 403, 404, 409, 422', async () => {
    await helper.load([plantNode, approvalNode], flow());
    const plant = helper.getNode('plant');
    freshLive(plant);
    helper.getNode('appr').receive(proposal('p1', 'TIC-201.SP', 72));
    helper.getNode('appr').receive(proposal('p2', 'LIC-201.SP', 55));
    const svc = plant.hub.service('approval');
    const status = (fn: () => unknown) => {
      try {
        fn();
        return 200;
      } catch (e: any) {
        return e.status;
      }
    };
    expect(status(() => svc.select('p1', op1))).toBe(403);
    expect(status(() => svc.select('nope', op1))).toBe(404);
    expect(status(() => svc.approve('p2', op1, {}))).toBe(409);
    svc.select('p2', op1);
    expect(status(() => svc.select('p2', op2))).toBe(409);
    expect(status(() => svc.approve('p2', op1, { value: 90 }))).toBe(422);
    expect(svc.list('selected').map((r: any) => r.id)).toEqual(['p2']);
    expect(svc.list().length).toBe(2);
  });

  test('rejections go to output 2 (by a user, or by policy on arrival); expiries and supersessions to output 3', async () => {
    await helper.load([plantNode, approvalNode], flow());
    const plant = helper.getNode('plant');
    const appr = helper.getNode('appr');
    freshLive(plant);
    const rejected = helper.getNode('rejected');
    const r1 = next(rejected);
    appr.receive(proposal('p1', 'LIC-201.SP', 95));
    expect((await r1).payload).toMatchObject({ id: 'p1', state: 'rejected', rejection: { user: 'policy' } });
    appr.receive(proposal('p2', 'LIC-201.SP', 55));
    const r2 = next(rejected);
    appr.receive({ topic: 'reject', payload: { proposalId: 'p2', user: op1, reason: 'not now' } });
    expect((await r2).payload).toMatchObject({ id: 'p2', state: 'rejected', rejection: { user: 'operator1', reason: 'not now' } });

    const expired = helper.getNode('expired');
    appr.receive(proposal('p3', 'LIC-201.SP', 56));
    const s = next(expired);
    appr.receive(proposal('p4', 'LIC-201.SP', 57, 1200));
    expect((await s).payload).toMatchObject({ id: 'p3', state: 'superseded' });
    const e = next(expired);
    expect((await e).payload).toMatchObject({ id: 'p4', state: 'expired' });
  });

  test('bad messages are reported through done(err), and the node keeps running', async () => {
    await helper.load([plantNode, approvalNode], flow());
    const plant = helper.getNode('plant');
    const appr = helper.getNode('appr');
    freshLive(plant);
    const errors = errorsOf(appr);
    appr.receive({ topic: 'copilot/proposal', payload: { id: 'x', tag: 'LIC-201.SP', proposed: 'lots' } });
    appr.receive({ topic: 'approve', payload: { proposalId: 'x' } });
    appr.receive({ topic: 'bogus', payload: {} });
    await sleep(50);
    expect(errors.join('\n')).toMatch(/proposed: proposed must be a number/);
    expect(errors.join('\n')).toMatch(/approve: user/);
    expect(errors.join('\n')).toMatch(/unknown topic "bogus"/);
    appr.receive(proposal('ok', 'LIC-201.SP', 55));
    expect(plant.hub.service('approval').get('ok').state).toBe('pending');
  });

  test('pending proposals, first approvals and the generated secret survive a restart', async () => {
    await helper.load([plantNode, approvalNode], flow());
    let plant = helper.getNode('plant');
    freshLive(plant);
    helper.getNode('appr').receive(proposal('p1', 'FIC-101.SP', 8));
    const svc = plant.hub.service('approval');
    svc.select('p1', op1);
    svc.approve('p1', op1, {});
    const stateFile = path.join(userDir(), 'copilot-state', 'approval-appr.json');
    await helper.unload();
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).secret).toMatch(/^[0-9a-f]{64}$/);

    await helper.load([plantNode, approvalNode], flow());
    plant = helper.getNode('plant');
    freshLive(plant);
    const svc2 = plant.hub.service('approval');
    expect(svc2.get('p1')).toMatchObject({ state: 'pending', approvals: [{ user: 'operator1' }] });
    const out = next(helper.getNode('approved'));
    svc2.select('p1', op2);
    svc2.approve('p1', op2, {});
    const w = (await out).payload;
    // The token was signed with the persisted secret: the restored node redeems it (once).
    expect(svc2.redeem(w).ok).toBe(true);
    expect(svc2.redeem(w).ok).toBe(false);
  });
});

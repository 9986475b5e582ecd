// The demo's start banner: which host its console and editor URLs name for the HOST it listens on,
// and the console users it lists from a flow's environment users.
import { envUserNames, urlHost } from '../../dist/demo/main';

test('the printed URLs name the listening address; a wildcard address prints loopback and says so', () => {
  expect(urlHost(undefined)).toEqual({ host: '127.0.0.1', note: '' });
  expect(urlHost('localhost')).toEqual({ host: '127.0.0.1', note: '' });
  expect(urlHost('192.168.10.5')).toEqual({ host: '192.168.10.5', note: '' });
  expect(urlHost('fd00::5')).toEqual({ host: '[fd00::5]', note: '' });
  expect(urlHost('0.0.0.0').host).toBe('127.0.0.1');
  expect(urlHost('0.0.0.0').note).toMatch(/all interfaces: HOST=0\.0\.0\.0/);
  expect(urlHost('::').note).toMatch(/all interfaces/);
});

test('the banner lists the environment users of the flow\'s console nodes (name:role lists only)', () => {
  const flow = JSON.stringify([
    { type: 'copilot-console', envUsers: 'operator1:operator, super1:supervisor+operator;eng1' },
    { type: 'copilot-console', envUsers: '${CONSOLE_USERS}' },
    { type: 'copilot-console', envUsers: '[{"name":"x","roles":["operator"],"password":"p"}]' },
    { type: 'function', envUsers: 'nobody:operator' },
  ]);
  expect(envUserNames(flow)).toEqual(['operator1', 'super1', 'eng1']);
  expect(envUserNames('not json')).toEqual([]);
});

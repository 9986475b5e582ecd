// Alarm command messages and node settings: what is accepted, and what an engineer is told otherwise.
import { commandFromMessage, isAlarmCommandTopic, optionsFromSettings, DEFAULT_ALARM_OPTIONS } from '../../nodes/lib/alarms';

describe('alarm command messages', () => {
  test('each command topic with its payload becomes an AlarmCommand', () => {
    expect(commandFromMessage({ topic: 'ack', payload: { alarmId: ' TT-201:HI ', user: 'jane' } })).toEqual({ command: 'ack', alarmId: 'TT-201:HI', user: 'jane' });
    expect(commandFromMessage({ topic: 'shelve', payload: { alarmId: 'TT-201:HI', user: 'jane', minutes: '30', reason: 'calibration' } })).toEqual({
      command: 'shelve', alarmId: 'TT-201:HI', user: 'jane', minutes: 30, reason: 'calibration',
    });
    for (const t of ['unshelve', 'reset', 'out-of-service', 'return-to-service']) expect(isAlarmCommandTopic(t)).toBe(true);
    expect(isAlarmCommandTopic('TT-201')).toBe(false);
  });

  test.each([
    [{ topic: 'ack', payload: 'TT-201:HI' }, /alarm command "ack": payload must be an object \{alarmId, user, minutes\?, reason\?\}/],
    [{ topic: 'ack', payload: { user: 'jane' } }, /payload.alarmId must be the alarm id, e.g. "TT-201:HI"/],
    [{ topic: 'ack', payload: { alarmId: 'TT-201:HI', user: '' } }, /payload.user must not be empty/],
    [{ topic: 'shelve', payload: { alarmId: 'TT-201:HI', user: 'j', minutes: -5 } }, /payload.minutes must be above 0\. Send topic "shelve" with payload \{alarmId: "TT-201:HI", user: "jane", minutes: 30, reason: "/],
    [{ topic: 'shelve', payload: { alarmId: 'TT-201:HI', user: 'j', minutes: 'soon' } }, /payload.minutes must be a number of minutes/],
    [{ topic: 'reset', payload: { alarmId: 'TT-201:HI', user: 'j', reason: 7 } }, /payload.reason must be text/],
  ])('%j is refused', (msg, message) => {
    expect(() => commandFromMessage(msg)).toThrow(message);
  });
});

test('node settings: editor units are converted, empty or invalid fields fall back to the EEMUA defaults', () => {
  expect(optionsFromSettings({ floodStart: '20', floodEnd: 8, floodWindow: '5', chatterCount: '4', chatterWindow: 30, firstOutQuiet: 2, staleHours: 12, maxShelve: 1 })).toEqual({
    floodStart: 20, floodEnd: 8, floodWindowMs: 300_000, chatterCount: 4, chatterWindowMs: 30_000, firstOutQuietMs: 120_000, staleMs: 43_200_000, maxShelveMinutes: 60,
  });
  const d = optionsFromSettings({ floodStart: '', floodEnd: -1, floodWindow: 'x', chatterCount: undefined });
  expect(d).toMatchObject({ floodStart: 10, floodEnd: 5, floodWindowMs: 600_000, chatterCount: 3, chatterWindowMs: 60_000, staleMs: DEFAULT_ALARM_OPTIONS.staleMs, maxShelveMinutes: 720 });
});

test('node settings: every empty field is the engine default (DEFAULT_ALARM_OPTIONS); zero is no setting either', () => {
  const { fleetingMs: _f, kpiWindowMs: _k, ...configurable } = DEFAULT_ALARM_OPTIONS;
  expect(optionsFromSettings({})).toEqual(configurable);
  expect(optionsFromSettings({ floodStart: 0, floodEnd: '0', floodWindow: ' ', chatterCount: '', chatterWindow: 0, firstOutQuiet: '', staleHours: 0, maxShelve: '' })).toEqual(configurable);
  expect(optionsFromSettings({ floodWindow: ' 2.5 ' }).floodWindowMs).toBe(150_000);
});

// Alarm commands as Node-RED messages (topic = command, payload = {alarmId, user, minutes?,
// reason?}) and the copilot-alarms node's settings, validated at the edge with messages that say
// what is wrong and how to write it.
import { z } from 'zod';
import type { AlarmCommand, AlarmCommandName } from '../contracts';
import { numberSetting } from '../settings';
import { DEFAULT_ALARM_OPTIONS, type AlarmEngineOptions } from './types';

export const ALARM_COMMANDS: readonly AlarmCommandName[] = ['ack', 'shelve', 'unshelve', 'reset', 'out-of-service', 'return-to-service'];

export function isAlarmCommandTopic(topic: unknown): topic is AlarmCommandName {
  return typeof topic === 'string' && (ALARM_COMMANDS as readonly string[]).includes(topic);
}

const commandPayload = z.object(
  {
    alarmId: z.string({ error: 'payload.alarmId must be the alarm id, e.g. "TT-201:HI"' }).trim().min(1, 'payload.alarmId must not be empty'),
    user: z.string({ error: 'payload.user must name who gives the command' }).trim().min(1, 'payload.user must not be empty'),
    minutes: z.coerce.number({ error: 'payload.minutes must be a number of minutes' }).positive('payload.minutes must be above 0').optional(),
    reason: z.string({ error: 'payload.reason must be text' }).optional(),
  },
  { error: 'payload must be an object {alarmId, user, minutes?, reason?}' },
);

/** Validates a command message into an AlarmCommand; throws an Error an engineer can act on. */
export function commandFromMessage(msg: { topic?: unknown; payload?: unknown }): AlarmCommand {
  if (!isAlarmCommandTopic(msg.topic)) throw new Error(`msg.topic must be one of ${ALARM_COMMANDS.join(', ')}`);
  const command = msg.topic;
  const r = commandPayload.safeParse(msg.payload);
  if (!r.success) {
    const example = `{alarmId: "TT-201:HI", user: "jane"${command === 'shelve' ? ', minutes: 30, reason: "transmitter being calibrated"' : ''}}`;
    throw new Error(`alarm command "${command}": ${r.error.issues[0].message}. Send topic "${command}" with payload ${example}`);
  }
  const cmd: AlarmCommand = { command, alarmId: r.data.alarmId, user: r.data.user };
  if (r.data.minutes !== undefined) cmd.minutes = r.data.minutes;
  if (r.data.reason !== undefined) cmd.reason = r.data.reason;
  return cmd;
}

export interface AlarmNodeSettings {
  summaryInterval?: unknown;
  floodStart?: unknown;
  floodEnd?: unknown;
  floodWindow?: unknown;
  chatterCount?: unknown;
  chatterWindow?: unknown;
  firstOutQuiet?: unknown;
  staleHours?: unknown;
  maxShelve?: unknown;
}

/**
 * A positive number from an editor field (read as every node reads its settings), else the
 * default: an empty field means "default", and so does zero or a negative number (a flood of
 * -1 alarms or a shelve of 0 hours means nothing).
 */
export function positiveSetting(v: unknown, fallback: number): number {
  const n = numberSetting(v, NaN, -Infinity);
  return n > 0 ? n : fallback;
}

/** Engine options from the node's fields (minutes, seconds, hours as the editor shows them); defaults from DEFAULT_ALARM_OPTIONS. */
export function optionsFromSettings(c: AlarmNodeSettings): Partial<AlarmEngineOptions> {
  const d = DEFAULT_ALARM_OPTIONS;
  return {
    floodStart: positiveSetting(c.floodStart, d.floodStart),
    floodEnd: positiveSetting(c.floodEnd, d.floodEnd),
    floodWindowMs: positiveSetting(c.floodWindow, d.floodWindowMs / 60_000) * 60_000,
    chatterCount: Math.max(2, Math.round(positiveSetting(c.chatterCount, d.chatterCount))),
    chatterWindowMs: positiveSetting(c.chatterWindow, d.chatterWindowMs / 1000) * 1000,
    firstOutQuietMs: positiveSetting(c.firstOutQuiet, d.firstOutQuietMs / 60_000) * 60_000,
    staleMs: positiveSetting(c.staleHours, d.staleMs / 3_600_000) * 3_600_000,
    maxShelveMinutes: positiveSetting(c.maxShelve, d.maxShelveMinutes / 60) * 60,
  };
}

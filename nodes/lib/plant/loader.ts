// Loads a plant model from YAML or JSON (and CSV alarm lists it names), validates it with the
// zod schema and the cross-reference rules, and reports every error of the file at once with
// its file, line and field, so an engineer fixes a plant file in one pass.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { plantSchema, type PlantFile, type AlarmSpec } from './schema';
import { importAlarmCsv } from './csv';
import { parseDuration } from './duration';
import { ConditionError, conditionTags, parseCondition, type Condition } from './condition';
import { isModbusSource, type Alarm, type PlantModel, type Tag, type TagKind, type Influence, type Interlock } from './model';
// The codec module itself, not lib/modbus (whose poller imports lib/plant): the codec needs
// nothing of the plant at run time, so there is no import cycle.
import { isBitArea, parseAddress, pointOf } from '../modbus/codec';

const WRITABLE_MODBUS = 'a writable Modbus source is a whole holding register (HR:n, e.g. "HR:100") of a number type, not bool';

export interface PlantError {
  file: string;
  line?: number;
  field: string;
  message: string;
}

export function formatPlantError(e: PlantError): string {
  return `${e.file}${e.line ? `:${e.line}` : ''}: ${e.field || '(file)'}: ${e.message}`;
}

export interface LoadResult {
  model?: PlantModel;
  errors: PlantError[];
}

type PathKey = string | number;
type Locate = (p: PathKey[]) => { file: string; line?: number };

export function fieldName(p: PathKey[]): string {
  return p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : String(k)), '');
}

export interface ParseOptions {
  /** Name used in error messages. */
  file?: string;
  /** Folder for relative `alarmFiles`; default the file's folder, else the working directory. */
  baseDir?: string;
}

/** Loads a plant model file (YAML, JSON, or a CSV alarm list is not accepted alone). */
export function loadPlantFile(file: string): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { errors: [{ file, field: '', message: `cannot read the file: ${(e as Error).message}` }] };
  }
  return parsePlantText(text, { file, baseDir: path.dirname(path.resolve(file)) });
}

export function parsePlantText(text: string, opts: ParseOptions = {}): LoadResult {
  const file = opts.file ?? 'plant model';
  const errors: PlantError[] = [];
  // YAML 1.2 is a superset of JSON, so the YAML parser gives line numbers for both formats.
  // It is ~100x slower than JSON.parse on large JSON files, so JSON is parsed natively and the
  // positional document is only built when an error needs a line number.
  // DESIGN §3 writes negative influences as [A, B, -]; a bare "-" before "]" is not valid YAML,
  // so it is quoted here (same line, so line numbers stay true).
  const source = text.replace(/,(\s*)-(\s*)\]/g, ',$1"-"$2]');
  let positional: { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } | undefined;
  const document = () => {
    if (!positional) {
      const lineCounter = new LineCounter();
      positional = { doc: parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: true }), lineCounter };
    }
    return positional;
  };
  let raw: unknown;
  let parsedAsJson = false;
  if (/^\s*\{/.test(text)) {
    try {
      raw = JSON.parse(text);
      parsedAsJson = true;
    } catch {
      // fall through: the YAML parser reports the syntax error with its line
    }
  }
  if (!parsedAsJson) {
    const { doc } = document();
    for (const err of doc.errors) {
      const line = err.linePos?.[0]?.line;
      const col = err.linePos?.[0]?.col;
      const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      errors.push({ file, line, field: '', message: `syntax: ${first}${col ? ` (column ${col})` : ''}` });
    }
    if (errors.length) return { errors };
    raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  }

  const lineOf = (p: PathKey[]): number | undefined => {
    const { doc, lineCounter } = document();
    for (let n = p.length; n >= 0; n--) {
      const sub = p.slice(0, n);
      const node = (sub.length ? doc.getIn(sub, true) : doc.contents) as YamlNode | undefined;
      // Prefer the key of a map entry (where the field is named) over its value.
      if (sub.length && typeof sub[sub.length - 1] === 'string') {
        const parent = doc.getIn(sub.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === sub[sub.length - 1]);
          const key = pair && isPair(pair) ? (pair.key as YamlNode | null) : null;
          if (key?.range) return lineCounter.linePos(key.range[0]).line;
        }
      }
      if (node && (isMap(node) || isSeq(node) || isScalar(node)) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };

  const parsed = plantSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path as PathKey[];
      // A misspelt field is reported on its own line, not on the line of its object.
      const at = issue.code === 'unrecognized_keys' ? [...p, issue.keys[0]] : p;
      errors.push({ file, line: lineOf(at), field: fieldName(p), message: describeIssue(issue, raw, p) });
    }
    return { errors };
  }
  const plant = parsed.data;

  // CSV alarm lists named by the file are merged in; their rows keep their own file and line.
  const origins: Array<{ file: string; line: number } | undefined> = (plant.alarms ?? []).map(() => undefined);
  const baseDir = opts.baseDir ?? process.cwd();
  for (const [i, rel] of (plant.alarmFiles ?? []).entries()) {
    const csvPath = path.resolve(baseDir, rel);
    let csvText: string;
    try {
      csvText = fs.readFileSync(csvPath, 'utf8');
    } catch (e) {
      errors.push({ file, line: lineOf(['alarmFiles', i]), field: `alarmFiles[${i}]`, message: `cannot read ${rel}: ${(e as Error).message}` });
      continue;
    }
    const imported = importAlarmCsv(csvText, rel);
    errors.push(...imported.errors);
    plant.alarms = plant.alarms ?? [];
    for (const row of imported.alarms) {
      plant.alarms.push(row.alarm);
      origins.push({ file: rel, line: row.line });
    }
  }

  const locate: Locate = (p) => {
    if (p[0] === 'alarms' && typeof p[1] === 'number' && origins[p[1]]) return origins[p[1]]!;
    return { file, line: lineOf(p) };
  };
  const model = buildModel(plant, locate, errors, file, text);
  return errors.length ? { errors } : { model, errors };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, p: PathKey[]): string {
  const got = valueAt(raw, p);
  switch (issue.code) {
    case 'invalid_type':
      return got === undefined ? `is required (${issue.message.replace(/^Invalid input: /, '')})` : `${issue.message.replace(/^Invalid input: /, '')}, got ${JSON.stringify(got)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see the plant-model reference)`;
    default:
      return got !== undefined && typeof got !== 'object' ? `${issue.message} (got ${JSON.stringify(got)})` : issue.message;
  }
}

function valueAt(raw: unknown, p: PathKey[]): unknown {
  let v: unknown = raw;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k as string];
  }
  return v;
}

function buildModel(plant: PlantFile, locate: Locate, errors: PlantError[], file: string, text: string): PlantModel {
  const err = (p: PathKey[], message: string) => {
    const where = locate(p);
    errors.push({ file: where.file, line: where.line, field: fieldName(p), message });
  };

  const areas = plant.areas ?? [];
  const tags: Tag[] = [];
  const tagsByName = new Map<string, Tag>();
  plant.tags.forEach((spec, i) => {
    const kind: TagKind = spec.type ?? (typeof spec.normal === 'boolean' ? 'boolean' : 'number');
    const tag: Tag = { ...spec, kind };
    if (tagsByName.has(spec.name)) err(['tags', i, 'name'], `duplicate tag name "${spec.name}" (first declared earlier in the file)`);
    else tagsByName.set(spec.name, tag);
    tags.push(tag);
    if (spec.range && spec.range[0] >= spec.range[1]) err(['tags', i, 'range'], `range low (${spec.range[0]}) must be below high (${spec.range[1]})`);
    if (spec.area && areas.length && !areas.includes(spec.area)) err(['tags', i, 'area'], `area "${spec.area}" is not in the areas list [${areas.join(', ')}]`);
    if (spec.normal !== undefined) {
      if (kind === 'number') {
        if (!Array.isArray(spec.normal)) err(['tags', i, 'normal'], `a number tag's normal band is [low, high], got ${JSON.stringify(spec.normal)}`);
        else {
          if (spec.normal[0] > spec.normal[1]) err(['tags', i, 'normal'], `normal band low (${spec.normal[0]}) is above high (${spec.normal[1]})`);
          if (spec.range && (spec.normal[0] < spec.range[0] || spec.normal[1] > spec.range[1]))
            err(['tags', i, 'normal'], `normal band [${spec.normal}] is outside the range [${spec.range}]`);
        }
      } else if (kind === 'boolean' && typeof spec.normal !== 'boolean') {
        err(['tags', i, 'normal'], `a boolean tag's normal state is true or false, got ${JSON.stringify(spec.normal)}`);
      }
    }
    const src = spec.source;
    let at: ReturnType<typeof parseAddress> | undefined;
    if (isModbusSource(src)) {
      // The address rules are the codec's (the poller and the write path use the same ones).
      // The address is parsed on its own first, so that the area checks below still run when
      // only pointOf's range check fails (both errors are then reported at once).
      try {
        at = parseAddress(src.address);
        pointOf(src);
      } catch (e) {
        err(['tags', i, 'source', 'address'], (e as Error).message);
      }
      if (at && isBitArea(at.area) && src.type && src.type !== 'bool')
        err(['tags', i, 'source', 'type'], `coils and discrete inputs hold single bits: type must be bool, not ${src.type}`);
      if (at?.bit !== undefined && src.type && src.type !== 'bool') err(['tags', i, 'source', 'type'], `a bit inside a register (${src.address}) is type bool, not ${src.type}`);
      if (src.scale && src.scale.raw[0] === src.scale.raw[1]) err(['tags', i, 'source', 'scale', 'raw'], 'raw low and high must differ');
    }
    const w = spec.writable;
    if (w) {
      if (kind !== 'number') err(['tags', i, 'writable'], `only number tags can be writable setpoints (this tag is ${kind})`);
      if (w.min > w.max) err(['tags', i, 'writable', 'min'], `min (${w.min}) is above max (${w.max})`);
      if (spec.range && (w.min < spec.range[0] || w.max > spec.range[1]))
        err(['tags', i, 'writable'], `write limits [${w.min}, ${w.max}] are outside the range [${spec.range}]`);
      if (!src) err(['tags', i, 'writable'], 'a writable tag needs a source (Modbus holding register or OPC UA node) to write to');
      else if (isModbusSource(src) && at) {
        // A setpoint is a number written with FC16: coils (true/false) and bits of a register
        // (never written on their own) cannot carry one, nor can a bool register.
        const why =
          at.area === 'IR' || at.area === 'DI'
            ? `${src.address} is read-only (input area)`
            : at.area === 'CO'
              ? `${src.address} is a coil (true/false)`
              : at.bit !== undefined
                ? `${src.address} is a bit inside a register, which cannot be written on its own`
                : undefined;
        if (why) err(['tags', i, 'source', 'address'], `${why}; ${WRITABLE_MODBUS}`);
        else if (src.type === 'bool') err(['tags', i, 'source', 'type'], `a bool register cannot hold a setpoint; ${WRITABLE_MODBUS}`);
      }
    }
  });

  const checkTag = (p: PathKey[], name: string, what: string): Tag | undefined => {
    const t = tagsByName.get(name);
    if (!t) err(p, `${what} "${name}" is not a declared tag`);
    return t;
  };
  const compileCondition = (p: PathKey[], text: string): Condition | undefined => {
    try {
      const c = parseCondition(text);
      for (const t of conditionTags(c)) if (!tagsByName.has(t)) err(p, `condition "${text}" names "${t}", which is not a declared tag`);
      return c;
    } catch (e) {
      if (e instanceof ConditionError) err(p, `condition "${text}" cannot be read: ${e.message}. Write e.g. "P-101.RUN == false" or "TT-201 > 110 and not P-301.RUN"`);
      else throw e;
      return undefined;
    }
  };
  const duration = (p: PathKey[], v: number | string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (ms === undefined) err(p, `"${v}" is not a duration; write e.g. "500ms", "2s", "5m" or "1h"`);
    return ms;
  };

  const alarms: Alarm[] = [];
  const alarmsById = new Map<string, Alarm>();
  const alarmsByTag = new Map<string, Alarm[]>();
  (plant.alarms ?? []).forEach((spec: AlarmSpec, i) => {
    const p = (...k: PathKey[]) => ['alarms', i, ...k];
    const tag = checkTag(p('tag'), spec.tag, 'alarm tag');
    const id = spec.id ?? `${spec.tag}:${spec.type}`;
    if (alarmsById.has(id)) err(p(spec.id ? 'id' : 'type'), `duplicate alarm "${id}": give one of them an explicit id`);
    const needsNumber = ['HIHI', 'HI', 'LO', 'LOLO', 'DEV', 'ROC'].includes(spec.type);
    if (needsNumber) {
      if (typeof spec.limit !== 'number') err(p('limit'), `a ${spec.type} alarm needs a numeric limit${spec.limit === undefined ? '' : `, got ${JSON.stringify(spec.limit)}`}`);
      if (tag && tag.kind !== 'number') err(p('type'), `${spec.type} applies to number tags; ${spec.tag} is ${tag.kind} (use DISCRETE)`);
      if (tag?.range && typeof spec.limit === 'number' && ['HIHI', 'HI', 'LO', 'LOLO'].includes(spec.type) && (spec.limit < tag.range[0] || spec.limit > tag.range[1]))
        err(p('limit'), `limit ${spec.limit} is outside ${spec.tag}'s range [${tag.range}]`);
    }
    if (spec.type === 'DISCRETE') {
      if (spec.limit === undefined) err(p('limit'), 'a DISCRETE alarm needs limit: the state that raises it (e.g. false)');
      else if (tag?.kind === 'boolean' && typeof spec.limit !== 'boolean') err(p('limit'), `${spec.tag} is boolean: limit must be true or false, got ${JSON.stringify(spec.limit)}`);
    }
    if (spec.direction !== undefined && spec.type !== 'ROC') err(p('direction'), `direction applies to ROC (rate of change) alarms only; remove it from this ${spec.type} alarm`);
    if (spec.type === 'DEV') {
      if (spec.reference === undefined) err(p('reference'), 'a DEV alarm needs a reference: a tag name (e.g. its setpoint) or a value');
      else if (typeof spec.reference === 'string') checkTag(p('reference'), spec.reference, 'reference');
    }
    const onDelayMs = duration(p('onDelay'), spec.onDelay) ?? 0;
    const offDelayMs = duration(p('offDelay'), spec.offDelay) ?? 0;
    const maxAgeMs = duration(p('maxAge'), spec.maxAge);
    const responseTimeMs = duration(p('responseTime'), spec.responseTime);
    const suppressWhen = spec.suppressWhen ? compileCondition(p('suppressWhen'), spec.suppressWhen) : undefined;
    const alarm: Alarm = {
      id,
      tag: spec.tag,
      type: spec.type,
      limit: spec.limit,
      reference: spec.reference,
      direction: spec.direction ?? 'both',
      deadband: spec.deadband ?? 0,
      onDelayMs,
      offDelayMs,
      maxAgeMs,
      priority: spec.priority,
      message: spec.message,
      rationalization: {
        cause: spec.cause ?? '',
        consequence: spec.consequence ?? '',
        action: spec.action ?? '',
        responseTime: spec.responseTime === undefined ? '' : String(spec.responseTime),
      },
      responseTimeMs,
      suppressWhen,
      suppressWhenText: spec.suppressWhen,
      latched: spec.latched ?? false,
      position: spec.position ?? tag?.area ?? 'main',
      area: tag?.area,
    };
    if (!alarmsById.has(id)) alarmsById.set(id, alarm);
    alarms.push(alarm);
    const list = alarmsByTag.get(spec.tag) ?? [];
    list.push(alarm);
    alarmsByTag.set(spec.tag, list);
  });

  const causeIds = new Set<string>();
  (plant.causes ?? []).forEach((cause, i) => {
    if (causeIds.has(cause.id)) err(['causes', i, 'id'], `duplicate cause id "${cause.id}"`);
    causeIds.add(cause.id);
    for (const [name, state] of Object.entries(cause.evidence)) {
      const tag = checkTag(['causes', i, 'evidence', name], name, 'evidence tag');
      if (!tag) continue;
      if (tag.kind === 'number' && !['high', 'low', 'normal'].includes(String(state)))
        err(['causes', i, 'evidence', name], `${name} is a number tag: its evidence state is high, low or normal, got ${JSON.stringify(state)}`);
      if (tag.kind === 'boolean' && typeof state !== 'boolean')
        err(['causes', i, 'evidence', name], `${name} is a boolean tag: its evidence state is true or false, got ${JSON.stringify(state)}`);
    }
    if (!Object.keys(cause.evidence).length) err(['causes', i, 'evidence'], 'a cause needs at least one evidence item');
    (cause.actions ?? []).forEach((a, j) => {
      if (typeof a === 'string') return;
      const t = checkTag(['causes', i, 'actions', j, 'setpoint'], a.setpoint, 'setpoint');
      if (t && !t.writable) err(['causes', i, 'actions', j, 'setpoint'], `${a.setpoint} is not writable: add a writable: {min, max, ...} block to the tag`);
    });
  });

  const influences: Influence[] = [];
  (plant.influences ?? []).forEach(([from, to, sign], i) => {
    checkTag(['influences', i, 0], from, 'influence source');
    checkTag(['influences', i, 1], to, 'influence target');
    if (from === to) err(['influences', i], `${from} cannot influence itself`);
    influences.push({ from, to, sign: sign === '+' ? 1 : -1 });
  });

  const interlocks: Interlock[] = [];
  (plant.interlocks ?? []).forEach((il, i) => {
    const when = compileCondition(['interlocks', i, 'when'], il.when);
    il.blocks.forEach((t, j) => {
      const tag = checkTag(['interlocks', i, 'blocks', j], t, 'blocked tag');
      if (tag && !tag.writable) err(['interlocks', i, 'blocks', j], `${t} is not writable, so there is nothing to block`);
    });
    if (when) interlocks.push({ id: il.id, description: il.description ?? il.id, when, whenText: il.when, blocks: il.blocks });
  });

  return {
    plant: plant.plant,
    areas,
    tags,
    tagsByName,
    alarms,
    alarmsById,
    alarmsByTag,
    causes: plant.causes ?? [],
    influences,
    interlocks,
    origin: { file, sha256: createHash('sha256').update(text).digest('hex'), loadedAt: Date.now() },
  };
}

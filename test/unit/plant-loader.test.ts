import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatPlantError, loadPlantFile, parsePlantText, type PlantError } from '../../nodes/lib/plant';

const demo = path.join(__dirname, '../../examples/plants/reactor-unit-2.yaml');

/** Finds the error for a field and returns it, failing with the full list when missing. */
function errorAt(errors: PlantError[], field: string): PlantError {
  const e = errors.find((x) => x.field === field);
  if (!e) throw new Error(`no error for ${field}; got:\n${errors.map(formatPlantError).join('\n')}`);
  return e;
}

const minimal = (extra = '') => `plant: Test
tags:
  - name: TT-1
    range: [0, 100]
    normal: [20, 40]
${extra}`;

describe('plant model loader', () => {
  test('accepts the demo plant and compiles it', () => {
    const { model, errors } = loadPlantFile(demo);
    expect(errors).toEqual([]);
    expect(model!.plant).toBe('Reactor unit 2');
    expect(model!.tags).toHaveLength(24);
    expect(model!.tagsByName.get('P-301.RUN')!.kind).toBe('boolean');
    const hi = model!.alarmsById.get('TT-201:HI')!;
    expect(hi.onDelayMs).toBe(2000);
    expect(hi.offDelayMs).toBe(5000);
    expect(hi.rationalization.responseTime).toBe('5m');
    expect(hi.position).toBe('reactor');
    expect(model!.alarmsByTag.get('TT-201')!.map((a) => a.type).sort()).toEqual(['BAD_PV', 'HI', 'HIHI']);
    // "[FT-301, TT-201, -]" as DESIGN §3 writes it is accepted.
    expect(model!.influences.find((i) => i.from === 'FT-301' && i.to === 'TT-201')!.sign).toBe(-1);
    expect(model!.interlocks.map((i) => i.id)).toEqual(['high-pressure-trip', 'feed-pump-stopped']);
    expect(model!.origin.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a tag without source is valid (values arrive as messages)', () => {
    const r = parsePlantText(minimal());
    expect(r.errors).toEqual([]);
    expect(r.model!.tags[0].source).toBeUndefined();
  });

  test('JSON files are accepted and errors carry JSON line numbers', () => {
    const json = JSON.stringify({ plant: 'J', tags: [{ name: 'A' }, { name: 'A' }] }, null, 2);
    const r = parsePlantText(json, { file: 'p.json' });
    const e = errorAt(r.errors, 'tags[1].name');
    expect(e.file).toBe('p.json');
    // line of the second "name": "A"
    expect(json.split('\n')[e.line! - 1]).toContain('"name": "A"');
    expect(json.split('\n').findIndex((l) => l.includes('"name"')) + 1).toBeLessThan(e.line!);
  });

  test('reports every error of a broken file at once, each with the line of the offending field', () => {
    const text = [
      'plant: Broken', //                                          1
      'areas: [feed]', //                                          2
      'tags:', //                                                  3
      '  - name: TT-1', //                                         4
      '    range: [100, 0]', //                                    5  range low >= high
      '    area: nowhere', //                                      6  unknown area
      '  - name: TT-1', //                                         7  duplicate name
      '  - name: SW-1', //                                         8
      '    type: boolean', //                                      9
      '    normal: [1, 2]', //                                     10 boolean with a band
      '  - name: SP-1', //                                         11
      '    range: [0, 10]', //                                     12
      '    source: { connection: plc1, address: "HR:4" }', //     13
      '    writable: { min: 8, max: 2 }', //                       14 min > max
      '  - name: PV-1', //                                         15
      '    limt: 3', //                                            16 misspelt field
      'alarms:', //                                                17
      '  - tag: NOPE', //                                          18 unknown tag
      '    type: HI', //                                           19
      '    limit: 5', //                                           20
      '    priority: high', //                                     21
      '    message: x', //                                         22
      '  - tag: SP-1', //                                          23
      '    type: HI', //                                           24
      '    limit: 50', //                                          25 outside range
      '    onDelay: soon', //                                      26 bad duration
      '    priority: high', //                                     27
      '    message: y', //                                         28
      '    suppressWhen: "SW-1 ==="', //                           29 malformed condition
    ].join('\n');
    const { model, errors } = parsePlantText(text, { file: 'broken.yaml' });
    expect(model).toBeUndefined();
    // Schema errors (the misspelt field) are reported before cross-reference checks can run.
    const e = errorAt(errors, 'tags[4]');
    expect(e.line).toBe(16);
    expect(e.message).toMatch(/unknown field "limt"/);
    const fixed = text.replace('    limt: 3', '    unit: bar');
    const r2 = parsePlantText(fixed, { file: 'broken.yaml' });
    const lines: Record<string, number> = {
      'tags[0].range': 5,
      'tags[0].area': 6,
      'tags[1].name': 7,
      'tags[2].normal': 10,
      'tags[3].writable.min': 14,
      'alarms[0].tag': 18,
      'alarms[1].limit': 25,
      'alarms[1].onDelay': 26,
      'alarms[1].suppressWhen': 29,
    };
    for (const [field, line] of Object.entries(lines)) {
      const err = errorAt(r2.errors, field);
      expect({ field, line: err.line, file: err.file }).toEqual({ field, line, file: 'broken.yaml' });
    }
    expect(errorAt(r2.errors, 'tags[1].name').message).toMatch(/duplicate tag name "TT-1"/);
    expect(errorAt(r2.errors, 'alarms[1].limit').message).toMatch(/outside SP-1's range \[0,10\]/);
    expect(errorAt(r2.errors, 'alarms[1].onDelay').message).toMatch(/"soon" is not a duration/);
    expect(errorAt(r2.errors, 'alarms[1].suppressWhen').message).toMatch(/cannot be read/);
    expect(formatPlantError(errorAt(r2.errors, 'alarms[0].tag'))).toBe('broken.yaml:18: alarms[0].tag: alarm tag "NOPE" is not a declared tag');
  });

  test('cross-references: causes, influences, setpoints, interlocks, evidence states', () => {
    const text = minimal(`  - name: RUN
    type: boolean
    normal: true
  - name: SP
    range: [0, 20]
    source: { connection: plc1, address: "HR:0" }
    writable: { min: 0, max: 30 }
causes:
  - id: c1
    description: d
    evidence: { TT-1: hot, RUN: high, GHOST: low }
    actions:
      - { setpoint: TT-1, change: "-10%" }
  - id: c1
    description: dup
    evidence: { TT-1: high }
influences:
  - [TT-1, NOWHERE, +]
  - [RUN, RUN, -]
interlocks:
  - id: i1
    when: "UNKNOWN > 3"
    blocks: [TT-1]
`);
    const { errors } = parsePlantText(text, { file: 'x.yaml' });
    expect(errorAt(errors, 'causes[0].evidence.TT-1').message).toMatch(/high, low or normal, got "hot"/);
    expect(errorAt(errors, 'causes[0].evidence.RUN').message).toMatch(/true or false, got "high"/);
    expect(errorAt(errors, 'causes[0].evidence.GHOST').message).toMatch(/not a declared tag/);
    expect(errorAt(errors, 'causes[0].actions[0].setpoint').message).toMatch(/TT-1 is not writable/);
    expect(errorAt(errors, 'causes[1].id').message).toMatch(/duplicate cause id "c1"/);
    expect(errorAt(errors, 'influences[0][1]').message).toMatch(/"NOWHERE" is not a declared tag/);
    expect(errorAt(errors, 'influences[1]').message).toMatch(/cannot influence itself/);
    expect(errorAt(errors, 'interlocks[0].when').message).toMatch(/names "UNKNOWN"/);
    expect(errorAt(errors, 'interlocks[0].blocks[0]').message).toMatch(/TT-1 is not writable/);
    expect(errorAt(errors, 'tags[2].writable').message).toMatch(/outside the range/);
    for (const e of errors) expect(e.line).toBeGreaterThan(0);
  });

  test('alarm rules: limits needed and typed, DEV reference, DISCRETE on booleans, duplicate ids', () => {
    const text = minimal(`  - name: RUN
    type: boolean
alarms:
  - { tag: TT-1, type: HI, priority: high, message: a }
  - { tag: RUN, type: DISCRETE, limit: 3, priority: low, message: b }
  - { tag: TT-1, type: DEV, limit: 5, priority: low, message: c }
  - { tag: TT-1, type: LO, limit: 5, priority: low, message: d }
  - { tag: TT-1, type: LO, limit: 6, priority: low, message: e }
  - { tag: RUN, type: HI, limit: 1, priority: low, message: f }
  - { tag: TT-1, type: HIHI, limit: 9, direction: rising, priority: low, message: g }
  - { tag: TT-1, type: ROC, limit: 9, direction: falling, priority: low, message: h }
`);
    const { errors } = parsePlantText(text);
    expect(errorAt(errors, 'alarms[6].direction').message).toMatch(/applies to ROC .* only/);
    expect(errors.some((e) => e.field.startsWith('alarms[7]'))).toBe(false);
    const bad = parsePlantText(minimal(`alarms:
  - { tag: TT-1, type: ROC, limit: 9, direction: upwards, priority: low, message: h }
`));
    expect(errorAt(bad.errors, 'alarms[0].direction').message).toMatch(/"rising"\|"falling"\|"both"/);
    expect(errorAt(errors, 'alarms[0].limit').message).toMatch(/needs a numeric limit/);
    expect(errorAt(errors, 'alarms[1].limit').message).toMatch(/must be true or false/);
    expect(errorAt(errors, 'alarms[2].reference').message).toMatch(/needs a reference/);
    expect(errorAt(errors, 'alarms[4].type').message).toMatch(/duplicate alarm "TT-1:LO"/);
    expect(errorAt(errors, 'alarms[5].type').message).toMatch(/use DISCRETE/);
  });

  test('Modbus source rules', () => {
    const text = minimal(`  - name: B1
    type: boolean
    source: { connection: plc1, address: "CO:1", type: float32 }
  - name: B2
    source: { connection: plc1, address: "HR:1.3", type: int16 }
  - name: A1
    source: { connection: plc1, address: "XX:1" }
  - name: W1
    range: [0, 10]
    source: { connection: plc1, address: "IR:3" }
    writable: { min: 0, max: 5 }
`);
    const { errors } = parsePlantText(text);
    expect(errorAt(errors, 'tags[3].source.address').message).toMatch(/must be AREA:offset/);
    const r = parsePlantText(text.replace('"XX:1"', '"HR:9"'));
    expect(errorAt(r.errors, 'tags[1].source.type').message).toMatch(/type must be bool/);
    expect(errorAt(r.errors, 'tags[2].source.type').message).toMatch(/bit inside a register/);
    expect(errorAt(r.errors, 'tags[4].source.address').message).toMatch(/read-only/);
  });

  test('Modbus addresses are checked by the codec the poller uses (offset range, bits, width)', () => {
    const text = minimal(`  - name: A2
    source: { connection: plc1, address: "HR:70000" }
  - name: A3
    type: boolean
    source: { connection: plc1, address: "CO:1.2" }
  - name: A4
    source: { connection: plc1, address: "HR:65535", type: float32 }
  - name: A5
    type: boolean
    source: { connection: plc1, address: "IR:4.16" }
  - name: A6
    source: { connection: plc1, address: "HR:65535", type: uint16 }
`);
    const { errors } = parsePlantText(text);
    expect(errorAt(errors, 'tags[1].source.address').message).toMatch(/offset 70000 is above 65535/);
    expect(errorAt(errors, 'tags[2].source.address').message).toMatch(/only inside a register/);
    expect(errorAt(errors, 'tags[3].source.address').message).toMatch(/runs past register 65535/);
    expect(errorAt(errors, 'tags[4].source.address').message).toMatch(/0\.\.15/);
    expect(errors.some((e) => e.field.startsWith('tags[5]'))).toBe(false);
  });

  test('a writable Modbus source is a whole holding register of a number type', () => {
    // tags[1..6]: the same writable tag on each kind of Modbus source.
    const sources = ['address: "CO:3"', 'address: "HR:10.3"', 'address: "HR:11", type: bool', 'address: "DI:2"', 'address: "HR:12", type: int16', 'address: "HR:14"'];
    const text = minimal(
      sources
        .map((src, i) => `  - name: W${i + 2}\n    range: [0, 10]\n    source: { connection: plc1, ${src} }\n    writable: { min: 0, max: 5 }\n`)
        .join(''),
    );
    const { errors } = parsePlantText(text);
    const rule = /a writable Modbus source is a whole holding register \(HR:n, e\.g\. "HR:100"\) of a number type, not bool/;
    expect(errorAt(errors, 'tags[1].source.address').message).toMatch(/CO:3 is a coil/);
    expect(errorAt(errors, 'tags[1].source.address').message).toMatch(rule);
    expect(errorAt(errors, 'tags[2].source.address').message).toMatch(/HR:10\.3 is a bit inside a register/);
    expect(errorAt(errors, 'tags[2].source.address').message).toMatch(rule);
    expect(errorAt(errors, 'tags[3].source.type').message).toMatch(rule);
    expect(errorAt(errors, 'tags[4].source.address').message).toMatch(/read-only/);
    expect(errorAt(errors, 'tags[4].source.address').message).toMatch(rule);
    expect(errors.some((e) => e.field.startsWith('tags[5]') || e.field.startsWith('tags[6]'))).toBe(false);
  });

  test('syntax errors give a line and stop there', () => {
    const { errors } = parsePlantText('plant: x\ntags:\n  - name: [unclosed\n', { file: 's.yaml' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].line).toBeGreaterThanOrEqual(3);
    expect(errors[0].message).toMatch(/^syntax:/);
  });

  test('an unreadable file is an error, not an exception', () => {
    const r = loadPlantFile('/nonexistent/plant.yaml');
    expect(r.model).toBeUndefined();
    expect(r.errors[0].message).toMatch(/cannot read the file/);
  });

  test('alarmFiles merges CSV alarm lists with their own file and row in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plant-'));
    fs.writeFileSync(
      path.join(dir, 'alarms.csv'),
      'Tag,Alarm Type,Limit,Priority,Description,Cause,Consequence,Corrective Action,Time to respond\n' +
        'TT-1,HI,35,2,Temp high,Cooling lost,Overheat,Check cooling,5 min\n' +
        'TT-1,LO,500,3,Temp low,,,,\n' +
        'GHOST,HI,1,1,Ghost,,,,\n',
    );
    fs.writeFileSync(path.join(dir, 'plant.yaml'), minimal('alarmFiles: [alarms.csv]\n'));
    const r = loadPlantFile(path.join(dir, 'plant.yaml'));
    expect(errorAt(r.errors, 'alarms[1].limit')).toMatchObject({ file: 'alarms.csv', line: 3 });
    expect(errorAt(r.errors, 'alarms[2].tag')).toMatchObject({ file: 'alarms.csv', line: 4 });
    fs.writeFileSync(
      path.join(dir, 'alarms.csv'),
      'Tag,Alarm Type,Limit,Priority,Description,Time to respond,Direction\nTT-1,HI,35,2,Temp high,5 min,\nTT-1,Rate of change,20,3,Temp rising fast,,Rising\n',
    );
    const ok = loadPlantFile(path.join(dir, 'plant.yaml'));
    expect(ok.errors).toEqual([]);
    const a = ok.model!.alarmsById.get('TT-1:HI')!;
    expect(a).toMatchObject({ priority: 'high', message: 'Temp high', limit: 35, responseTimeMs: 300_000, direction: 'both' });
    expect(ok.model!.alarmsById.get('TT-1:ROC')).toMatchObject({ limit: 20, direction: 'rising' });
    fs.rmSync(dir, { recursive: true });
  });
});

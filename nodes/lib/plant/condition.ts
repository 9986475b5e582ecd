// A tiny, safe condition language for suppression-by-design and interlocks, e.g.
//   P-101.RUN == false
//   TT-201 > 110 or (LT-101 < 5 and not P-301.RUN)
// Parsed once at load (so a malformed condition is a load error with a clear message) into a
// tree that is evaluated against live values. No eval, no property access, no functions.

export type Value = number | boolean | string;
export type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'cmp'; tag: string; op: Op; value: Value }
  | { kind: 'truthy'; tag: string }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition };

type Token = { t: 'op' | 'lp' | 'rp' | 'and' | 'or' | 'not' | 'num' | 'str' | 'bool' | 'ident'; v: string; at: number };

export class ConditionError extends Error {}

// Tag names contain letters, digits and - _ . : / (e.g. FIC-101.SP); an identifier may not
// start with a digit or minus so that numbers stay numbers.
const IDENT = /[A-Za-z_][A-Za-z0-9_.:/-]*/y;
const NUM = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') out.push({ t: 'lp', v: c, at: i++ });
    else if (c === ')') out.push({ t: 'rp', v: c, at: i++ });
    else if (src.startsWith('&&', i)) (out.push({ t: 'and', v: '&&', at: i }), (i += 2));
    else if (src.startsWith('||', i)) (out.push({ t: 'or', v: '||', at: i }), (i += 2));
    else if (/^(==|!=|<=|>=)/.test(src.slice(i, i + 2))) (out.push({ t: 'op', v: src.slice(i, i + 2), at: i }), (i += 2));
    else if (c === '<' || c === '>') out.push({ t: 'op', v: c, at: i++ });
    else if (c === '!') out.push({ t: 'not', v: '!', at: i++ });
    else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ConditionError(`unterminated string at column ${i + 1}`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else {
      NUM.lastIndex = i;
      const n = NUM.exec(src);
      if (n && (c !== '-' || /\d/.test(src[i + 1] ?? ''))) {
        out.push({ t: 'num', v: n[0], at: i });
        i += n[0].length;
        continue;
      }
      IDENT.lastIndex = i;
      const m = IDENT.exec(src);
      if (!m) throw new ConditionError(`unexpected "${c}" at column ${i + 1}`);
      const w = m[0];
      const lw = w.toLowerCase();
      if (lw === 'and') out.push({ t: 'and', v: w, at: i });
      else if (lw === 'or') out.push({ t: 'or', v: w, at: i });
      else if (lw === 'not') out.push({ t: 'not', v: w, at: i });
      else if (lw === 'true' || lw === 'false') out.push({ t: 'bool', v: lw, at: i });
      else out.push({ t: 'ident', v: w, at: i });
      i += w.length;
    }
  }
  return out;
}

export function parseCondition(src: string): Condition {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const fail = (what: string): never => {
    const tok = toks[p];
    throw new ConditionError(tok ? `${what} at column ${tok.at + 1} ("${tok.v}")` : `${what} at the end`);
  };
  const orExpr = (): Condition => {
    let left = andExpr();
    while (peek()?.t === 'or') {
      p++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const andExpr = (): Condition => {
    let left = unary();
    while (peek()?.t === 'and') {
      p++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Condition => {
    if (peek()?.t === 'not') {
      p++;
      return { kind: 'not', operand: unary() };
    }
    return primary();
  };
  const literal = (): Value => {
    const tok = peek();
    if (!tok) return fail('expected a value');
    p++;
    if (tok.t === 'num') return Number(tok.v);
    if (tok.t === 'bool') return tok.v === 'true';
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'ident') return tok.v; // bare word: an enumerated state such as RUNNING
    p--;
    return fail('expected a number, true/false or a quoted string');
  };
  const primary = (): Condition => {
    const tok = peek();
    if (!tok) return fail('expected a tag name');
    if (tok.t === 'lp') {
      p++;
      const inner = orExpr();
      if (peek()?.t !== 'rp') fail('expected ")"');
      p++;
      return inner;
    }
    if (tok.t !== 'ident') return fail('expected a tag name');
    p++;
    if (peek()?.t === 'op') {
      const op = peek().v as Op;
      p++;
      return { kind: 'cmp', tag: tok.v, op, value: literal() };
    }
    return { kind: 'truthy', tag: tok.v };
  };
  if (!toks.length) throw new ConditionError('empty condition');
  const tree = orExpr();
  if (p < toks.length) fail('unexpected text');
  return tree;
}

export function conditionTags(c: Condition, out: Set<string> = new Set()): Set<string> {
  switch (c.kind) {
    case 'cmp':
    case 'truthy':
      out.add(c.tag);
      break;
    case 'and':
    case 'or':
      conditionTags(c.left, out);
      conditionTags(c.right, out);
      break;
    case 'not':
      conditionTags(c.operand, out);
  }
  return out;
}

/**
 * Evaluates with three-valued logic: a tag whose value is unknown (missing or bad quality)
 * makes its comparison `undefined`, and `undefined` propagates, so callers decide what an
 * unknown plant state means (an interlock treats it as blocking, suppression as not suppressed).
 */
export function evaluateCondition(c: Condition, lookup: (tag: string) => Value | undefined): boolean | undefined {
  switch (c.kind) {
    case 'truthy': {
      const v = lookup(c.tag);
      return v === undefined ? undefined : Boolean(v);
    }
    case 'cmp': {
      const v = lookup(c.tag);
      if (v === undefined) return undefined;
      return compare(v, c.op, c.value);
    }
    case 'not': {
      const v = evaluateCondition(c.operand, lookup);
      return v === undefined ? undefined : !v;
    }
    case 'and': {
      const l = evaluateCondition(c.left, lookup);
      if (l === false) return false;
      const r = evaluateCondition(c.right, lookup);
      if (r === false) return false;
      return l === undefined || r === undefined ? undefined : true;
    }
    case 'or': {
      const l = evaluateCondition(c.left, lookup);
      if (l === true) return true;
      const r = evaluateCondition(c.right, lookup);
      if (r === true) return true;
      return l === undefined || r === undefined ? undefined : false;
    }
  }
}

function compare(v: Value, op: Op, w: Value): boolean {
  // Booleans compare with 0/1 and "true"/"false" so PLC bits read as numbers still work.
  let a: Value = v;
  let b: Value = w;
  if (typeof b === 'boolean' && typeof a !== 'boolean') a = a === 'true' || (typeof a === 'number' && a !== 0);
  if (typeof a === 'boolean' && typeof b !== 'boolean') b = b === 'true' || (typeof b === 'number' && b !== 0);
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !isNaN(Number(b))) b = Number(b);
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

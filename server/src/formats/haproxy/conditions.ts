/**
 * Static evaluation of HAProxy's conditional-block expressions (`.if` / `.elif`, configuration manual
 * "2.4. Conditional blocks").
 *
 * The result is three-valued: what does not depend on the run-time environment (`0`, `1`,
 * `version_atleast(2.4)`, `streq(a,a)`) is decided; everything else (`defined(VAR)`, `feature(OPENSSL)`, a
 * string holding an environment variable) is `unknown`. The grammar follows the manual: `!` negates, `&&`
 * binds tighter than `||`, parentheses group, an empty condition is false.
 */

export type Truth = 'true' | 'false' | 'unknown';

/** The HAProxy version conditions are evaluated against when a config asks `version_atleast(…)`. */
export const ASSUMED_HAPROXY_VERSION = '3.2';

export interface ConditionContext {
  /** Version used for `version_atleast` / `version_before`. */
  version: string;
}

/** Thrown internally on a syntax error; `at` is the offset in the condition text. */
class ConditionSyntaxError {
  constructor(readonly message: string, readonly at: number) {}
}

export type ConditionResult = { value: Truth } | { error: string; at: number };

/** Predicates of the manual (2.4) and of later versions; any other name is rejected by HAProxy. */
const PREDICATES = new Set([
  'defined', 'feature', 'streq', 'strneq', 'strstr', 'version_atleast', 'version_before', 'enabled',
  'openssl_version_atleast', 'openssl_version_before', 'ssllib_name_startswith', 'awslc_api_atleast', 'awslc_api_before',
]);

/** Evaluate a condition (the directive's words joined by single spaces). Never throws. */
export function evaluateCondition(text: string, ctx: ConditionContext): ConditionResult {
  const p = new ConditionParser(text, ctx);
  try {
    p.skipSpaces();
    if (p.atEnd()) return { value: 'false' }; // "an empty string (which then returns false)"
    const value = p.parseOr();
    p.skipSpaces();
    if (!p.atEnd()) throw new ConditionSyntaxError('unexpected text after the condition', p.pos);
    return { value };
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return { error: e.message, at: e.at };
    throw e;
  }
}

function not(a: Truth): Truth {
  return a === 'unknown' ? a : a === 'true' ? 'false' : 'true';
}

function and(a: Truth, b: Truth): Truth {
  if (a === 'false' || b === 'false') return 'false';
  return a === 'true' && b === 'true' ? 'true' : 'unknown';
}

function or(a: Truth, b: Truth): Truth {
  if (a === 'true' || b === 'true') return 'true';
  return a === 'false' && b === 'false' ? 'false' : 'unknown';
}

class ConditionParser {
  pos = 0;

  constructor(private readonly text: string, private readonly ctx: ConditionContext) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpaces(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  private eat(token: string): boolean {
    this.skipSpaces();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  parseOr(): Truth {
    let v = this.parseAnd();
    while (this.eat('||')) v = or(v, this.parseAnd());
    return v;
  }

  private parseAnd(): Truth {
    let v = this.parseFactor();
    while (this.eat('&&')) v = and(v, this.parseFactor());
    return v;
  }

  private parseFactor(): Truth {
    this.skipSpaces();
    if (this.eat('!')) return not(this.parseFactor());
    if (this.eat('(')) {
      const v = this.parseOr();
      if (!this.eat(')')) throw new ConditionSyntaxError("expected ')'", this.pos);
      return v;
    }
    const start = this.pos;
    const t = this.text;
    if (t[this.pos] === '$') {
      // An environment variable expanded in place: its value is unknown.
      while (this.pos < t.length && !/[\s&|()!]/.test(t[this.pos])) this.pos++;
      return 'unknown';
    }
    if (/[0-9-]/.test(t[this.pos] ?? '')) {
      while (/[0-9-]/.test(t[this.pos] ?? '')) this.pos++;
      const n = Number(t.slice(start, this.pos));
      if (!Number.isInteger(n)) throw new ConditionSyntaxError('invalid number', start);
      return n !== 0 ? 'true' : 'false';
    }
    while (/[A-Za-z0-9_]/.test(t[this.pos] ?? '')) this.pos++;
    const name = t.slice(start, this.pos);
    if (!name || !PREDICATES.has(name)) throw new ConditionSyntaxError(`unknown predicate '${name || t[start] || ''}'`, start);
    if (t[this.pos] !== '(') throw new ConditionSyntaxError(`expected '(' after '${name}'`, this.pos);
    this.pos++;
    const args = this.parseArgs();
    return this.predicate(name, args);
  }

  /** Arguments up to the closing parenthesis, comma separated, with the second level of quoting removed. */
  private parseArgs(): string[] {
    const t = this.text;
    const args: string[] = [];
    let cur = '';
    let quote = '';
    for (; this.pos < t.length; this.pos++) {
      const c = t[this.pos];
      if (quote) {
        if (c === quote) quote = '';
        else cur += c;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ',') {
        args.push(cur);
        cur = '';
      } else if (c === ')') {
        this.pos++;
        args.push(cur);
        return args;
      } else cur += c;
    }
    throw new ConditionSyntaxError("missing ')'", this.pos);
  }

  private predicate(name: string, args: string[]): Truth {
    const dynamic = args.some((a) => a.includes('$'));
    switch (name) {
      case 'streq':
      case 'strneq': {
        if (args.length !== 2) throw new ConditionSyntaxError(`'${name}' expects 2 arguments`, this.pos);
        if (dynamic) return 'unknown';
        return (args[0] === args[1]) === (name === 'streq') ? 'true' : 'false';
      }
      case 'strstr':
        if (dynamic) return 'unknown';
        return args.length === 2 && args[0].includes(args[1]) ? 'true' : 'false';
      case 'version_atleast':
      case 'version_before': {
        if (dynamic || args.length !== 1) return 'unknown';
        const cmp = compareVersions(this.ctx.version, args[0]);
        return (name === 'version_atleast' ? cmp >= 0 : cmp < 0) ? 'true' : 'false';
      }
      default:
        return 'unknown'; // defined(), feature(), enabled(), TLS library checks: depend on the environment and build
    }
  }
}

/**
 * Compare HAProxy version strings (`2.4`, `2.4.1`, `2.4-dev19`, `3.0-rc1`). Missing components are zero
 * (manual 2.4); a development or release-candidate version comes before its release.
 */
export function compareVersions(a: string, b: string): number {
  const pa = versionKey(a);
  const pb = versionKey(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const STAGES: Record<string, number> = { dev: 0, pre: 1, rc: 2 };

function versionKey(v: string): number[] {
  const m = /^(\d+(?:\.\d+)*)(?:-(dev|pre|rc)(\d*))?/.exec(v.trim());
  if (!m) return [0];
  const nums = m[1].split('.').map(Number);
  while (nums.length < 3) nums.push(0);
  return [...nums.slice(0, 3), m[2] ? STAGES[m[2]] : 3, m[3] ? Number(m[3]) : 0];
}

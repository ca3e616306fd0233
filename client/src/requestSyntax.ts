// The syntax of "LB Lens: Test a Request…"'s input box — UI syntax, parsed here and documented in the input box's
// prompt and the README:
//
//   [METHOD] URL [-H "Name: value"]… [--sni NAME] [--port N] [--entry NAME]
//
// Words are split like a shell does: "double quotes" (with \" and \\ inside), 'single quotes' (literal) and a
// backslash outside quotes keep white space in one word. `--header` is `-H`; `--opt=value` works for every option.
// Hand-written (a shell-words package would be a dependency for twenty lines), and free of `vscode` so that unit
// tests run it. The request line itself (method, URL, ports, header names) is checked again by the server.

/** What the input box gives: `lbLens/route`'s parameters without the document. */
export interface RequestInput {
  /** `[METHOD] URL`, as typed. */
  request: string;
  /** `Name: value`, in order. */
  headers: string[];
  sni?: string;
  /** The connection's port when it differs from the URL's. */
  port?: number;
  /** One entry point by name (`frontend fe_http` or `fe_http`). */
  entry?: string;
}

export class RequestSyntaxError extends Error {}

/** What the input box says about the syntax (its prompt). */
export const REQUEST_SYNTAX_HELP =
  '[METHOD] URL, then options: -H "Name: value" (a header, repeatable), --sni NAME (TLS server name), --port N (the connection\'s port when it differs from the URL\'s), --entry NAME (only this entry point)';

export const REQUEST_PLACEHOLDER = 'GET https://shop.example.com/api/users -H "X-Canary: yes"';

const OPTIONS = new Map<string, 'header' | 'sni' | 'port' | 'entry'>([
  ['-H', 'header'],
  ['--header', 'header'],
  ['--sni', 'sni'],
  ['--port', 'port'],
  ['--entry', 'entry'],
]);

/** A header name as RFC 9110 allows it (a token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Bounds: the input box is one line, but a pasted text can be anything. */
const MAX_LENGTH = 16 * 1024;

/** Split `text` into words as a POSIX shell would (quotes and backslashes; no expansions). */
export function splitWords(text: string): string[] {
  if (text.length > MAX_LENGTH) throw new RequestSyntaxError(`the request is longer than ${MAX_LENGTH} characters`);
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = findClosing(text, i);
      if (end < 0) throw new RequestSyntaxError(`unterminated ${c === '"' ? 'double' : 'single'} quote at column ${i + 1}`);
      const inner = text.slice(i + 1, end);
      word += c === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
      inWord = true;
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function findClosing(text: string, open: number): number {
  const q = text[open];
  for (let j = open + 1; j < text.length; j++) {
    if (q === '"' && text[j] === '\\' && j + 1 < text.length) j++;
    else if (text[j] === q) return j;
  }
  return -1;
}

/** Parse the input box's text; throws RequestSyntaxError with a message fit for the user. */
export function parseRequestInput(text: string): RequestInput {
  const words = splitWords(text);
  const positional: string[] = [];
  const out: RequestInput = { request: '', headers: [] };
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    let w = words[i];
    let value: string | undefined;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    if (eq > 0) {
      value = w.slice(eq + 1);
      w = w.slice(0, eq);
    }
    const option = OPTIONS.get(w);
    if (!option) {
      if (w.startsWith('-') && w.length > 1) throw new RequestSyntaxError(`unknown option "${w}" (use -H, --sni, --port or --entry)`);
      positional.push(words[i]);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= words.length) throw new RequestSyntaxError(`${w} needs a value${option === 'header' ? ': -H "Name: value"' : ''}`);
      value = words[++i];
    }
    if (option !== 'header') {
      if (seen.has(option)) throw new RequestSyntaxError(`--${option} is given twice`);
      seen.add(option);
    }
    switch (option) {
      case 'header': {
        const colon = value.indexOf(':');
        const name = colon < 0 ? '' : value.slice(0, colon).trim();
        if (colon < 0) throw new RequestSyntaxError(`header "${value}" is not "Name: value"`);
        if (!HEADER_NAME.test(name)) throw new RequestSyntaxError(`"${name}" is not a header name`);
        out.headers.push(`${name}: ${value.slice(colon + 1).trim()}`);
        break;
      }
      case 'port': {
        if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
          throw new RequestSyntaxError(`--port needs a port number (1-65535), got "${value}"`);
        }
        out.port = Number(value);
        break;
      }
      case 'sni':
      case 'entry':
        if (!value.trim()) throw new RequestSyntaxError(`--${option} needs a value`);
        out[option] = value.trim();
        break;
    }
  }
  if (positional.length === 0) throw new RequestSyntaxError('type a request: [METHOD] URL, e.g. GET https://shop.example.com/api/users');
  if (positional.length > 2) {
    throw new RequestSyntaxError(`unexpected "${positional[2]}": a request is [METHOD] URL; headers go in -H "Name: value"`);
  }
  if (positional.length === 1 && /^[A-Z]+$/.test(positional[0])) throw new RequestSyntaxError(`the URL is missing after ${positional[0]}`);
  out.request = positional.join(' ');
  return out;
}

/** One word for the input box: quoted when it holds white space, quotes or backslashes. */
function quote(word: string): string {
  return /^[^\s"'\\]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

/** The input box's text for a request (what the recent-requests list shows and `parseRequestInput` reads back). */
export function formatRequestInput(input: RequestInput): string {
  const parts = [input.request.trim()];
  for (const h of input.headers) parts.push('-H', quote(h));
  if (input.sni !== undefined) parts.push('--sni', quote(input.sni));
  if (input.port !== undefined) parts.push('--port', String(input.port));
  if (input.entry !== undefined) parts.push('--entry', quote(input.entry));
  return parts.join(' ');
}

/**
 * A request as the server describes it (`GET http://a.com/x (x-canary: yes; cookie: a=b)`: the route examples of
 * the preview and hovers) in the input box's syntax. Headers are split at `; ` only where a `name: ` follows,
 * so a value such as `a=b; c=d` stays whole.
 */
export function describedToInput(described: string): RequestInput {
  const text = described.trim();
  const open = text.indexOf(' (');
  let line = text;
  const headers: string[] = [];
  if (open > 0 && text.endsWith(')')) {
    line = text.slice(0, open);
    for (const h of text.slice(open + 2, -1).split(/; (?=[!#$%&'*+.^_`|~0-9A-Za-z-]+: )/)) {
      if (h.trim()) headers.push(h.trim());
    }
  }
  return { request: line.trim(), headers };
}

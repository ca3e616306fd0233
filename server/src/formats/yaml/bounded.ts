import { Composer, Parser, type CST, type Document } from 'yaml';

/**
 * `parseDocument` with a bound on nesting.
 *
 * The `yaml` package's syntax parser (`Parser`, text → CST) is iterative, but its composer (CST → nodes) recurses
 * once per nesting level: about 700 nested flow collections exhaust Node's default stack. The package catches the
 * RangeError and reports "Maximum call stack size exceeded" — a JavaScript message, not the user's problem — and a
 * stack that runs out inside V8's regular-expression compiler is not an exception at all but a fatal
 * "process out of memory". So the CST of each document is measured first (an iterative walk) and a document
 * nested deeper than the limit is never composed: the caller reports the limit in the product's terms.
 *
 * What the products allow: Go's YAML decoders (go-yaml v2/v3, used through sigs.k8s.io/yaml by Kubernetes and
 * Istio, and by Traefik's file provider) stop at 10,000 levels ("exceeded max depth of 10000"); real
 * configurations stay far below 100. lb-lens reads 256 levels.
 */
export const MAX_YAML_DEPTH = 256;

/** A document and the number of its nodes (for the parse cache's memory bound), or where it nests too deep. */
export type BoundedParse = { document: Document.Parsed; nodes: number } | { tooDeep: number };

/** Parse one YAML document (like `parseDocument`), or say where it nests deeper than `limit` (an offset). */
export function parseDocumentBounded(source: string, options: ConstructorParameters<typeof Composer>[0], limit = MAX_YAML_DEPTH): BoundedParse {
  let tooDeep = -1;
  let nodes = 0;
  function* checked(tokens: Iterable<CST.Token>): Generator<CST.Token> {
    for (const t of tokens) {
      const m = measure(t, limit);
      nodes += m.nodes;
      if (m.tooDeep >= 0) {
        tooDeep = m.tooDeep;
        return;
      }
      yield t;
    }
  }
  const composer = new Composer(options);
  const parser = new Parser();
  let doc: Document.Parsed | undefined;
  // A broken line can make the package report an error for every line after it; each YAMLError captures a stack
  // trace, which then costs more than the parse (0.7 s for 3,000 lines). Only the first error is shown, and never
  // its stack: none is captured while parsing.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const d of composer.compose(checked(parser.parse(source)), true, source.length)) {
      // `parseDocument` keeps the first document (the caller splits the stream at `---` lines).
      doc ??= d;
    }
  } catch (e) {
    // The syntax parser itself recurses when a line closes many compact collections at once (`- - - … x`
    // followed by a dedent): thousands of levels overflow it before its tokens can be measured. That recursion
    // runs no regular expression, so the RangeError is an ordinary exception; it means "too deep".
    if (e instanceof RangeError) return { tooDeep: Math.min(Math.max(0, parser.offset ?? 0), source.length) };
    throw e;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (tooDeep >= 0) return { tooDeep };
  return { document: doc!, nodes };
}

/**
 * The nodes of a CST token, and the offset of its first node nested deeper than `limit` levels (-1: none; the
 * walk stops there). Iterative: the token may be nested arbitrarily deep.
 */
export function measure(token: CST.Token, limit: number): { nodes: number; tooDeep: number } {
  const stack: Array<{ t: CST.Token | undefined; depth: number }> = [{ t: token, depth: 0 }];
  let nodes = 0;
  while (stack.length) {
    const { t, depth } = stack.pop()!;
    if (!t) continue;
    nodes++;
    if (depth > limit) return { nodes, tooDeep: t.offset };
    switch (t.type) {
      case 'document':
        stack.push({ t: t.value, depth });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        for (const it of t.items as Array<{ key?: CST.Token | null; value?: CST.Token | null }>) {
          if (it.key) stack.push({ t: it.key, depth: depth + 1 });
          if (it.value) stack.push({ t: it.value, depth: depth + 1 });
        }
        break;
      default:
        break;
    }
  }
  return { nodes, tooDeep: -1 };
}

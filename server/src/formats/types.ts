import type { Range, TrafficModel } from '../model/types';

/**
 * What a format may ask of its surroundings. The language service provides it: open documents first,
 * then the file system, never outside the allowed roots. Formats never touch `fs` directly.
 */
export interface FormatHost {
  /** The text of a file (`file:` URI), or undefined when it cannot be read or is outside the allowed roots. */
  readFile(uri: string): string | undefined;
  /**
   * Expand a glob pattern (`*`, `?`, `[…]` in the last segments) to the file URIs it matches, sorted like the
   * shell sorts them; only files inside the allowed roots.
   */
  glob(pattern: string, baseUri: string): string[];
  /**
   * `glob` with what it left out: files that exist but are not read (`refused`, with the reason: outside the
   * workspace, not a regular file, too large…) and whether the walk hit its limits (`stopped`, a sentence).
   * Formats that report unread files (nginx `include`) use it; hosts that cannot tell may omit it.
   */
  expand?(pattern: string, baseUri: string): GlobExpansion;
  /** Why a file that exists is not read, or undefined (readable, or missing). */
  refusal?(uri: string): string | undefined;
}

export interface GlobExpansion {
  files: string[];
  refused: Array<{ uri: string; reason: string }>;
  stopped?: string;
}

/** A host that reads nothing: single-file analysis. */
export const NO_FILES: FormatHost = {
  readFile: () => undefined,
  glob: () => [],
};

export interface FormatParser {
  id: string;
  /** Display name (`nginx`, `HAProxy`). */
  title: string;
  /**
   * How sure the format is that this text is its own (0 = not ours, 1 = certain). Used by the CLI when
   * walking folders and by the service when the client did not say which language a document is.
   */
  detect(uri: string, text: string): number;
  /**
   * File names of a complete configuration (`nginx.conf`). When a document parses as a fragment
   * (`closedWorld` false), the service looks for such a file in the document's folder and its parents, and
   * analyses the document as part of it when that file includes it.
   */
  rootFileNames?: string[];
  /**
   * The model's other files are included by the document (nginx `include`): their findings belong to a check of
   * the document. Otherwise other files are context (sibling manifests read for their Services): their findings
   * are reported only when those files are checked themselves.
   */
  filesAreIncludes?: boolean;
  /** Parse and lower. Never throws on user input: problems become LB001/LB002 in `model.problems`. */
  parse(uri: string, text: string, host: FormatHost): TrafficModel;
  /** Quick fixes in this format's syntax (LSP code actions). */
  fixes?: FixProvider;
}

// ---- quick fixes ------------------------------------------------------------------------------------------

/** A replacement of `range` (0-based, in the file `uri`) with `newText`; ranges of one fix never overlap. */
export interface FixEdit {
  uri: string;
  range: Range;
  newText: string;
}

/** One repair the user can pick: edits in the format's own syntax. */
export interface Fix {
  title: string;
  kind: 'quickfix';
  /**
   * The safe, obvious repair. Fix-all on save applies preferred fixes only; an explicit "fix all LBxxx" takes
   * each finding's preferred fix, else its first one — so list the most likely repair first.
   */
  isPreferred?: boolean;
  edits: FixEdit[];
}

/** What a fix provider learns about a finding (an analysis `Diagnostic` fits this shape). */
export interface FixDiagnostic {
  ruleId: string;
  message: string;
  uri: string;
  range: Range;
  /** Ids of the route / pool / servers involved and rule-specific facts (`suggestion` for LB103, `shadowedBy` for LB106). */
  data?: { routeId?: string; poolId?: string; serverIds?: string[]; [k: string]: unknown };
}

export interface FixContext {
  /** The document the fixes may edit; edits to any other file are dropped. */
  uri: string;
  /** The document's current text (the positions of the model and diagnostics refer to it). */
  text: string;
  /** The model the diagnostic was found in (possibly a whole configuration that includes the document). */
  model: TrafficModel;
  diagnostic: FixDiagnostic;
  /** Every finding located in the document, for fixes that depend on their siblings (LB106 moves). */
  diagnostics: readonly FixDiagnostic[];
}

/**
 * A format's quick fixes. Rules stay format-neutral: they describe what is wrong with ids in `data`; the
 * format turns that into edits in its own syntax. Never throws; returns [] when no safe edit exists.
 */
export interface FixProvider {
  /** How a line comment starts (`#`), for suppression comments; undefined when the format has no comments. */
  lineComment?: string;
  /** The line comment of one document, when it depends on the document (YAML `#`, JSON none); wins over `lineComment`. */
  lineCommentFor?(uri: string, text: string): string | undefined;
  provideFixes(ctx: FixContext): Fix[];
}

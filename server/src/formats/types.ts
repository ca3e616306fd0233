import type { TrafficModel } from '../model/types';

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
  /** Parse and lower. Never throws on user input: problems become LB001/LB002 in `model.problems`. */
  parse(uri: string, text: string, host: FormatHost): TrafficModel;
}

/**
 * Per-document state of an incremental format (what the previous parse of a URI leaves for the next), for the
 * documents parsed most recently. Bounded: a language server edits a few documents at a time; the CLI parses
 * each file once.
 */
export function documentStates<T>(create: () => T, max = 8): (uri: string) => T {
  const states = new Map<string, T>();
  return (uri) => {
    let state = states.get(uri);
    if (state !== undefined) states.delete(uri);
    else state = create();
    states.set(uri, state);
    if (states.size > max) states.delete(states.keys().next().value as string);
    return state;
  };
}

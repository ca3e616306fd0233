import type { FormatParser } from '../types';
import { traefikFixes } from './fixes';
import { detectTraefikDynamic, lowerTraefik } from './lower';

export { lowerTraefik, parseRule } from './lower';
export { parseToml } from './toml';

/**
 * Traefik dynamic configuration by content: `http:`/`tcp:`/`udp:` with `routers:`/`services:` (YAML, also in
 * flow style in a `.yml`/`.yaml` file), `[http.routers…]` tables (TOML), or Traefik CRDs (apiVersion traefik.io /
 * traefik.containo.us). Never `.json`: the file provider reads YAML and TOML only.
 */
export const traefikFormat: FormatParser = {
  fixes: traefikFixes,
  id: 'traefik',
  title: 'Traefik',
  detect(uri, text) {
    return detectTraefikDynamic(text, uri);
  },
  parse(uri, text, host) {
    return lowerTraefik(uri, text, host);
  },
};

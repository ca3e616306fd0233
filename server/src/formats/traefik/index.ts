import type { FormatParser } from '../types';
import { detectTraefikDynamic, lowerTraefik } from './lower';

export { lowerTraefik, parseRule } from './lower';
export { parseToml } from './toml';

const SAMPLE = 64 * 1024;

/**
 * Traefik dynamic configuration by content: `http:`/`tcp:`/`udp:` with `routers:`/`services:` (YAML),
 * `[http.routers…]` tables (TOML), or Traefik CRDs (apiVersion traefik.io / traefik.containo.us).
 */
export const traefikFormat: FormatParser = {
  id: 'traefik',
  title: 'Traefik',
  detect(_uri, text) {
    return detectTraefikDynamic(text.length > SAMPLE ? text.slice(0, SAMPLE) : text);
  },
  parse(uri, text, host) {
    return lowerTraefik(uri, text, host);
  },
};

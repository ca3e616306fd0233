import type { FormatParser } from '../types';
import { detectionSample } from '../detectSample';
import { istioFixes } from './fixes';
import { lowerIstio } from './lower';

export { lowerIstio } from './lower';

const API = /(?:^[ \t]*apiVersion|"apiVersion")\s*:\s*["']?networking\.istio\.io\//m;
const KIND = /(?:^[ \t]*kind|"kind")\s*:\s*["']?(?:VirtualService|DestinationRule|Gateway|ServiceEntry)\b/m;

/** Istio networking resources (VirtualService, DestinationRule, Gateway, ServiceEntry) in YAML or JSON: 0.95, else 0. */
export function istioContentScore(text: string): number {
  const sample = detectionSample(text);
  return API.test(sample) && KIND.test(sample) ? 0.95 : 0;
}

export const istioFormat: FormatParser = {
  fixes: istioFixes,
  id: 'istio',
  title: 'Istio',
  detect(_uri, text) {
    return istioContentScore(text);
  },
  parse(uri, text, host) {
    return lowerIstio(uri, text, host);
  },
};

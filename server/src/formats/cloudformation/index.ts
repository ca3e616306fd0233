import type { FormatParser } from '../types';
import { detectionSample } from '../detectSample';
import { albFixes } from './fixes';
import { lowerAlb } from './lower';

export { lowerAlb } from './lower';

/** ELBv2 resource types in a template (YAML `Type: AWS::…` or JSON `"Type": "AWS::…"`). */
const ELB_TYPE = /["']?Type["']?\s*:\s*["']?AWS::ElasticLoadBalancingV2::(?:Listener|ListenerRule|TargetGroup|LoadBalancer)\b/;
const TEMPLATE = /["']?(?:AWSTemplateFormatVersion|Resources)["']?\s*:/;

/**
 * AWS ALB in CloudFormation, by content: a template (`Resources`, `AWSTemplateFormatVersion`) with ELBv2
 * resources. Templates without load balancer resources are not ours.
 */
export function detectAlb(fullText: string): number {
  // Templates put their load balancer resources anywhere: a larger sample than the other formats (1 MiB).
  const text = detectionSample(fullText, 1024 * 1024);
  if (!ELB_TYPE.test(text) || !TEMPLATE.test(text)) return 0;
  return /AWS::ElasticLoadBalancingV2::(?:Listener|ListenerRule|TargetGroup)\b/.test(text) ? 0.9 : 0.6;
}

export const albFormat: FormatParser = {
  fixes: albFixes,
  id: 'aws-alb',
  title: 'AWS ALB (CloudFormation)',
  detect(_uri, text) {
    return detectAlb(text);
  },
  parse(uri, text, host) {
    return lowerAlb(uri, text, host);
  },
};

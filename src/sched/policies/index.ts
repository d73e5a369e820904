import { InvalidRequestError } from '../../errors.js';
import type { Policy } from '../policy.js';
import { ContinuousPolicy } from './continuous.js';
import { SerialPolicy } from './serial.js';
import { StaticPolicy } from './static.js';

export const POLICY_NAMES = ['serial', 'static', 'continuous', 'continuous-unchunked'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function makePolicy(name: string): Policy {
  switch (name) {
    case 'serial':
      return new SerialPolicy();
    case 'static':
      return new StaticPolicy();
    case 'continuous':
      return new ContinuousPolicy(true);
    case 'continuous-unchunked':
      return new ContinuousPolicy(false);
    default:
      throw new InvalidRequestError(`unknown policy '${name}'; known: ${POLICY_NAMES.join(', ')}`);
  }
}

export { ContinuousPolicy, SerialPolicy, StaticPolicy };

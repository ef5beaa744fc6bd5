/**
 * `npm run webhook-secret [-- --bytes 32]`: prints a new Standard Webhooks secret, `whsec_` + base64 of random
 * bytes (24 to 64; 32 by default), for an endpoint of the webhooks document (README, "Signed webhooks").
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { bytes: { type: 'string', default: '32' } } });
const bytes = Number(values.bytes);
if (!Number.isInteger(bytes) || bytes < 24 || bytes > 64) {
  console.error('usage: npm run webhook-secret [-- --bytes <24..64>]');
  process.exit(2);
}
console.log(`whsec_${randomBytes(bytes).toString('base64')}`);

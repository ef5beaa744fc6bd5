import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger. Log fields are chosen at each call site; a secret, a signature or a
 * raw body is never one of them.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'rtc-recording-callbacks' });

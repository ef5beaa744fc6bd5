import { Webhook } from 'standardwebhooks';
import type { SecretSet } from '../config/secrets';

/** The three Standard Webhooks v1 headers of one attempt. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export interface SignWebhookInput {
  readonly webhookId: string;
  /** The exact body bytes sent: the signature covers them, never a re-serialization. */
  readonly body: string;
  readonly secrets: SecretSet;
  /** This attempt's time; each attempt is signed afresh. */
  readonly at: Date;
}

/**
 * Signs with the `standardwebhooks` library, the spec's reference implementation: one `v1,<base64>`
 * per secret, space-separated, so consumers on either side of a rotation verify
 * (Standard Webhooks v1, "Signature scheme").
 */
export function signWebhook({ webhookId, body, secrets, at }: SignWebhookInput): WebhookHeaders {
  const signatures = secrets.reveal().map((secret) => new Webhook(secret).sign(webhookId, at, body));
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

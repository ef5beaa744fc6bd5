/** An HTTP answer of any route: a status and a JSON body (callbacks in the vendor's shape, reads in ours). */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly body: string;
}

export function jsonAnswer(statusCode: number, body: unknown): HttpAnswer {
  return { statusCode, body: JSON.stringify(body) };
}

// One batch to POST /v1/events, until Stele has stored it or refused part of it for good.
// Stele's answer is all-or-nothing per request, so an event it refuses by name (a 400 naming the
// event's index, a 409 for an id reused with other content) is set aside and the rest is sent
// again at once; a batch too large (413) is sent in halves. Anything that says "not now" (no
// answer, 408, 429, 5xx) or "not you" (401, 403, 404: a key or URL being fixed) comes back as
// `retry` for the queue to send the same events, with the same ids, later.

import type { PreparedEvent } from '../event.js';
import { apiErrorOf, SteleApiError, SteleUnreachableError, type Transport } from '../http/transport.js';
import { retryAfterMs } from '../http/backoff.js';

export interface BatchOutcome {
  /** Events Stele has stored (or had stored already: a resend). */
  stored: number;
  /** Events Stele refused for good, each with the error that named it. */
  rejected: { event: PreparedEvent; error: SteleApiError }[];
  /** Events Stele could not take now, to send again after a wait, and why. */
  retry?: { events: PreparedEvent[]; reason: SteleApiError | SteleUnreachableError; retryAfterMs?: number };
}

const RETRY_STATUS = new Set([401, 403, 404, 408, 425, 429]);

/** Sends `events` (whose JSON is `body`, when the caller has it already). Rejects only for a bug, never for Stele's answer. */
export async function postBatch(transport: Transport, events: readonly PreparedEvent[], body?: string): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { stored: 0, rejected: [] };
  await post(events, body);
  return outcome;

  async function post(batch: readonly PreparedEvent[], text?: string): Promise<void> {
    if (batch.length === 0) return;
    if (outcome.retry) {
      outcome.retry.events.push(...batch); // a part before this one has to wait: so does this one
      return;
    }
    if (text === undefined) {
      const json = jsonOf(batch);
      if (json === undefined) {
        const writable = batch.filter((event) => jsonOf([event]) !== undefined);
        for (const event of batch) if (!writable.includes(event)) outcome.rejected.push({ event, error: notJson(event) });
        return post(writable);
      }
      text = json;
    }
    let response;
    try {
      response = await transport.request('POST', '/v1/events', { body: text });
    } catch (error) {
      if (!(error instanceof SteleUnreachableError)) throw error;
      outcome.retry = { events: [...batch], reason: error };
      return;
    }
    if (response.status === 201) {
      outcome.stored += batch.length;
      return;
    }
    const error = apiErrorOf(response);
    if (response.status >= 500 || RETRY_STATUS.has(response.status)) {
      const wait = retryAfterMs(response.headers['retry-after']);
      outcome.retry = { events: [...batch], reason: error, ...(wait !== undefined && { retryAfterMs: wait }) };
      return;
    }
    if (response.status === 413 && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await post(batch.slice(0, half));
      await post(batch.slice(half));
      return;
    }
    const named = new Set(error.details.map((detail) => detail.index).filter((index): index is number => Number.isInteger(index) && index! >= 0 && index! < batch.length));
    if (named.size === 0) {
      // Refused as a whole without naming an event (say, 415 from a proxy in the way): nothing in it can be stored.
      for (const event of batch) outcome.rejected.push({ event, error });
      return;
    }
    for (const index of named) {
      const own = error.details.filter((detail) => detail.index === index);
      outcome.rejected.push({ event: batch[index]!, error: new SteleApiError(error.status, error.code, own.map((d) => `${d.field || 'event'} ${d.message}`).join('; '), own) });
    }
    await post(batch.filter((_, index) => !named.has(index)));
  }
}

/** The JSON of the events, or undefined when one cannot be written as JSON (a BigInt, a cycle). */
export function jsonOf(events: readonly PreparedEvent[]): string | undefined {
  try {
    return JSON.stringify(events);
  } catch {
    return undefined;
  }
}

/** The refusal of an event that has no JSON form. */
export const notJson = (event: PreparedEvent) =>
  new SteleApiError(0, 'not_json', `event ${event.id} (${event.action}) cannot be written as JSON (a BigInt or a circular reference in it?)`);

// Creating, reading, changing and deleting streams, pausing, resuming and replaying them, and the
// connection test. Every change is an event in the tenant's log (stream.created ...) that says
// what changed and which credentials are set, never a credential. Secrets are sealed before they
// are stored and shown masked; a webhook's signing secret is returned once, at creation.

import type { AuditTrail } from '../audit-trail/audit-trail.js';
import type { Requester } from '../audit-trail/requester.js';
import { changesBetween } from '../audit-trail/changes.js';
import { maskSecret, type SecretBox } from '../background/secret-box.js';
import { SteleError } from '../domain/errors.js';
import type { JsonObject } from '../domain/event.js';
import { uuidv7 } from '../domain/ids.js';
import type { Store } from '../store/port.js';
import { DESTINATIONS, STREAM_FORMATS, STREAM_TYPES, isStreamType, type ReceiverAnswer, type StreamFormat, type StreamType } from './destinations/index.js';
import { testEvent } from './destinations/payloads.js';
import { checkHosts } from './destinations/allowed-hosts.js';
import { describeStream, streamTarget } from './stream-audit.js';
import { createStreamStatus, isDisabled, type StreamView } from './stream-status.js';
import { cursorFor, type StartPoint } from './stream-positions.js';
import { initialDelivery, secretsContext, type DeliveryState, type StreamRecord, type StreamRepository } from './stream-repository.js';
import { openClient, type StreamRunnerDeps } from './stream-runner.js';
import { readStreamFilter, type StreamSelection } from './stream-selection.js';

export interface StreamRequest {
  name: string;
  type: string;
  config: unknown;
  filter?: unknown;
  format?: string;
}

export interface StreamServiceDeps extends Pick<StreamRunnerDeps, 'product' | 'hostname' | 'requestTimeoutMs' | 'latestCheckpoint' | 'hosts'> {
  store: Store;
  streams: StreamRepository;
  selection: StreamSelection;
  secrets: SecretBox;
  trail: AuditTrail;
  now: () => number;
  /** Tell the worker a stream changed here. */
  kick(streamId: string): void;
}

const invalid = (field: string, message: string) => new SteleError('invalid_request', `${field} ${message}`, [{ field, message }]);

function formatOf(type: StreamType, format: string | undefined): StreamFormat {
  const allowed = DESTINATIONS[type].formats;
  if (format === undefined) return allowed[0]!;
  if (!(STREAM_FORMATS as readonly string[]).includes(format) || !allowed.includes(format as StreamFormat)) {
    throw invalid('format', `must be one of ${allowed.join(', ')} for a ${type} stream`);
  }
  return format as StreamFormat;
}

function nameOf(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid('name', 'must be 1 to 200 printable characters');
  }
  return name.trim();
}

/** How often a PUT is applied again on top of another PUT that changed the stream first. */
const UPDATE_ATTEMPTS = 5;

export function createStreamService(deps: StreamServiceDeps) {
  const iso = () => new Date(deps.now()).toISOString();
  const status = createStreamStatus(deps);
  const { find, get, view } = status;

  /** Checks name, type, config, filter and format; the filter is compiled once to refuse a bad one now. */
  async function checked(tenantId: string, request: StreamRequest, previous?: { stream: StreamRecord; secrets: Record<string, string> }) {
    if (typeof request.type !== 'string' || !isStreamType(request.type)) throw invalid('type', `must be one of ${STREAM_TYPES.join(', ')}`);
    if (previous && previous.stream.type !== request.type) throw invalid('type', `cannot change (this stream is ${previous.stream.type}); create another stream`);
    const type = request.type;
    const destination = DESTINATIONS[type];
    const parsed = destination.parse(request.config, previous?.secrets);
    checkHosts(destination, parsed.config, parsed.secrets, deps.hosts);
    const filter = readStreamFilter(request.filter);
    await deps.selection.condition(tenantId, filter, deps.now());
    return { name: nameOf(request.name), type, config: parsed.config, secrets: parsed.secrets, filter, format: formatOf(type, request.format) };
  }

  const masksOf = (secrets: Record<string, string>) => Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, maskSecret(value)]));

  async function create(tenantId: string, request: StreamRequest, start: StartPoint, by: Requester): Promise<{ stream: StreamView; secret?: string }> {
    const fields = await checked(tenantId, request);
    const generated = DESTINATIONS[fields.type].generateSecrets?.() ?? {};
    const secrets = { ...fields.secrets, ...generated };
    const now = iso();
    const id = uuidv7(deps.now());
    const stream: StreamRecord = {
      id, tenant_id: tenantId, name: fields.name, type: fields.type, config: fields.config, secret_masks: masksOf(secrets),
      filter: fields.filter, format: fields.format, paused: false, enable_generation: 0, replay: null,
      created_at: now, updated_at: now, created_by: by.actor,
    };
    const cursor = await cursorFor(deps.store, tenantId, start);
    await deps.streams.insert(stream, initialDelivery(cursor), deps.secrets.seal(secrets, secretsContext(tenantId, id)));
    await deps.trail.record(tenantId, { action: 'stream.created', ...by, target: streamTarget(stream), details: { ...describeStream(stream), cursor } });
    deps.kick(id);
    return { stream: await view(stream, initialDelivery(cursor)), ...(generated.secret !== undefined && { secret: generated.secret }) };
  }

  /**
   * A PUT: the settings and credentials it asks for, applied on top of the stream as it was read.
   * Changed credentials go in a record of their own first (stream-repository.ts), and the stream
   * record takes the settings, the masks and the pointer to those credentials in one
   * compare-and-set, written only if no other PUT wrote since the read; else the whole PUT is
   * applied again on top of that one. So the stream ends with one PUT's settings, masks and
   * credentials together, even when this request dies midway or gives up with a 409.
   */
  async function update(tenantId: string, id: string, request: StreamRequest, by: Requester): Promise<StreamView> {
    for (let attempt = 1; ; attempt++) {
      const { stream } = await find(tenantId, id);
      const sealed = await deps.streams.secrets(stream);
      const previousSecrets = sealed ? deps.secrets.open<Record<string, string>>(sealed, secretsContext(tenantId, id)) : {};
      const fields = await checked(tenantId, request, { stream, secrets: previousSecrets });
      const secrets: Record<string, string> = fields.secrets;
      const changedSecrets = Object.keys(secrets).filter((name) => secrets[name] !== previousSecrets[name]);
      const secretsVersion = changedSecrets.length > 0 ? await deps.streams.addSecrets(tenantId, id, deps.secrets.seal(secrets, secretsContext(tenantId, id))) : undefined;
      // Only the settings: a pause, resume or replay made meanwhile is kept. updated_at always moves
      // on, even within a millisecond, as the runner reopens its destination when it changes.
      // No edit (`after` undefined) means another PUT wrote since the read: updated_at moves with
      // each PUT, and only then (a pause, resume or replay leaves it).
      const changed = await deps.streams.change(tenantId, id, (current) => (current.updated_at !== stream.updated_at ? undefined : {
        ...current, name: fields.name, config: fields.config, filter: fields.filter, format: fields.format, secret_masks: masksOf(secrets),
        ...(secretsVersion !== undefined && { secrets_version: secretsVersion }),
        updated_at: new Date(Math.max(deps.now(), Date.parse(current.updated_at) + 1)).toISOString(),
      }));
      if (!changed?.after && secretsVersion !== undefined) await deps.streams.removeSecrets(tenantId, id, secretsVersion);
      if (!changed) throw new SteleError('not_found', `No stream with id ${id}.`);
      if (!changed.after) {
        if (attempt === UPDATE_ATTEMPTS) throw new SteleError('conflict', 'The stream was edited by another request meanwhile, again and again; try again.');
        continue;
      }
      // The credentials replaced; a runner that read the stream just before opens the new ones (stream-runner.ts).
      if (secretsVersion !== undefined) await deps.streams.removeSecrets(tenantId, id, changed.before.secrets_version);
      const before = describeStream(changed.before);
      const after = describeStream(changed.after);
      await deps.trail.record(tenantId, {
        action: 'stream.updated', ...by, target: streamTarget(changed.after),
        details: { changes: changesBetween(before, after) as JsonObject, ...(changedSecrets.length > 0 && { credentials_changed: changedSecrets }) },
      });
      deps.kick(id);
      return get(tenantId, id);
    }
  }

  async function remove(tenantId: string, id: string, by: Requester): Promise<void> {
    const { stream, delivery } = await find(tenantId, id);
    if (!(await deps.streams.remove(tenantId, id))) throw new SteleError('not_found', `No stream with id ${id}.`);
    await deps.trail.record(tenantId, {
      action: 'stream.deleted', ...by, target: streamTarget(stream), details: { ...describeStream(stream), cursor: delivery.cursor, delivered: delivery.delivered },
    });
    deps.kick(id);
  }

  async function setPaused(tenantId: string, id: string, paused: boolean, by: Requester): Promise<StreamView> {
    const { delivery } = await find(tenantId, id);
    // Disabled whether or not it is also paused: resuming a disabled stream enables it again (the
    // runner drops a disable of an older generation).
    let wasDisabled = false as boolean; // as seen by the edit that was written
    const changed = await deps.streams.change(tenantId, id, (current) => {
      wasDisabled = isDisabled(current, delivery);
      const enable = !paused && wasDisabled;
      if (current.paused === paused && !enable) return undefined;
      return { ...current, paused, ...(enable && { enable_generation: current.enable_generation + 1 }) };
    });
    if (!changed) throw new SteleError('not_found', `No stream with id ${id}.`);
    if (changed.after) {
      await deps.trail.record(tenantId, {
        action: paused ? 'stream.paused' : 'stream.resumed', ...by, target: streamTarget(changed.after),
        details: { cursor: delivery.cursor, ...(wasDisabled && { was_disabled: delivery.disabled?.reason ?? true }) },
      });
    }
    deps.kick(id);
    return get(tenantId, id);
  }

  async function replay(tenantId: string, id: string, from: StartPoint, by: Requester): Promise<StreamView> {
    const { delivery } = await find(tenantId, id);
    const cursor = await cursorFor(deps.store, tenantId, from);
    const changed = await deps.streams.change(tenantId, id, (current) => ({
      ...current, replay: { generation: Math.max(current.replay?.generation ?? 0, delivery.replay_generation) + 1, cursor, asked_at: iso() },
    }));
    if (!changed?.after) throw new SteleError('not_found', `No stream with id ${id}.`);
    await deps.trail.record(tenantId, {
      action: 'stream.replayed', ...by, target: streamTarget(changed.after),
      details: { from_cursor: delivery.cursor, to_cursor: cursor, ...('seq' in from && { from_seq: from.seq }), ...('time' in from && { from_time: new Date(from.time).toISOString() }) },
    });
    deps.kick(id);
    return get(tenantId, id);
  }

  /** Sends one made-up event to the receiver now and says what it answered and how fast. */
  async function test(tenantId: string, id: string, signal: AbortSignal): Promise<ReceiverAnswer & { latency_ms: number; event_id: string }> {
    const { stream } = await find(tenantId, id);
    const sealed = await deps.streams.secrets(stream);
    if (!sealed) throw new SteleError('not_found', `No stream with id ${id}.`);
    const client = openClient(deps, stream, sealed);
    const event = testEvent(tenantId, id, deps.now());
    const started = performance.now();
    try {
      const answer = await client.send({ events: [event], entries: [client.encode(event)], test: true }, signal);
      return { ...answer, latency_ms: Math.round((performance.now() - started) * 10) / 10, event_id: event.id };
    } finally {
      await client.close();
    }
  }

  return { create, get, list: status.list, update, remove, pause: (t: string, i: string, by: Requester) => setPaused(t, i, true, by), resume: (t: string, i: string, by: Requester) => setPaused(t, i, false, by), replay, test };
}

export type StreamService = ReturnType<typeof createStreamService>;

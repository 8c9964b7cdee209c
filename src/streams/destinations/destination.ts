// What every stream destination is: a type that checks its configuration (splitting secrets from
// what may be shown), batch limits taken from the receiver's documentation, and a client that
// encodes events one by one and sends a batch of them in one request, returning what the receiver
// said. The delivery loop (../stream-runner.ts) knows nothing of any receiver's protocol.

import type { JsonObject, StoredEvent } from '../../domain/event.js';
import type { ProductInfo } from '../../export/formats/index.js';

export const STREAM_TYPES = ['webhook', 'splunk_hec', 'datadog', 'elastic', 'sumo', 'sentinel', 'syslog', 's3'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];
export const isStreamType = (value: string): value is StreamType => (STREAM_TYPES as readonly string[]).includes(value);

/** How each event is written: as the API returns it, as ArcSight CEF, QRadar LEEF or an OCSF object. */
export const STREAM_FORMATS = ['json', 'cef', 'leef', 'ocsf'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export interface BatchLimits {
  /** Most events in one request (or object). */
  maxEvents: number;
  /** Most bytes of encoded entries in one request, before compression. */
  maxBytes: number;
}

/** What a receiver said to one request (defined with the HTTP helper, destinations/http-request.ts). */
export type { ReceiverAnswer } from '../../destinations/http-request.js';
import type { ReceiverAnswer } from '../../destinations/http-request.js';

/** One request's worth of events, in seq order, each already encoded by the client's `encode`. */
export interface Batch {
  events: readonly StoredEvent[];
  entries: readonly string[];
  /** A connection test: one made-up event, not part of the log (S3 names its object apart). */
  test?: boolean;
}

export interface DestinationClient {
  /** One event as the receiver gets it (a line, a JSON object, a framed syslog message ...). */
  encode(event: StoredEvent): string;
  /** Sends the batch in one request (or one object) and reports the receiver's answer. */
  send(batch: Batch, signal: AbortSignal): Promise<ReceiverAnswer>;
  /** Closes connections kept open between batches (syslog). */
  close(): Promise<void>;
}

/** Everything a client needs to talk to its receiver. */
export interface DestinationContext {
  tenantId: string;
  streamId: string;
  config: JsonObject;
  secrets: Readonly<Record<string, string>>;
  format: StreamFormat;
  product: ProductInfo;
  /** How this host names itself to receivers (syslog HOSTNAME, HEC host, Datadog hostname). */
  hostname: string;
  /** How long one request may take before it counts as failed. */
  timeoutMs: number;
  now: () => number;
  /** The tenant's latest signed checkpoint, for S3 manifests. */
  latestCheckpoint(): Promise<{ tree_size: number; note: string; note_key: string } | undefined>;
}

export interface HostOf {
  field: string;
  host: string;
}

/** The host of a URL in a config field (IPv6 without brackets). */
export const urlHost = (field: string, url: unknown): HostOf => ({ field, host: new URL(String(url)).hostname.replace(/^\[(.*)\]$/, '$1') });

/** A config checked and split: what is stored in the clear (and shown) and the secrets (stored sealed, never shown). */
export interface ParsedConfig {
  config: JsonObject;
  secrets: Record<string, string>;
}

export interface DestinationType {
  readonly type: StreamType;
  /** The formats this receiver can take; the first is the default. */
  readonly formats: readonly StreamFormat[];
  readonly limits: BatchLimits;
  /** Config members that are secrets: sealed at rest, shown masked ("••••1234"). */
  readonly secretFields: readonly string[];
  /**
   * Checks a request's config and splits it. `previous` holds the stream's secrets on an update:
   * a secret left out, or sent back masked as the API showed it, keeps its value.
   * Throws invalid_request naming `config.<field>`.
   */
  parse(config: unknown, previous?: Readonly<Record<string, string>>): ParsedConfig;
  /** Secrets Stele makes itself at creation (a webhook's signing secret), returned once. */
  generateSecrets?(): Record<string, string>;
  /** Where events go, for people and events: no secret in it. */
  describe(config: JsonObject): string;
  /** The hosts it connects to, each with the config field naming it (checked against STELE_STREAM_HOSTS). */
  hosts(config: JsonObject, secrets: Readonly<Record<string, string>>): HostOf[];
  open(context: DestinationContext): DestinationClient;
}

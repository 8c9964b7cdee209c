// An S3 bucket as the staging area many SIEMs read from (AWS SDK v3, any S3-compatible store with
// `endpoint` and `force_path_style`). A batch is one gzip object of one event per line, named by
// its first event's receive date and its seq range, so objects sort in log order and a batch sent
// again after a restart replaces itself when its range is the same:
//   <prefix>YYYY/MM/DD/<first seq, 12 digits>-<last seq, 12 digits>-<HHMMSS>Z.ndjson.gz
// then a small manifest beside it (`.manifest.json`): first/last seq, count, SHA-256 of the object
// as stored and uncompressed, and the tenant's latest signed checkpoint with the key that opens it.
// The batch counts as delivered once both are stored.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, type ReceiverAnswer, type StreamFormat, urlHost } from './destination.js';
import { networkMessage } from '../../destinations/http-request.js';
import { createPayloadEncoder } from './payloads.js';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;
const PREFIX = /^(?!\/)[\x20-\x7e]{0,512}$/;
const ACCESS_KEY_ID = /^[A-Za-z0-9/+=_.-]{1,128}$/;

const EXTENSION: Record<StreamFormat, string> = { json: 'ndjson', ocsf: 'ocsf.ndjson', cef: 'cef', leef: 'leef' };
const pad = (seq: number) => String(seq).padStart(12, '0');

/** The key of a batch without extension: date of its first event's receipt, then its seq range (see above). */
export function batchKey(prefix: string, firstSeq: number, lastSeq: number, firstReceivedAt: string): string {
  const [date, time] = firstReceivedAt.split('T') as [string, string];
  const [y, m, d] = date.split('-');
  return `${prefix}${y}/${m}/${d}/${pad(firstSeq)}-${pad(lastSeq)}-${time.slice(0, 8).replaceAll(':', '')}Z`;
}

function s3Answer(error: unknown): ReceiverAnswer {
  const meta = (error as { $metadata?: { httpStatusCode?: number }; name?: string; message?: string; $response?: { headers?: Record<string, string> } });
  const status = meta.$metadata?.httpStatusCode;
  const name = meta.name && meta.name !== 'Error' ? `${meta.name}: ` : '';
  const retryAfter = Number(meta.$response?.headers?.['retry-after']);
  return {
    ok: false, ...(status !== undefined && { status }), error: `${name}${status === undefined ? networkMessage(error) : meta.message ?? ''}`,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }),
  };
}

export const s3Destination: DestinationType = {
  type: 's3',
  formats: ['json', 'ocsf', 'cef', 'leef'],
  limits: { maxEvents: 10_000, maxBytes: 16_000_000 },
  secretFields: ['secret_access_key'],
  parse(input, previous) {
    const config = readConfig(input);
    const bucket = config.string('bucket', { required: true, pattern: BUCKET, expected: 'an S3 bucket name (3-63 lower-case letters, digits, . and -)' });
    const prefix = config.string('prefix', { pattern: PREFIX, expected: 'printable ASCII of at most 512 characters, not starting with /' });
    const region = config.string('region', { required: true, pattern: REGION, expected: 'a region such as eu-west-1' });
    const endpoint = config.url('endpoint');
    const accessKeyId = config.string('access_key_id', { required: true, pattern: ACCESS_KEY_ID, expected: 'an access key id' });
    const secret = config.secret('secret_access_key', previous, { max: 256 });
    if (!secret) throw invalidConfig('secret_access_key', 'is required');
    const forcePathStyle = config.boolean('force_path_style');
    config.done();
    return {
      config: compact({ bucket, prefix: prefix ?? '', region, endpoint, access_key_id: accessKeyId, force_path_style: forcePathStyle }),
      secrets: { secret_access_key: secret },
    };
  },
  describe: (config) => `s3://${String(config.bucket)}/${String(config.prefix ?? '')}${config.endpoint ? ` at ${String(config.endpoint)}` : ''}`,
  hosts: (config) => [config.endpoint ? urlHost('endpoint', config.endpoint) : { field: 'region', host: `${String(config.bucket)}.s3.${String(config.region)}.amazonaws.com` }],
  open(context) {
    const { config } = context;
    // The SDK is large: it is loaded when an S3 stream first sends, not when Stele starts.
    let client: S3Client | undefined;
    const sdk = () => import('@aws-sdk/client-s3');
    const makeClient = async () => new (await sdk()).S3Client({
      region: String(config.region),
      ...(typeof config.endpoint === 'string' && { endpoint: config.endpoint }),
      forcePathStyle: config.force_path_style === true,
      credentials: { accessKeyId: String(config.access_key_id), secretAccessKey: context.secrets.secret_access_key ?? '' },
      maxAttempts: 1, // the stream runner retries, with backoff
      // Checksums only where S3 requires them: many S3-compatible stores refuse the SDK's default
      // trailing checksums (aws-chunked bodies); the manifest carries the object's SHA-256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const bucket = String(config.bucket);
    const prefix = String(config.prefix ?? '');
    const payload = createPayloadEncoder(context.format, context.product);

    async function put(key: string, body: Uint8Array | string, contentType: string, signal: AbortSignal, gzip: boolean): Promise<void> {
      const timeout = AbortSignal.timeout(context.timeoutMs);
      client ??= await makeClient();
      await client.send(new (await sdk()).PutObjectCommand({
        Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(gzip && { ContentEncoding: 'gzip' }),
      }), { abortSignal: AbortSignal.any([signal, timeout]) });
    }

    return {
      encode: (event) => payload(event).text,
      async send(batch, signal) {
        const started = Date.now();
        const plain = Buffer.from(`${batch.entries.join('\n')}\n`, 'utf8');
        const object = gzipSync(plain);
        const first = batch.events[0]!;
        const last = batch.events[batch.events.length - 1]!;
        const base = batch.test
          ? `${prefix}stele-test/${new Date(context.now()).toISOString().replaceAll(':', '')}-${context.streamId}`
          : batchKey(prefix, first.seq, last.seq, first.received_at);
        const key = `${base}.${EXTENSION[context.format]}.gz`;
        try {
          await put(key, object, 'application/x-ndjson', signal, true);
          if (batch.test) return { ok: true, status: 200, body: `wrote s3://${bucket}/${key}` };
          const checkpoint = await context.latestCheckpoint();
          const manifest = {
            stream_id: context.streamId, tenant_id: context.tenantId, object: key, format: context.format, compression: 'gzip',
            first_seq: first.seq, last_seq: last.seq, count: batch.events.length,
            first_received_at: first.received_at, last_received_at: last.received_at,
            bytes: object.length, sha256: createHash('sha256').update(object).digest('hex'),
            uncompressed_bytes: plain.length, uncompressed_sha256: createHash('sha256').update(plain).digest('hex'),
            created_at: new Date(context.now()).toISOString(),
            checkpoint: checkpoint ?? null,
          };
          await put(`${base}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json', signal, false);
          return { ok: true, status: 200, body: `wrote s3://${bucket}/${key} and its manifest in ${Date.now() - started} ms` };
        } catch (error) {
          return s3Answer(error);
        }
      },
      async close() {
        client?.destroy();
        client = undefined;
      },
    };
  },
};

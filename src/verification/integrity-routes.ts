import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { errorResponse, errorResponses, idParams, tenantIdParameter, TenantQuery } from '../http/schemas.js';
import type { CheckpointService } from '../checkpoints/checkpoint-service.js';
import type { SigningKey } from '../checkpoints/signing-key.js';
import { SteleError } from '../domain/errors.js';
import type { ProofService } from './proof-service.js';
import type { VerificationService, VerifyRequest } from './verification-service.js';

export interface IntegrityRoutesOptions {
  guards: Guards;
  key: SigningKey;
  checkpoints: CheckpointService;
  proofs: ProofService;
  verification: VerificationService;
}

type Query = Record<string, string | undefined>;

function positiveInt(query: Query, name: string, required: boolean): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') {
    if (required) throw new SteleError('invalid_request', `${name} is required`, [{ field: name, message: 'required' }]);
    return undefined;
  }
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new SteleError('invalid_request', `${name} must be a positive integer`, [{ field: name, message: 'not a positive integer' }]);
  return Number(raw);
}

const CheckpointView = Type.Object({
  tree_size: Type.Integer({ description: 'The number of events the checkpoint covers' }), root_hash: Type.String({ description: 'The Merkle tree head, hex' }), created_at: Type.String({ format: 'date-time' }),
  checkpoint: Type.String({ description: 'C2SP signed note: origin, tree size, base64 root, blank line, the instance signature and any witness cosignatures' }),
  witnesses: Type.Array(Type.String(), { description: 'Witnesses whose cosignatures (C2SP tlog-cosignature) the note carries' }),
});

export const integrityRoutes: FastifyPluginAsync<IntegrityRoutesOptions> = async (app, { guards, key, checkpoints, proofs, verification }) => {
  const read = guards.authorize('audit:read');
  const tenant = (request: { query: unknown }) => guards.tenantOf(request as never, (request.query as Query).tenant_id);
  const noValidation = () => () => true;

  app.get('/v1/integrity/public-key', {
    preHandler: read,
    schema: {
      operationId: 'getPublicKey', tags: ['integrity'], summary: 'The instance signing key (SPKI PEM and signed-note verifier key)',
      description: 'The Ed25519 key that signs checkpoints: `pem` for `stele verify --public-key`, `note_key` for signed-note verifiers and witnesses. Keep a copy outside the server to verify exports offline.',
      response: {
        200: Type.Object({
          pem: Type.String({ description: 'SubjectPublicKeyInfo, PEM' }), note_key: Type.String({ description: 'C2SP signed-note verifier key' }), key_name: Type.String(),
        }),
        ...errorResponses,
      },
    },
  }, async () => ({ pem: key.publicPem, note_key: key.noteKey, key_name: key.name }));

  app.get('/v1/integrity/checkpoints/latest', {
    preHandler: read,
    schema: {
      operationId: 'getLatestCheckpoint', tags: ['integrity'], summary: 'The latest signed checkpoint',
      description: 'The largest checkpoint signed for the tenant (404 while none is).',
      querystring: TenantQuery, response: { 200: CheckpointView, ...errorResponses },
    },
  }, async (request) => checkpoints.latest(await tenant(request)));

  app.get('/v1/integrity/checkpoints', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getCheckpoint', tags: ['integrity'], summary: 'The signed checkpoint at one tree size',
      description: 'The checkpoint signed when the log held exactly `tree_size` events (404 when none was).',
      querystring: Type.Object({ tree_size: Type.String({ description: 'A positive integer: the checkpoint\'s size' }), tenant_id: tenantIdParameter }, { additionalProperties: false }),
      response: { 200: CheckpointView, ...errorResponses },
    },
  }, async (request) => checkpoints.atSize(await tenant(request), positiveInt(request.query as Query, 'tree_size', true)!));

  app.post('/v1/integrity/checkpoints', {
    preHandler: read,
    schema: {
      operationId: 'createCheckpoint', tags: ['integrity'], summary: 'Make a checkpoint of the log as it is now',
      description: 'Signs the tree head of the whole log now (checkpoints are also made every STELE_CHECKPOINT_EVERY_EVENTS events or STELE_CHECKPOINT_EVERY_SECONDS), after checking the log against every checkpoint published outside the database.',
      querystring: TenantQuery,
      response: { 201: CheckpointView, ...errorResponses, 409: errorResponse('The log is empty (`conflict`), or contradicts a checkpoint published before (`integrity_alarm`): nothing is signed over it.') },
    },
  }, async (request, reply) => {
    const view = await checkpoints.checkpoint(await tenant(request));
    if (!view) throw new SteleError('conflict', 'The log is empty; there is nothing to checkpoint yet.');
    return reply.status(201).send(view);
  });

  app.get('/v1/events/:id/proof', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getInclusionProof', tags: ['integrity'], summary: 'Inclusion proof of one event against a tree size (default: the latest checkpoint)',
      description: 'RFC 9162 inclusion proof: the hashes that lead from the event\'s leaf to the root of the tree of `tree_size` events. Without `tree_size`, the latest checkpoint that covers the event (one is signed now when none does).',
      params: idParams('The event\'s id'),
      querystring: Type.Object({ tree_size: Type.Optional(Type.String({ description: 'The tree size to prove against (a positive integer, at least the event\'s seq)' })), tenant_id: tenantIdParameter }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          leaf_index: Type.Integer({ description: 'seq − 1' }), tree_size: Type.Integer(), leaf_hash: Type.String({ description: 'hex' }),
          proof: Type.Array(Type.String(), { description: 'hex hashes, leaf to root' }),
          checkpoint: Type.Union([Type.String(), Type.Null()], { description: 'The signed checkpoint of tree_size, when there is one' }),
        }),
        ...errorResponses,
        409: errorResponse('No checkpoint covers the event and the log contradicts one published before (`integrity_alarm`).'),
      },
    },
  }, async (request) => proofs.inclusionProof(await tenant(request), (request.params as { id: string }).id, positiveInt(request.query as Query, 'tree_size', false)));

  app.get('/v1/integrity/consistency', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      operationId: 'getConsistencyProof', tags: ['integrity'], summary: 'Consistency proof between two tree sizes',
      description: 'RFC 9162 consistency proof that the tree of `to` events extends the tree of `from` events: nothing in the first `from` was changed or removed.',
      querystring: Type.Object({
        from: Type.String({ description: 'The older tree size (a positive integer)' }), to: Type.String({ description: 'The newer tree size, at most the log size' }), tenant_id: tenantIdParameter,
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.Integer(), to: Type.Integer(), proof: Type.Array(Type.String(), { description: 'hex hashes' }),
          from_checkpoint: Type.Union([Type.String(), Type.Null()], { description: 'The signed checkpoint of `from`, when there is one' }),
          to_checkpoint: Type.Union([Type.String(), Type.Null()], { description: 'The signed checkpoint of `to`, when there is one' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const q = request.query as Query;
    return proofs.consistencyProof(await tenant(request), positiveInt(q, 'from', true)!, positiveInt(q, 'to', true)!);
  });

  app.post('/v1/integrity/verify', {
    preHandler: read,
    schema: {
      operationId: 'verifyLog', tags: ['integrity'], summary: 'Verify the log over a seq or time range',
      description: 'Recomputes every event\'s hashes, the chain and the tree over the range and checks them against the stored and published checkpoints. `failures` names each event that broke and how (content changed, missing, reordered, bad signature, content removed without a record). `forgotten` names the seqs purged, deleted or erased with a signed record that explains them (their kept hashes still verify). Without a body, the whole log.',
      querystring: TenantQuery,
      body: Type.Optional(Type.Object({
        from_seq: Type.Optional(Type.Integer({ minimum: 1, description: 'First seq to check' })), to_seq: Type.Optional(Type.Integer({ minimum: 1, description: 'Last seq to check' })),
        since: Type.Optional(Type.String({ description: 'Or by received time: an ISO time or now-7d' })), until: Type.Optional(Type.String({ description: 'End of the time range' })),
      }, { additionalProperties: false })),
      response: {
        200: Type.Object({
          ok: Type.Boolean(), checked: Type.Integer(), from_seq: Type.Integer(), to_seq: Type.Integer(),
          through_seq: Type.Integer({ description: 'Where the walk ended: on past to_seq to the first signed checkpoint after it, so that the range\'s last events are held to a signature too (to_seq when none lies beyond it yet); `checked` counts those events too' }),
          checkpoints_checked: Type.Integer(),
          failures: Type.Array(Type.Object({ seq: Type.Integer(), id: Type.String(), reason: Type.String(), message: Type.String() })),
          forgotten: Type.Array(Type.Object({
            kind: Type.Union([Type.Literal('purged'), Type.Literal('deleted'), Type.Literal('erased')]),
            from_seq: Type.Integer(), to_seq: Type.Integer(),
            by_seq: Type.Integer({ description: 'The retention.purged, audit.deleted or audit.erased record that explains them' }),
          }), { description: 'Runs of seqs whose content was removed legitimately: explained by a signed record in the log, not failures' }),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => verification.verify(await tenant(request), (request.body ?? {}) as VerifyRequest));
};

import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Guards } from '../http/guards.js';
import { errorResponses, IdParams, tenantIdParameter, TenantQuery } from '../http/schemas.js';
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
  tree_size: Type.Integer(), root_hash: Type.String({ description: 'hex' }), created_at: Type.String(),
  checkpoint: Type.String({ description: 'C2SP signed note: origin, tree size, base64 root, blank line, the instance signature and any witness cosignatures' }),
  witnesses: Type.Array(Type.String(), { description: 'Witnesses whose cosignatures (C2SP tlog-cosignature) the note carries' }),
});

export const integrityRoutes: FastifyPluginAsync<IntegrityRoutesOptions> = async (app, { guards, key, checkpoints, proofs, verification }) => {
  const read = guards.authorize('audit:read');
  const tenant = (request: { query: unknown }) => guards.tenantOf(request as never, (request.query as Query).tenant_id);
  const noValidation = () => () => true;

  app.get('/v1/integrity/public-key', {
    preHandler: read,
    schema: { tags: ['integrity'], summary: 'The instance signing key (SPKI PEM and signed-note verifier key)', response: { 200: Type.Object({ pem: Type.String(), note_key: Type.String(), key_name: Type.String() }), ...errorResponses } },
  }, async () => ({ pem: key.publicPem, note_key: key.noteKey, key_name: key.name }));

  app.get('/v1/integrity/checkpoints/latest', {
    preHandler: read,
    schema: { tags: ['integrity'], summary: 'The latest signed checkpoint', querystring: TenantQuery, response: { 200: CheckpointView, ...errorResponses } },
  }, async (request) => checkpoints.latest(await tenant(request)));

  app.get('/v1/integrity/checkpoints', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: { tags: ['integrity'], summary: 'The signed checkpoint at one tree size', querystring: Type.Object({ tree_size: Type.String(), tenant_id: tenantIdParameter }, { additionalProperties: false }), response: { 200: CheckpointView, ...errorResponses } },
  }, async (request) => checkpoints.atSize(await tenant(request), positiveInt(request.query as Query, 'tree_size', true)!));

  app.post('/v1/integrity/checkpoints', {
    preHandler: read,
    schema: { tags: ['integrity'], summary: 'Make a checkpoint of the log as it is now', querystring: TenantQuery, response: { 201: CheckpointView, ...errorResponses } },
  }, async (request, reply) => {
    const view = await checkpoints.checkpoint(await tenant(request));
    if (!view) throw new SteleError('conflict', 'The log is empty; there is nothing to checkpoint yet.');
    return reply.status(201).send(view);
  });

  app.get('/v1/events/:id/proof', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      tags: ['integrity'], summary: 'Inclusion proof of one event against a tree size (default: the latest checkpoint)',
      params: IdParams, querystring: Type.Object({ tree_size: Type.Optional(Type.String()), tenant_id: tenantIdParameter }, { additionalProperties: false }),
      response: { 200: Type.Object({ leaf_index: Type.Integer(), tree_size: Type.Integer(), leaf_hash: Type.String(), proof: Type.Array(Type.String()), checkpoint: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
    },
  }, async (request) => proofs.inclusionProof(await tenant(request), (request.params as { id: string }).id, positiveInt(request.query as Query, 'tree_size', false)));

  app.get('/v1/integrity/consistency', {
    preHandler: read,
    validatorCompiler: noValidation,
    schema: {
      tags: ['integrity'], summary: 'Consistency proof between two tree sizes',
      querystring: Type.Object({ from: Type.String(), to: Type.String(), tenant_id: tenantIdParameter }, { additionalProperties: false }),
      response: { 200: Type.Object({ from: Type.Integer(), to: Type.Integer(), proof: Type.Array(Type.String()), from_checkpoint: Type.Union([Type.String(), Type.Null()]), to_checkpoint: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
    },
  }, async (request) => {
    const q = request.query as Query;
    return proofs.consistencyProof(await tenant(request), positiveInt(q, 'from', true)!, positiveInt(q, 'to', true)!);
  });

  app.post('/v1/integrity/verify', {
    preHandler: read,
    schema: {
      tags: ['integrity'], summary: 'Verify the log over a seq or time range',
      querystring: TenantQuery,
      body: Type.Optional(Type.Object({
        from_seq: Type.Optional(Type.Integer({ minimum: 1 })), to_seq: Type.Optional(Type.Integer({ minimum: 1 })),
        since: Type.Optional(Type.String()), until: Type.Optional(Type.String()),
      }, { additionalProperties: false })),
      response: {
        200: Type.Object({
          ok: Type.Boolean(), checked: Type.Integer(), from_seq: Type.Integer(), to_seq: Type.Integer(), checkpoints_checked: Type.Integer(),
          failures: Type.Array(Type.Object({ seq: Type.Integer(), id: Type.String(), reason: Type.String(), message: Type.String() })),
        }),
        ...errorResponses,
      },
    },
  }, async (request) => verification.verify(await tenant(request), (request.body ?? {}) as VerifyRequest));
};

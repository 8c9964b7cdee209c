// @stele/sdk: send audit events to Stele, audit every API call, read the log and verify it.

export { createAuditClient, type AuditClient, type AuditClientOptions } from './client.js';
export type { Actor, AuditEvent, EventContext, PreparedEvent, StoredEvent, Target } from './event.js';
export { BufferFullError, ClientClosedError, type BufferFullPolicy, type CloseResult, type DeliveryStats, type RejectedEvents } from './delivery/delivery-queue.js';
export { createTransport, SteleApiError, SteleUnreachableError, type HttpResponse, type Query, type Transport, type TransportOptions } from './http/transport.js';
export type { BackoffPolicy } from './http/backoff.js';
export type { EventFilters, EventList, EventPage, FeedOptions, ListOptions } from './read/events.js';
export {
  checkConsistency, checkInclusion, parseTrust, VerificationError,
  type ConsistencyResult, type InclusionProof, type InclusionResult, type Trust, type TrustOptions, type VerificationFailure, type VerifiedCheckpoint,
} from './verify/verify.js';
export { runInRequest, traceIdOf } from './trace-context.js';
export { API_CALL_ACTION, REDACTED, type AllowList, type ApiCallOptions } from './middleware/api-call.js';
export { steleExpress, type ExpressLikeRequest, type ExpressLikeResponse } from './middleware/express.js';
export { steleFastify, type FastifyLikeInstance, type FastifyLikeReply, type FastifyLikeRequest } from './middleware/fastify.js';
export { withApiAudit, type NodeHttpOptions } from './middleware/node-http.js';
export { SEED_TAXONOMY, type HelperEvent, type SeedHelpers } from './taxonomy/seed-taxonomy.generated.js';

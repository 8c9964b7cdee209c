// Client-side proof checks: the SDK does not take the server's word that an event is in the log,
// or that today's log extends yesterday's. It recomputes the event's leaf hash from its content,
// checks the checkpoint's signature with a note key the application pinned (obtained apart from
// this server: a config file, the operator), requires as many witness cosignatures as asked, and
// checks the RFC 6962 inclusion or consistency proof against the signed root.

import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import {
  leafHashOf, NoteError, openCheckpointByKey, parseCosignerKey, parseVerifierKey, ProofError, RootMismatchError,
  validCosignatures, verifyConsistency, verifyInclusion, type CosignerKey, type OpenedCheckpoint, type StoredEvent,
} from '@stele/integrity';
import type { Transport } from '../http/transport.js';
import type { EventReader } from '../read/events.js';

export interface TrustOptions {
  /** The log's signed-note verifier key (`note_key` of GET /v1/integrity/public-key), obtained apart from the server. */
  noteKey?: string;
  /** Witness cosigner keys whose cosignatures count. */
  witnessKeys?: readonly string[];
  /** Refuse a checkpoint with fewer valid witness cosignatures than this (default 0). */
  minWitnesses?: number;
}

export type VerificationFailure =
  | 'no_note_key' // nothing pinned to check signatures with
  | 'bad_signature' // the checkpoint is not signed by the pinned key
  | 'wrong_log' // the checkpoint is of another tenant's log
  | 'too_few_witnesses' // fewer valid witness cosignatures than required
  | 'not_included' // the inclusion proof does not lead to the signed root: the event is not (or no longer) what was logged
  | 'truncated' // the log is now shorter than a checkpoint that was trusted
  | 'not_consistent' // the newer tree does not extend the older one: history was rewritten
  | 'malformed'; // the server's answer is not a well-formed proof or checkpoint

/** A proof or checkpoint that does not hold. */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  constructor(readonly reason: VerificationFailure, message: string) {
    super(message);
  }
}

export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  /** Hex. */
  root_hash: string;
  /** The signed note, cosignatures included: keep it to check consistency against later. */
  checkpoint: string;
  /** Witnesses whose cosignatures verified. */
  witnesses: string[];
}

export interface InclusionResult extends VerifiedCheckpoint {
  event_id: string;
  seq: number;
  /** Hex, computed here from the event's content. */
  leaf_hash: string;
}

export interface ConsistencyResult {
  from: VerifiedCheckpoint;
  to: VerifiedCheckpoint;
}

interface CheckpointView {
  tree_size: number;
  checkpoint: string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function hashesOf(list: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(list) || !list.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
    throw new VerificationError('malformed', `the ${what} is not a list of hex SHA-256 hashes`);
  }
  return list.map((h: string) => Buffer.from(h, 'hex'));
}

/** The trust options, parsed once: the pinned key and the witnesses that count. */
export interface Trust {
  pinned?: KeyObject;
  witnessKeys: CosignerKey[];
  minWitnesses: number;
}

export function parseTrust(trust: TrustOptions): Trust {
  const minWitnesses = trust.minWitnesses ?? 0;
  const witnessKeys = (trust.witnessKeys ?? []).map((key) => parseCosignerKey(key));
  if (minWitnesses > witnessKeys.length) throw new TypeError(`minWitnesses ${minWitnesses} needs at least as many witnessKeys`);
  return { ...(trust.noteKey !== undefined && { pinned: parseVerifierKey(trust.noteKey).publicKey }), witnessKeys, minWitnesses };
}

type Checked = VerifiedCheckpoint & { opened: OpenedCheckpoint };
const strip = ({ opened: _opened, ...rest }: Checked): VerifiedCheckpoint => rest;

/** Opens a checkpoint with the pinned key and checks whose log it is and who cosigned it. */
function check(note: string, tenantId: string | undefined, trust: Trust): Checked {
  if (!trust.pinned) throw new VerificationError('no_note_key', 'pin the log\'s note key (createAuditClient({ noteKey })) to verify: the key must not come from the server being checked');
  let opened: OpenedCheckpoint;
  try {
    opened = openCheckpointByKey(note, trust.pinned);
  } catch (error) {
    if (error instanceof NoteError) throw new VerificationError(error.reason === 'no_signature' || error.reason === 'bad_signature' ? 'bad_signature' : 'malformed', error.message);
    throw error;
  }
  if (tenantId !== undefined && !opened.origin.endsWith(`/${tenantId}`)) {
    throw new VerificationError('wrong_log', `the checkpoint is of the log ${opened.origin}, not of tenant ${tenantId}`);
  }
  const witnesses = validCosignatures(note, trust.witnessKeys).map((c) => c.name);
  if (witnesses.length < trust.minWitnesses) {
    throw new VerificationError('too_few_witnesses', `the checkpoint at size ${opened.size} has ${witnesses.length} valid witness cosignatures; ${trust.minWitnesses} are required`);
  }
  return { origin: opened.origin, size: opened.size, root_hash: hex(opened.rootHash), checkpoint: note, witnesses, opened };
}

/** An inclusion proof as GET /v1/events/{id}/proof answers it. */
export interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  proof: unknown;
}

/**
 * Checks that `event`, as given, is in the log signed by `checkpointNote`: its leaf hash computed
 * from its content, the note signed by the pinned key (with the witnesses required), the proof
 * leading to the signed root. Throws VerificationError otherwise. Pure: no network.
 */
export function checkInclusion(event: StoredEvent, answer: InclusionProof, checkpointNote: string, trust: Trust): InclusionResult {
  const leaf = leafHashOf(event);
  if (answer.leaf_index !== event.seq - 1) throw new VerificationError('not_included', `the proof is for leaf ${answer.leaf_index}, but event ${event.id} has seq ${event.seq}`);
  const checkpoint = check(checkpointNote, event.tenant_id, trust);
  if (checkpoint.size !== answer.tree_size) throw new VerificationError('malformed', `the proof is for tree size ${answer.tree_size}, the checkpoint for ${checkpoint.size}`);
  try {
    verifyInclusion(leaf, event.seq - 1, checkpoint.size, hashesOf(answer.proof, 'inclusion proof'), checkpoint.opened.rootHash);
  } catch (error) {
    if (error instanceof RootMismatchError || error instanceof ProofError) {
      throw new VerificationError('not_included', `event ${event.id} (seq ${event.seq}) as given is not in the log signed at size ${checkpoint.size}: ${error.message}`);
    }
    throw error;
  }
  return { event_id: event.id, seq: event.seq, leaf_hash: hex(leaf), ...strip(checkpoint) };
}

/**
 * Checks that the log signed by `newerNote` extends the one signed by `olderNote`, with the
 * consistency proof between their sizes. Throws VerificationError otherwise. Pure: no network.
 */
export function checkConsistency(olderNote: string, newerNote: string, proof: unknown, tenantId: string | undefined, trust: Trust): ConsistencyResult {
  return consistencyOf(check(olderNote, tenantId, trust), check(newerNote, tenantId, trust), proof);
}

function consistencyOf(older: Checked, newer: Checked, proof: unknown): ConsistencyResult {
  if (newer.origin !== older.origin) throw new VerificationError('wrong_log', `the checkpoints are of two logs: ${older.origin} and ${newer.origin}`);
  if (newer.size < older.size) throw new VerificationError('truncated', `the log is at size ${newer.size}, shorter than the trusted checkpoint at size ${older.size}`);
  try {
    verifyConsistency(older.size, newer.size, hashesOf(proof, 'consistency proof'), older.opened.rootHash, newer.opened.rootHash);
  } catch (error) {
    if (error instanceof RootMismatchError || error instanceof ProofError) {
      throw new VerificationError('not_consistent', `the log at size ${newer.size} does not extend the one signed at size ${older.size}: ${error.message}`);
    }
    throw error;
  }
  return { from: strip(older), to: strip(newer) };
}

/** The checks above, with what they need fetched from Stele. */
export function createVerifier(transport: Transport, events: EventReader, options: TrustOptions) {
  const trust = parseTrust(options);

  async function checkpointAt(size: number, tenantId: string | undefined): Promise<string> {
    const view = await transport.json<CheckpointView>('GET', '/v1/integrity/checkpoints', { query: { tree_size: size, tenant_id: tenantId } });
    return view.checkpoint;
  }

  return {
    /**
     * Proves that the event (an id, or an event as read from Stele) is in its tenant's log: its
     * leaf hash computed here, the inclusion proof against a checkpoint signed by the pinned key.
     * Resolves with what was checked; rejects with VerificationError when anything fails.
     */
    async inclusion(eventOrId: string | StoredEvent, options: { treeSize?: number; tenant_id?: string } = {}): Promise<InclusionResult> {
      if (!trust.pinned) throw new VerificationError('no_note_key', 'pin the log\'s note key (createAuditClient({ noteKey })) to verify: the key must not come from the server being checked');
      const event = typeof eventOrId === 'string' ? await events.get(eventOrId, { ...(options.tenant_id !== undefined && { tenant_id: options.tenant_id }) }) : eventOrId;
      const answer = await transport.json<InclusionProof & { checkpoint: string | null }>(
        'GET', `/v1/events/${encodeURIComponent(event.id)}/proof`, { query: { tree_size: options.treeSize, tenant_id: options.tenant_id } },
      );
      // The proof's own note may lack the witnesses' cosignatures; the checkpoint route has them.
      const note = answer.checkpoint !== null && trust.minWitnesses === 0 ? answer.checkpoint : await checkpointAt(answer.tree_size, options.tenant_id ?? event.tenant_id);
      return checkInclusion(event, answer, note, trust);
    },

    /**
     * Proves that the log now (or at `to`) extends an older checkpoint: `from` is a checkpoint note
     * you kept from an earlier check (best), or a tree size whose checkpoint is fetched. Resolves
     * with both checkpoints; keep `to.checkpoint` for the next check.
     */
    async consistency(options: { from: string | number; to?: number; tenant_id?: string }): Promise<ConsistencyResult> {
      const tenantId = options.tenant_id;
      const olderNote = typeof options.from === 'string' ? options.from : await checkpointAt(options.from, tenantId);
      const older = check(olderNote, tenantId, trust);
      const newerNote = options.to === undefined
        ? (await transport.json<CheckpointView>('GET', '/v1/integrity/checkpoints/latest', { query: { tenant_id: tenantId } })).checkpoint
        : await checkpointAt(options.to, tenantId);
      const newer = check(newerNote, tenantId, trust);
      // A shorter log needs no proof to be refused.
      const proof = newer.size < older.size ? [] : (await transport.json<{ proof: unknown }>('GET', '/v1/integrity/consistency', { query: { from: older.size, to: newer.size, tenant_id: tenantId } })).proof;
      return consistencyOf(older, newer, proof);
    },
  };
}

export type Verifier = ReturnType<typeof createVerifier>;

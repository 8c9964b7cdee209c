// The witness's one operation, C2SP tlog-witness `add-checkpoint`: check the submitted checkpoint
// against the latest one cosigned for its origin — signed by a log key the witness trusts, the
// old size it names equal to the one it holds, a valid consistency proof from that size — and
// only then remember it and cosign it. It never cosigns a tree smaller than, or not extending, one
// it cosigned before: that is what makes a restored backup or a rewritten log visible.

import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import {
  cosignatureLine, decodeBase64Strict, NoteError, openCheckpoint, parseCheckpoint, parseNote, verifyConsistency, type VerifierKey,
} from '@stele/integrity';
import type { WitnessState } from './witness-state.js';

export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
}

export interface WitnessOptions {
  state: WitnessState;
  /** The witness's name (key name of its cosignatures) and Ed25519 private key. */
  name: string;
  privateKey: KeyObject;
  /** Log keys it trusts: a key named N covers the origin N and every origin under N/ (Stele's tenants). */
  logKeys: readonly VerifierKey[];
  now?: () => number;
}

const MAX_PROOF_LINES = 63;

const text = (status: WitnessAnswer['status'], body: string): WitnessAnswer => ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });

interface Request {
  oldSize: number;
  proof: Uint8Array[];
  note: string;
}

function parseRequest(body: string): Request | undefined {
  const match = /^old (0|[1-9]\d{0,15})\n/.exec(body);
  if (!match) return undefined;
  const proof: Uint8Array[] = [];
  let rest = body.slice(match[0].length);
  for (;;) {
    const end = rest.indexOf('\n');
    if (end < 0) return undefined;
    const line = rest.slice(0, end);
    rest = rest.slice(end + 1);
    if (line === '') break;
    const hash = decodeBase64Strict(line);
    if (!hash || hash.length !== 32 || proof.length === MAX_PROOF_LINES) return undefined;
    proof.push(hash);
  }
  return { oldSize: Number(match[1]), proof, note: rest };
}

export function createWitnessService(options: WitnessOptions) {
  const now = options.now ?? Date.now;
  const keysFor = (origin: string) => options.logKeys.filter((key) => origin === key.name || origin.startsWith(`${key.name}/`));

  async function addCheckpoint(body: string): Promise<WitnessAnswer> {
    const request = parseRequest(body);
    if (!request) return text(400, 'malformed request: want "old <size>", proof lines, a blank line and the checkpoint');
    let origin: string;
    let size: number;
    let root: Uint8Array;
    try {
      ({ origin, size, rootHash: root } = parseCheckpoint(parseNote(request.note).body));
    } catch {
      return text(400, 'malformed checkpoint');
    }
    const keys = keysFor(origin);
    if (keys.length === 0) return text(404, `unknown log origin ${origin}`);
    if (!keys.some((key) => opens(request.note, key))) return text(403, 'no signature by a trusted log key');
    if (request.oldSize > size) return text(400, 'old size is larger than the checkpoint size');
    if (request.oldSize === 0 && request.proof.length > 0) return text(400, 'a proof from size 0 must be empty');

    return options.state.withOrigin(origin, (current, save) => {
      const held = current?.size ?? 0;
      if (request.oldSize !== held) return { status: 409, contentType: 'text/x.tlog.size', body: `${held}\n` } satisfies WitnessAnswer;
      if (current && held === size) {
        if (current.root !== Buffer.from(root).toString('base64')) return { status: 409, contentType: 'text/x.tlog.size', body: `${held}\n` } satisfies WitnessAnswer;
      } else if (current) {
        try {
          verifyConsistency(held, size, request.proof, Buffer.from(current.root, 'base64'), root);
        } catch {
          return text(422, `the checkpoint does not extend the tree of size ${held} cosigned before`);
        }
      }
      save({ origin, size, root: Buffer.from(root).toString('base64'), note: request.note });
      const body = request.note.slice(0, request.note.lastIndexOf('\n\n') + 1);
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: cosignatureLine(body, options.name, options.privateKey, Math.floor(now() / 1000)) } satisfies WitnessAnswer;
    });
  }

  return { addCheckpoint };
}

function opens(note: string, key: VerifierKey): boolean {
  try {
    openCheckpoint(note, key);
    return true;
  } catch (error) {
    if (error instanceof NoteError) return false;
    throw error;
  }
}

export type WitnessService = ReturnType<typeof createWitnessService>;

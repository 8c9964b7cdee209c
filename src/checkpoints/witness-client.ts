// Asks a witness to cosign a checkpoint (C2SP tlog-witness `add-checkpoint`): the request carries
// the size the witness last cosigned ("old"), a consistency proof from that size, and the signed
// checkpoint. A witness that saw a larger tree (409 with its size) or a tree this one does not
// extend (422) refuses, and keeps refusing whatever the database now says: that refusal is what
// catches a restored backup or a rewritten log.

import { findCosignature, NoteError, type CosignerKey } from '@stele/integrity';
import { httpRequest } from '../destinations/http-request.js';

export interface WitnessConfig {
  url: string;
  key: CosignerKey;
}

export type WitnessAnswer =
  | { kind: 'cosigned'; line: string; timestamp: number }
  /** The witness has cosigned a larger tree of this log than the checkpoint submitted. */
  | { kind: 'ahead'; size: number }
  /** The checkpoint does not extend what the witness saw (bad consistency proof, or another root at the same size). */
  | { kind: 'inconsistent'; size: number; message: string }
  /** The witness does not take this log (unknown origin 404, untrusted key 403, bad request 400). */
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'unreachable'; message: string };

export interface Submission {
  origin: string;
  size: number;
  note: string;
  /** The consistency proof from `oldSize` to `size`, from the store. */
  proofFrom(oldSize: number): Promise<Uint8Array[]>;
}

const MAX_ATTEMPTS = 3;

export function createWitnessClient(witness: WitnessConfig, options: { timeoutMs?: number } = {}) {
  /** The size this witness last cosigned, per origin, as it told us (it corrects us with 409). */
  const knownSize = new Map<string, number>();

  async function post(body: string) {
    const answer = await httpRequest(new URL('add-checkpoint', witness.url.endsWith('/') ? witness.url : `${witness.url}/`).href, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      timeoutMs: options.timeoutMs ?? 5_000,
    });
    return { status: answer.status, text: answer.text };
  }

  async function submit(submission: Submission): Promise<WitnessAnswer> {
    let old = knownSize.get(submission.origin) ?? 0;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (old > submission.size) return { kind: 'ahead', size: old };
      let answer: { status: number; text: string };
      try {
        const proof = old === 0 ? [] : await submission.proofFrom(old);
        const lines = proof.map((hash) => `${Buffer.from(hash).toString('base64')}\n`).join('');
        answer = await post(`old ${old}\n${lines}\n${submission.note}`);
      } catch (error) {
        return { kind: 'unreachable', message: (error as Error).message };
      }
      if (answer.status === 200) {
        knownSize.set(submission.origin, submission.size);
        return cosignatureFrom(submission.note + answer.text);
      }
      if (answer.status === 409) {
        const size = /^(0|[1-9]\d{0,15})\n$/.test(answer.text) ? Number(answer.text) : NaN;
        if (!Number.isSafeInteger(size)) return { kind: 'refused', status: 409, message: 'the witness answered 409 without a tree size' };
        knownSize.set(submission.origin, size);
        // Told the size we already sent: same size, another root.
        if (size === old) return { kind: 'inconsistent', size, message: `the witness holds another tree of size ${size}` };
        old = size;
        continue;
      }
      if (answer.status === 422) return { kind: 'inconsistent', size: old, message: `the log is not consistent with the tree of size ${old} the witness cosigned` };
      if ([400, 403, 404].includes(answer.status)) return { kind: 'refused', status: answer.status, message: answer.text.trim().slice(0, 200) };
      return { kind: 'unreachable', message: `the witness answered ${answer.status}` };
    }
    return { kind: 'unreachable', message: 'the witness kept changing its tree size' };
  }

  function cosignatureFrom(noteWithLines: string): WitnessAnswer {
    try {
      const cosignature = findCosignature(noteWithLines, witness.key);
      if (cosignature) return { kind: 'cosigned', line: cosignature.line, timestamp: cosignature.timestamp };
      return { kind: 'refused', status: 200, message: 'the witness answered without a cosignature by its key' };
    } catch (error) {
      if (!(error instanceof NoteError)) throw error;
      return { kind: 'refused', status: 200, message: `the witness's cosignature does not verify: ${error.message}` };
    }
  }

  return { name: witness.key.name, url: witness.url, submit, knownSize: (origin: string) => knownSize.get(origin) };
}

export type WitnessClient = ReturnType<typeof createWitnessClient>;

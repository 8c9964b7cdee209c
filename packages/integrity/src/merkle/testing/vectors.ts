// Loads the Merkle vector files in ./vectors (copied from /work/shared/vectors/merkle; see
// vectors/README.md for provenance) and decodes their hex/base64 fields. Test-only.

import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export interface Golden {
  leaves: string[];
  leaf_hashes: string[];
  node_hashes: string[][];
  roots: string[];
  inclusion_proofs: { leaf_index: number | null; tree_size: number; proof: string[]; must_fail?: boolean }[];
  consistency_proofs: { size1: number; size2: number; proof: string[] }[];
  hasher_vectors: { desc: string; want: string; leaf_hex?: string; left_hex?: string; right_hex?: string }[];
}

export interface Derived {
  leaves: string[];
  roots: string[];
  inclusion_proofs: { leaf_index: number; tree_size: number; leaf_hash: string; proof: string[] }[];
  consistency_proofs: { size1: number; size2: number; proof: string[] }[];
}

export interface InclusionProbe {
  file: string;
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

export interface ConsistencyProbe {
  file: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

export interface Accumulated {
  vectors: { kind: 'subtree_hash' | 'subtree_inclusion' | 'subtree_consistency'; max_size: number; digest: string }[];
}

export const golden = (): Golden => load('rfc6962-golden.json');
export const derived = (): Derived => load('derived-roots-0-130.json');
export const inclusionProbes = (): InclusionProbe[] => load<{ probes: InclusionProbe[] }>('probes-inclusion.json').probes;
export const consistencyProbes = (): ConsistencyProbe[] => load<{ probes: ConsistencyProbe[] }>('probes-consistency.json').probes;
export const accumulated = (): Accumulated => load('accumulated-subtree-vectors.json');

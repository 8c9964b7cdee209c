// The public API of @stele/integrity, Stele's integrity core, shared by the server, the CLI and
// the SDK. Pure: no store, no file system, no network, no dependency beyond Node.

export type { Actor, CanonicalEvent, EventContext, EventGeo, JsonObject, JsonValue, StoredEvent, Target } from './event.js';
export type { LogHead, MerkleNode, SealedBatch, SealedEvent, Sealer } from './log-head.js';
export { canonicalBytes, canonicalJson, canonicalObject, canonicalText, leafHashOf, leafInputsOf } from './canonical.js';
export { jcs } from './jcs.js';
export { chainHash, ZERO_CHAIN } from './chain.js';
export { pageHashes, portablePageHashes, usePageHashes } from './page-hashes.js';
export type { PageHashes } from './page-hashes.js';
export { sealEvents, STORED_MIN_LEVEL } from './seal.js';
export { checkCanonicalRows, leafHashesOf } from './canonical-rows.js';
export type { CanonicalRows, WithComputedLeafHashes, WithLeafInputs } from './canonical-rows.js';
export { LogVerifier, verifyLog } from './verify-log.js';
export { explainedBy, FORGETTING_ACTIONS, ForgettingLedger, isTombstone, seqRanges, tombstoneFault } from './forgetting.js';
export type { Forgotten, ForgettingKind, ForgottenRange } from './forgetting.js';
export type { ExpectedRoot, FailureReason, LogVerifierOptions, TombstoneRun, VerificationFailure, VerificationSummary } from './verify-log.js';

export { emptyRoot, hashChildren, hashLeaf, HASH_SIZE } from './merkle/hasher.js';
export { appendLeafBlock, appendLeaves, rootFromBorder } from './merkle/compact-range.js';
export type { AppendResult } from './merkle/compact-range.js';
export { borderNodes, coverage, rangeNodes } from './merkle/node-id.js';
export type { NodeId } from './merkle/node-id.js';
export { consistency, inclusion, rehash, resolveProof, resolveRoot, rootAt } from './merkle/proof.js';
export type { NodeLookup, ProofNodes } from './merkle/proof.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle/verify.js';
export { ProofError, RootMismatchError } from './merkle/errors.js';

export { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint/checkpoint.js';
export type { Checkpoint } from './checkpoint/checkpoint.js';
export { parseNote, signNote, verifyNote } from './checkpoint/note.js';
export type { NoteSignature, ParsedNote } from './checkpoint/note.js';
export {
  ALG_COSIGNATURE_V1, ALG_ED25519, decodeBase64Strict, keyId, parseVerifierKey, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey, verifierKeyString,
} from './checkpoint/keys.js';
export type { KeyAlgorithm, VerifierKey } from './checkpoint/keys.js';
export { splitNotes } from './checkpoint/note-file.js';
export { openCheckpointByKey } from './checkpoint/open-by-key.js';
export type { OpenedCheckpoint } from './checkpoint/open-by-key.js';
export {
  cosignatureLine, findCosignature, parseCosignerKey, validCosignatures, withSignatureLines,
} from './checkpoint/cosignature.js';
export type { CosignerKey, VerifiedCosignature } from './checkpoint/cosignature.js';
export {
  EVIDENCE_VERSION, formatEvidenceStatement, HEADER_KEY, isEvidenceHeader, isEvidenceTrailer, parseEvidenceStatement, PROOF_KEY, TRAILER_KEY,
} from './evidence/evidence-file.js';
export type { EvidenceHeader, EvidenceStatement, EvidenceTrailer } from './evidence/evidence-file.js';
export { EvidenceVerifier } from './evidence/evidence-verifier.js';
export { formatPackageManifest, parsePackageManifest } from './evidence/package-manifest.js';
export type { PackageFile, PackageManifest } from './evidence/package-manifest.js';
export type { EvidenceFailure, EvidenceFailureReason, EvidenceSummary, EvidenceVerifierOptions } from './evidence/evidence-verifier.js';
export { NoteError } from './checkpoint/errors.js';
export type { NoteErrorReason } from './checkpoint/errors.js';

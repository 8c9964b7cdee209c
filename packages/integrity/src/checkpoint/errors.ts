// Why a checkpoint or signed note was refused. One class with a reason code, so callers (API,
// CLI) can map each case to a message without string matching.

export type NoteErrorReason =
  | 'malformed_note' // not a well-formed signed note (C2SP signed-note syntax)
  | 'malformed_key' // the verifier key string or key object is unusable
  | 'no_signature' // no signature line by the verifier's key (name and key id)
  | 'bad_signature' // the verifier's signature line does not verify
  | 'malformed_checkpoint'; // the note body is not a C2SP tlog-checkpoint

export class NoteError extends Error {
  override readonly name = 'NoteError';
  readonly reason: NoteErrorReason;

  constructor(reason: NoteErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

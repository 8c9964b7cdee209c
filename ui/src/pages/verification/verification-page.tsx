// Integrity: re-check a range of the log (POST /v1/integrity/verify) and show the latest signed
// checkpoint (GET /v1/integrity/checkpoints/latest) in its C2SP signed-note text.

import { useId, useState, type FormEvent } from 'react';
import { ErrorMessage, Loading } from '../../components/status';
import { ApiError, api } from '../../lib/api';
import { useAsync } from '../../lib/use-async';
import { isoToLocalInput, localInputToIso } from '../../lib/time';

interface Failure { seq: number; id: string; reason: string; message: string }
interface Verification { ok: boolean; checked: number; from_seq: number; to_seq: number; through_seq: number; checkpoints_checked: number; failures: Failure[] }
interface Checkpoint { tree_size: number; root_hash: string; created_at: string; checkpoint: string }

export default function VerificationPage() {
  const id = useId();
  const checkpoint = useAsync<Checkpoint>('checkpoint', (signal) => api('/v1/integrity/checkpoints/latest', { signal }));
  const [signing, setSigning] = useState(false);
  const [signError, setSignError] = useState<Error | undefined>();

  // A checkpoint is also made every N events or T seconds; this signs the log as it is right now.
  const signNow = async () => {
    setSigning(true);
    setSignError(undefined);
    try {
      await api<Checkpoint>('/v1/integrity/checkpoints', { method: 'POST' });
      checkpoint.reload();
    } catch (error) {
      setSignError(error as Error);
    } finally {
      setSigning(false);
    }
  };
  const [fromSeq, setFromSeq] = useState('');
  const [toSeq, setToSeq] = useState('');
  const [by, setBy] = useState<'seq' | 'time'>('seq');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Verification | undefined>();
  const [failure, setFailure] = useState<Error | undefined>();

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setRunning(true);
    setFailure(undefined);
    setResult(undefined);
    try {
      const body: Record<string, number | string> = {};
      if (by === 'seq') {
        if (fromSeq) body.from_seq = Number(fromSeq);
        if (toSeq) body.to_seq = Number(toSeq);
      } else {
        if (since) body.since = since;
        if (until) body.until = until;
      }
      setResult(await api<Verification>('/v1/integrity/verify', { method: 'POST', body }));
    } catch (error) {
      setFailure(error as Error);
    } finally {
      setRunning(false);
    }
  };

  return (
    <>
      <h1>Verification</h1>
      <p className="lead">Recompute every hash in a range of the log and compare it with the chain, the Merkle tree and the signed checkpoints.</p>
      <form className="card" onSubmit={run} aria-labelledby={`${id}-run`}>
        <h2 id={`${id}-run`}>Verify the log</h2>
        <fieldset>
          <legend>Range</legend>
          <div className="checks">
            <label className="check"><input type="radio" name={`${id}-by`} checked={by === 'seq'} onChange={() => setBy('seq')} /> By seq</label>
            <label className="check"><input type="radio" name={`${id}-by`} checked={by === 'time'} onChange={() => setBy('time')} /> By date (UTC)</label>
          </div>
        </fieldset>
        {by === 'time' ? (
          <div className="row-fields">
            <div className="field">
              <label htmlFor={`${id}-since`}>From (UTC; empty: the first event)</label>
              <input id={`${id}-since`} type="datetime-local" value={isoToLocalInput(since)} onChange={(e) => setSince(localInputToIso(e.target.value))} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-until`}>Until (UTC, excluded; empty: now)</label>
              <input id={`${id}-until`} type="datetime-local" value={isoToLocalInput(until)} onChange={(e) => setUntil(localInputToIso(e.target.value))} />
            </div>
          </div>
        ) : (
        <div className="row-fields">
          <div className="field">
            <label htmlFor={`${id}-from`}>From seq (empty: the first event)</label>
            <input id={`${id}-from`} type="number" min={1} inputMode="numeric" value={fromSeq} onChange={(e) => setFromSeq(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To seq (empty: the last event)</label>
            <input id={`${id}-to`} type="number" min={1} inputMode="numeric" value={toSeq} onChange={(e) => setToSeq(e.target.value)} />
          </div>
        </div>
        )}
        <button type="submit" className="primary" disabled={running}>{running ? 'Verifying…' : 'Verify'}</button>
      </form>
      <div aria-live="polite">
        {failure && <ErrorMessage error={failure} />}
        {result && result.ok && (
          <p className="result ok" role="status">
            ✓ Verified {result.checked} events (seq {result.from_seq}–{result.to_seq}{result.through_seq > result.to_seq ? `, and on to ${result.through_seq}, the first signed checkpoint after it` : ''}) against {result.checkpoints_checked} signed checkpoint(s): nothing was changed, removed or reordered.
          </p>
        )}
        {result && !result.ok && (
          <div className="result fail" role="alert">
            <p>✗ Verification failed with {result.failures.length} problem(s):</p>
            <ul>
              {result.failures.map((f) => (
                <li key={`${f.seq}-${f.reason}`}><strong>seq {f.seq}</strong> <span className="mono">{f.id}</span> — {f.reason}: {f.message}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <section className="card" aria-labelledby={`${id}-checkpoint`}>
        <h2 id={`${id}-checkpoint`}>Latest signed checkpoint</h2>
        {checkpoint.loading && <Loading what="the checkpoint" />}
        {checkpoint.error && (checkpoint.error instanceof ApiError && checkpoint.error.status === 404
          ? <p className="status">No checkpoint has been signed for this tenant yet.</p>
          : <ErrorMessage error={checkpoint.error} retry={checkpoint.reload} />)}
        {checkpoint.data !== undefined && (
          <>
            <p className="status">
              Tree size {checkpoint.data.tree_size}, signed {checkpoint.data.created_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}. Verify it with the
              public key from <span className="mono">GET /v1/integrity/public-key</span>, or offline with <span className="mono">npx stele verify</span>.
            </p>
            <pre className="json checkpoint" tabIndex={0} aria-label="Checkpoint text">{checkpoint.data.checkpoint}</pre>
          </>
        )}
        {signError && <ErrorMessage error={signError} />}
        <button type="button" onClick={signNow} disabled={signing}>{signing ? 'Signing…' : 'Sign a checkpoint now'}</button>
      </section>
    </>
  );
}

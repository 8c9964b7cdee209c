import type { ReactNode } from 'react';

// Loading, empty and error states, announced to screen readers.

export function Loading({ what }: { what: string }) {
  return <p className="status" role="status">Loading {what}…</p>;
}

export function ErrorMessage({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div className="status error" role="alert">
      <p>{error.message}</p>
      {retry && <button type="button" onClick={retry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status empty">{children}</p>;
}

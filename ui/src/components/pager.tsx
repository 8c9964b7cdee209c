export interface PagerProps {
  label: string;
  pageNumber: number;
  shown: number;
  hasPrev: boolean;
  hasNext: boolean;
  busy: boolean;
  onPrev: () => void;
  onNext: () => void;
}

/** Prev/Next with a fixed width, so the buttons stay put while pages load. */
export function Pager({ label, pageNumber, shown, hasPrev, hasNext, busy, onPrev, onNext }: PagerProps) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={onPrev} disabled={!hasPrev || busy}>← Prev</button>
      <span className="pager-status" aria-live="polite">
        Page {pageNumber}{shown > 0 ? ` · ${shown} events` : ''}
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext || busy}>Next →</button>
    </nav>
  );
}

// The filters applied now, as chips that stay in sight above the table: each says what it keeps
// and removes itself with its × button.

import { RANGES, type AuditView } from './url-state';

interface Chip {
  key: string;
  label: string;
  remove: (view: AuditView) => AuditView;
}

function chipsOf(view: AuditView): Chip[] {
  const chips: Chip[] = [];
  for (const action of view.actions) chips.push({ key: `action:${action}`, label: `action: ${action}`, remove: (v) => ({ ...v, actions: v.actions.filter((a) => a !== action) }) });
  for (const category of view.categories) chips.push({ key: `category:${category}`, label: `category: ${category}`, remove: (v) => ({ ...v, categories: v.categories.filter((c) => c !== category) }) });
  if (view.actor) chips.push({ key: 'actor', label: `actor: ${view.actor}`, remove: (v) => ({ ...v, actor: '' }) });
  if (view.target) chips.push({ key: 'target', label: `target: ${view.target}`, remove: (v) => ({ ...v, target: '' }) });
  if (view.targetType) chips.push({ key: 'target_type', label: `target type: ${view.targetType}`, remove: (v) => ({ ...v, targetType: '' }) });
  if (view.ip) chips.push({ key: 'ip', label: `ip: ${view.ip}`, remove: (v) => ({ ...v, ip: '' }) });
  if (view.success) chips.push({ key: 'success', label: view.success === 'true' ? 'successes only' : 'failures only', remove: (v) => ({ ...v, success: '' }) });
  if (view.q) chips.push({ key: 'q', label: `search: ${view.q}`, remove: (v) => ({ ...v, q: '' }) });
  if (view.range === 'custom') {
    const label = `time: ${view.from ? view.from.slice(0, 19).replace('T', ' ') : 'the beginning'} to ${view.to ? view.to.slice(0, 19).replace('T', ' ') : 'now'} UTC`;
    chips.push({ key: 'time', label, remove: (v) => ({ ...v, range: '7d', from: '', to: '' }) });
  } else {
    chips.push({ key: 'time', label: RANGES.find((r) => r.value === view.range)!.label.toLowerCase(), remove: (v) => v });
  }
  return chips;
}

export function FilterChips({ view, onChange }: { view: AuditView; onChange: (view: AuditView) => void }) {
  const chips = chipsOf(view);
  return (
    <ul className="chips" aria-label="Filters applied">
      {chips.map((chip) => (
        <li key={chip.key} className="chip">
          <span>{chip.label}</span>
          {/* The preset time window is always there; only a custom one can be removed (back to 7 days). */}
          {!(chip.key === 'time' && view.range !== 'custom') && (
            <button type="button" aria-label={`Remove filter ${chip.label}`} onClick={() => onChange({ ...chip.remove(view), page: 1 })}>×</button>
          )}
        </li>
      ))}
    </ul>
  );
}

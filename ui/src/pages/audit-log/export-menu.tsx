// Export links for the current filters. They are plain links (GET), so the browser downloads the
// file with the session cookie; nothing is buffered in the page.

const FORMATS = [
  { value: 'csv', label: 'CSV' },
  { value: 'ndjson', label: 'NDJSON' },
  { value: 'cef', label: 'CEF' },
  { value: 'leef', label: 'LEEF' },
  { value: 'ocsf', label: 'OCSF' },
] as const;

export function ExportMenu({ params }: { params: URLSearchParams }) {
  const hrefOf = (format: string) => {
    const query = new URLSearchParams(params);
    query.set('format', format);
    return `/v1/events/export?${query}`;
  };
  return (
    <details className="export-menu">
      <summary>Export</summary>
      <ul aria-label="Export formats">
        {FORMATS.map((f) => (
          <li key={f.value}><a href={hrefOf(f.value)} download>{f.label}</a></li>
        ))}
      </ul>
      <p className="help">Exports everything that matches the filters, not only this page.</p>
    </details>
  );
}

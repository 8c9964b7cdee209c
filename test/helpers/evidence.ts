// Reading NDJSON artifacts in tests: bulk and scheduled NDJSON exports are evidence files, whose
// first line is the pinned checkpoint and last line the signed statement.

/** The events of an NDJSON export, evidence header and trailer left out (each event keeps its inclusion_proof). */
export function ndjsonEvents(text: string): Record<string, unknown>[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((item) => !('stele_evidence' in item) && !('stele_evidence_end' in item));
}

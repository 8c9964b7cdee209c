// A file of signed notes, one after another, as Stele appends its checkpoints to
// STELE_CHECKPOINT_FILE: each note's body, a blank line, its signature lines, and blank lines
// between notes. Splitting is syntactic; each note is then opened with a key as usual.

import { SIGNATURE_PREFIX } from './note.js';

/**
 * The notes in `text`, in file order, each ending in its last signature line's newline. Blank
 * lines between notes are skipped. A trailing fragment that is not a whole note (a half-written
 * append) is returned in `incomplete` rather than as a note.
 */
export function splitNotes(text: string): { notes: string[]; incomplete: string | undefined } {
  const lines = text.split('\n');
  // A text ending in \n splits into a last empty element that is not a line of its own.
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  const notes: string[] = [];
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && lines[i] === '') i++;
    const start = i;
    while (i < lines.length && lines[i] !== '') i++;
    const body = lines.slice(start, i);
    if (body.length === 0) break;
    const blank = i;
    i++;
    const signatures: string[] = [];
    while (i < lines.length && lines[i]!.startsWith(SIGNATURE_PREFIX)) signatures.push(lines[i++]!);
    const reachedEnd = i >= lines.length;
    if (signatures.length === 0 || blank >= lines.length || (reachedEnd && !complete)) {
      return { notes, incomplete: lines.slice(start).join('\n') };
    }
    notes.push(`${body.join('\n')}\n\n${signatures.join('\n')}\n`);
  }
  return { notes, incomplete: undefined };
}

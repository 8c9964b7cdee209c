// Every way a query can be wrong ends here: one SteleError with the column where it went wrong.

import { SteleError } from '../../domain/errors.js';

/** position: 1-based column (UTF-16 code units) in the query text; length + 1 means "at the end". */
export const invalidQuery = (message: string, position: number): SteleError =>
  new SteleError('invalid_query', message, [], { position });

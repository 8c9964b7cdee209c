// RFC 8785 (JCS) of a JSON text, as packages/integrity/src/canonical.ts's canonicalJson writes it: members
// in UTF-16 code unit order, strings escaped as JSON.stringify escapes them, numbers as ECMAScript
// writes a double.

#ifndef STELE_CANONICAL_JSON_H
#define STELE_CANONICAL_JSON_H

#include "canonical_text.h"

/**
 * Writes the RFC 8785 text of `json` at the text's end: WRITTEN, NO_MEMORY, or NO_ENCODING when
 * it is not JSON or holds what this writer leaves to JavaScript (duplicate keys, lone surrogates,
 * numbers a double cannot hold, nesting deeper than 256).
 */
int put_canonical_json(Text *text, const unsigned char *json, size_t length);

#endif

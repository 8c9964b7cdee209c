// An event row's leaf hash input, 0x00 then its canonical text (packages/integrity/src/canonical.ts), written
// from its column values by a shape that src/store/canonical-rows.ts generates from its member
// list. Shared by the SQLite extension (stele_sqlite.c) and the PostgreSQL page reader
// (stele_postgres.c); neither knows a field of an event.
//
// Shape: members separated by ','. A member is a kind letter then its key: s string, i integer,
// t time (whole milliseconds since the epoch, written as Date#toISOString writes them), b boolean
// (0 or 1), j JSON, each taking the next value; or '{' then a key, opening a nested object that a
// lone '}' closes. A NULL value, JSON that is null or {} and a nested object with no members are
// left out.
//
// Each kind of value is written by an encoding that no two values share, so a text that matches an
// event's stored leaf hash holds exactly the values canonicalText hashed. A value with no such
// encoding (a success flag of 2, a time before 1970 or after 9999...) makes the row NO_ENCODING,
// and the verifier reads its page the ordinary way.

#ifndef STELE_CANONICAL_TEXT_H
#define STELE_CANONICAL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  unsigned char *data;
  size_t length, capacity;
} Text;

int text_grow(Text *text, size_t more);
void text_free(Text *text);

/** Room for `more` bytes after the text's end; 0 when memory ran out. */
static inline int text_reserve(Text *text, size_t more) {
  return text->length + more <= text->capacity || text_grow(text, more);
}

/** Appends bytes there is room for (see text_reserve). */
static inline void text_put(Text *text, const void *bytes, size_t length) {
  memcpy(text->data + text->length, bytes, length);
  text->length += length;
}

enum { WRITTEN, LEFT_OUT, NO_ENCODING, NO_MEMORY };

typedef enum {
  VALUE_NULL,
  VALUE_TEXT,    // UTF-8 text; for a 'j' member, RFC 8785 text spliced as it is
  VALUE_INTEGER,
  VALUE_JSON,    // any JSON text, for a 'j' member: put into RFC 8785 form (canonical_json.h)
  VALUE_OTHER,   // a value of a type the member cannot hold
} ValueType;

typedef struct {
  ValueType type;
  const unsigned char *text;
  size_t length;
  int64_t integer;
} Value;

#define SHAPE_MAX_MEMBERS 64
#define SHAPE_MAX_KEY 32
#define SHAPE_MAX_DEPTH 8

typedef struct {
  char kind;                // s i t b j, '{' or '}'
  char key[SHAPE_MAX_KEY];  // as written: "key":
  int key_length;
} ShapeMember;

typedef struct {
  ShapeMember members[SHAPE_MAX_MEMBERS];
  int count;
  int values; // members that take a value
} Shape;

/** Parses a shape; 0 when it is not a valid one. */
int shape_parse(Shape *shape, const char *spec, size_t length);

/** Writes one row (0x00 and its text) at the text's end: WRITTEN, NO_ENCODING or NO_MEMORY. */
int put_row(Text *text, const Shape *shape, const Value *values);

/** A JSON string as JSON.stringify (and so RFC 8785) writes it: only ", \ and C0 controls escaped. */
int put_json_string(Text *text, const unsigned char *s, size_t length);

#endif

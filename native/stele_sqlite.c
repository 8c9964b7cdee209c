// A SQLite extension with one function, stele_leaf_input(shape, value...): an event row's leaf
// hash input, 0x00 then its canonical text (packages/integrity/src/canonical.ts), as one blob. Written in
// SQL the same text takes about 120 expression evaluations per row; here it is one call.
//
// The text is written by canonical_text.c, from a shape that src/store/canonical-rows.ts generates
// from the same member list as the SQL version (see canonical_text.h). Like the SQL version, the
// result is only a shortcut the verifier checks against the stored leaf hash: a row with a value
// that has no exact encoding gives NULL, and the verifier then reads the page the ordinary way.
// SQLite keeps details as RFC 8785 text already, so a 'j' member's text is spliced as it is.

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <stdlib.h>
#include "canonical_text.h"

static Value value_of(sqlite3_value *value) {
  Value v = {VALUE_OTHER, NULL, 0, 0};
  switch (sqlite3_value_type(value)) {
    case SQLITE_NULL: v.type = VALUE_NULL; break;
    case SQLITE_INTEGER: v.type = VALUE_INTEGER; v.integer = sqlite3_value_int64(value); break;
    case SQLITE_TEXT: v.type = VALUE_TEXT; v.text = sqlite3_value_text(value); v.length = (size_t)sqlite3_value_bytes(value); break;
  }
  return v;
}

static void free_shape(void *shape) { sqlite3_free(shape); }

static Shape *shape_of(sqlite3_value *spec) {
  const char *text = (const char *)sqlite3_value_text(spec);
  Shape *shape = text ? sqlite3_malloc64(sizeof *shape) : NULL;
  if (shape && !shape_parse(shape, text, (size_t)sqlite3_value_bytes(spec))) {
    sqlite3_free(shape);
    return NULL;
  }
  return shape;
}

static void leaf_input(sqlite3_context *context, int argc, sqlite3_value **argv) {
  Shape *shape = sqlite3_get_auxdata(context, 0);
  if (!shape) {
    shape = shape_of(argv[0]);
    if (!shape) {
      sqlite3_result_error(context, "stele_leaf_input: invalid shape", -1);
      return;
    }
    sqlite3_set_auxdata(context, 0, shape, free_shape);
    shape = sqlite3_get_auxdata(context, 0); // SQLite may have freed it already
    if (!shape) {
      sqlite3_result_error_nomem(context);
      return;
    }
  }
  if (argc - 1 != shape->values) {
    sqlite3_result_error(context, "stele_leaf_input: the shape takes a different number of values", -1);
    return;
  }
  Value values[SHAPE_MAX_MEMBERS];
  for (int i = 0; i < shape->values; i++) values[i] = value_of(argv[i + 1]);
  Text text = {0};
  int outcome = put_row(&text, shape, values);
  if (outcome == WRITTEN) {
    sqlite3_result_blob64(context, text.data, text.length, free);
    return;
  }
  text_free(&text);
  if (outcome == NO_MEMORY) sqlite3_result_error_nomem(context);
  else sqlite3_result_null(context);
}

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
int sqlite3_extension_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function_v2(db, "stele_leaf_input", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, leaf_input, NULL, NULL, NULL);
}

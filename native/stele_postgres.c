// The fast path of PostgreSQL verification (src/store/postgres/copied-canonical-rows.ts): a page
// of events read with COPY ... TO STDOUT (FORMAT binary), as the protocol messages arrived, turned
// into its leaf hashes in one call. The server only sends the columns, its cheapest work; each
// event's canonical text is written here by canonical_text.c, details put into RFC 8785 form by
// canonical_json.c (jsonb text keeps neither RFC 8785's member order nor its numbers), and hashed
// at once, while it is still in the cache: the page's texts are never kept.
//
// canonicalRowsFromCopy(shape, seqValue, idValue, chunks) reads the protocol messages of a COPY,
// in chunks cut anywhere, whose rows are leaf_hash (bytea), chain_hash (bytea) and then one value
// per value of the shape: text for 's', int8 for 'i', 't' and 'b', jsonb for 'j'. seqValue and
// idValue say which values are the event's seq and id. It gives the page as the store port's
// CanonicalRows (packages/integrity/src/canonical-rows.ts), with computedLeafHashes. Anything that is not
// such a COPY throws.
//
// canonicalJson(text) gives RFC 8785 of a JSON text, or null when canonical_json.c leaves it to
// JavaScript; the tests hold it to packages/integrity/src/canonical.ts.

#include <node_api.h>
#include "napi_bytes.h"
#include <stdlib.h>
#include <string.h>
#include "canonical_json.h"
#include "canonical_text.h"
#include "sha256.h"
#define HASH_COLUMNS 2 // leaf_hash, chain_hash

static const unsigned char BINARY_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};

static uint32_t read_u32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int64_t read_i64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return (int64_t)v;
}

// Where a walk through the protocol messages of a COPY has got to. The messages come in chunks
// cut anywhere, even inside a message header.
typedef struct {
  unsigned char header[5]; // type, then length (which counts itself)
  size_t header_length;    // of the current message's header, seen so far
  size_t body_left;        // of the current message's body, still to come
  int body_is_data;        // it is CopyData, whose payload is the COPY's binary stream
} MessageWalk;

// Appends the CopyData payloads in `chunk` to the stream. Other messages a server may send
// meanwhile (CopyOutResponse, notices, parameter changes) are passed over.
static const char *walk_chunk(MessageWalk *walk, const unsigned char *chunk, size_t length, Text *stream) {
  size_t at = 0;
  while (at < length) {
    if (walk->body_left > 0) {
      size_t take = walk->body_left < length - at ? walk->body_left : length - at;
      if (walk->body_is_data) {
        if (!text_reserve(stream, take)) return "out of memory";
        text_put(stream, chunk + at, take);
      }
      at += take;
      walk->body_left -= take;
      continue;
    }
    walk->header[walk->header_length++] = chunk[at++];
    if (walk->header_length < sizeof walk->header) continue;
    walk->header_length = 0;
    unsigned char type = walk->header[0];
    uint32_t size = read_u32(walk->header + 1);
    if (size < 4) return "a COPY message has a length below 4";
    if (type != 'd' && type != 'H' && type != 'N' && type != 'S' && type != 'A') return "the COPY messages hold a message other than COPY data";
    walk->body_is_data = type == 'd';
    walk->body_left = size - 4;
  }
  return NULL;
}

static const char *walk_end(const MessageWalk *walk) {
  if (walk->header_length > 0) return "the COPY messages end inside a message header";
  if (walk->body_left > 0) return "the COPY messages end inside a message";
  return NULL;
}

typedef struct {
  size_t rows;
  int64_t first_seq, last_seq;
  const unsigned char *last_id;
  size_t last_id_length;
  Text stored_leaf_hashes, stored_chain_hashes, computed_leaf_hashes;
  int exact;
} Page;

static Value value_of(char kind, const unsigned char *field, int32_t length) {
  Value v = {VALUE_OTHER, NULL, 0, 0};
  if (length < 0) v.type = VALUE_NULL;
  else if (kind == 's') { v.type = VALUE_TEXT; v.text = field; v.length = (size_t)length; }
  else if (kind == 'j') { if (length >= 1 && field[0] == 1) { v.type = VALUE_JSON; v.text = field + 1; v.length = (size_t)length - 1; } } // jsonb: version 1, then text
  else if (length == 8) { v.type = VALUE_INTEGER; v.integer = read_i64(field); }
  return v;
}

// Reads the binary COPY stream's rows into the page, each row's text written into `text` (whose
// memory is reused row after row) and hashed.
static const char *read_rows(const Shape *shape, int seq_value, int id_value, const unsigned char *s, size_t length, Text *text, Page *page) {
  if (length < 19 || memcmp(s, BINARY_SIGNATURE, 11) != 0) return "not a binary COPY";
  size_t at = 19 + read_u32(s + 15); // signature, flags, header extension length and extension
  const int columns = HASH_COLUMNS + shape->values;
  char kinds[SHAPE_MAX_MEMBERS]; // of the shape's values, in order
  int value_count = 0;
  for (int i = 0; i < shape->count; i++) if (strchr("sitbj", shape->members[i].kind)) kinds[value_count++] = shape->members[i].kind;
  Value values[SHAPE_MAX_MEMBERS];
  for (;;) {
    if (at > length || length - at < 2) return "the COPY ends inside a row";
    int16_t count = (int16_t)(s[at] << 8 | s[at + 1]);
    at += 2;
    if (count == -1) return at == length ? NULL : "the COPY goes on after its end";
    if (count != columns) return "a COPY row has other columns than the shape";
    const unsigned char *hashes[HASH_COLUMNS];
    int32_t hash_lengths[HASH_COLUMNS];
    for (int c = 0; c < columns; c++) {
      if (length - at < 4) return "the COPY ends inside a row";
      int32_t field_length = (int32_t)read_u32(s + at);
      at += 4;
      if (field_length < -1) return "a COPY field has a negative length";
      if (field_length > 0 && (size_t)field_length > length - at) return "the COPY ends inside a row";
      if (c < HASH_COLUMNS) { hashes[c] = s + at; hash_lengths[c] = field_length; }
      else values[c - HASH_COLUMNS] = value_of(kinds[c - HASH_COLUMNS], s + at, field_length);
      if (field_length > 0) at += (size_t)field_length;
    }
    const Value *seq = &values[seq_value], *id = &values[id_value];
    if (hash_lengths[0] != HASH_SIZE || hash_lengths[1] != HASH_SIZE || seq->type != VALUE_INTEGER || id->type != VALUE_TEXT) return "a COPY row's hashes, seq or id are not what they must be";
    if (page->rows == 0) page->first_seq = seq->integer;
    page->last_seq = seq->integer;
    page->last_id = id->text;
    page->last_id_length = id->length;
    page->rows++;
    if (!text_reserve(&page->stored_leaf_hashes, HASH_SIZE) || !text_reserve(&page->stored_chain_hashes, HASH_SIZE)) return "out of memory";
    text_put(&page->stored_leaf_hashes, hashes[0], HASH_SIZE);
    text_put(&page->stored_chain_hashes, hashes[1], HASH_SIZE);
    // After one row without an exact text the page is read the ordinary way: no more texts needed.
    if (!page->exact) continue;
    text->length = 0;
    int outcome = put_row(text, shape, values);
    if (outcome == NO_MEMORY) return "out of memory";
    if (outcome != WRITTEN) {
      page->exact = 0;
      continue;
    }
    if (!text_reserve(&page->computed_leaf_hashes, HASH_SIZE)) return "out of memory";
    sha256(text->data, text->length, page->computed_leaf_hashes.data + page->computed_leaf_hashes.length);
    page->computed_leaf_hashes.length += HASH_SIZE;
  }
}

static void free_data(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

// A Buffer that takes the text's bytes over (the text is left empty), or NULL with an exception pending.
static napi_value buffer_of(napi_env env, Text *text) {
  napi_value result;
  if (text->length == 0) {
    void *data;
    return napi_create_buffer(env, 0, &data, &result) == napi_ok ? result : NULL;
  }
  if (napi_create_external_buffer(env, text->length, text->data, free_data, NULL, &result) != napi_ok) return NULL;
  text->data = NULL;
  text->length = text->capacity = 0;
  return result;
}

static int set(napi_env env, napi_value object, const char *name, napi_value value) {
  return value && napi_set_named_property(env, object, name, value) == napi_ok;
}

static napi_value page_object(napi_env env, Page *page) {
  napi_value object, rows, first_seq, last_seq, last_id, exact;
  if (napi_create_object(env, &object) != napi_ok ||
      napi_create_double(env, (double)page->rows, &rows) != napi_ok ||
      napi_create_int64(env, page->first_seq, &first_seq) != napi_ok ||
      napi_create_int64(env, page->last_seq, &last_seq) != napi_ok ||
      napi_create_string_utf8(env, page->rows ? (const char *)page->last_id : "", page->last_id_length, &last_id) != napi_ok ||
      napi_get_boolean(env, page->exact, &exact) != napi_ok) {
    return NULL;
  }
  if (!set(env, object, "rows", rows) || !set(env, object, "firstSeq", first_seq) || !set(env, object, "lastSeq", last_seq) ||
      !set(env, object, "lastId", last_id) || !set(env, object, "computedLeafHashes", buffer_of(env, &page->computed_leaf_hashes)) ||
      !set(env, object, "storedLeafHashes", buffer_of(env, &page->stored_leaf_hashes)) ||
      !set(env, object, "storedChainHashes", buffer_of(env, &page->stored_chain_hashes)) || !set(env, object, "exact", exact)) {
    return NULL;
  }
  return object;
}

// Memory kept between calls: fresh memory of a page's size costs more to fault in than everything
// done with it here.
typedef struct {
  Text stream; // the CopyData payloads, back to back
  Text text;   // one row's text
} Scratch;

// The COPY's binary stream from the protocol messages in `chunks` (an array of Uint8Array, cut
// anywhere): NULL, or what is wrong. 0 with an exception pending when an argument is wrong.
static int copy_stream(napi_env env, napi_value chunks, Text *stream, const char **problem) {
  bool is_array = false;
  uint32_t count;
  if (napi_is_array(env, chunks, &is_array) != napi_ok || !is_array || napi_get_array_length(env, chunks, &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "chunks must be an array of Uint8Array");
    return 0;
  }
  MessageWalk walk = {0};
  stream->length = 0;
  *problem = NULL;
  for (uint32_t i = 0; i < count && !*problem; i++) {
    napi_value chunk;
    unsigned char *data;
    size_t length;
    if (napi_get_element(env, chunks, i, &chunk) != napi_ok || !bytes_arg(env, chunk, &data, &length, "each chunk")) return 0;
    *problem = walk_chunk(&walk, data, length, stream);
  }
  if (!*problem) *problem = walk_end(&walk);
  return 1;
}

static napi_value canonical_rows_from_copy(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  char spec[1024];
  size_t spec_length;
  Shape shape;
  int32_t seq_value, id_value;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], spec, sizeof spec, &spec_length) != napi_ok || !shape_parse(&shape, spec, spec_length)) {
    napi_throw_type_error(env, NULL, "shape must be a valid shape string");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[1], &seq_value) != napi_ok || napi_get_value_int32(env, argv[2], &id_value) != napi_ok ||
      seq_value < 0 || seq_value >= shape.values || id_value < 0 || id_value >= shape.values) {
    napi_throw_range_error(env, NULL, "seqValue and idValue must be indexes of the shape's values");
    return NULL;
  }
  Scratch *scratch;
  if (napi_get_instance_data(env, (void **)&scratch) != napi_ok || !scratch) {
    napi_throw_error(env, NULL, "stele_postgres is not initialised");
    return NULL;
  }
  const char *problem;
  if (!copy_stream(env, argv[3], &scratch->stream, &problem)) return NULL;
  Page page = {.exact = 1};
  if (!problem) problem = read_rows(&shape, seq_value, id_value, scratch->stream.data, scratch->stream.length, &scratch->text, &page);
  napi_value result = problem ? NULL : page_object(env, &page);
  text_free(&page.stored_leaf_hashes);
  text_free(&page.stored_chain_hashes);
  text_free(&page.computed_leaf_hashes);
  if (problem) napi_throw_error(env, "STELE_COPY_UNREADABLE", problem);
  return result;
}

static napi_value canonical_json(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  unsigned char *json;
  size_t length;
  if (!bytes_arg(env, argv[0], &json, &length, "text")) return NULL;
  Text text = {0};
  int outcome = put_canonical_json(&text, json, length);
  napi_value result = NULL;
  if (outcome == WRITTEN) result = buffer_of(env, &text);
  else if (outcome == NO_ENCODING) napi_get_null(env, &result);
  else napi_throw_error(env, NULL, "out of memory");
  text_free(&text);
  return result;
}

static void free_scratch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Scratch *scratch = data;
  text_free(&scratch->stream);
  text_free(&scratch->text);
  free(scratch);
}

NAPI_MODULE_INIT() {
  Scratch *scratch = calloc(1, sizeof *scratch);
  if (!scratch || napi_set_instance_data(env, scratch, free_scratch, NULL) != napi_ok) {
    free(scratch);
    napi_throw_error(env, NULL, "stele_postgres could not be initialised");
    return NULL;
  }
  const napi_property_descriptor functions[] = {
    {"canonicalRowsFromCopy", NULL, canonical_rows_from_copy, NULL, NULL, NULL, napi_enumerable, NULL},
    {"canonicalJson", NULL, canonical_json, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

// A SQLite extension with one function, stele_leaf_input(shape, value...): an event row's leaf
// hash input, 0x00 then its canonical text (src/integrity/canonical.ts), as one blob. Written in
// SQL the same text takes about 120 expression evaluations per row; here it is one call.
//
// The shape lists the members in RFC 8785 order, and src/store/canonical-rows.ts generates it from
// the same member list as the SQL version, so this file knows no field of an event. Like the SQL
// version, the result is only a shortcut the verifier checks against the stored leaf hash. Each
// kind of value is written by an encoding that no two values share, so a text that matches the
// stored hash holds exactly the values canonicalText hashed; a value that has no such encoding
// (a success flag of 2, a time that is not a whole millisecond...) makes the result NULL, and the
// verifier then reads the page the ordinary way.
//
// Shape: members separated by ','. A member is a kind letter then its key: s string, i integer,
// t time (whole milliseconds since the epoch, written as Date#toISOString writes them), b boolean
// (0 or 1), j JSON object text (spliced as is; the caller checks it is valid), each taking the next
// value; or '{' then a key, opening a nested object that a lone '}' closes. A NULL value, a NULL
// or '{}' JSON object and a nested object with no members are left out.

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <stdint.h>
#include <string.h>

#define MAX_MEMBERS 64
#define MAX_KEY 32
#define MAX_DEPTH 8
// Date#toISOString keeps four-digit years up to 9999-12-31T23:59:59.999Z.
#define LAST_FOUR_DIGIT_YEAR_MS INT64_C(253402300799999)

typedef struct {
  char kind;         // s i t b j, '{' or '}'
  char key[MAX_KEY]; // as written: "key":
  int key_length;
} Member;

typedef struct {
  Member members[MAX_MEMBERS];
  int count;
  int values; // members that take a value
} Shape;

typedef struct {
  unsigned char *data;
  size_t length, capacity;
} Text;

static int reserve(Text *text, size_t more) {
  if (text->length + more <= text->capacity) return 1;
  size_t capacity = text->capacity ? text->capacity : 1024;
  while (capacity < text->length + more) capacity *= 2;
  unsigned char *data = sqlite3_realloc64(text->data, capacity);
  if (!data) return 0;
  text->data = data;
  text->capacity = capacity;
  return 1;
}

static void put(Text *text, const void *bytes, size_t length) {
  memcpy(text->data + text->length, bytes, length);
  text->length += length;
}

static const char HEX[] = "0123456789abcdef";

// A JSON string as JSON.stringify (and so RFC 8785) writes it: only ", \ and C0 controls escaped.
static int put_string(Text *text, const unsigned char *s, int length) {
  if (!reserve(text, 2 + 6 * (size_t)length)) return 0;
  unsigned char *out = text->data + text->length;
  *out++ = '"';
  for (int i = 0; i < length; i++) {
    unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') { *out++ = c; continue; }
    *out++ = '\\';
    switch (c) {
      case '"': *out++ = '"'; break;
      case '\\': *out++ = '\\'; break;
      case '\b': *out++ = 'b'; break;
      case '\t': *out++ = 't'; break;
      case '\n': *out++ = 'n'; break;
      case '\f': *out++ = 'f'; break;
      case '\r': *out++ = 'r'; break;
      default: *out++ = 'u'; *out++ = '0'; *out++ = '0'; *out++ = HEX[c >> 4]; *out++ = HEX[c & 15];
    }
  }
  *out++ = '"';
  text->length = out - text->data;
  return 1;
}

static int put_integer(Text *text, sqlite3_int64 value) {
  char digits[24];
  int n = 0;
  uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  do { digits[n++] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude);
  if (!reserve(text, n + 1)) return 0;
  if (value < 0) text->data[text->length++] = '-';
  while (n) text->data[text->length++] = (unsigned char)digits[--n];
  return 1;
}

static void put_digits(unsigned char *out, int value, int width) {
  for (int i = width - 1; i >= 0; i--) { out[i] = (unsigned char)('0' + value % 10); value /= 10; }
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for 0 <= ms <= LAST_FOUR_DIGIT_YEAR_MS (checked by the caller).
static int put_time(Text *text, sqlite3_int64 ms) {
  if (!reserve(text, 26)) return 0;
  sqlite3_int64 days = ms / 86400000, in_day = ms % 86400000;
  // Days to civil date: Howard Hinnant's algorithm, for days on or after 1970-01-01.
  sqlite3_int64 z = days + 719468, era = z / 146097, doe = z - era * 146097;
  sqlite3_int64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  sqlite3_int64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int day = (int)(doy - (153 * mp + 2) / 5 + 1), month = (int)(mp < 10 ? mp + 3 : mp - 9);
  int year = (int)(yoe + era * 400 + (month <= 2));
  unsigned char *out = text->data + text->length;
  out[0] = '"';
  put_digits(out + 1, year, 4);
  out[5] = '-';
  put_digits(out + 6, month, 2);
  out[8] = '-';
  put_digits(out + 9, day, 2);
  out[11] = 'T';
  put_digits(out + 12, (int)(in_day / 3600000), 2);
  out[14] = ':';
  put_digits(out + 15, (int)(in_day / 60000 % 60), 2);
  out[17] = ':';
  put_digits(out + 18, (int)(in_day / 1000 % 60), 2);
  out[20] = '.';
  put_digits(out + 21, (int)(in_day % 1000), 3);
  out[24] = 'Z';
  out[25] = '"';
  text->length += 26;
  return 1;
}

static Shape *parse_shape(const char *spec) {
  Shape *shape = sqlite3_malloc64(sizeof *shape);
  if (!shape) return NULL;
  shape->count = shape->values = 0;
  int depth = 0;
  for (const char *p = spec; *p;) {
    const char *end = strchr(p, ',');
    size_t length = end ? (size_t)(end - p) : strlen(p);
    if (shape->count == MAX_MEMBERS || length == 0 || length + 2 > MAX_KEY) goto invalid;
    Member *m = &shape->members[shape->count++];
    m->kind = p[0];
    if (m->kind == '}') {
      if (length != 1 || --depth < 0) goto invalid;
    } else {
      if (!strchr("sitbj{", m->kind) || length < 2) goto invalid;
      for (size_t i = 1; i < length; i++) if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_')) goto invalid;
      m->key[0] = '"';
      memcpy(m->key + 1, p + 1, length - 1);
      m->key[length] = '"';
      m->key[length + 1] = ':';
      m->key_length = (int)length + 2;
      if (m->kind == '{') {
        if (++depth >= MAX_DEPTH) goto invalid;
      } else {
        shape->values++;
      }
    }
    p = end ? end + 1 : p + length;
  }
  if (depth == 0) return shape;
invalid:
  sqlite3_free(shape);
  return NULL;
}

// Writes `,"key":` (or without the comma for an object's first member).
static int put_key(Text *text, const Member *m, int *first) {
  if (!reserve(text, m->key_length + 2)) return 0;
  if (!*first) text->data[text->length++] = ',';
  *first = 0;
  put(text, m->key, m->key_length);
  return 1;
}

enum { WRITTEN, LEFT_OUT, NO_ENCODING, NO_MEMORY };

static int put_value(Text *text, const Member *m, sqlite3_value *value, int *first) {
  int type = sqlite3_value_type(value);
  if (type == SQLITE_NULL) return LEFT_OUT;
  switch (m->kind) {
    case 's':
      if (type != SQLITE_TEXT) return NO_ENCODING;
      return put_key(text, m, first) && put_string(text, sqlite3_value_text(value), sqlite3_value_bytes(value)) ? WRITTEN : NO_MEMORY;
    case 'i':
      if (type != SQLITE_INTEGER) return NO_ENCODING;
      return put_key(text, m, first) && put_integer(text, sqlite3_value_int64(value)) ? WRITTEN : NO_MEMORY;
    case 't': {
      if (type != SQLITE_INTEGER) return NO_ENCODING;
      sqlite3_int64 ms = sqlite3_value_int64(value);
      if (ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) return NO_ENCODING;
      return put_key(text, m, first) && put_time(text, ms) ? WRITTEN : NO_MEMORY;
    }
    case 'b': {
      if (type != SQLITE_INTEGER) return NO_ENCODING;
      sqlite3_int64 flag = sqlite3_value_int64(value);
      if (flag != 0 && flag != 1) return NO_ENCODING;
      if (!put_key(text, m, first) || !reserve(text, 5)) return NO_MEMORY;
      put(text, flag ? "true" : "false", flag ? 4 : 5);
      return WRITTEN;
    }
    default: { // 'j'
      if (type != SQLITE_TEXT) return NO_ENCODING;
      const unsigned char *json = sqlite3_value_text(value);
      int length = sqlite3_value_bytes(value);
      if (length == 2 && json[0] == '{' && json[1] == '}') return LEFT_OUT;
      if (!put_key(text, m, first) || !reserve(text, length)) return NO_MEMORY;
      put(text, json, length);
      return WRITTEN;
    }
  }
}

// Writes the row into text; returns WRITTEN, NO_ENCODING or NO_MEMORY.
static int put_row(Text *text, const Shape *shape, sqlite3_value **values) {
  // Per open object: where its member began (to take it back if it stays empty) and whether
  // the next member is its first.
  size_t opened_at[MAX_DEPTH];
  int first[MAX_DEPTH + 1];
  int depth = 0;
  first[0] = 1;
  if (!reserve(text, 2)) return NO_MEMORY;
  put(text, "\0{", 2);
  for (int i = 0; i < shape->count; i++) {
    const Member *m = &shape->members[i];
    if (m->kind == '{') {
      opened_at[depth] = text->length;
      int was_first = first[depth];
      if (!put_key(text, m, &first[depth]) || !reserve(text, 1)) return NO_MEMORY;
      text->data[text->length++] = '{';
      first[depth] = was_first; // settled when the object closes
      first[++depth] = 1;
    } else if (m->kind == '}') {
      if (first[depth--]) {
        text->length = opened_at[depth]; // no members: left out
      } else {
        if (!reserve(text, 1)) return NO_MEMORY;
        text->data[text->length++] = '}';
        first[depth] = 0;
      }
    } else {
      int outcome = put_value(text, m, *values++, &first[depth]);
      if (outcome == NO_ENCODING || outcome == NO_MEMORY) return outcome;
    }
  }
  if (!reserve(text, 1)) return NO_MEMORY;
  text->data[text->length++] = '}';
  return WRITTEN;
}

static void free_shape(void *shape) { sqlite3_free(shape); }

static void leaf_input(sqlite3_context *context, int argc, sqlite3_value **argv) {
  Shape *shape = sqlite3_get_auxdata(context, 0);
  if (!shape) {
    const char *spec = (const char *)sqlite3_value_text(argv[0]);
    shape = spec ? parse_shape(spec) : NULL;
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
  Text text = {0};
  int outcome = put_row(&text, shape, argv + 1);
  if (outcome == WRITTEN) {
    sqlite3_result_blob64(context, text.data, text.length, sqlite3_free);
    return;
  }
  sqlite3_free(text.data);
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

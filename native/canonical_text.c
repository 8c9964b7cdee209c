// See canonical_text.h.

#include "canonical_text.h"
#include "canonical_json.h"
#include <stdlib.h>
#include <string.h>

// Date#toISOString keeps four-digit years up to 9999-12-31T23:59:59.999Z.
#define LAST_FOUR_DIGIT_YEAR_MS INT64_C(253402300799999)

int text_grow(Text *text, size_t more) {
  size_t capacity = text->capacity ? text->capacity : 1024;
  while (capacity < text->length + more) capacity *= 2;
  unsigned char *data = realloc(text->data, capacity);
  if (!data) return 0;
  text->data = data;
  text->capacity = capacity;
  return 1;
}

void text_free(Text *text) {
  free(text->data);
  text->data = NULL;
  text->length = text->capacity = 0;
}

static const char HEX[] = "0123456789abcdef";

int put_json_string(Text *text, const unsigned char *s, size_t length) {
  if (!text_reserve(text, 2 + 6 * length)) return 0;
  unsigned char *out = text->data + text->length;
  *out++ = '"';
  for (size_t i = 0; i < length; i++) {
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

static int put_integer(Text *text, int64_t value) {
  char digits[24];
  int n = 0;
  uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  do { digits[n++] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude);
  if (!text_reserve(text, n + 1)) return 0;
  if (value < 0) text->data[text->length++] = '-';
  while (n) text->data[text->length++] = (unsigned char)digits[--n];
  return 1;
}

static void put_digits(unsigned char *out, int value, int width) {
  for (int i = width - 1; i >= 0; i--) { out[i] = (unsigned char)('0' + value % 10); value /= 10; }
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for 0 <= ms <= LAST_FOUR_DIGIT_YEAR_MS (checked by the caller).
static int put_time(Text *text, int64_t ms) {
  if (!text_reserve(text, 26)) return 0;
  int64_t days = ms / 86400000, in_day = ms % 86400000;
  // Days to civil date: Howard Hinnant's algorithm, for days on or after 1970-01-01.
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
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

int shape_parse(Shape *shape, const char *spec, size_t spec_length) {
  shape->count = shape->values = 0;
  int depth = 0;
  const char *p = spec, *end_of_spec = spec + spec_length;
  while (p < end_of_spec) {
    const char *end = memchr(p, ',', end_of_spec - p);
    size_t length = end ? (size_t)(end - p) : (size_t)(end_of_spec - p);
    if (shape->count == SHAPE_MAX_MEMBERS || length == 0 || length + 2 > SHAPE_MAX_KEY) return 0;
    ShapeMember *m = &shape->members[shape->count++];
    m->kind = p[0];
    if (m->kind == '}') {
      if (length != 1 || --depth < 0) return 0;
    } else {
      if (!strchr("sitbj{", m->kind) || length < 2) return 0;
      for (size_t i = 1; i < length; i++) if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_')) return 0;
      m->key[0] = '"';
      memcpy(m->key + 1, p + 1, length - 1);
      m->key[length] = '"';
      m->key[length + 1] = ':';
      m->key_length = (int)length + 2;
      if (m->kind == '{') {
        if (++depth >= SHAPE_MAX_DEPTH) return 0;
      } else {
        shape->values++;
      }
    }
    p = end ? end + 1 : end_of_spec;
  }
  return depth == 0;
}

// Writes `,"key":` (or without the comma for an object's first member).
static int put_key(Text *text, const ShapeMember *m, int *first) {
  if (!text_reserve(text, m->key_length + 2)) return 0;
  if (!*first) text->data[text->length++] = ',';
  *first = 0;
  text_put(text, m->key, m->key_length);
  return 1;
}

static int is_text(const unsigned char *s, size_t length, const char *literal) {
  return length == strlen(literal) && memcmp(s, literal, length) == 0;
}

static int put_json_value(Text *text, const ShapeMember *m, const Value *value, int *first) {
  size_t before = text->length;
  int was_first = *first;
  if (!put_key(text, m, first)) return NO_MEMORY;
  size_t value_at = text->length;
  if (value->type == VALUE_TEXT) {
    if (!text_reserve(text, value->length)) return NO_MEMORY;
    text_put(text, value->text, value->length);
  } else {
    int outcome = put_canonical_json(text, value->text, value->length);
    if (outcome != WRITTEN) return outcome;
  }
  const unsigned char *written = text->data + value_at;
  size_t written_length = text->length - value_at;
  if (is_text(written, written_length, "{}") || (value->type == VALUE_JSON && is_text(written, written_length, "null"))) {
    text->length = before; // left out, as canonicalText leaves out empty details
    *first = was_first;
    return LEFT_OUT;
  }
  return WRITTEN;
}

static int put_value(Text *text, const ShapeMember *m, const Value *value, int *first) {
  if (value->type == VALUE_NULL) return LEFT_OUT;
  switch (m->kind) {
    case 's':
      if (value->type != VALUE_TEXT) return NO_ENCODING;
      return put_key(text, m, first) && put_json_string(text, value->text, value->length) ? WRITTEN : NO_MEMORY;
    case 'i':
      if (value->type != VALUE_INTEGER) return NO_ENCODING;
      return put_key(text, m, first) && put_integer(text, value->integer) ? WRITTEN : NO_MEMORY;
    case 't':
      if (value->type != VALUE_INTEGER || value->integer < 0 || value->integer > LAST_FOUR_DIGIT_YEAR_MS) return NO_ENCODING;
      return put_key(text, m, first) && put_time(text, value->integer) ? WRITTEN : NO_MEMORY;
    case 'b':
      if (value->type != VALUE_INTEGER || (value->integer != 0 && value->integer != 1)) return NO_ENCODING;
      if (!put_key(text, m, first) || !text_reserve(text, 5)) return NO_MEMORY;
      text_put(text, value->integer ? "true" : "false", value->integer ? 4 : 5);
      return WRITTEN;
    default: // 'j'
      if (value->type != VALUE_TEXT && value->type != VALUE_JSON) return NO_ENCODING;
      return put_json_value(text, m, value, first);
  }
}

int put_row(Text *text, const Shape *shape, const Value *values) {
  // Per open object: where its member began (to take it back if it stays empty) and whether
  // the next member is its first.
  size_t opened_at[SHAPE_MAX_DEPTH];
  int first[SHAPE_MAX_DEPTH + 1];
  int depth = 0;
  first[0] = 1;
  if (!text_reserve(text, 2)) return NO_MEMORY;
  text_put(text, "\0{", 2);
  for (int i = 0; i < shape->count; i++) {
    const ShapeMember *m = &shape->members[i];
    if (m->kind == '{') {
      opened_at[depth] = text->length;
      int was_first = first[depth];
      if (!put_key(text, m, &first[depth]) || !text_reserve(text, 1)) return NO_MEMORY;
      text->data[text->length++] = '{';
      first[depth] = was_first; // settled when the object closes
      first[++depth] = 1;
    } else if (m->kind == '}') {
      if (first[depth--]) {
        text->length = opened_at[depth]; // no members: left out
      } else {
        if (!text_reserve(text, 1)) return NO_MEMORY;
        text->data[text->length++] = '}';
        first[depth] = 0;
      }
    } else {
      int outcome = put_value(text, m, values++, &first[depth]);
      if (outcome == NO_ENCODING || outcome == NO_MEMORY) return outcome;
    }
  }
  if (!text_reserve(text, 1)) return NO_MEMORY;
  text->data[text->length++] = '}';
  return WRITTEN;
}

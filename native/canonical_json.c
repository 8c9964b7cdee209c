// See canonical_json.h. A recursive-descent reader that writes as it reads: strings are decoded
// and re-escaped, numbers re-written from the double they denote, and each object's members are
// written in the order they come, then put in order in place.

#include "canonical_json.h"
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

// An object member while its object is being written: its key (in the JSON text when it has no
// escapes, else decoded into `keys`), and its `"key":value` text in the output.
typedef struct {
  const unsigned char *key; // NULL when decoded into keys, at key_at
  size_t key_at, key_length;
  size_t text_at, text_length;
} Entry;

#define INLINE_ENTRIES 32

typedef struct {
  const unsigned char *at, *end;
  Text *out;
  Text keys;            // decoded keys of the objects being written
  Entry *entries;       // their members, innermost object's last
  size_t entry_count, entry_capacity;
  Entry inline_entries[INLINE_ENTRIES]; // enough for most: no allocation
  int depth;
} Reader;

static int put_value(Reader *r);

static void skip_space(Reader *r) {
  while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r')) r->at++;
}

static int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_hex4(Reader *r, unsigned *unit) {
  if (r->end - r->at < 4) return 0;
  unsigned value = 0;
  for (int i = 0; i < 4; i++) {
    int digit = hex_digit(r->at[i]);
    if (digit < 0) return 0;
    value = value * 16 + (unsigned)digit;
  }
  r->at += 4;
  *unit = value;
  return 1;
}

static void put_utf8(Text *text, unsigned cp) {
  unsigned char *out = text->data + text->length;
  if (cp < 0x80) { out[0] = (unsigned char)cp; text->length += 1; }
  else if (cp < 0x800) { out[0] = (unsigned char)(0xC0 | cp >> 6); out[1] = (unsigned char)(0x80 | (cp & 63)); text->length += 2; }
  else if (cp < 0x10000) { out[0] = (unsigned char)(0xE0 | cp >> 12); out[1] = (unsigned char)(0x80 | (cp >> 6 & 63)); out[2] = (unsigned char)(0x80 | (cp & 63)); text->length += 3; }
  else { out[0] = (unsigned char)(0xF0 | cp >> 18); out[1] = (unsigned char)(0x80 | (cp >> 12 & 63)); out[2] = (unsigned char)(0x80 | (cp >> 6 & 63)); out[3] = (unsigned char)(0x80 | (cp & 63)); text->length += 4; }
}

// Decodes the string at r->at (on its opening quote) into `into` as UTF-8.
static int read_string(Reader *r, Text *into) {
  r->at++;
  const unsigned char *start = r->at;
  // Room for the raw bytes: a decoded string is never longer than its JSON text.
  const unsigned char *close = r->at;
  while (close < r->end && *close != '"') close += *close == '\\' ? 2 : 1;
  if (close >= r->end || !text_reserve(into, (size_t)(close - start))) return close >= r->end ? NO_ENCODING : NO_MEMORY;
  while (r->at < close) {
    unsigned char c = *r->at;
    if (c < 0x20) return NO_ENCODING; // raw control characters are not JSON
    if (c != '\\') { into->data[into->length++] = c; r->at++; continue; }
    r->at++;
    switch (*r->at++) {
      case '"': into->data[into->length++] = '"'; break;
      case '\\': into->data[into->length++] = '\\'; break;
      case '/': into->data[into->length++] = '/'; break;
      case 'b': into->data[into->length++] = '\b'; break;
      case 'f': into->data[into->length++] = '\f'; break;
      case 'n': into->data[into->length++] = '\n'; break;
      case 'r': into->data[into->length++] = '\r'; break;
      case 't': into->data[into->length++] = '\t'; break;
      case 'u': {
        unsigned unit, low;
        if (!read_hex4(r, &unit)) return NO_ENCODING;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return NO_ENCODING; // a lone low surrogate
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          if (r->end - r->at < 6 || r->at[0] != '\\' || r->at[1] != 'u') return NO_ENCODING;
          r->at += 2;
          if (!read_hex4(r, &low) || low < 0xDC00 || low > 0xDFFF) return NO_ENCODING;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        put_utf8(into, unit); // at most 4 bytes for the 6 or 12 read
        break;
      }
      default: return NO_ENCODING;
    }
  }
  r->at = close + 1;
  return WRITTEN;
}

// Where the string at r->at (on its opening quote) ends, when it has no escapes and is valid
// JSON; NULL otherwise.
static const unsigned char *plain_string_end(const Reader *r) {
  for (const unsigned char *p = r->at + 1; p < r->end; p++) {
    if (*p == '"') return p;
    if (*p == '\\' || *p < 0x20) return NULL;
  }
  return NULL;
}

static int put_string_value(Reader *r) {
  const unsigned char *close = plain_string_end(r);
  if (close) {
    int written = put_json_string(r->out, r->at + 1, (size_t)(close - r->at - 1));
    r->at = close + 1;
    return written ? WRITTEN : NO_MEMORY;
  }
  Text decoded = {0};
  int outcome = read_string(r, &decoded);
  if (outcome == WRITTEN && !put_json_string(r->out, decoded.data, decoded.length)) outcome = NO_MEMORY;
  text_free(&decoded);
  return outcome;
}

// The digits and decimal exponent of the shortest decimal that reads back as `value` (> 0), as
// ECMAScript's Number::toString chooses them: k digits in `digits`, value = 0.digits × 10^n.
static int shortest_digits(double value, char digits[20], int *k, int *n) {
  char buffer[40];
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
    if (strtod(buffer, NULL) != value) continue;
    int count = 0;
    const char *p = buffer;
    for (; *p && *p != 'e'; p++) if (*p >= '0' && *p <= '9') digits[count++] = *p;
    if (*p != 'e') return 0;
    while (count > 1 && digits[count - 1] == '0') count--;
    *k = count;
    *n = atoi(p + 1) + 1;
    return 1;
  }
  return 0;
}

// A double as ECMAScript's Number::toString writes it (ECMA-262 §6.1.6.1.20), for finite values.
static int put_double(Text *text, double value) {
  if (!text_reserve(text, 32)) return NO_MEMORY;
  if (value == 0) { text_put(text, "0", 1); return WRITTEN; }
  if (value < 0) { text_put(text, "-", 1); value = -value; }
  char digits[20];
  int k, n;
  if (!shortest_digits(value, digits, &k, &n)) return NO_ENCODING;
  char *out = (char *)text->data + text->length, *start = out;
  if (k <= n && n <= 21) {
    memcpy(out, digits, k); out += k;
    for (int i = 0; i < n - k; i++) *out++ = '0';
  } else if (0 < n && n <= 21) {
    memcpy(out, digits, n); out += n;
    *out++ = '.';
    memcpy(out, digits + n, k - n); out += k - n;
  } else if (-6 < n && n <= 0) {
    *out++ = '0'; *out++ = '.';
    for (int i = 0; i < -n; i++) *out++ = '0';
    memcpy(out, digits, k); out += k;
  } else {
    *out++ = digits[0];
    if (k > 1) { *out++ = '.'; memcpy(out, digits + 1, k - 1); out += k - 1; }
    out += sprintf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
  text->length += out - start;
  return WRITTEN;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int put_number(Reader *r) {
  const unsigned char *start = r->at;
  if (r->at < r->end && *r->at == '-') r->at++;
  if (r->at >= r->end || !is_digit(*r->at)) return NO_ENCODING;
  if (*r->at == '0') r->at++;
  else while (r->at < r->end && is_digit(*r->at)) r->at++;
  int integral = 1;
  if (r->at < r->end && *r->at == '.') {
    integral = 0;
    if (++r->at >= r->end || !is_digit(*r->at)) return NO_ENCODING;
    while (r->at < r->end && is_digit(*r->at)) r->at++;
  }
  if (r->at < r->end && (*r->at == 'e' || *r->at == 'E')) {
    integral = 0;
    r->at++;
    if (r->at < r->end && (*r->at == '+' || *r->at == '-')) r->at++;
    if (r->at >= r->end || !is_digit(*r->at)) return NO_ENCODING;
    while (r->at < r->end && is_digit(*r->at)) r->at++;
  }
  size_t length = (size_t)(r->at - start);
  int negative = *start == '-';
  // An integer of up to 15 digits is a double exactly and written as it is (but -0 as 0).
  if (integral && length - negative <= 15) {
    if (length == 2 && negative && start[1] == '0') { start++; length--; }
    if (!text_reserve(r->out, length)) return NO_MEMORY;
    text_put(r->out, start, length);
    return WRITTEN;
  }
  // strtod reads the locale's decimal point; with any other than '.', leave it to JavaScript.
  if (localeconv()->decimal_point[0] != '.' || localeconv()->decimal_point[1] != 0) return NO_ENCODING;
  char *copy = malloc(length + 1);
  if (!copy) return NO_MEMORY;
  memcpy(copy, start, length);
  copy[length] = 0;
  double value = strtod(copy, NULL);
  free(copy);
  if (!isfinite(value)) return NO_ENCODING;
  return put_double(r->out, value);
}

// The first UTF-16 code unit of the code point whose UTF-8 starts at s, and the code point.
static unsigned code_point(const unsigned char *s, size_t length) {
  if (s[0] < 0x80 || length < 2) return s[0];
  if (s[0] < 0xE0 || length < 3) return (s[0] & 31u) << 6 | (s[1] & 63u);
  if (s[0] < 0xF0 || length < 4) return (s[0] & 15u) << 12 | (s[1] & 63u) << 6 | (s[2] & 63u);
  return (s[0] & 7u) << 18 | (s[1] & 63u) << 12 | (s[2] & 63u) << 6 | (s[3] & 63u);
}

static unsigned first_utf16_unit(unsigned cp) { return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10); }

// UTF-8 keys compared as their UTF-16 code units, as RFC 8785 orders members.
static int compare_keys(const unsigned char *a, size_t a_length, const unsigned char *b, size_t b_length) {
  size_t i = 0;
  while (i < a_length && i < b_length && a[i] == b[i]) i++;
  if (i == a_length || i == b_length) return (a_length > i) - (b_length > i);
  while (i > 0 && (a[i] & 0xC0) == 0x80) i--; // back to the start of the code point that differs
  unsigned ca = code_point(a + i, a_length - i), cb = code_point(b + i, b_length - i);
  unsigned ua = first_utf16_unit(ca), ub = first_utf16_unit(cb);
  if (ua != ub) return ua < ub ? -1 : 1;
  return ca < cb ? -1 : ca > cb; // both beyond the BMP, same high surrogate: the low ones decide
}

static const unsigned char *key_of(const Reader *r, const Entry *e) { return e->key ? e->key : r->keys.data + e->key_at; }

static int compare_entries(const Reader *r, const Entry *a, const Entry *b) {
  return compare_keys(key_of(r, a), a->key_length, key_of(r, b), b->key_length);
}

// Stable merge sort of n entries, by key.
static void sort_entries(const Reader *r, Entry *entries, Entry *scratch, size_t n) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t left = 0; left < n; left += 2 * width) {
      size_t middle = left + width < n ? left + width : n, right = left + 2 * width < n ? left + 2 * width : n;
      size_t i = left, j = middle, o = left;
      while (i < middle && j < right) scratch[o++] = compare_entries(r, &entries[j], &entries[i]) < 0 ? entries[j++] : entries[i++];
      while (i < middle) scratch[o++] = entries[i++];
      while (j < right) scratch[o++] = entries[j++];
    }
    memcpy(entries, scratch, n * sizeof *entries);
  }
}

static int push_entry(Reader *r, Entry entry) {
  if (r->entry_count == r->entry_capacity) {
    size_t capacity = 2 * r->entry_capacity;
    Entry *entries = r->entries == r->inline_entries ? malloc(capacity * sizeof *entries) : realloc(r->entries, capacity * sizeof *entries);
    if (!entries) return 0;
    if (r->entries == r->inline_entries) memcpy(entries, r->inline_entries, sizeof r->inline_entries);
    r->entries = entries;
    r->entry_capacity = capacity;
  }
  r->entries[r->entry_count++] = entry;
  return 1;
}

// Puts the object's members, written in the order read from `start` on, in key order.
static int order_members(Reader *r, size_t first_entry, size_t start) {
  size_t n = r->entry_count - first_entry;
  Entry *entries = r->entries + first_entry;
  int sorted = 1;
  for (size_t i = 1; i < n && sorted; i++) {
    int order = compare_entries(r, &entries[i - 1], &entries[i]);
    if (order == 0) return NO_ENCODING; // a duplicate key: JSON.parse keeps the last, left to it
    sorted = order < 0;
  }
  if (sorted) return WRITTEN;
  // Small objects, the usual case, are put in order without allocating.
  Entry inline_scratch[INLINE_ENTRIES];
  unsigned char inline_copy[1024];
  size_t copy_length = r->out->length - start;
  Entry *scratch = n <= INLINE_ENTRIES ? inline_scratch : malloc(n * sizeof *scratch);
  unsigned char *copy = copy_length <= sizeof inline_copy ? inline_copy : malloc(copy_length);
  int outcome = scratch && copy ? WRITTEN : NO_MEMORY;
  if (outcome == WRITTEN) {
    sort_entries(r, entries, scratch, n);
    for (size_t i = 1; i < n; i++) if (compare_entries(r, &entries[i - 1], &entries[i]) == 0) outcome = NO_ENCODING;
  }
  if (outcome == WRITTEN) {
    memcpy(copy, r->out->data + start, copy_length);
    size_t at = start;
    for (size_t i = 0; i < n; i++) {
      if (i > 0) r->out->data[at++] = ',';
      memcpy(r->out->data + at, copy + (entries[i].text_at - start), entries[i].text_length);
      at += entries[i].text_length;
    }
  }
  if (scratch != inline_scratch) free(scratch);
  if (copy != inline_copy) free(copy);
  return outcome;
}

static int put_object(Reader *r) {
  r->at++;
  if (!text_reserve(r->out, 1)) return NO_MEMORY;
  text_put(r->out, "{", 1);
  size_t start = r->out->length, first_entry = r->entry_count, keys_at = r->keys.length;
  skip_space(r);
  if (r->at < r->end && *r->at == '}') {
    r->at++;
  } else {
    for (;;) {
      skip_space(r);
      if (r->at >= r->end || *r->at != '"') return NO_ENCODING;
      Entry entry = {.text_at = r->out->length};
      if (r->out->length > start) entry.text_at++; // after the comma written below
      const unsigned char *close = plain_string_end(r);
      if (close) {
        entry.key = r->at + 1;
        entry.key_length = (size_t)(close - r->at - 1);
        r->at = close + 1;
      } else {
        entry.key_at = r->keys.length;
        int outcome = read_string(r, &r->keys);
        if (outcome != WRITTEN) return outcome;
        entry.key_length = r->keys.length - entry.key_at;
      }
      if (r->out->length > start) {
        if (!text_reserve(r->out, 1)) return NO_MEMORY;
        text_put(r->out, ",", 1);
      }
      if (!put_json_string(r->out, key_of(r, &entry), entry.key_length) || !text_reserve(r->out, 1)) return NO_MEMORY;
      text_put(r->out, ":", 1);
      skip_space(r);
      if (r->at >= r->end || *r->at++ != ':') return NO_ENCODING;
      int outcome = put_value(r);
      if (outcome != WRITTEN) return outcome;
      entry.text_length = r->out->length - entry.text_at;
      // After the value: its own members were pushed and taken off again meanwhile.
      if (!push_entry(r, entry)) return NO_MEMORY;
      skip_space(r);
      if (r->at < r->end && *r->at == ',') { r->at++; continue; }
      if (r->at < r->end && *r->at == '}') { r->at++; break; }
      return NO_ENCODING;
    }
  }
  int outcome = order_members(r, first_entry, start);
  r->entry_count = first_entry;
  r->keys.length = keys_at;
  if (outcome != WRITTEN || !text_reserve(r->out, 1)) return outcome != WRITTEN ? outcome : NO_MEMORY;
  text_put(r->out, "}", 1);
  return WRITTEN;
}

static int put_array(Reader *r) {
  r->at++;
  if (!text_reserve(r->out, 1)) return NO_MEMORY;
  text_put(r->out, "[", 1);
  skip_space(r);
  if (r->at < r->end && *r->at == ']') {
    r->at++;
  } else {
    for (int first = 1;; first = 0) {
      if (!first) {
        if (!text_reserve(r->out, 1)) return NO_MEMORY;
        text_put(r->out, ",", 1);
      }
      int outcome = put_value(r);
      if (outcome != WRITTEN) return outcome;
      skip_space(r);
      if (r->at < r->end && *r->at == ',') { r->at++; continue; }
      if (r->at < r->end && *r->at == ']') { r->at++; break; }
      return NO_ENCODING;
    }
  }
  if (!text_reserve(r->out, 1)) return NO_MEMORY;
  text_put(r->out, "]", 1);
  return WRITTEN;
}

static int put_literal(Reader *r, const char *literal) {
  size_t length = strlen(literal);
  if ((size_t)(r->end - r->at) < length || memcmp(r->at, literal, length) != 0) return NO_ENCODING;
  r->at += length;
  if (!text_reserve(r->out, length)) return NO_MEMORY;
  text_put(r->out, literal, length);
  return WRITTEN;
}

static int put_value(Reader *r) {
  skip_space(r);
  if (r->at >= r->end) return NO_ENCODING;
  if (++r->depth > MAX_DEPTH) return NO_ENCODING;
  int outcome;
  switch (*r->at) {
    case '{': outcome = put_object(r); break;
    case '[': outcome = put_array(r); break;
    case '"': outcome = put_string_value(r); break;
    case 't': outcome = put_literal(r, "true"); break;
    case 'f': outcome = put_literal(r, "false"); break;
    case 'n': outcome = put_literal(r, "null"); break;
    default: outcome = put_number(r);
  }
  r->depth--;
  return outcome;
}

int put_canonical_json(Text *text, const unsigned char *json, size_t length) {
  Reader r = {.at = json, .end = json + length, .out = text, .entry_capacity = INLINE_ENTRIES};
  r.entries = r.inline_entries;
  size_t before = text->length;
  int outcome = put_value(&r);
  if (outcome == WRITTEN) {
    skip_space(&r);
    if (r.at != r.end) outcome = NO_ENCODING;
  }
  text_free(&r.keys);
  if (r.entries != r.inline_entries) free(r.entries);
  if (outcome != WRITTEN) text->length = before;
  return outcome;
}

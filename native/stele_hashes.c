// SHA-256 over a whole page of verification inputs per call. Node's own hash functions cost about
// 0.3 µs per call whatever the input, which is most of verification's time for 64-byte inputs;
// here a call hashes thousands (sha256.h).
// Each function has a JavaScript twin in packages/integrity/src/page-hashes.ts that gives the same bytes.

#include <node_api.h>
#include "napi_bytes.h"
#include "sha256.h"
#include <string.h>

#define MAX_ARGS 3

// The call's first `count` arguments as Uint8Arrays, named for the error when one is not (a
// missing argument is undefined, and so refused the same way). False with a TypeError pending.
static bool bytes_args(napi_env env, napi_callback_info info, size_t count, const char *const names[], unsigned char *data[], size_t lengths[]) {
  size_t argc = count;
  napi_value argv[MAX_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  for (size_t i = 0; i < count; i++) {
    if (!bytes_arg(env, argv[i], &data[i], &lengths[i], names[i])) return false;
  }
  return true;
}

// A new Buffer of `length` bytes; false (with a JavaScript exception pending) when it cannot be made.
static bool new_buffer(napi_env env, size_t length, napi_value *result, unsigned char **data) {
  return napi_create_buffer(env, length, (void **)data, result) == napi_ok;
}

// Where the record starting at `start` (on its 0x00 byte) ends: at the next 0x00, or at `end`.
static const unsigned char *record_end(const unsigned char *start, const unsigned char *end) {
  const unsigned char *next = start + 1 < end ? memchr(start + 1, 0, end - start - 1) : NULL;
  return next ? next : end;
}

// leafHashes(leafInputs): records that each start with a 0x00 byte and hold no other, back to back;
// the SHA-256 of each record (0x00 included), 32 bytes per record.
static napi_value leaf_hashes(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"leafInputs"};
  unsigned char *input;
  size_t length;
  if (!bytes_args(env, info, 1, names, &input, &length)) return NULL;
  if (length > 0 && input[0] != 0) {
    napi_throw_range_error(env, NULL, "leafInputs must start with a 0x00 byte");
    return NULL;
  }
  const unsigned char *end = input + length;
  size_t records = 0;
  for (const unsigned char *start = input; start < end; start = record_end(start, end)) records++;
  napi_value result;
  unsigned char *out;
  if (!new_buffer(env, HASH_SIZE * records, &result, &out)) return NULL;
  for (const unsigned char *start = input; start < end; out += HASH_SIZE) {
    const unsigned char *next = record_end(start, end);
    sha256(start, next - start, out);
    start = next;
  }
  return result;
}

// A new Buffer of chain hashes, one per leaf: SHA-256(prev_i || leaves_i), where prev_0 is `prev`
// and prev_i is chain hash i - 1 of `previous`, or of the result itself when `previous` is NULL.
static napi_value chain_buffer(napi_env env, const unsigned char *prev, const unsigned char *previous, const unsigned char *leaves, size_t leaves_length) {
  napi_value result;
  unsigned char *out;
  if (!new_buffer(env, leaves_length, &result, &out)) return NULL;
  if (!previous) previous = out;
  unsigned char input[2 * HASH_SIZE];
  for (size_t at = 0; at < leaves_length; at += HASH_SIZE) {
    memcpy(input, at == 0 ? prev : previous + at - HASH_SIZE, HASH_SIZE);
    memcpy(input + HASH_SIZE, leaves + at, HASH_SIZE);
    sha256(input, sizeof input, out + at);
  }
  return result;
}

// chainHashes(prevChain, storedChains, leaves): for each event i, SHA-256(prev_i || leaves_i),
// where prev_0 is prevChain and prev_i the stored chain hash of event i - 1.
static napi_value chain_hashes(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"prevChain", "storedChains", "leaves"};
  unsigned char *data[3];
  size_t lengths[3];
  if (!bytes_args(env, info, 3, names, data, lengths)) return NULL;
  unsigned char *prev = data[0], *chains = data[1], *leaves = data[2];
  size_t prev_length = lengths[0], chains_length = lengths[1], leaves_length = lengths[2];
  if (prev_length != HASH_SIZE || chains_length != leaves_length || leaves_length % HASH_SIZE != 0) {
    napi_throw_range_error(env, NULL, "prevChain must hold one hash, storedChains and leaves the same whole number of hashes");
    return NULL;
  }
  return chain_buffer(env, prev, chains, leaves, leaves_length);
}

// chainFrom(prevChain, leaves): the chain hashes of events appended after prevChain, each from the
// one before: chain_0 = SHA-256(prevChain || leaves_0), chain_i = SHA-256(chain_i-1 || leaves_i).
static napi_value chain_from(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"prevChain", "leaves"};
  unsigned char *data[2];
  size_t lengths[2];
  if (!bytes_args(env, info, 2, names, data, lengths)) return NULL;
  unsigned char *prev = data[0], *leaves = data[1];
  size_t leaves_length = lengths[1];
  if (lengths[0] != HASH_SIZE || leaves_length % HASH_SIZE != 0) {
    napi_throw_range_error(env, NULL, "prevChain must hold one hash, leaves a whole number of hashes");
    return NULL;
  }
  return chain_buffer(env, prev, NULL, leaves, leaves_length);
}

// nodeHashes(level): for each pair of hashes (left, right), RFC 6962's SHA-256(0x01 || left || right).
static napi_value node_hashes(napi_env env, napi_callback_info info) {
  static const char *const names[] = {"level"};
  unsigned char *level;
  size_t length;
  if (!bytes_args(env, info, 1, names, &level, &length)) return NULL;
  if (length % (2 * HASH_SIZE) != 0) {
    napi_throw_range_error(env, NULL, "level must hold a whole number of hash pairs");
    return NULL;
  }
  napi_value result;
  unsigned char *out;
  if (!new_buffer(env, length / 2, &result, &out)) return NULL;
  unsigned char input[1 + 2 * HASH_SIZE];
  input[0] = 0x01;
  for (size_t pair = 0; pair < length / (2 * HASH_SIZE); pair++) {
    memcpy(input + 1, level + 2 * HASH_SIZE * pair, 2 * HASH_SIZE);
    sha256(input, sizeof input, out + HASH_SIZE * pair);
  }
  return result;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
    {"leafHashes", NULL, leaf_hashes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"chainHashes", NULL, chain_hashes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"chainFrom", NULL, chain_from, NULL, NULL, NULL, napi_enumerable, NULL},
    {"nodeHashes", NULL, node_hashes, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

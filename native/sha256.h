// SHA-256 with Node's own OpenSSL, which addons may link against (stele_hashes.c, stele_postgres.c).

#ifndef STELE_SHA256_H
#define STELE_SHA256_H

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stddef.h>

#define HASH_SIZE 32

// The one-shot SHA256() of OpenSSL 3 looks the algorithm up on every call; these do not.
static inline void sha256(const unsigned char *data, size_t length, unsigned char *out) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data, length);
  SHA256_Final(out, &ctx);
}

#endif

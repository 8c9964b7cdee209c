// Reading Uint8Array arguments in the N-API addons (stele_hashes.c, stele_postgres.c).

#ifndef STELE_NAPI_BYTES_H
#define STELE_NAPI_BYTES_H

#include <node_api.h>
#include <stddef.h>

/** The bytes of `value` when it is a Uint8Array; else 0, with a TypeError "<name> must be a Uint8Array" pending. */
int bytes_arg(napi_env env, napi_value value, unsigned char **data, size_t *length, const char *name);

#endif

// See napi_bytes.h.

#include "napi_bytes.h"
#include <stdbool.h>
#include <stdio.h>

int bytes_arg(napi_env env, napi_value value, unsigned char **data, size_t *length, const char *name) {
  bool is_typed_array = false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed_array) == napi_ok && is_typed_array &&
      napi_get_typedarray_info(env, value, &type, length, (void **)data, &buffer, &offset) == napi_ok &&
      type == napi_uint8_array) {
    return 1;
  }
  char message[96];
  snprintf(message, sizeof message, "%s must be a Uint8Array", name);
  napi_throw_type_error(env, NULL, message);
  return 0;
}

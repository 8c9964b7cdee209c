# Optional native speed-ups for verification (see README.md here). scripts/build-native.mjs builds
# them on `npm install`; when they cannot be built, Stele runs the same checks in JavaScript.
{
  "targets": [
    {
      # N-API addon: SHA-256 over whole pages of leaf, chain and node hash inputs at once.
      "target_name": "stele_hashes",
      "sources": ["stele_hashes.c", "napi_bytes.c"],
      "cflags": ["-O2"],
    },
    {
      # N-API addon: a page of events read by PostgreSQL's binary COPY into its leaf hash inputs.
      "target_name": "stele_postgres",
      "sources": ["stele_postgres.c", "napi_bytes.c", "canonical_text.c", "canonical_json.c"],
      "cflags": ["-O2"],
    },
    {
      # SQLite loadable extension: stele_leaf_input(), an event row's 0x00 || canonical text.
      "target_name": "stele_sqlite",
      "sources": ["stele_sqlite.c", "canonical_text.c", "canonical_json.c"],
      "include_dirs": ["<!(node -p \"require('path').join(require('path').dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3')\")"],
      "cflags": ["-O2"],
    },
  ],
}

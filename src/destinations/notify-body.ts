// The `notify` member of a request (bulk exports, reports) in the OpenAPI document.

import { Type } from '@sinclair/typebox';

export const NotifyBody = Type.Object({
  email: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { minItems: 1, maxItems: 20, description: 'Addresses told by e-mail (needs STELE_SMTP_HOST on the server)' })),
  webhook: Type.Optional(Type.Object({
    url: Type.String({ maxLength: 2048, description: 'An http(s) URL that receives a POST signed per Standard Webhooks' }),
    secret: Type.Optional(Type.String({ maxLength: 100, description: 'A whsec_ secret to sign with; without it one is made and returned once as notify_secret' })),
  }, { additionalProperties: false })),
}, { additionalProperties: false, description: 'Who to tell when the file is ready (or failed)' });


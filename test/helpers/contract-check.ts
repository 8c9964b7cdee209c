// Holds every answer the test suites provoke to the OpenAPI document. Installed in the test apps
// (test-app.ts and the other app builders), it watches each response of a documented route:
// - its status must be one the operation documents (an undocumented 409 or 500 is a finding);
// - its content type must be one the document lists for that status;
// - a JSON body must match the documented schema (Ajv, over the document as served);
// - before serialization, the handler's object may hold no member the route's schema leaves out:
//   fast-json-stringify would drop it without a word, so a client would never see it.
// Problems are collected, each once, and `assertKept()` (called when the test app closes) fails
// the suite that provoked them, naming the route, the status and what was wrong.

import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface OpenApiMediaType { schema?: object }
interface OpenApiResponse { content?: Record<string, OpenApiMediaType> }
interface OpenApiOperation { responses: Record<string, OpenApiResponse> }
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: object;
}

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  $ref?: string;
  content?: Record<string, { schema?: SchemaNode }>;
}

export interface ContractCheck {
  install(app: FastifyInstance): void;
  /** What broke the contract so far, each problem once. */
  problems(): string[];
  /** Fails with every problem found. */
  assertKept(): void;
}

/** `/v1/events/:id` → `/v1/events/{id}`, as the document names paths. */
const documentPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const mediaType = (contentType: unknown) => String(contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();

const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

/** Members `value` has that `schema` does not declare, as paths (`events[0].extra`). */
function undeclaredMembers(value: unknown, schema: SchemaNode | undefined, path: string): string[] {
  if (!schema || value === null || typeof value !== 'object' || schema.$ref !== undefined) return [];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const findings = branches.map((branch) => undeclaredMembers(value, branch, path));
    return findings.reduce((fewest, found) => (found.length < fewest.length ? found : fewest));
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => undeclaredMembers(item, schema.items, `${path}[${i}]`));
  if (schema.properties === undefined) return [];
  const found: string[] = [];
  for (const [name, member] of Object.entries(value)) {
    const declared = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (declared) found.push(...undeclaredMembers(member, declared, `${path}.${name}`));
    else if (schema.additionalProperties !== true) found.push(`${path}.${name}`);
  }
  return found;
}

function routeOf(request: FastifyRequest): { method: string; path: string } | undefined {
  const schema = request.routeOptions.schema as { hide?: boolean } | undefined;
  const url = request.routeOptions.url;
  if (!schema || schema.hide || url === undefined) return undefined;
  // HEAD is answered by the GET route, without a body.
  const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
  return { method, path: documentPath(url) };
}

export function createContractCheck(): ContractCheck {
  const found = new Set<string>();
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('binary', true);
  const validators = new Map<string, ValidateFunction>();
  let document: OpenApiDocument | undefined;

  const report = (request: FastifyRequest, reply: FastifyReply, problem: string) => {
    found.add(`${request.method} ${request.routeOptions.url} → ${reply.statusCode}: ${problem}`);
  };

  function validatorFor(key: string, schema: object): ValidateFunction {
    let validate = validators.get(key);
    if (!validate) {
      // The document's components travel with each schema, so #/components/... refs resolve.
      validate = ajv.compile({ ...schema, components: document!.components });
      validators.set(key, validate);
    }
    return validate;
  }

  function checkSent(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const route = routeOf(request);
    if (!route) return;
    document ??= app.swagger() as unknown as OpenApiDocument;
    const operation = document.paths[route.path]?.[route.method];
    if (!operation) return report(request, reply, `the route is missing from the document (${route.method} ${route.path})`);
    const status = String(reply.statusCode);
    const response = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    if (!response) return report(request, reply, `status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
    if (request.method === 'HEAD' || reply.statusCode === 204 || payload === undefined || payload === null) return;
    const type = mediaType(reply.getHeader('content-type'));
    const media = response.content?.[type];
    if (!media) return report(request, reply, `content type ${type} is not documented (documented: ${Object.keys(response.content ?? {}).join(', ') || 'no body'})`);
    // A stream (an export, a download) is not read here; its status and type are checked above.
    if (!isJson(type) || !media.schema || !(typeof payload === 'string' || Buffer.isBuffer(payload))) return;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return report(request, reply, 'the body is not JSON');
    }
    const validate = validatorFor(`${route.method} ${route.path} ${status} ${type}`, media.schema);
    if (!validate(body)) report(request, reply, `the body does not match the schema: ${ajv.errorsText(validate.errors)}`);
  }

  function checkMembers(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    if (!routeOf(request)) return;
    const responses = (request.routeOptions.schema as { response?: Record<string, SchemaNode> }).response ?? {};
    const schema = responses[String(reply.statusCode)];
    const json = schema?.content ? schema.content['application/json']?.schema : schema;
    const extra = undeclaredMembers(payload, json, 'body');
    if (extra.length > 0) report(request, reply, `the handler returned members the schema drops: ${extra.slice(0, 5).join(', ')}`);
  }

  return {
    install(app) {
      app.addHook('preSerialization', async (request, reply, payload) => {
        checkMembers(request, reply, payload);
        return payload;
      });
      app.addHook('onSend', async (request, reply, payload) => {
        checkSent(app, request, reply, payload);
        return payload;
      });
    },
    problems: () => [...found],
    assertKept() {
      assert.deepEqual([...found], [], `answers that break the OpenAPI document:\n${[...found].join('\n')}`);
    },
  };
}

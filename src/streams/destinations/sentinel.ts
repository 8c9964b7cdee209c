// Microsoft Sentinel through the Azure Monitor Logs Ingestion API (learn.microsoft.com,
// "Logs Ingestion API in Azure Monitor"): an OAuth2 client-credentials token from Entra ID
// (POST {authority}/{tenant_id}/oauth2/v2.0/token, scope https://monitor.azure.com//.default),
// kept until a minute before it expires; then
// POST {endpoint}/dataCollectionRules/{rule_id}/streams/{stream_name}?api-version=2023-01-01 with
// `Authorization: Bearer`, a JSON array of at most 1 MB; 204 = accepted; 429 and Retry-After are
// honoured by the runner. A 401 drops the cached token, so the next try fetches a new one.
// Each record is the event as the API returns it plus `TimeGenerated` (its occurred_at), the
// column every Log Analytics table has; the DCR's stream declaration names the columns it keeps.
// `authority_host` (default https://login.microsoftonline.com) is for sovereign clouds, and tests.

import { compact, invalidConfig, readConfig } from './config-fields.js';
import { type DestinationType, type ReceiverAnswer, urlHost } from './destination.js';
import { answerOf, excerpt, httpRequest, post, unreachable } from '../../destinations/http-request.js';
import { createPayloadEncoder, withMembers } from './payloads.js';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RULE_ID = /^dcr-[0-9a-f]{32}$/;
const STREAM_NAME = /^Custom-[A-Za-z0-9_]{1,100}$/;
export const MONITOR_SCOPE = 'https://monitor.azure.com//.default';
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

interface Token { value: string; expiresAt: number }

export const sentinelDestination: DestinationType = {
  type: 'sentinel',
  formats: ['json'],
  limits: { maxEvents: 1000, maxBytes: 1_000_000 },
  secretFields: ['client_secret'],
  parse(input, previous) {
    const config = readConfig(input);
    const tenantId = config.string('tenant_id', { required: true, pattern: GUID, expected: 'the Entra ID (directory) tenant id, a GUID' });
    const clientId = config.string('client_id', { required: true, pattern: GUID, expected: 'the application (client) id, a GUID' });
    const clientSecret = config.secret('client_secret', previous, { max: 500 });
    if (!clientSecret) throw invalidConfig('client_secret', 'is required (the application\'s client secret)');
    const endpoint = config.url('endpoint', { required: true });
    const ruleId = config.string('rule_id', { required: true, pattern: RULE_ID, expected: 'the data collection rule\'s immutable id (dcr-<32 hex digits>)' });
    const streamName = config.string('stream_name', { required: true, pattern: STREAM_NAME, expected: 'the DCR stream name, Custom-<table>' });
    const authority = config.url('authority_host');
    config.done();
    return {
      config: compact({ tenant_id: tenantId, client_id: clientId, endpoint, rule_id: ruleId, stream_name: streamName, authority_host: authority }),
      secrets: { client_secret: clientSecret },
    };
  },
  describe: (config) => `${String(config.endpoint).replace(/\/+$/, '')}/dataCollectionRules/${String(config.rule_id)}/streams/${String(config.stream_name)}`,
  hosts: (config) => [urlHost('endpoint', config.endpoint), urlHost('authority_host', config.authority_host ?? DEFAULT_AUTHORITY)],
  open(context) {
    const { config } = context;
    const ingestUrl = `${String(config.endpoint).replace(/\/+$/, '')}/dataCollectionRules/${encodeURIComponent(String(config.rule_id))}` +
      `/streams/${encodeURIComponent(String(config.stream_name))}?api-version=2023-01-01`;
    const tokenUrl = `${String(config.authority_host ?? DEFAULT_AUTHORITY).replace(/\/+$/, '')}/${encodeURIComponent(String(config.tenant_id))}/oauth2/v2.0/token`;
    const payload = createPayloadEncoder(context.format, context.product);
    let token: Token | undefined;

    async function getToken(signal: AbortSignal): Promise<string | ReceiverAnswer> {
      if (token && token.expiresAt > context.now()) return token.value;
      const form = new URLSearchParams({
        client_id: String(config.client_id), client_secret: context.secrets.client_secret ?? '', grant_type: 'client_credentials', scope: MONITOR_SCOPE,
      });
      let http;
      try {
        http = await httpRequest(tokenUrl, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal, timeoutMs: context.timeoutMs });
      } catch (error) {
        return { ...unreachable(error), error: `token endpoint: ${(error as Error).message}` };
      }
      const answer = answerOf(http);
      let reply: { access_token?: unknown; expires_in?: unknown; error_description?: unknown } = {};
      try {
        reply = JSON.parse(http.text) as typeof reply;
      } catch { /* judged below */ }
      if (!answer.ok || typeof reply.access_token !== 'string') {
        const why = typeof reply.error_description === 'string' ? reply.error_description.split('\r\n')[0] : excerpt(http.text).slice(0, 200);
        return { ...answer, ok: false, error: `the token endpoint refused the client credentials (HTTP ${http.status}): ${why}` };
      }
      const seconds = Number(reply.expires_in);
      const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
      token = { value: reply.access_token, expiresAt: context.now() + Math.max(lifetimeMs - 60_000, lifetimeMs / 2) };
      return token.value;
    }

    return {
      encode: (event) => withMembers(`"TimeGenerated":${JSON.stringify(event.occurred_at)}`, payload(event)),
      async send(batch, signal) {
        const bearer = await getToken(signal);
        if (typeof bearer !== 'string') return bearer;
        const answer = await post(ingestUrl, {
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: `[${batch.entries.join(',')}]`, signal, timeoutMs: context.timeoutMs,
        });
        if (answer.status === 401 || answer.status === 403) token = undefined;
        return answer;
      },
      close: async () => undefined,
    };
  },
};

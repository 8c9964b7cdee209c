// `stele alerts`: alert rules and fired alerts on a server (--url and an alerts:manage key, or the
// admin token with --tenant), where they are evaluated and every change is recorded; and
// `stele alerts sigma FILE` without --url, which compiles a Sigma rule offline and prints the rule
// it would create (or why it is refused), so a detection can be checked before it is imported.

import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import type { Transport } from '@stele/sdk';
import { compileSigma } from '../alerts/sigma.js';
import { isSteleError } from '../domain/errors.js';
import { CLIError, printJson, usageError } from './_context.js';
import { addExamples } from './_help.js';
import { onServer, SERVER_ARGS } from './_remote.js';

const ARGS = {
  ...SERVER_ARGS,
  key: { type: 'string', description: 'An alerts:manage key, or the instance admin token with --tenant (default: STELE_API_KEY)' },
  tenant: { type: 'string', description: 'Tenant id (with the admin token)' },
} as const;

type Args = { url?: string; key?: string; tenant?: string };

async function onServerOnly<T>(args: Args, work: (api: Transport, query: Record<string, string | undefined>) => Promise<T>): Promise<T> {
  const remote = await onServer(args, (api) => work(api, { tenant_id: args.tenant }));
  if (!remote) throw usageError('alerts live on a server: give --url and --key (or STELE_URL and STELE_API_KEY)');
  return remote.value;
}

const path = (id: string) => encodeURIComponent(id);

export const alertsCommand = addExamples(defineCommand({
  meta: { name: 'alerts', description: 'Alert rules and fired alerts on a server; check a Sigma rule offline' },
  subCommands: {
    list: addExamples(defineCommand({
      meta: { name: 'list', description: 'Fired alerts as JSON, newest first, with the count in each state' },
      args: {
        ...ARGS,
        state: { type: 'string', description: 'open, acknowledged or resolved' },
        severity: { type: 'string', description: 'low, medium, high or critical' },
      },
      run: async ({ args }) => printJson(await onServerOnly(args, (api, query) => api.json('GET', '/v1/alerts', { query: { ...query, state: args.state, severity: args.severity } }))),
    }), ['stele alerts list --state open --url https://audit.example.com --key $STELE_API_KEY', 'stele alerts list --severity critical | jq ".counts"']),
    rules: addExamples(defineCommand({
      meta: { name: 'rules', description: 'The alert rules as JSON (no secrets)' },
      args: { ...ARGS },
      run: async ({ args }) => printJson(await onServerOnly(args, (api, query) => api.json('GET', '/v1/alert-rules', { query }))),
    }), ['stele alerts rules --url https://audit.example.com --key $STELE_API_KEY | jq -r ".rules[].name"']),
    templates: addExamples(defineCommand({
      meta: { name: 'templates', description: 'The built-in rule templates' },
      args: { ...ARGS },
      run: async ({ args }) => printJson(await onServerOnly(args, (api, query) => api.json('GET', '/v1/alert-templates', { query }))),
    }), ['stele alerts templates | jq -r ".templates[].name"']),
    ack: addExamples(defineCommand({
      meta: { name: 'ack', description: 'Acknowledge an alert (recorded as alert.acknowledged)' },
      args: { id: { type: 'positional', required: true, description: 'Alert id' }, ...ARGS },
      run: async ({ args }) => printJson(await onServerOnly(args, (api, query) => api.json('POST', `/v1/alerts/${path(args.id)}/acknowledge`, { query }))),
    }), ['stele alerts ack alr_3f2a...']),
    resolve: addExamples(defineCommand({
      meta: { name: 'resolve', description: 'Resolve an alert (recorded as alert.resolved)' },
      args: { id: { type: 'positional', required: true, description: 'Alert id' }, ...ARGS },
      run: async ({ args }) => printJson(await onServerOnly(args, (api, query) => api.json('POST', `/v1/alerts/${path(args.id)}/resolve`, { query }))),
    }), ['stele alerts resolve alr_3f2a...']),
    sigma: addExamples(defineCommand({
      meta: { name: 'sigma', description: 'Import a Sigma rule (YAML file; - for stdin) on a server, or without --url print the rule it compiles to' },
      args: {
        file: { type: 'positional', required: true, description: 'The YAML file: one rule, or base rules and a correlation' },
        webhook: { type: 'string', description: 'Also notify this URL (signed; the secret is printed once)' },
        email: { type: 'string', description: 'Also notify these addresses (comma-separated)' },
        disabled: { type: 'boolean', description: 'Create the rule disabled' },
        ...ARGS,
      },
      run: async ({ args }) => {
        const sigma = args.file === '-' ? await readStdin() : await readFile(args.file, 'utf8');
        const actions = [
          ...(args.webhook ? [{ type: 'webhook', url: args.webhook }] : []),
          ...(args.email ? [{ type: 'email', to: args.email.split(',').map((a) => a.trim()) }] : []),
        ];
        const remote = await onServer(args, (api) => api.json('POST', '/v1/alert-rules/sigma', {
          query: { tenant_id: args.tenant }, body: { sigma, ...(actions.length > 0 && { actions }), ...(args.disabled && { enabled: false }) },
        }));
        if (remote) return printJson(remote.value);
        try {
          printJson(compileSigma(sigma));
        } catch (error) {
          if (isSteleError(error)) throw new CLIError(error.message);
          throw error;
        }
      },
    }), ['stele alerts sigma rules/brute-force.yml', 'stele alerts sigma rules/brute-force.yml --webhook https://soc.example.com/hooks/stele --url https://audit.example.com --key $STELE_API_KEY']),
  },
}), ['stele alerts list --state open', 'stele alerts sigma rule.yml']);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

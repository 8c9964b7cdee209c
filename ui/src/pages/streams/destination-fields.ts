// The settings each destination type asks for, as the API takes them in `config` (README of
// src/streams, "Destinations"). Secrets are password fields: after creation the API shows them
// masked, and an edit that leaves one empty keeps the stored value.

export type FieldKind = 'text' | 'secret' | 'number' | 'checkbox' | 'pem' | 'list' | 'select';

export interface DestinationField {
  name: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  help?: string;
  placeholder?: string;
  options?: readonly string[];
}

export interface DestinationKind {
  type: string;
  label: string;
  formats: readonly string[];
  fields: readonly DestinationField[];
}

const FACILITIES = ['audit', 'authpriv', 'auth', 'user', 'daemon', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];

export const DESTINATION_KINDS: readonly DestinationKind[] = [
  { type: 'webhook', label: 'Webhook (Standard Webhooks)', formats: ['json', 'ocsf'], fields: [
    { name: 'url', label: 'URL', kind: 'text', required: true, placeholder: 'https://siem.example.com/hooks/stele', help: 'Stele makes the signing secret and shows it once.' },
  ] },
  { type: 'splunk_hec', label: 'Splunk HTTP Event Collector', formats: ['json', 'ocsf', 'cef', 'leef'], fields: [
    { name: 'url', label: 'HEC URL', kind: 'text', required: true, placeholder: 'https://splunk.example.com:8088' },
    { name: 'token', label: 'HEC token', kind: 'secret', required: true },
    { name: 'index', label: 'Index', kind: 'text' },
    { name: 'sourcetype', label: 'Sourcetype', kind: 'text', placeholder: '_json' },
  ] },
  { type: 'datadog', label: 'Datadog logs', formats: ['json', 'ocsf'], fields: [
    { name: 'site', label: 'Site', kind: 'select', required: true, options: ['datadoghq.com', 'datadoghq.eu', 'us3.datadoghq.com', 'us5.datadoghq.com', 'ap1.datadoghq.com', 'ddog-gov.com'] },
    { name: 'api_key', label: 'API key', kind: 'secret', required: true },
    { name: 'service', label: 'Service', kind: 'text', placeholder: 'stele' },
    { name: 'tags', label: 'Tags', kind: 'list', placeholder: 'env:prod, team:security', help: 'Comma-separated key:value tags.' },
  ] },
  { type: 'elastic', label: 'Elasticsearch _bulk', formats: ['json', 'ocsf'], fields: [
    { name: 'url', label: 'Elasticsearch URL', kind: 'text', required: true, placeholder: 'https://es.example.com:9200' },
    { name: 'index', label: 'Index or data stream', kind: 'text', required: true, placeholder: 'stele-audit' },
    { name: 'api_key', label: 'API key (base64 id:key)', kind: 'secret', help: 'Or a user name and password.' },
    { name: 'username', label: 'User name', kind: 'text' },
    { name: 'password', label: 'Password', kind: 'secret' },
  ] },
  { type: 'sumo', label: 'Sumo Logic HTTP source', formats: ['json', 'ocsf', 'cef', 'leef'], fields: [
    { name: 'url', label: 'HTTP source URL', kind: 'secret', required: true, help: 'The URL holds the source\'s token: it is kept secret.' },
    { name: 'category', label: 'Source category', kind: 'text' },
  ] },
  { type: 'sentinel', label: 'Microsoft Sentinel (Logs Ingestion API)', formats: ['json'], fields: [
    { name: 'tenant_id', label: 'Directory (tenant) id', kind: 'text', required: true },
    { name: 'client_id', label: 'Application (client) id', kind: 'text', required: true },
    { name: 'client_secret', label: 'Client secret', kind: 'secret', required: true },
    { name: 'endpoint', label: 'Data collection endpoint', kind: 'text', required: true, placeholder: 'https://my-dce.westeurope-1.ingest.monitor.azure.com' },
    { name: 'rule_id', label: 'DCR immutable id', kind: 'text', required: true, placeholder: 'dcr-…' },
    { name: 'stream_name', label: 'Stream name', kind: 'text', required: true, placeholder: 'Custom-SteleAudit' },
  ] },
  { type: 'syslog', label: 'Syslog (QRadar, ArcSight …)', formats: ['json', 'cef', 'leef'], fields: [
    { name: 'host', label: 'Host', kind: 'text', required: true },
    { name: 'port', label: 'Port', kind: 'number', required: true, placeholder: '6514' },
    { name: 'tls', label: 'TLS (RFC 5425)', kind: 'checkbox' },
    { name: 'ca', label: 'CA certificate (PEM)', kind: 'pem', help: 'Only with TLS; without it the system\'s CAs are trusted.' },
    { name: 'facility', label: 'Facility', kind: 'select', options: FACILITIES },
    { name: 'app_name', label: 'App name', kind: 'text', placeholder: 'stele' },
  ] },
  { type: 's3', label: 'Amazon S3 (or S3-compatible)', formats: ['json', 'ocsf', 'cef', 'leef'], fields: [
    { name: 'bucket', label: 'Bucket', kind: 'text', required: true },
    { name: 'prefix', label: 'Prefix', kind: 'text', placeholder: 'stele/' },
    { name: 'region', label: 'Region', kind: 'text', required: true, placeholder: 'eu-west-1' },
    { name: 'endpoint', label: 'Endpoint (S3-compatible stores)', kind: 'text' },
    { name: 'access_key_id', label: 'Access key id', kind: 'text', required: true },
    { name: 'secret_access_key', label: 'Secret access key', kind: 'secret', required: true },
    { name: 'force_path_style', label: 'Path-style URLs', kind: 'checkbox' },
  ] },
];

export const kindOf = (type: string): DestinationKind => DESTINATION_KINDS.find((k) => k.type === type) ?? DESTINATION_KINDS[0]!;

/** A form's values as the API's `config`: empty fields left out, numbers and lists converted. */
export function configFrom(kind: DestinationKind, values: Record<string, string | boolean>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of kind.fields) {
    const value = values[field.name];
    if (value === undefined || value === '' || value === false) continue;
    if (field.kind === 'number') config[field.name] = Number(value);
    else if (field.kind === 'list') config[field.name] = String(value).split(',').map((s) => s.trim()).filter(Boolean);
    else config[field.name] = value;
  }
  return config;
}

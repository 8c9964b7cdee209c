// Every destination type by name.

import type { DestinationType, StreamType } from './destination.js';
import { datadogDestination } from './datadog.js';
import { elasticDestination } from './elastic.js';
import { s3Destination } from './s3.js';
import { sentinelDestination } from './sentinel.js';
import { splunkHecDestination } from './splunk-hec.js';
import { sumoDestination } from './sumo.js';
import { syslogDestination } from './syslog.js';
import { webhookDestination } from './webhook.js';

export const DESTINATIONS: Readonly<Record<StreamType, DestinationType>> = Object.freeze({
  webhook: webhookDestination,
  splunk_hec: splunkHecDestination,
  datadog: datadogDestination,
  elastic: elasticDestination,
  sumo: sumoDestination,
  sentinel: sentinelDestination,
  syslog: syslogDestination,
  s3: s3Destination,
});

export * from './destination.js';

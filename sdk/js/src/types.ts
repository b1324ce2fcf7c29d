// Object types. The clinical resources' come from docs/openapi.json (src/generated/openapi.ts,
// written by `npm run gen` with openapi-typescript); they are looked up by schema name with a
// loose fallback, so a regenerated document that renames a schema still compiles. The platform
// objects (webhook endpoints, deliveries, API keys, tokens, request logs) are taken from the
// document when it has a schema of that name, else from the shapes written here; Event is
// written here, generic in its object.
import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];
type Loose = { [field: string]: unknown };
type Schema<N extends string, F = Loose> = N extends keyof Schemas ? Schemas[N] : F;

/** Fields every object has. */
export interface ObjectBase {
  id: string;
  object: string;
  livemode?: boolean;
  createdAt?: number;
  updatedAt?: number;
  /** True on the answer of a remove. */
  deleted?: boolean;
  [field: string]: unknown;
}

export type Patient = Schema<'Patient'> & ObjectBase;
export type Practitioner = Schema<'Practitioner'> & ObjectBase;
export type Appointment = Schema<'Appointment'> & ObjectBase;
export type Message = Schema<'Message'> & ObjectBase;
export type Invoice = Schema<'Invoice'> & ObjectBase;
export type Organization = Schema<'Organization'> & ObjectBase;

export type PatientCreate = Schema<'PatientCreate'>;
export type PractitionerCreate = Schema<'PractitionerCreate'>;
export type AppointmentCreate = Schema<'AppointmentCreate'>;
export type MessageCreate = Schema<'MessageCreate'>;
export type InvoiceCreate = Schema<'InvoiceCreate'>;
export type PatientPatch = Schema<'PatientPatch'>;
export type PractitionerPatch = Schema<'PractitionerPatch'>;
export type AppointmentPatch = Schema<'AppointmentPatch'>;
export type MessagePatch = Schema<'MessagePatch'>;
export type InvoicePatch = Schema<'InvoicePatch'>;
export type OrganizationPatch = Schema<'OrganizationPatch'>;

/** A page of a find: `total` only when the query asked for `$total: true`. */
export interface Page<T> {
  data: T[];
  total?: number;
  limit: number;
  skip: number;
  /** Whether objects follow this page in the list's order (before it, with `endingBefore`). */
  hasMore: boolean;
}

/** A page in Hubpay's dialect (`page`/`size`/`sort` in the query). */
export interface HubpayPage<T> {
  content: T[];
  number: number;
  size: number;
  totalElements: number;
  totalPages: number;
  numberOfElements: number;
  first: boolean;
  last: boolean;
  empty: boolean;
  sort?: unknown;
  hasMore: boolean;
}

/** A change to an object, kept 30 days; the payload of webhook deliveries. */
export interface Event<O = Record<string, unknown>> {
  id: string;
  object: 'event';
  /** patient.created, appointment.cancelled, invoice.paid, ... */
  type: string;
  createdAt: number;
  livemode: boolean;
  organizationId?: string;
  data: { object: O; previousAttributes?: Record<string, unknown> };
  request?: { id?: string; idempotencyKey?: string };
  /** True on a sample event sent by webhookEndpoints.test. */
  test?: boolean;
}

interface WebhookEndpointWritten extends ObjectBase {
  url: string;
  /** Event types or patterns: "*", "patient.*", "invoice.paid". */
  enabledEvents: string[];
  description?: string;
  status: 'enabled' | 'disabled';
  disabledReason?: string;
  metadata?: Record<string, string>;
  /** Custom headers sent with every delivery (canonical names, X-Api-Key). */
  headers?: Record<string, string>;
  /** The signing secret (whsec_...): on create, get and rollSecret. */
  secret?: string;
}

export interface WebhookEndpointCreate {
  url: string;
  enabledEvents: string[];
  description?: string;
  metadata?: Record<string, string>;
  /** Headers to send with every delivery (not hop-by-hop, Host, Content-*, User-Agent or signature headers). */
  headers?: Record<string, string>;
  /** The API version deliveries are rendered in (default: each event's own); chosen at creation only. */
  apiVersion?: string;
}

export interface WebhookEndpointPatch {
  url?: string;
  enabledEvents?: string[];
  description?: string;
  status?: 'enabled' | 'disabled';
  metadata?: Record<string, string | null>;
  /** Headers to set; null removes one. */
  headers?: Record<string, string | null>;
}

export interface WebhookAttempt {
  attemptedAt: number;
  durationMs: number;
  statusCode?: number;
  responseBody?: string;
  error?: string;
}

interface WebhookDeliveryWritten extends ObjectBase {
  webhookEndpointId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: WebhookAttempt[];
  attemptCount: number;
  nextAttemptAt?: number;
}

interface ApiKeyWritten extends ObjectBase {
  /** secret, publishable or restricted. */
  type: string;
  name?: string;
  note?: string;
  /** The key itself, when the API shows it (publishable keys; secret keys when created or rolled). */
  secret?: string;
  permissions?: Record<string, 'none' | 'read' | 'write'>;
  /** active, expiring (rolled with a grace period) or revoked. */
  status?: string;
  expiresAt?: number;
  rolledFrom?: string;
}

export interface ApiKeyCreate {
  name?: string;
  note?: string;
  /** restricted (the default for keys created through the API). */
  type?: string;
  permissions?: Record<string, 'none' | 'read' | 'write'>;
}

/** PATCH /api-keys/{id}: labels, and a restricted key's whole new permission set. */
export interface ApiKeyUpdate {
  name?: string;
  note?: string | null;
  /** Restricted keys only; a resource left out is none. Takes effect within the authorizer's cache TTL (300 s). */
  permissions?: Record<string, 'none' | 'read' | 'write'>;
}

interface TokenWritten extends ObjectBase {
  /** patient_intake */
  type: string;
  data: Record<string, unknown>;
  expiresAt: number;
}

export interface TokenCreate {
  type: 'patient_intake';
  data: Record<string, unknown>;
}

interface RequestLogWritten extends ObjectBase {
  method: string;
  path: string;
  status: number;
}
export type WebhookEndpoint = Schema<'WebhookEndpoint', WebhookEndpointWritten> & ObjectBase;
export type WebhookDelivery = Schema<'WebhookDelivery', WebhookDeliveryWritten> & ObjectBase;
export type ApiKey = Schema<'ApiKey', ApiKeyWritten> & ObjectBase;
export type Token = Schema<'Token', TokenWritten> & ObjectBase;
export type RequestLog = Schema<'RequestLog', RequestLogWritten> & ObjectBase;

/** A sandbox reset: finished (deleted and seeded counts) or, where resets run as jobs, its status. */
export interface SandboxReset {
  object: 'sandbox_reset';
  id?: string;
  livemode: boolean;
  organizationId?: string;
  /** queued, running or succeeded (jobs); absent on a reset answered when finished. */
  status?: string;
  deleted?: Record<string, number>;
  seeded?: Record<string, number>;
  [field: string]: unknown;
}

/** What webhookEndpoints.recover did: the failed deliveries it queued again. */
export interface WebhookRecovery {
  object: 'webhook_recovery';
  livemode: boolean;
  webhookEndpointId: string;
  since: number;
  until: number;
  recovered: number;
  deliveryIds: string[];
  /** More failed deliveries remain in the range: call again with since = nextSince. */
  hasMore: boolean;
  nextSince?: number | null;
}

/** One event type: what it means and the JSON Schema (2020-12) of its payload. */
export interface EventType {
  object: 'event_type';
  type: string;
  resource: string;
  description: string;
  schema: Record<string, unknown>;
}

/** The API version the account is pinned to (GET /account/api-version); docs/versioning.md. */
export interface ApiVersion {
  object: 'api_version';
  /** Requests without HapiHub-Version are served in it, and events are written in it. */
  apiVersion: string;
  latest: string;
  versions: string[];
}

/** The addresses webhook deliveries come from (GET /webhook-source-ips). */
export interface WebhookSourceIps {
  object: 'webhook_source_ips';
  /** True when every delivery comes from `addresses`. */
  staticEgress: boolean;
  addresses: string[];
  cidrs: string[];
  note: string;
}

/** The sandbox's test organizations: send one as `organization` with a test key to fail on purpose. */
export const TEST_ORGANIZATIONS = {
  /** Every request answers CredentialsError (403 CREDENTIALS_ERROR): the clinic revoked access. */
  revoked: 'org_test_revoked',
  /** Its PMS has no messages: messages.* answer MethodNotSupportedError; other resources work. */
  noMessages: 'org_test_no_messages',
} as const;

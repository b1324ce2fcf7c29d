import { type ClientOptions, type RequestOptions, Transport, withInfo } from './http.js';
import { type FindParams, Reader, Resource } from './resources.js';
import type {
  ApiKey,
  ApiVersion,
  ApiKeyCreate,
  ApiKeyUpdate,
  Appointment,
  AppointmentCreate,
  AppointmentPatch,
  Event,
  EventType,
  Invoice,
  InvoiceCreate,
  InvoicePatch,
  Message,
  MessageCreate,
  MessagePatch,
  Organization,
  OrganizationPatch,
  Page,
  Patient,
  PatientCreate,
  PatientPatch,
  Practitioner,
  PractitionerCreate,
  PractitionerPatch,
  RequestLog,
  SandboxReset,
  Token,
  TokenCreate,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointPatch,
  WebhookRecovery,
  WebhookSourceIps,
} from './types.js';
import { webhooks } from './webhooks.js';

const enc = encodeURIComponent;

/** Webhook endpoints: the six methods but update (the API has no PUT here), plus deliveries, resend, rollSecret and test. */
export class WebhookEndpoints extends Reader<WebhookEndpoint> {
  create(data: WebhookEndpointCreate, params: RequestOptions = {}): Promise<WebhookEndpoint> {
    return this.call('POST', this.path, data, params);
  }
  patch(id: string, data: WebhookEndpointPatch, params: RequestOptions = {}): Promise<WebhookEndpoint> {
    return this.call('PATCH', `${this.path}/${enc(id)}`, data, params);
  }
  remove(id: string, params: RequestOptions = {}): Promise<WebhookEndpoint> {
    return this.call('DELETE', `${this.path}/${enc(id)}`, undefined, params);
  }
  /**
   * Replaces the signing secret; the old one keeps signing until expiresAt (Unix ms, at most 24 h
   * ahead: the canonical form, as apiKeys.roll takes it) or for expiresInSeconds (0..86400, the
   * route's first form). Neither: it stops now.
   */
  rollSecret(id: string, data: { expiresAt?: number; expiresInSeconds?: number } = {}, params: RequestOptions = {}): Promise<WebhookEndpoint> {
    return this.call('POST', `${this.path}/${enc(id)}/roll-secret`, data, params);
  }
  /** Sends a sample event (type, default patient.created) to this endpoint only, through the normal delivery path. */
  test(id: string, data: { type?: string } = {}, params: RequestOptions = {}): Promise<WebhookDelivery> {
    return this.call('POST', `${this.path}/${enc(id)}/test`, data, params);
  }
  /** Deliveries: `deliveries(endpointId, {query})` lists them; a reader with find/get/all. */
  deliveries(endpointId: string, params?: FindParams): Promise<Page<WebhookDelivery>> {
    return new Reader<WebhookDelivery>(this.transport, `${this.path}/${enc(endpointId)}/deliveries`).find(params);
  }
  /** Every delivery of an endpoint, page by page. */
  allDeliveries(endpointId: string, params?: FindParams): AsyncGenerator<WebhookDelivery, void, undefined> {
    return new Reader<WebhookDelivery>(this.transport, `${this.path}/${enc(endpointId)}/deliveries`).all(params);
  }
  /** One delivery with its attempts. */
  delivery(endpointId: string, deliveryId: string, params?: FindParams): Promise<WebhookDelivery> {
    return new Reader<WebhookDelivery>(this.transport, `${this.path}/${enc(endpointId)}/deliveries`).get(deliveryId, params);
  }
  /** Sends a delivery's event again (a new attempt, newly signed). */
  resend(endpointId: string, deliveryId: string, params: RequestOptions = {}): Promise<WebhookDelivery> {
    return this.call('POST', `${this.path}/${enc(endpointId)}/deliveries/${enc(deliveryId)}/resend`, undefined, params);
  }
  /**
   * Queues again every failed delivery of events created from `since` (Unix ms, at most 14 days
   * ago) to `until` (default now); at most 100 a call: follow `hasMore`/`nextSince`, or use recoverAll.
   */
  recover(id: string, data: { since: number; until?: number }, params: RequestOptions = {}): Promise<WebhookRecovery> {
    return this.call('POST', `${this.path}/${enc(id)}/recover`, data, params);
  }
  /** recover until nothing failed is left in the range; the number of deliveries queued. */
  async recoverAll(id: string, data: { since: number; until?: number }, params: RequestOptions = {}): Promise<number> {
    let n = 0;
    let range = data;
    for (;;) {
      const r = await this.recover(id, range, params);
      n += r.recovered;
      if (!r.hasMore || r.nextSince == null) return n;
      range = { since: r.nextSince, until: r.until };
    }
  }
  /** The addresses deliveries come from (GET /webhook-source-ips, which needs no key). */
  sourceIps(params: RequestOptions = {}): Promise<WebhookSourceIps> {
    return this.call('GET', '/webhook-source-ips', undefined, params);
  }
}

/** Events, newest first (30 days), and the catalogue of event types. */
export class Events extends Reader<Event> {
  /** Every event type with its description and payload schema; `type` ('invoice.*') narrows it. */
  async types(params: RequestOptions & { type?: string } = {}): Promise<{ data: EventType[]; total: number }> {
    const { type, ...opts } = params;
    const query = type ? `?type=${enc(type)}` : '';
    const { data, info } = await this.transport.request<{ data: EventType[]; total: number }>('GET', `/event-types${query}`, undefined, opts);
    return withInfo(data, info);
  }
}

/** API keys: list, read, create restricted keys, rename/annotate, revoke (remove) and roll. */
export class ApiKeys extends Reader<ApiKey> {
  create(data: ApiKeyCreate, params: RequestOptions = {}): Promise<ApiKey> {
    return this.call('POST', this.path, data, params);
  }
  /** Name, note, and a restricted key's permissions (the whole set). */
  patch(id: string, data: ApiKeyUpdate, params: RequestOptions = {}): Promise<ApiKey> {
    return this.call('PATCH', `${this.path}/${enc(id)}`, data, params);
  }
  /** Replaces a restricted key's permissions (a resource left out is none); a secret or publishable key answers InvalidParametersError. */
  setPermissions(id: string, permissions: Record<string, 'none' | 'read' | 'write'>, params: RequestOptions = {}): Promise<ApiKey> {
    return this.patch(id, { permissions }, params);
  }
  /** Revokes the key. */
  remove(id: string, params: RequestOptions = {}): Promise<ApiKey> {
    return this.call('DELETE', `${this.path}/${enc(id)}`, undefined, params);
  }
  /** A new key replacing this one; the old one works until expiresAt (Unix ms; omitted: stops now). */
  roll(id: string, data: { expiresAt?: number } = {}, params: RequestOptions = {}): Promise<ApiKey> {
    return this.call('POST', `${this.path}/${enc(id)}/roll`, data, params);
  }
}

/** Tokens: created with a publishable key (the browser's HAPI Hub.js), read with a secret key. */
export class Tokens {
  constructor(private readonly transport: Transport) {}
  async create(data: TokenCreate, params: RequestOptions = {}): Promise<Token> {
    const { data: out, info } = await this.transport.request<Token>('POST', '/tokens', data, params);
    return withInfo(out, info);
  }
  async get(id: string, params: RequestOptions = {}): Promise<Token> {
    const { data: out, info } = await this.transport.request<Token>('GET', `/tokens/${enc(id)}`, undefined, params);
    return withInfo(out, info);
  }
}

/** The account's IP allowlist. */
export class Account {
  constructor(private readonly transport: Transport) {}
  async ipAllowlist(params: RequestOptions = {}): Promise<{ cidrs: string[] }> {
    return (await this.transport.request<{ cidrs: string[] }>('GET', '/account/ip-allowlist', undefined, params)).data;
  }
  async setIpAllowlist(cidrs: string[], params: RequestOptions = {}): Promise<{ cidrs: string[] }> {
    return (await this.transport.request<{ cidrs: string[] }>('PUT', '/account/ip-allowlist', { cidrs }, params)).data;
  }
  /** The API version the account is pinned to, the newest one, and every known version. */
  async apiVersion(params: RequestOptions = {}): Promise<ApiVersion> {
    const { data, info } = await this.transport.request<ApiVersion>('GET', '/account/api-version', undefined, params);
    return withInfo(data, info);
  }
  /** Pins the account to another known version (live secret key only); try it first with `apiVersion` on calls. */
  async setApiVersion(apiVersion: string, params: RequestOptions = {}): Promise<ApiVersion> {
    const { data, info } = await this.transport.request<ApiVersion>('PUT', '/account/api-version', { apiVersion }, params);
    return withInfo(data, info);
  }
}

/** The test-mode sandbox clinic. */
export class Sandbox {
  constructor(private readonly transport: Transport) {}
  /**
   * Purges and re-seeds St. Mungo's Clinic (test keys only). The API may answer at once (200,
   * the finished reset) or accept the reset as a job (202, its status); with `wait: true` an
   * accepted reset is polled (GET /sandbox/reset, every `pollInterval` ms, 1 000 by default) until
   * it has succeeded, and that status is returned.
   */
  async reset(params: RequestOptions & { wait?: boolean; pollInterval?: number; waitTimeout?: number } = {}): Promise<SandboxReset> {
    const { wait, pollInterval = 1_000, waitTimeout = 300_000, ...opts } = params;
    const { data, info } = await this.transport.request<SandboxReset>('POST', '/sandbox/reset', undefined, opts);
    if (!wait || info.status !== 202) return withInfo(data, info);
    const deadline = Date.now() + waitTimeout;
    for (;;) {
      const cur = await this.status(opts);
      if (cur.status === 'succeeded') return cur;
      if (Date.now() > deadline) throw new Error(`HapiHub: the sandbox reset ${cur.id ?? ''} has not finished within ${waitTimeout} ms (${cur.status})`);
      await this.transport.sleep(pollInterval, opts.signal);
    }
  }
  /** The latest sandbox reset's status (where the API runs resets as jobs). */
  async status(params: RequestOptions = {}): Promise<SandboxReset> {
    const { data, info } = await this.transport.request<SandboxReset>('GET', '/sandbox/reset', undefined, params);
    return withInfo(data, info);
  }
}

/** Resource names as Feathers' app.service(name) takes them, to the client's property. */
const SERVICES = {
  patients: 'patients',
  practitioners: 'practitioners',
  appointments: 'appointments',
  messages: 'messages',
  invoices: 'invoices',
  organizations: 'organizations',
  events: 'events',
  'webhook-endpoints': 'webhookEndpoints',
  'api-keys': 'apiKeys',
  tokens: 'tokens',
  'request-logs': 'requestLogs',
} as const;

type ServiceName = keyof typeof SERVICES;

/**
 * A HAPI Hub client: `new HapiHub(key, {apiUrl, organization, timeout, maxRetries})`. One per key;
 * the default export is one whose key is set by `sdk.initialize(key, options)`.
 */
export class HapiHub {
  patients!: Resource<Patient, PatientCreate, PatientPatch>;
  practitioners!: Resource<Practitioner, PractitionerCreate, PractitionerPatch>;
  appointments!: Resource<Appointment, AppointmentCreate, AppointmentPatch>;
  messages!: Resource<Message, MessageCreate, MessagePatch>;
  invoices!: Resource<Invoice, InvoiceCreate, InvoicePatch>;
  /** Read, and patch of metadata; create, update and remove answer METHOD_NOT_SUPPORTED. */
  organizations!: Resource<Organization, Record<string, unknown>, OrganizationPatch>;
  /** Changes to objects, newest first, kept 30 days. */
  events!: Events;
  webhookEndpoints!: WebhookEndpoints;
  apiKeys!: ApiKeys;
  tokens!: Tokens;
  /** Requests of the last 7 days. */
  requestLogs!: Reader<RequestLog>;
  account!: Account;
  sandbox!: Sandbox;
  /** Webhook signature verification; needs no key. */
  readonly webhooks = webhooks;
  #transport?: Transport;

  constructor(key?: string, options: ClientOptions = {}) {
    if (key !== undefined) this.initialize(key, options);
  }

  /** Sets (or replaces) the key and options: `sdk.initialize('sk_test_...', {apiUrl})`. Returns the client. */
  initialize(key: string, options: ClientOptions = {}): this {
    const t = new Transport(key, options);
    this.#transport = t;
    this.patients = new Resource(t, '/patients');
    this.practitioners = new Resource(t, '/practitioners');
    this.appointments = new Resource(t, '/appointments');
    this.messages = new Resource(t, '/messages');
    this.invoices = new Resource(t, '/invoices');
    this.organizations = new Resource(t, '/organizations');
    this.events = new Events(t, '/events');
    this.webhookEndpoints = new WebhookEndpoints(t, '/webhook-endpoints');
    this.apiKeys = new ApiKeys(t, '/api-keys');
    this.tokens = new Tokens(t);
    this.requestLogs = new Reader(t, '/request-logs');
    this.account = new Account(t);
    this.sandbox = new Sandbox(t);
    return this;
  }

  /** The transport (retries, idempotency); throws before initialize. */
  get transport(): Transport {
    if (!this.#transport) throw new Error('HapiHub: call sdk.initialize(key) first');
    return this.#transport;
  }

  /** Feathers' style: `sdk.service('patients').find({query})`. */
  service<N extends ServiceName>(name: N): this[(typeof SERVICES)[N]] {
    const prop = SERVICES[name];
    if (!prop) throw new Error(`HapiHub: no service ${String(name)}`);
    this.transport; // throws before initialize
    return this[prop] as this[(typeof SERVICES)[N]];
  }

  /** Any call of the API: `sdk.request('GET', '/patients', {query})`; the JSON answer. */
  async request<T = unknown>(method: string, path: string, params: RequestOptions & { body?: unknown } = {}): Promise<T> {
    const { body, ...opts } = params;
    const { data, info } = await this.transport.request<T>(method, path, body, opts);
    return withInfo(data, info);
  }
}

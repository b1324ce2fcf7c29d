package openapi

import (
	"strings"
	"sync"
)

// Platform routes (API keys, tokens, account, request logs, events, webhook endpoints and their
// deliveries, the sandbox) have no resource schema: their objects are declared here, next to the
// code that renders them only by name, so every route has a typed response and body. Properties
// the handlers add later are allowed (additionalProperties is not closed), required ones are
// what every response carries.

func str() Doc      { return Doc{"type": "string"} }
func nstr() Doc     { return Doc{"type": []any{"string", "null"}} }
func integer() Doc  { return Doc{"type": "integer", "format": "int64"} }
func ninteger() Doc { return Doc{"type": []any{"integer", "null"}, "format": "int64"} }
func boolean() Doc  { return Doc{"type": "boolean"} }
func strs() Doc     { return Doc{"type": "array", "items": str()} }
func millis(d string) Doc {
	return Doc{"type": "integer", "format": "int64", "description": d + " Unix time in milliseconds, UTC."}
}
func nmillis(d string) Doc {
	return Doc{"type": []any{"integer", "null"}, "format": "int64", "description": d + " Unix time in milliseconds, UTC."}
}

func object(obj string, required []string, props Doc) Doc {
	if obj != "" {
		props["object"] = Doc{"type": "string", "const": obj}
	}
	req := make([]any, len(required))
	for i, r := range required {
		req[i] = r
	}
	return Doc{"type": "object", "required": req, "properties": props}
}

// closed is a request body: only the listed properties.
func closed(required []string, props Doc) Doc {
	d := object("", required, props)
	d["additionalProperties"] = false
	if len(required) == 0 {
		delete(d, "required")
	}
	return d
}

func listOf(item string) Doc {
	return Doc{"type": "object", "required": []any{"data", "limit", "skip", "hasMore"}, "properties": Doc{
		"data": Doc{"type": "array", "items": ref(item)}, "limit": Doc{"type": "integer"}, "skip": Doc{"type": "integer"}, "hasMore": hasMoreSchema,
		"total": Doc{"type": "integer", "description": "With $total=true (always for some lists)."},
	}}
}

func permissionsSchema() Doc {
	return Doc{"type": "object", "description": "Resource name to none, read or write.",
		"additionalProperties": Doc{"type": "string", "enum": []any{"none", "read", "write"}}}
}

// keyEditPermissions is PATCH /api-keys/{id}'s permissions: a restricted key's whole new set.
func keyEditPermissions() Doc {
	d := permissionsSchema()
	d["description"] = "Restricted keys only (400 naming permissions for a secret or publishable key): the whole new set, resource to none, read or write; a resource left out is none. Takes effect within the authorizer's cache TTL (300 s)."
	return d
}

// platformSchemas are the platform's objects and lists, by component name.
func platformSchemas() Doc {
	return Doc{
		"ApiKey": object("api_key", []string{"id", "object", "type", "livemode", "name", "secret", "status", "createdAt"}, Doc{
			"id": str(), "type": Doc{"type": "string", "enum": []any{"secret", "publishable", "restricted"}}, "livemode": boolean(),
			"name": str(), "note": nstr(), "secret": Doc{"type": "string", "description": "The whole key only in the response that creates it (or while it is revealable); else prefix...last4."},
			"status": str(), "createdAt": millis("Creation time."), "expiresAt": nmillis("When a rolled key stops working."),
			"permissions": permissionsSchema(), "rolledFrom": Doc{"type": "string", "description": "The key this one replaces (roll)."},
		}),
		"ApiKeyList": listOf("ApiKey"),
		"Slice":      sliceSchema(),
		"Token": object("token", []string{"id", "object", "type", "livemode", "data", "createdAt", "expiresAt"}, Doc{
			"id": str(), "type": Doc{"type": "string", "enum": []any{"patient_intake"}}, "livemode": boolean(),
			"data":      Doc{"type": "object", "description": "The patient fields the browser collected (a patient create body)."},
			"createdAt": millis("Creation time."), "expiresAt": millis("After this the token is gone."),
		}),
		"IpAllowlist": object("ip_allowlist", []string{"object", "cidrs"}, Doc{"cidrs": strs()}),
		"RequestLog": object("request_log", []string{"id", "object", "livemode", "method", "path", "status", "createdAt"}, Doc{
			"id": str(), "livemode": boolean(), "method": str(), "path": str(), "status": Doc{"type": "integer"},
			"errorEventId": nstr(), "keyId": nstr(), "keyType": nstr(), "session": nstr(), "requestId": nstr(), "idempotencyKey": nstr(),
			"organizationId": nstr(), "createdAt": millis("When the request arrived."), "durationMs": Doc{"type": "integer"},
		}),
		"RequestLogList": listOf("RequestLog"),
		"ApiVersion": object("api_version", []string{"object", "apiVersion", "latest", "versions"}, Doc{
			"apiVersion": Doc{"type": "string", "format": "date", "description": "The version requests without HapiHub-Version are served in, and events are written in."},
			"latest":     Doc{"type": "string", "format": "date", "description": "The newest version."}, "versions": strs(),
		}),
		"Event": object("event", []string{"id", "object", "type", "createdAt", "livemode", "data", "apiVersion"}, Doc{
			"id": str(), "type": Doc{"type": "string", "description": "<object>.<created|updated|deleted|...>, e.g. patient.created."},
			"createdAt": millis("When it happened."), "livemode": boolean(), "organizationId": nstr(),
			"data": Doc{"type": "object", "required": []any{"object"}, "properties": Doc{
				"object":             Doc{"type": "object", "description": "The object as it was after the change."},
				"previousAttributes": Doc{"type": "object", "description": "On updates: the changed fields' former values."},
			}},
			"request":    Doc{"type": "object", "properties": Doc{"id": nstr(), "idempotencyKey": nstr()}},
			"apiVersion": Doc{"type": "string", "format": "date", "description": "The API version data is shaped in: the account's when the event happened."},
		}),
		"EventList": listOf("Event"),
		"WebhookEndpoint": object("webhook_endpoint", []string{"id", "object", "livemode", "url", "enabledEvents", "status", "createdAt"}, Doc{
			"id": str(), "livemode": boolean(), "url": Doc{"type": "string", "format": "uri"}, "enabledEvents": strs(),
			"description": nstr(), "status": Doc{"type": "string", "enum": []any{"enabled", "disabled"}}, "disabledReason": nstr(),
			"metadata":  Doc{"type": "object", "additionalProperties": Doc{"type": "string"}},
			"createdAt": millis("Creation time."), "updatedAt": millis("Last change."),
			"secret":     Doc{"type": "string", "description": "The signing secret (whsec_...): on create, roll-secret and get."},
			"headers":    Doc{"type": "object", "additionalProperties": Doc{"type": "string"}, "description": "Custom headers sent with every delivery (canonical names)."},
			"apiVersion": Doc{"type": []any{"string", "null"}, "format": "date", "description": "The API version deliveries are rendered in; null follows each event's own."},
		}),
		"WebhookEndpointList": listOf("WebhookEndpoint"),
		"WebhookDelivery": object("webhook_delivery", []string{"id", "object", "livemode", "webhookEndpointId", "eventId", "eventType", "status", "attempts", "createdAt"}, Doc{
			"id": str(), "livemode": boolean(), "webhookEndpointId": str(), "eventId": str(), "eventType": str(), "status": str(),
			"attempts": Doc{"type": "array", "items": Doc{"type": "object", "properties": Doc{
				"attemptedAt": millis("When the attempt started."), "durationMs": Doc{"type": "integer"}, "statusCode": ninteger(),
				"responseBody": nstr(), "error": nstr(),
			}}},
			"attemptCount": Doc{"type": "integer"}, "nextAttemptAt": nmillis("The next retry, if one is due."),
			"createdAt": millis("Creation time."), "updatedAt": millis("Last change."),
		}),
		"WebhookDeliveryList": listOf("WebhookDelivery"),
		"WebhookRecovery": object("webhook_recovery", []string{"object", "livemode", "webhookEndpointId", "since", "until", "recovered", "deliveryIds", "hasMore"}, Doc{
			"livemode": boolean(), "webhookEndpointId": str(), "since": millis("Recovered from (event time)."), "until": millis("Recovered up to, excluded (event time)."),
			"recovered":   Doc{"type": "integer", "description": "Failed deliveries given a new round of attempts by this call."},
			"deliveryIds": strs(), "hasMore": Doc{"type": "boolean", "description": "More failed deliveries remain in the range: call again with since = nextSince."},
			"nextSince": nmillis("Where the next call starts when hasMore."),
		}),
		"WebhookSourceIps": object("webhook_source_ips", []string{"object", "staticEgress", "addresses", "cidrs", "note"}, Doc{
			"staticEgress": Doc{"type": "boolean", "description": "True when deliveries come only from these addresses."},
			"addresses":    strs(), "cidrs": Doc{"type": "array", "items": str(), "description": "The addresses as /32 and /128 networks, for allowlists."},
			"note": str(),
		}),
		"EventType": object("event_type", []string{"object", "type", "resource", "description", "schema"}, Doc{
			"type": str(), "resource": Doc{"type": "string", "description": "The object data.object is (patient, webhook_endpoint, ...)."},
			"description": str(), "schema": Doc{"type": "object", "description": "JSON Schema (2020-12) of the event's payload."},
		}),
		"EventTypeList": Doc{"type": "object", "required": []any{"data", "total"}, "properties": Doc{
			"data": Doc{"type": "array", "items": ref("EventType")}, "total": Doc{"type": "integer"}}},
		"SandboxReset": object("sandbox_reset", []string{"object", "organizationId", "livemode"}, Doc{
			"id": str(), "organizationId": str(), "livemode": Doc{"type": "boolean", "const": false},
			"status": Doc{"type": "string", "description": "queued, running, succeeded or failed."}, "step": Doc{"type": []any{"string", "null"}},
			"progress":  Doc{"type": "object", "properties": Doc{"done": Doc{"type": "integer"}, "total": Doc{"type": "integer"}}},
			"deleted":   Doc{"type": []any{"object", "null"}, "description": "Objects removed, per resource."},
			"seeded":    Doc{"type": []any{"object", "null"}, "description": "Objects created, per resource."},
			"createdAt": millis("When the reset was asked for."), "updatedAt": millis("Last progress."), "finishedAt": nmillis("When it ended."),
		}),
		"OpenApiDocument": Doc{"type": "object", "description": "This document.", "required": []any{"openapi", "paths"}, "properties": Doc{"openapi": str(), "paths": Doc{"type": "object"}}},
	}
}

// platformOp is what the document says of one platform route.
type platformOp struct {
	id, summary string
	status      string // the success status
	resp        string // component of the success body
	body        Doc    // request body schema; nil for none
	bodyNeeded  bool
	query       []any // query parameters
	// hubpay is what a list answers in the page/size dialect: Page (its total known) or Slice.
	hubpay string
}

// listParams are a platform list's paging parameters in both dialects (shared/query.ReadList),
// then its filters. order is the list's one order, the only one Hubpay's sort may name.
func listParams(order string, filters ...Doc) []any {
	_, dir, _ := strings.Cut(order, ",")
	out := []any{
		Doc{"name": "$limit", "in": "query", "schema": Doc{"type": "integer", "minimum": 0, "maximum": 100}, "description": "Page size (default 10)."},
		Doc{"name": "$skip", "in": "query", "schema": Doc{"type": "integer", "minimum": 0}, "description": "Objects to skip."},
		cursorParam(false), cursorParam(true),
		qp("page", "Hubpay's page number, from 0 (not with the $ parameters or cursors).", Doc{"type": "integer", "minimum": 0}),
		qp("size", "Hubpay's page size, default 10.", Doc{"type": "integer", "minimum": 1, "maximum": 100}),
		qp("sort", "Hubpay's sort: this list has one order, "+order+" (or id,"+dir+"); any other is 400.", Doc{"type": "string", "enum": []any{order, "id," + dir}}),
	}
	for _, f := range filters {
		out = append(out, f)
	}
	return out
}

func qp(name, desc string, schema Doc) Doc {
	d := Doc{"name": name, "in": "query", "schema": schema, "description": desc}
	if schema["type"] == "object" {
		d["style"], d["explode"] = "deepObject", true
	}
	return d
}

func rangeParam(name, desc string) Doc {
	return qp(name, desc+" Unix ms; a value, or bounds: "+name+"[$gte]=...&"+name+"[$lt]=...", Doc{"type": "object", "properties": Doc{
		"$gt": integer(), "$gte": integer(), "$lt": integer(), "$lte": integer()}, "additionalProperties": false})
}

// platformOps, by "METHOD path". Built on first use (make openapi, GET /event-types) rather than
// at package init: every function linking this package would pay for it at cold start.
var platformOps = sync.OnceValue(func() map[string]platformOp {
	return map[string]platformOp{
		"GET /api-keys":             {id: "listApiKeys", summary: "List the API keys of this mode, oldest first", status: "200", resp: "ApiKeyList", query: listParams("createdAt,asc"), hubpay: "Page"},
		"POST /api-keys":            {id: "createApiKey", summary: "Create a restricted key", status: "201", resp: "ApiKey", bodyNeeded: true, body: closed([]string{"name"}, Doc{"name": Doc{"type": "string", "maxLength": 100}, "note": Doc{"type": "string", "maxLength": 500}, "type": Doc{"type": "string", "enum": []any{"restricted"}}, "permissions": permissionsSchema()})},
		"GET /api-keys/{id}":        {id: "getApiKey", summary: "Get an API key", status: "200", resp: "ApiKey"},
		"PATCH /api-keys/{id}":      {id: "updateApiKey", summary: "Rename or annotate an API key, or change a restricted key's permissions", status: "200", resp: "ApiKey", bodyNeeded: true, body: closed(nil, Doc{"name": Doc{"type": "string", "maxLength": 100}, "note": Doc{"type": []any{"string", "null"}, "maxLength": 500}, "permissions": keyEditPermissions()})},
		"DELETE /api-keys/{id}":     {id: "revokeApiKey", summary: "Revoke an API key", status: "200", resp: "ApiKey"},
		"POST /api-keys/{id}/roll":  {id: "rollApiKey", summary: "Replace a key, the old one working until expiresAt", status: "201", resp: "ApiKey", body: closed(nil, Doc{"expiresAt": Doc{"type": []any{"integer", "null"}, "description": "Until when the old key keeps working (at most 12 hours), Unix ms; now when absent."}})},
		"POST /tokens":              {id: "createToken", summary: "Wrap patient-intake data collected in a browser", status: "201", resp: "Token", bodyNeeded: true, body: closed([]string{"type", "data"}, Doc{"type": Doc{"type": "string", "enum": []any{"patient_intake"}}, "data": Doc{"$ref": "#/components/schemas/PatientCreate"}})},
		"GET /tokens/{id}":          {id: "getToken", summary: "Read a token's data (within its hour)", status: "200", resp: "Token"},
		"GET /account/ip-allowlist": {id: "getIpAllowlist", summary: "The networks live keys may be used from", status: "200", resp: "IpAllowlist"},
		"PUT /account/ip-allowlist": {id: "replaceIpAllowlist", summary: "Replace the networks live keys may be used from", status: "200", resp: "IpAllowlist", bodyNeeded: true, body: closed([]string{"cidrs"}, Doc{"cidrs": strs()})},
		"GET /account/api-version":  {id: "getApiVersion", summary: "The API version the account is pinned to, and the known versions", status: "200", resp: "ApiVersion"},
		"PUT /account/api-version": {id: "setApiVersion", summary: "Pin the account to another API version (live secret key)", status: "200", resp: "ApiVersion", bodyNeeded: true,
			body: closed([]string{"apiVersion"}, Doc{"apiVersion": Doc{"type": "string", "format": "date", "description": "A known version (YYYY-MM-DD)."}})},
		"GET /request-logs": {id: "listRequestLogs", summary: "List the requests of this mode, newest first", status: "200", resp: "RequestLogList", hubpay: "Slice", query: listParams("createdAt,desc",
			qp("status", "HTTP status, or a class such as 4xx.", str()), qp("method", "HTTP method.", str()), qp("keyId", "The key that made the request.", str()), qp("requestId", "A response's Request-Id (an error's event).", str()),
			rangeParam("createdAt", "When the request arrived."), qp("$total", "Include the total.", boolean()))},
		"GET /request-logs/{id}": {id: "getRequestLog", summary: "Get a request log", status: "200", resp: "RequestLog"},
		"GET /events": {id: "listEvents", summary: "List events, newest first", status: "200", resp: "EventList", hubpay: "Slice", query: listParams("createdAt,desc",
			qp("type", "An event type or pattern (patient.*); type[$in][]=... for several.", Doc{"anyOf": []any{str(), Doc{"type": "object", "properties": Doc{"$in": strs()}}}}),
			rangeParam("createdAt", "When it happened."), qp("$total", "Include the total.", boolean()))},
		"GET /events/{id}": {id: "getEvent", summary: "Get an event", status: "200", resp: "Event"},
		"GET /event-types": {id: "listEventTypes", summary: "Every event type, with its description and payload schema", status: "200", resp: "EventTypeList",
			query: []any{qp("type", "An event type or pattern (patient.*); type[$in][]=... for several.", Doc{"anyOf": []any{str(), Doc{"type": "object", "properties": Doc{"$in": strs()}}}})}},
		"GET /webhook-source-ips": {id: "listWebhookSourceIps", summary: "The addresses webhook deliveries come from (no key needed)", status: "200", resp: "WebhookSourceIps"},
		"POST /webhook-endpoints/{id}/recover": {id: "recoverWebhookEndpoint", summary: "Re-send the failed deliveries of events since a time (at most 14 days ago)", status: "202", resp: "WebhookRecovery", bodyNeeded: true,
			body: closed([]string{"since"}, Doc{"since": Doc{"type": "integer", "format": "int64", "description": "Unix ms; at most 14 days ago."}, "until": Doc{"type": "integer", "format": "int64", "description": "Unix ms, excluded; default now."}})},
		"GET /webhook-endpoints":         {id: "listWebhookEndpoints", summary: "List webhook endpoints", status: "200", resp: "WebhookEndpointList", query: listParams("createdAt,desc"), hubpay: "Page"},
		"POST /webhook-endpoints":        {id: "createWebhookEndpoint", summary: "Register a webhook endpoint", status: "201", resp: "WebhookEndpoint", bodyNeeded: true, body: endpointBody([]string{"url", "enabledEvents"})},
		"GET /webhook-endpoints/{id}":    {id: "getWebhookEndpoint", summary: "Get a webhook endpoint", status: "200", resp: "WebhookEndpoint"},
		"PATCH /webhook-endpoints/{id}":  {id: "updateWebhookEndpoint", summary: "Change a webhook endpoint", status: "200", resp: "WebhookEndpoint", bodyNeeded: true, body: endpointBody(nil)},
		"DELETE /webhook-endpoints/{id}": {id: "deleteWebhookEndpoint", summary: "Remove a webhook endpoint", status: "200", resp: "WebhookEndpoint"},
		"POST /webhook-endpoints/{id}/roll-secret": {id: "rollWebhookEndpointSecret", summary: "Issue a new signing secret", status: "200", resp: "WebhookEndpoint", body: closed(nil, Doc{
			"expiresAt":        Doc{"type": []any{"integer", "null"}, "format": "int64", "description": "Canonical: until when the old secret keeps signing too (at most 24 hours ahead), Unix ms; now when absent. Not with expiresInSeconds."},
			"expiresInSeconds": Doc{"type": "integer", "minimum": 0, "maximum": 86400, "description": "The route's first form, still accepted: how long the old secret keeps signing too. Prefer expiresAt."}})},
		"GET /webhook-endpoints/{id}/deliveries":                      {id: "listWebhookDeliveries", summary: "List an endpoint's deliveries, newest first", status: "200", resp: "WebhookDeliveryList", query: listParams("createdAt,desc", qp("status", "Delivery status.", str())), hubpay: "Slice"},
		"GET /webhook-endpoints/{id}/deliveries/{deliveryId}":         {id: "getWebhookDelivery", summary: "Get a delivery with its attempts", status: "200", resp: "WebhookDelivery"},
		"POST /webhook-endpoints/{id}/deliveries/{deliveryId}/resend": {id: "resendWebhookDelivery", summary: "Deliver again", status: "202", resp: "WebhookDelivery"},
		"POST /webhook-endpoints/{id}/test":                           {id: "sendTestWebhook", summary: "Send a test event to the endpoint", status: "202", resp: "WebhookDelivery", body: closed(nil, Doc{"type": Doc{"type": "string", "description": "An event type the endpoint receives, e.g. patient.created."}})},
		"POST /sandbox/reset":                                         {id: "resetSandbox", summary: "Empty the sandbox organization and seed it again (a job: poll GET /sandbox/reset)", status: "202", resp: "SandboxReset"},
		"GET /sandbox/reset":                                          {id: "getSandboxReset", summary: "The sandbox's last reset job", status: "200", resp: "SandboxReset"},
		"GET /openapi.json":                                           {id: "getOpenApiDocument", summary: "This document", status: "200", resp: "OpenApiDocument"},
	}
})

func endpointBody(required []string) Doc {
	return closed(required, Doc{
		"url": Doc{"type": "string", "format": "uri", "maxLength": 2048}, "enabledEvents": Doc{"type": "array", "items": str(), "minItems": 1},
		"description": Doc{"type": []any{"string", "null"}}, "status": Doc{"type": "string", "enum": []any{"enabled", "disabled"}},
		"metadata": Doc{"type": "object", "additionalProperties": Doc{"type": []any{"string", "null"}}},
		"headers": Doc{"type": "object", "maxProperties": 20, "description": "Custom headers for every delivery; null removes one (patch).",
			"propertyNames": Doc{"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"}, "additionalProperties": Doc{"type": []any{"string", "null"}, "maxLength": 1000}},
		"apiVersion": Doc{"type": "string", "format": "date", "description": "The API version deliveries are rendered in (on create only; default: each event's own)."},
	})
}

// platformOperation fills op for a platform route; false when the route is not one.
func platformOperation(r Route, op Doc, params []any) bool {
	p, ok := platformOps()[r.Method+" "+r.Path]
	if !ok {
		return false
	}
	op["operationId"], op["summary"] = p.id, p.summary
	resp := op["responses"].(Doc)
	desc := p.summary + "."
	schema := ref(p.resp)
	if p.hubpay != "" {
		schema = Doc{"anyOf": []any{ref(p.resp), ref(p.hubpay)}}
		desc = p.summary + " (Feathers shape; a Spring " + p.hubpay + " with page/size)."
	}
	resp[p.status] = Doc{"description": strings.TrimSuffix(desc, ".") + ": the result.", "content": Doc{"application/json": Doc{"schema": schema}}}
	if p.body != nil {
		op["requestBody"] = Doc{"required": p.bodyNeeded, "content": Doc{"application/json": Doc{"schema": p.body}}}
	}
	params = append(params, p.query...)
	if len(params) > 0 {
		op["parameters"] = params
	}
	return true
}

// sliceSchema is Hubpay's answer from a list that does not count its matches (events, request
// logs, deliveries): Spring Data's Slice, a Page without totalElements and totalPages.
func sliceSchema() Doc {
	return Doc{"type": "object", "description": "Hubpay's Spring-style slice: a page without totals (last says whether more follow).",
		"required": []any{"content", "number", "size", "first", "last", "numberOfElements", "empty", "hasMore"},
		"properties": Doc{
			"content": Doc{"type": "array", "items": Doc{"type": "object"}}, "number": Doc{"type": "integer"}, "size": Doc{"type": "integer"},
			"first": boolean(), "last": boolean(), "numberOfElements": Doc{"type": "integer"}, "empty": boolean(), "sort": Doc{},
			"hasMore": hasMoreSchema,
		}}
}

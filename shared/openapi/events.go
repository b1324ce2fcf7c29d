package openapi

import (
	"github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/schema"
)

// EventPayloadSchema is the JSON Schema (2020-12, as OpenAPI 3.1 uses) of the payload of one
// event type: the event envelope, with data.object the type's object as the API renders it.
// Self-contained (no $ref), so a receiver can validate a delivery with it alone.
func EventPayloadSchema(info events.TypeInfo) Doc {
	obj := Doc{"type": "object", "required": []any{"id", "object"}}
	for _, r := range schema.All() {
		if r.Object == info.Object {
			obj = objectSchema(r)
		}
	}
	if info.Object == "webhook_endpoint" {
		obj = platformSchemas()["WebhookEndpoint"].(Doc)
	}
	data := Doc{"type": "object", "required": []any{"object"}, "properties": Doc{"object": obj}}
	if info.Previous {
		data["properties"].(Doc)["previousAttributes"] = Doc{"type": "object", "description": "The changed fields' former values (null for a field that was unset)."}
	}
	return Doc{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "title": info.Type,
		"required": []any{"id", "object", "type", "createdAt", "livemode", "data"},
		"properties": Doc{
			"id": Doc{"type": "string", "pattern": "^evt_"}, "object": Doc{"const": "event"}, "type": Doc{"const": info.Type},
			"createdAt": millis("When it happened."), "livemode": boolean(), "organizationId": nstr(),
			"test":    Doc{"type": "boolean", "description": "True on a sample sent by POST /webhook-endpoints/{id}/test."},
			"data":    data,
			"request": Doc{"type": "object", "properties": Doc{"id": nstr(), "idempotencyKey": nstr()}},
		},
	}
}

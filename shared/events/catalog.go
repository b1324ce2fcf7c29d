package events

import (
	"fmt"
	"strings"
)

// TypeInfo describes one event type for GET /event-types.
type TypeInfo struct {
	Type        string
	Object      string // data.object's "object" (patient, webhook_endpoint, ...)
	Description string
	// Previous reports whether the payload carries data.previousAttributes (changes of an object).
	Previous bool
}

// special describes the types that are not <object>.created|updated|deleted.
var special = map[string]TypeInfo{
	AppointmentCancelled: {Object: "appointment", Previous: true,
		Description: "An appointment's status became cancelled (its cancellationReason says why). Sent besides appointment.updated."},
	InvoicePaid: {Object: "invoice", Previous: true,
		Description: "An invoice's status became paid (amountPaid reached its total). Sent besides invoice.updated."},
	WebhookEndpointDisabled: {Object: "webhook_endpoint", Previous: true,
		Description: "HAPI Hub disabled a webhook endpoint: every delivery failed for 5 days, or it answered 410 Gone. disabledReason says which."},
}

// Describe returns what an event type means and what its payload carries.
func Describe(typ string) (TypeInfo, error) {
	if !Known(typ) {
		return TypeInfo{}, fmt.Errorf("%q is not an event type", typ)
	}
	if info, ok := special[typ]; ok {
		info.Type = typ
		return info, nil
	}
	obj, action, _ := strings.Cut(typ, ".")
	info := TypeInfo{Type: typ, Object: obj}
	name := strings.ReplaceAll(obj, "_", " ")
	switch action {
	case "created":
		info.Description = fmt.Sprintf("A %s was created. data.object is the new %s.", name, name)
	case "updated":
		info.Previous = true
		info.Description = fmt.Sprintf("A %s changed. data.object is the %s after the change; data.previousAttributes holds the changed fields' former values.", name, name)
	case "deleted":
		info.Description = fmt.Sprintf("A %s was deleted. data.object is the %s as it was before.", name, name)
	}
	return info, nil
}

// Catalog describes every event type, sorted by type.
func Catalog() []TypeInfo {
	ts := Types()
	out := make([]TypeInfo, 0, len(ts))
	for _, t := range ts {
		info, _ := Describe(t) // every listed type is known
		out = append(out, info)
	}
	return out
}

// Package events knows the event types HAPI Hub emits and how webhook endpoints select them
// (exact types and the `*` / `patient.*` wildcards). Events themselves are written by the store in
// the same transaction as the change they describe.
package events

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hapihub/hapihub/shared/schema"
)

// Special event types besides <object>.created|updated|deleted.
const (
	AppointmentCancelled    = "appointment.cancelled"
	InvoicePaid             = "invoice.paid"
	WebhookEndpointDisabled = "webhook_endpoint.disabled"
)

// objects lists the resources (docs/decisions.md#resources) whose changes emit events. Resources registered in
// the schema registry are added at run time, so a new resource gets its events without an edit here.
var objects = []string{"patient", "practitioner", "appointment", "message", "invoice"}

// Types lists every known event type, sorted.
func Types() []string {
	set := map[string]bool{AppointmentCancelled: true, InvoicePaid: true, WebhookEndpointDisabled: true}
	objs := append([]string{}, objects...)
	for _, r := range schema.All() {
		objs = append(objs, r.Object)
	}
	for _, o := range objs {
		for _, a := range []string{"created", "updated", "deleted"} {
			set[o+"."+a] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Known reports whether typ is an event type HAPI Hub emits.
func Known(typ string) bool {
	for _, t := range Types() {
		if t == typ {
			return true
		}
	}
	return false
}

// ValidatePattern checks one enabledEvents / type-filter entry: `*`, `<object>.*` for an object
// that has events, or a known type. Unknown types are refused rather than silently never matching.
func ValidatePattern(p string) error {
	if p == "*" {
		return nil
	}
	if obj, ok := strings.CutSuffix(p, ".*"); ok {
		for _, t := range Types() {
			if strings.HasPrefix(t, obj+".") {
				return nil
			}
		}
		return fmt.Errorf("%q matches no event type", p)
	}
	if !Known(p) {
		return fmt.Errorf("%q is not an event type (GET /event-types lists them; patterns such as patient.* select several)", p)
	}
	return nil
}

// Match reports whether typ is selected by pattern.
func Match(pattern, typ string) bool {
	if pattern == "*" || pattern == typ {
		return true
	}
	if obj, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(typ, obj+".")
	}
	return false
}

// MatchAny reports whether any pattern selects typ.
func MatchAny(patterns []string, typ string) bool {
	for _, p := range patterns {
		if Match(p, typ) {
			return true
		}
	}
	return false
}

package sandbox

import (
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// LiveOrg is a demo organization the local runner connects in live mode, with its data size.
type LiveOrg struct {
	Doc   domain.Doc
	Sizes Sizes
}

// LiveSizes is a little data of a live demo organization's own.
var LiveSizes = Sizes{Patients: 25, Practitioners: 3, Appointments: 60, Messages: 40, Invoices: 20}

// LiveOrganizations returns the two live demo organizations: one whose PMS supports every
// method, and a Cliniko-like one that cannot remove patients and has no messages, so
// METHOD_NOT_SUPPORTED can be tried locally.
func LiveOrganizations(now time.Time) []LiveOrg {
	all := []any{"find", "get", "create", "update", "patch", "remove"}
	full := map[string]any{}
	limited := map[string]any{}
	for _, r := range schema.ClinicalResources {
		full[r] = all
		limited[r] = all
	}
	limited["patients"] = []any{"find", "get", "create", "update", "patch"}
	limited["messages"] = []any{}
	org := func(name, pms, tz, phone, email string, addr map[string]any, caps map[string]any) domain.Doc {
		return domain.Doc{"id": core.NewID("org", now), "object": "organization", "name": name, "pms": pms, "timezone": tz,
			"address": addr, "phone": phone, "email": email, "capabilities": caps, "livemode": true,
			"metadata": map[string]any{}, "createdAt": now.UnixMilli(), "updatedAt": now.UnixMilli()}
	}
	noMessages := LiveSizes
	noMessages.Messages = 0
	return []LiveOrg{
		{org("Riverside Family Practice", "athena", "America/New_York", "+16175550100", "frontdesk@riverside.example",
			map[string]any{"line1": "100 Main Street", "city": "Boston", "region": "MA", "postalCode": "02108", "country": "USA"}, full), LiveSizes},
		{org("Harbour Physio & Sports Clinic", "cliniko", "Australia/Sydney", "+61290000000", "hello@harbourphysio.example",
			map[string]any{"line1": "1 Circular Quay", "city": "Sydney", "region": "NSW", "postalCode": "2000", "country": "AUS"}, limited), noMessages},
	}
}

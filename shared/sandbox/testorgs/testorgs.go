// Package testorgs names the sandbox's test organizations: fixed, documented organization ids a
// test key may send as HapiHub-Organization to make the API answer an unhappy path on purpose,
// as Stripe's test cards do (docs/sandbox.md). They are the same ids in every account; the data
// behind them is each account's own. A leaf package, so the router can know them without the
// sandbox's seeding code.
package testorgs

import "time"

// The test organizations.
const (
	// Revoked is a clinic that revoked the account's access: every request naming it answers
	// 403 CREDENTIALS_ERROR, as a live organization that disconnects does.
	Revoked = "org_test_revoked"
	// NoMessages is a clinic whose practice-management system has no messages: /messages
	// answers 404 METHOD_NOT_SUPPORTED there; its patients, appointments and invoices work.
	NoMessages = "org_test_no_messages"
)

// Org is one test organization.
type Org struct {
	ID     string
	Name   string
	Status string // "active" or "revoked", as a live connection's
	// Triggers is the error it exists to produce, and how.
	Triggers string
}

// All lists the test organizations.
func All() []Org {
	return []Org{
		{ID: NoMessages, Name: "Hogsmeade Surgery (sandbox, no messages)", Status: "active",
			Triggers: "METHOD_NOT_SUPPORTED on every /messages method; other resources work"},
		{ID: Revoked, Name: "Godric's Hollow Clinic (sandbox, access revoked)", Status: "revoked",
			Triggers: "CREDENTIALS_ERROR on every request naming it"},
	}
}

// Lookup finds a test organization by id.
func Lookup(id string) (Org, bool) {
	for _, o := range All() {
		if o.ID == id {
			return o, true
		}
	}
	return Org{}, false
}

// created is the fixed creation time of their documents (they are the same in every account).
var created = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC).UnixMilli()

// Doc is the organization document of o: a PMS without messages for NoMessages.
func (o Org) Doc() map[string]any {
	all := []any{"find", "get", "create", "update", "patch", "remove"}
	caps := map[string]any{}
	for _, r := range []string{"patients", "practitioners", "appointments", "messages", "invoices"} {
		caps[r] = all
	}
	pms := "sandbox"
	if o.ID == NoMessages {
		caps["messages"] = []any{}
		pms = "sandbox-no-messages"
	}
	return map[string]any{
		"id": o.ID, "object": "organization", "name": o.Name, "pms": pms, "timezone": "Europe/London",
		"address":      map[string]any{"line1": "High Street 4", "city": "Hogsmeade", "region": "Highlands", "postalCode": "IV1 1AA", "country": "GBR"},
		"phone":        "+441632960000",
		"email":        "reception@sandbox.example",
		"capabilities": caps, "livemode": false, "metadata": map[string]any{"sandboxTest": o.Triggers},
		"createdAt": created, "updatedAt": created,
	}
}

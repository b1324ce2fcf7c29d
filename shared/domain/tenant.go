// Package domain holds the types every layer shares: tenants, objects and the write's request
// metadata, accounts and keys, request logs, idempotency records and find results. It imports no
// storage SDK, so the HTTP layer (shared/api), the domain rules (shared/clinic) and the key checks
// (shared/auth) use them without linking persistence; shared/store aliases them.
package domain

import "fmt"

// Modes.
const (
	Test = "test"
	Live = "live"
)

// Tenant is who a request acts for: every object key starts with it.
type Tenant struct {
	Account string
	Mode    string
	Org     string
}

// Live reports whether t is live mode.
func (t Tenant) Live() bool { return t.Mode == Live }

// Meta describes the request behind a write, recorded on its event.
type Meta struct {
	RequestID      string
	IdempotencyKey string
	// ExtraEvents are emitted besides the standard one (appointment.cancelled, invoice.paid).
	ExtraEvents []string
	// Tx is what joins the change's transaction besides its events (tx.go).
	Tx Tx
}

// Doc is a normalised object.
type Doc = map[string]any

// Mutate computes an object's new fields from the current object. It returns the complete new
// document (system fields are restored by the store).
type Mutate func(current Doc) (Doc, error)

// ConditionError reports that one of a write's conditions failed (Index into the whole
// transaction; the change is 0, then its index items, events, their outbox entries, then
// Meta.Tx's items in Tx order).
type ConditionError struct {
	Index int
	// Extra is the failed item's index among Meta.Tx's items (-1 for an event or outbox item).
	Extra int
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("store: condition of item %d failed", e.Index)
}

// Result is a page of a find with its total (when asked) and what it cost.
type Result struct {
	Docs  []Doc
	Total int
	Stats Stats
}

// Stats are a find's read figures: Scanned is the items DynamoDB read (ScannedCount summed
// over the queries), Capacity the read capacity units it reported.
type Stats struct {
	Plan     string
	Queries  int
	Scanned  int
	Capacity float64
}

package domain

// Idempotency record states.
const (
	IdemPending = "pending"
	IdemDone    = "done"
)

// IdemRecord is an idempotency key's record: who holds it, for which request, and once done the
// response to replay.
type IdemRecord struct {
	Key         string
	Fingerprint string // hash of method, path, organization and body
	State       string
	Owner       string // request id holding the reservation
	LeaseUntil  int64  // Unix ms; a pending record past it may be taken over
	Status      int
	Body        string
	Headers     map[string]string
	CreatedAt   int64
	// Committed is the request id whose change committed under the key (IdempotencyCommit), set
	// in the change's own transaction; CommittedAt is when that write began (Unix ms). A pending
	// record with Committed set is never taken over: its change happened, and a retry replays it
	// from the change's event (CommittedChange).
	Committed   string
	CommittedAt int64
}

// Change is a change committed under an idempotency key, as CommittedChange finds it.
type Change struct {
	// Event is the change's primary event (<object>.created, .updated or .deleted).
	Event Doc
	// Object is the object as the change left it (the event's data.object).
	Object Doc
	// Version is the object's version after the change when it is still the current one, else 0
	// (the object changed since and that version is no longer known).
	Version int64
}

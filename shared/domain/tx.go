package domain

// Tx is what joins a change's transaction besides the change and its events, as typed values
// (the store turns each into its table items, in this order): the change then commits only if
// each holds, and a failed one is a *ConditionError whose Extra is its position here.
type Tx struct {
	// Idempotency is the Idempotency-Key reservation the change is made under (position 0).
	Idempotency *IdemCommit
	// Unique reserves the created object's externalId (after Idempotency).
	Unique *UniqueClaim
}

// IdemCommit makes a change conditional on Owner still holding the pending reservation of Key
// (account and mode scoped) and marks the reservation committed by RequestID in the same
// transaction, so no two requests with one key both commit, and a retry after a crash replays the
// change instead of making it again (shared/api's Idempotency middleware; docs/keys.md).
type IdemCommit struct {
	Account, Mode, Key, Owner, RequestID string
}

// UniqueClaim reserves ExternalID for the object Owner among Resource's objects of the tenant;
// StaleOwner, when set, is a previous owner (deleted or renamed since) whose claim is taken over.
type UniqueClaim struct {
	Resource, ExternalID, Owner, StaleOwner string
	At                                      int64 // Unix ms
}

// Len is the number of transaction items the Tx adds.
func (tx Tx) Len() int {
	n := 0
	if tx.Idempotency != nil {
		n++
	}
	if tx.Unique != nil {
		n++
	}
	return n
}

package domain

// Tx is what joins a change's transaction besides the change and its events, as typed values
// (the store turns each into its table items, in this order): the change then commits only if
// each holds, and a failed one is a *ConditionError whose Extra is its position here.
type Tx struct {
	// Idempotency is the Idempotency-Key reservation the change is made under (position 0).
	Idempotency *IdemCommit
	// Unique reserves the created object's externalId (after Idempotency).
	Unique *UniqueClaim
	// Refs keeps the reference records of the objects the change refers to (after Unique): an
	// added reference also checks its target still exists, so no commit can name a deleted one.
	Refs []RefChange
	// InUse makes a delete conditional on nothing referring to the object (last).
	InUse *InUseGuard
}

// RefChange adds or removes the reference Referrer.Field → Target/TargetID (docs/resources.md,
// "Deleting referenced objects").
type RefChange struct {
	Target, TargetID string // the referenced resource (its name) and id
	Referrer, Field  string // the referring object's id and its field naming the target
	Source           string // the referring object's resource name
	Add              bool
}

// Items is how many transaction items the change adds: an added reference checks its target,
// counts it and records it (3); a removed one uncounts and unrecords it (2).
func (r RefChange) Items() int {
	if r.Add {
		return 3
	}
	return 2
}

// InUseGuard holds only while no object refers to Resource/ID; the delete also drops its count.
type InUseGuard struct{ Resource, ID string }

// RefAt resolves Extra (a ConditionError's position among Tx's items) to the reference change
// or the in-use guard whose condition failed; ok is false for Idempotency or Unique.
func (tx Tx) RefAt(extra int) (ref *RefChange, inUse bool, ok bool) {
	i := extra - tx.base()
	for k := range tx.Refs {
		if i < 0 {
			return nil, false, false
		}
		if i < tx.Refs[k].Items() {
			return &tx.Refs[k], false, true
		}
		i -= tx.Refs[k].Items()
	}
	if i == 0 && tx.InUse != nil {
		return nil, true, true
	}
	return nil, false, false
}

func (tx Tx) base() int {
	n := 0
	if tx.Idempotency != nil {
		n++
	}
	if tx.Unique != nil {
		n++
	}
	return n
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
	n := tx.base()
	for _, r := range tx.Refs {
		n += r.Items()
	}
	if tx.InUse != nil {
		n++
	}
	return n
}

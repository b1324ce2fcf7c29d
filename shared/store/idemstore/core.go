// Package idemstore is the idempotency slice of the store: Idempotency-Key reservations, their
// saved responses, and the committed change behind a reservation.
package idemstore

import (
	"github.com/hapihub/hapihub/shared/store/core"
)

// Idempotency is the idempotency slice over the table core.
type Idempotency struct {
	*core.Store
}

// New returns the idempotency slice over c.
func New(c *core.Store) *Idempotency { return &Idempotency{Store: c} }

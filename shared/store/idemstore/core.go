// Package idemstore is the idempotency slice of the store: Idempotency-Key reservations, their
// saved responses, and the committed change behind a reservation.
package idemstore

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// Idempotency is the idempotency slice over the table core. Store names it in this package's files (their
// methods were written on the store before it was split into slices).
type Idempotency struct {
	*core.Store
}

// Store is Idempotency.
type Store = Idempotency

// New returns the idempotency slice over c.
func New(c *core.Store) *Idempotency { return &Idempotency{Store: c} }

// The core's types, names and helpers under the names this package's code uses.
type (
	Tenant = core.Tenant
	Doc    = core.Doc
	Meta   = core.Meta
	Mutate = core.Mutate

	Account    = core.Account
	Key        = core.Key
	IdemRecord = core.IdemRecord
	Change     = core.Change
)

const (
	Test = core.Test
	Live = core.Live

	IdemPending = core.IdemPending
	IdemDone    = core.IdemDone
)

// Ids (core/ids.go).
var (
	NewIDPrefix = core.NewIDPrefix
)

func sv(v string) types.AttributeValue                           { return core.SV(v) }
func n(v int64) types.AttributeValue                             { return core.N(v) }
func getS(item map[string]types.AttributeValue, k string) string { return core.GetS(item, k) }
func getN(item map[string]types.AttributeValue, k string) int64  { return core.GetN(item, k) }
func unmarshalDoc(item map[string]types.AttributeValue) map[string]any {
	return core.UnmarshalDoc(item)
}
func eventPartition(account, mode string) string { return core.EventPartition(account, mode) }
func idemKey(account, mode, key string) map[string]types.AttributeValue {
	return core.IdemKey(account, mode, key)
}

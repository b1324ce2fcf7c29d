// Package accountstore is the accounts slice of the store: accounts, their organizations and
// connections, API keys, tokens, settings, and the console's users, members, invites and
// sessions (identity).
package accountstore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// Accounts is the accounts slice over the table core. Store names it in this package's files (their
// methods were written on the store before it was split into slices).
type Accounts struct {
	*core.Store
}

// Store is Accounts.
type Store = Accounts

// New returns the accounts slice over c.
func New(c *core.Store) *Accounts { return &Accounts{Store: c} }

// The core's types, names and helpers under the names this package's code uses.
type (
	Tenant = core.Tenant
	Doc    = core.Doc
	Meta   = core.Meta
	Mutate = core.Mutate

	Account    = core.Account
	Key        = core.Key
	KeyRef     = core.KeyRef
	Connection = core.Connection
)

const (
	Test = core.Test
	Live = core.Live

	KeyActive  = core.KeyActive
	KeyRevoked = core.KeyRevoked
)

// Ids (core/ids.go).
var ()

var (
	errConflict = core.ErrConflict
)

func sv(v string) types.AttributeValue                           { return core.SV(v) }
func n(v int64) types.AttributeValue                             { return core.N(v) }
func getS(item map[string]types.AttributeValue, k string) string { return core.GetS(item, k) }
func getN(item map[string]types.AttributeValue, k string) int64  { return core.GetN(item, k) }
func unmarshalDoc(item map[string]types.AttributeValue) map[string]any {
	return core.UnmarshalDoc(item)
}
func marshalItem(doc map[string]any, sys map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	return core.MarshalItem(doc, sys)
}
func asInt(v any) int64 { return core.AsInt(v) }

func (s *Accounts) transactWrite(ctx context.Context, items []types.TransactWriteItem) error {
	return s.Store.TransactWrite(ctx, items)
}

func previousAttributes(old, next Doc) Doc { return core.PreviousAttributes(old, next) }

func (s *Accounts) writeWithEvents(ctx context.Context, t Tenant, change types.TransactWriteItem, eventType string, obj, prev Doc, meta Meta, now time.Time) error {
	return s.Store.WriteWithEvents(ctx, t, change, eventType, obj, prev, meta, now)
}

func cloneDoc(d Doc) Doc { return core.CloneDoc(d) }

// Package webhookstore is the webhooks slice of the store: endpoints, deliveries and their due
// entries, and test events.
package webhookstore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// Webhooks is the webhooks slice over the table core. Store names it in this package's files (their
// methods were written on the store before it was split into slices).
type Webhooks struct {
	*core.Store
}

// Store is Webhooks.
type Store = Webhooks

// New returns the webhooks slice over c.
func New(c *core.Store) *Webhooks { return &Webhooks{Store: c} }

// The core's types, names and helpers under the names this package's code uses.
type (
	Tenant = core.Tenant
	Doc    = core.Doc
	Meta   = core.Meta

	Account = core.Account
	Key     = core.Key
)

const (
	Test = core.Test
	Live = core.Live

	versionAttr = core.VersionAttr
	eventTTL    = core.EventTTL
)

// Ids (core/ids.go).
var (
	NewID       = core.NewID
	NewIDPrefix = core.NewIDPrefix
	SeekBounds  = core.SeekBounds
	IDFrom      = core.IDFrom
)

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
func str(v any) string {
	s, _ := v.(string)
	return s
}

func (s *Webhooks) transactWrite(ctx context.Context, items []types.TransactWriteItem) error {
	return s.Store.TransactWrite(ctx, items)
}

func toAV(v any) (types.AttributeValue, error) { return core.ToAV(v) }
func fromAV(av types.AttributeValue) any       { return core.FromAV(av) }
func nilIfEmpty(s string) any                  { return core.NilIfEmpty(s) }
func outboxShard(eventID string) int           { return core.OutboxShard(eventID) }

func (s *Webhooks) eventItem(t Tenant, ev Doc, now time.Time) (map[string]types.AttributeValue, error) {
	return s.Store.EventItem(t, ev, now)
}

func (s *Webhooks) expired(item map[string]types.AttributeValue) bool { return s.Store.Expired(item) }

func (s *Webhooks) writeWithEvents(ctx context.Context, t Tenant, change types.TransactWriteItem, eventType string, obj, prev Doc, meta Meta, now time.Time) error {
	return s.Store.WriteWithEvents(ctx, t, change, eventType, obj, prev, meta, now)
}

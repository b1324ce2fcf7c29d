package core

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// What the search planner and the feature slices use of the core: the attribute encoding, the
// tenant keys and the shared write helpers. Wrappers, so the core's own code keeps its names.

// VersionAttr is the version attribute of every object (optimistic concurrency).
const VersionAttr = versionAttr

// EventTTL is how long events stay readable.
const EventTTL = eventTTL

// ErrIndexRace, ErrConflict and ErrNotFound are the core's sentinel errors.
var (
	ErrIndexRace = errIndexRace
	ErrConflict  = errConflict
	ErrNotFound  = errNotFound
)

func SV(v string) types.AttributeValue                                 { return sv(v) }
func N(v int64) types.AttributeValue                                   { return n(v) }
func GetS(item map[string]types.AttributeValue, k string) string       { return getS(item, k) }
func GetN(item map[string]types.AttributeValue, k string) int64        { return getN(item, k) }
func ToAV(v any) (types.AttributeValue, error)                         { return toAV(v) }
func FromAV(av types.AttributeValue) any                               { return fromAV(av) }
func UnmarshalDoc(item map[string]types.AttributeValue) map[string]any { return unmarshalDoc(item) }
func MarshalItem(doc map[string]any, sys map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	return marshalItem(doc, sys)
}
func Escape(v string) string                             { return escape(v) }
func Partition(t domain.Tenant, res string) string       { return partition(t, res) }
func EventPartition(account, mode string) string         { return eventPartition(account, mode) }
func AsInt(v any) int64                                  { return asInt(v) }
func NilIfEmpty(s string) any                            { return nilIfEmpty(s) }
func CloneDoc(d domain.Doc) domain.Doc                   { return cloneDoc(d) }
func PreviousAttributes(old, next domain.Doc) domain.Doc { return previousAttributes(old, next) }
func IdemKey(account, mode, key string) map[string]types.AttributeValue {
	return idemKey(account, mode, key)
}
func OutboxShard(eventID string) int                 { return outboxShard(eventID) }
func NotFound(res *schema.Resource, id string) error { return notFound(res, id) }

// ForEach runs fn over items with workers goroutines, stopping at the first error.
func ForEach[T any](ctx context.Context, workers int, items []T, fn func(context.Context, T) error) error {
	return forEach(ctx, workers, items, fn)
}

// WriteWithEvents is writeWithEvents for the slices' own changes with events.
func (s *Store) WriteWithEvents(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, eventType string, obj, prev domain.Doc, meta domain.Meta, now time.Time) error {
	return s.writeWithEvents(ctx, t, change, eventType, obj, prev, meta, now)
}

// TransactWrite sends items in one transaction, retrying conflicts.
func (s *Store) TransactWrite(ctx context.Context, items []types.TransactWriteItem) error {
	return s.transactWrite(ctx, items)
}

// BatchWrite writes requests in batches, retrying unprocessed items.
func (s *Store) BatchWrite(ctx context.Context, reqs []types.WriteRequest, what string) error {
	return s.batchWrite(ctx, reqs, what)
}

// EventItem is an event's item in its account's event partition.
func (s *Store) EventItem(t domain.Tenant, ev domain.Doc, now time.Time) (map[string]types.AttributeValue, error) {
	return s.eventItem(t, ev, now)
}

// Expired reports whether an item's ttl has passed (DynamoDB deletes expired items late).
func (s *Store) Expired(item map[string]types.AttributeValue) bool { return s.expired(item) }

// Shared is what the planner keeps across copies of a Store: the conflict-retry counter and the
// phrase vocabulary known to exist.
func (s *Store) Shared() (*atomic.Int64, *sync.Map) {
	sh := s.sh()
	return &sh.retries, &sh.knownVocab
}

// ObjectItem is doc's item: its keys, index attributes and version.
func (s *Store) ObjectItem(t domain.Tenant, res *schema.Resource, doc domain.Doc, version int64) (map[string]types.AttributeValue, error) {
	return s.objectItem(t, res, doc, version)
}

// GuardKey is the key of the item reserving an externalId.
func GuardKey(t domain.Tenant, res *schema.Resource, ext string) map[string]types.AttributeValue {
	return guardKey(t, res, ext)
}

// AddStats adds one query's figures to st.
func AddStats(st *domain.Stats, scanned int32, cc *types.ConsumedCapacity) {
	st.Queries++
	st.Scanned += int(scanned)
	if cc != nil {
		st.Capacity += aws.ToFloat64(cc.CapacityUnits)
	}
}

// EncodeValue is the order-preserving string encoding of a scalar (keys.go).
func EncodeValue(v any) string { return encodeValue(v) }

// EscapeKey escapes the bytes below keySep in a key part.
func EscapeKey(s string) string { return escapeKey(s) }

// KeySep ends an encoded value in a slot sort key.
const KeySep = keySep

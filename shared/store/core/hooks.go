package core

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// Indexer maintains the secondary index items of objects: attributes on the object's own item,
// and items written in the change's transaction (rank lists, term and pair postings). The search
// planner (shared/store/search) implements it; shared/store.New wires it. Without one, objects are
// written with no index items (and only the table's own keys answer).
type Indexer interface {
	IndexAttrs(t domain.Tenant, res *schema.Resource, doc domain.Doc) map[string]types.AttributeValue
	IndexWrites(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, oc ObjectChange, obj, prev domain.Doc) ([]types.TransactWriteItem, error)
	// BeginWrite returns ctx carrying one write's index state across its attempts, and that
	// state, which SettleWrite ends once the write committed or gave up.
	BeginWrite(ctx context.Context) (context.Context, any)
	SettleWrite(ctx context.Context, state any, committed bool)
}

// ChangeKind is what a write does to a resource's object; the index hook keeps the indexes in
// step by it.
type ChangeKind uint8

const (
	ObjectCreated ChangeKind = iota + 1
	ObjectUpdated
	ObjectDeleted
)

// String is the kind's action in event types ("created" in "patient.created").
func (k ChangeKind) String() string {
	switch k {
	case ObjectCreated:
		return "created"
	case ObjectUpdated:
		return "updated"
	case ObjectDeleted:
		return "deleted"
	}
	return "unknown"
}

// ObjectChange is a write of one of a resource's objects, typed for the index hook. The zero
// value (no resource) is a write of something no index holds: an organization's account
// document, a webhook endpoint.
type ObjectChange struct {
	Res  *schema.Resource
	Kind ChangeKind
}

// EventType is the event the change emits ("patient.created").
func (c ObjectChange) EventType() string { return c.Res.Object + "." + c.Kind.String() }

func (s *Store) indexAttrs(t domain.Tenant, res *schema.Resource, doc domain.Doc) map[string]types.AttributeValue {
	if s.Indexer == nil {
		return nil
	}
	return s.Indexer.IndexAttrs(t, res, doc)
}

func (s *Store) indexWrites(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, oc ObjectChange, obj, prev domain.Doc) ([]types.TransactWriteItem, error) {
	if s.Indexer == nil || oc.Res == nil {
		return nil, nil
	}
	return s.Indexer.IndexWrites(ctx, t, change, oc, obj, prev)
}

func (s *Store) beginWrite(ctx context.Context) (context.Context, any) {
	if s.Indexer == nil {
		return ctx, nil
	}
	return s.Indexer.BeginWrite(ctx)
}

func (s *Store) settleCounts(ctx context.Context, state any, committed bool) {
	if s.Indexer != nil {
		s.Indexer.SettleWrite(ctx, state, committed)
	}
}

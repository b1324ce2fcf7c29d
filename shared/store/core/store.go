// Package core is the table core of the store: the one table whose partition keys start with
// account, mode and organization (so no query can cross tenants or modes by construction), the
// clinical objects' writes, each committed with its events and outbox entries in one transaction
// (writeWithEvents), ids and attribute encoding. The secondary indexes are maintained through the
// Indexer hook (shared/store/search); the feature slices (accountstore, webhookstore, idemstore,
// logstore) build on this package, and shared/store assembles them.
package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// DB is the part of the DynamoDB client the store uses (declared here, where it is consumed).
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes HAPI Hub's single table.
type Store struct {
	DB    DB
	Table string
	Now   func() time.Time
	// LockTimeout bounds how long a write retries on version contention before answering
	// RATE_LIMIT_EXCEEDED / lock_timeout (about two seconds: docs/decisions.md#writes).
	LockTimeout time.Duration
	// Publisher, when set, enqueues each write's outbox entries right after the commit
	// (webhook fan-out); entries it could not take are drained later by the sweeper.
	Publisher Publisher
	// Indexer maintains the objects' index items (hooks.go).
	Indexer Indexer

	// shared is what copies of a Store share (tests copy one to change its clock).
	shared *storeShared
}

type storeShared struct {
	// retries counts transactions planned again after a race on an index item or a
	// TransactionConflict (benchmarks and tests read it through ConflictRetries).
	retries atomic.Int64
	// knownVocab remembers phrase-vocabulary items and tokens seen to exist (they are never
	// deleted), so a write need not create them again before its transaction (shared/store/phraseindex).
	knownVocab sync.Map
}

// fallbackShared serves a Store built without New.
var fallbackShared = &storeShared{}

func (s *Store) sh() *storeShared {
	if s.shared == nil {
		return fallbackShared
	}
	return s.shared
}

// ConflictRetries is how many times this store planned a write again after its transaction
// was cancelled by a concurrent one.
func (s *Store) ConflictRetries() int64 { return s.sh().retries.Load() }

// New returns a store on table.
func New(db DB, table string) *Store {
	return &Store{DB: db, Table: table, Now: time.Now, LockTimeout: 2 * time.Second, shared: &storeShared{}}
}

func tenantPrefix(t domain.Tenant) string { return "A#" + t.Account + "#" + t.Mode + "#O#" + t.Org }

// partition of a resource's objects.
func partition(t domain.Tenant, res string) string { return tenantPrefix(t) + "#" + res }

// eventPartition holds an account's events of one mode, across its organizations.
func eventPartition(account, mode string) string { return "A#" + account + "#" + mode + "#EVT" }

// Version attribute of every object (optimistic concurrency).
const versionAttr = "_v"

var errNotFound = errors.New("not found")

func notFound(res *schema.Resource, id string) *apperr.Error {
	return apperr.New(apperr.NotFound, "No such %s: %s", res.Object, id)
}

// GetObject reads one object and its version.
func (s *Store) GetObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string) (domain.Doc, int64, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.Table,
		Key:            map[string]types.AttributeValue{"PK": sv(partition(t, res.Name)), "SK": sv(id)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: get %s %s: %w", res.Object, id, err)
	}
	if out.Item == nil {
		return nil, 0, notFound(res, id)
	}
	return unmarshalDoc(out.Item), getN(out.Item, versionAttr), nil
}

// newObject is a new object of res from fields (nil fields left out) with the server-set fields.
func newObject(t domain.Tenant, res *schema.Resource, fields domain.Doc, now time.Time) domain.Doc {
	doc := domain.Doc{}
	for k, v := range fields {
		if v != nil {
			doc[k] = v
		}
	}
	doc["id"] = NewID(res.Prefix, now)
	doc["object"] = res.Object
	doc["organizationId"] = t.Org
	doc["livemode"] = t.Live()
	doc["createdAt"] = now.UnixMilli()
	doc["updatedAt"] = now.UnixMilli()
	return doc
}

// CreateObject stores a new object built from fields, with its created event, in one transaction.
func (s *Store) CreateObject(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta) (domain.Doc, error) {
	return s.create(ctx, t, res, fields, meta, nil)
}

// create is CreateObject; claim, when set, is the externalId guard to put in the same
// transaction, which must name the new object's id (createGuarded).
func (s *Store) create(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta, claim func(id string, now time.Time) *UniqueClaim) (domain.Doc, error) {
	now := s.Now()
	doc := newObject(t, res, fields, now)
	item, err := s.objectItem(t, res, doc, 1)
	if err != nil {
		return nil, err
	}
	put := types.TransactWriteItem{Put: &types.Put{
		TableName:           &s.Table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
	if claim != nil {
		meta.Tx.Unique = claim(doc["id"].(string), now)
	}
	if meta, err = s.withRefs(ctx, t, res, nil, doc, meta); err != nil {
		return nil, err
	}
	if err := s.writeObject(ctx, t, put, ObjectChange{res, ObjectCreated}, doc, nil, meta, now); err != nil {
		return nil, s.refError(ctx, t, res, doc["id"].(string), meta, err)
	}
	return doc, nil
}

// objectItem is doc plus its keys, index keys and version.
func (s *Store) objectItem(t domain.Tenant, res *schema.Resource, doc domain.Doc, version int64) (map[string]types.AttributeValue, error) {
	sys := map[string]types.AttributeValue{
		"PK":        sv(partition(t, res.Name)),
		"SK":        sv(doc["id"].(string)),
		versionAttr: n(version),
	}
	for k, v := range s.indexAttrs(t, res, doc) {
		sys[k] = v
	}
	return marshalItem(doc, sys)
}

// UpdateObject changes one object by read, mutate, conditional write, retrying on version
// contention until LockTimeout. ifMatch, when non-zero, is the version the client last saw: a
// different current version is PRECONDITION_FAILED.
func (s *Store) UpdateObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string, ifMatch int64, mutate domain.Mutate, meta domain.Meta) (domain.Doc, int64, error) {
	deadline := s.Now().Add(s.LockTimeout)
	backoff := 5 * time.Millisecond
	for {
		cur, ver, err := s.GetObject(ctx, t, res, id)
		if err != nil {
			return nil, 0, err
		}
		if ifMatch != 0 && ifMatch != ver {
			return nil, 0, apperr.New(apperr.PreconditionFailed, "The %s was changed since version %d (now %d); fetch it again and retry.", res.Object, ifMatch, ver).WithCode("version_mismatch")
		}
		next, err := mutate(cloneDoc(cur))
		if err != nil {
			return nil, 0, err
		}
		now := s.Now()
		for _, k := range []string{"id", "object", "organizationId", "livemode", "createdAt"} {
			next[k] = cur[k]
		}
		next["updatedAt"] = now.UnixMilli()
		if next["updatedAt"].(int64) <= asInt(cur["updatedAt"]) {
			// Keep updatedAt strictly increasing so clients can order changes by it.
			next["updatedAt"] = asInt(cur["updatedAt"]) + 1
		}
		item, err := s.objectItem(t, res, next, ver+1)
		if err != nil {
			return nil, 0, err
		}
		put := types.TransactWriteItem{Put: &types.Put{
			TableName:                 &s.Table,
			Item:                      item,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": versionAttr},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(ver)},
		}}
		prev := previousAttributes(cur, next)
		m, err := s.withRefs(ctx, t, res, cur, next, meta)
		if err != nil {
			return nil, 0, err
		}
		err = s.writeObject(ctx, t, put, ObjectChange{res, ObjectUpdated}, next, prev, m, now)
		if err == nil {
			return next, ver + 1, nil
		}
		if !errors.Is(err, errConflict) {
			return nil, 0, s.refError(ctx, t, res, id, m, err)
		}
		if ifMatch != 0 {
			return nil, 0, apperr.New(apperr.PreconditionFailed, "The %s was changed by another request; fetch it again and retry.", res.Object).WithCode("version_mismatch")
		}
		if s.Now().After(deadline) {
			return nil, 0, errLockTimeout()
		}
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-time.After(backoff):
		}
		if backoff < 100*time.Millisecond {
			backoff *= 2
		}
	}
}

func asInt(v any) int64 {
	i, _ := v.(int64)
	return i
}

// DeleteObject removes one object with its deleted event.
func (s *Store) DeleteObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string, ifMatch int64, meta domain.Meta) (domain.Doc, error) {
	cur, ver, err := s.GetObject(ctx, t, res, id)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != ver {
		return nil, apperr.New(apperr.PreconditionFailed, "The %s was changed since version %d (now %d); fetch it again and retry.", res.Object, ifMatch, ver).WithCode("version_mismatch")
	}
	del := types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": sv(partition(t, res.Name)), "SK": sv(id)},
		ConditionExpression:       aws.String("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": versionAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(ver)},
	}}
	if meta, err = s.withRefs(ctx, t, res, cur, nil, meta); err != nil {
		return nil, err
	}
	if err := s.writeObject(ctx, t, del, ObjectChange{res, ObjectDeleted}, cur, nil, meta, s.Now()); err != nil {
		if errors.Is(err, errConflict) {
			return nil, apperr.New(apperr.RateLimited, "This object is being changed by another request; retry.").WithCode("lock_timeout").WithHeader("Retry-After", "1")
		}
		return nil, s.refError(ctx, t, res, id, meta, err)
	}
	cur["deleted"] = true
	return cur, nil
}

var errConflict = errors.New("store: version conflict")

// eventTTL is how long events stay readable (30 days: docs/decisions.md#events-and-webhooks).
const eventTTL = 30 * 24 * time.Hour

// writeWithEvents commits change, its event(s), their outbox entries and meta.Tx in one
// transaction, then publishes the outbox entries. No change without its event, no event without
// its change, and no committed event without a way to its webhooks.
//
// The index writes (indexes.go) are planned from reads, so a race on an index item alone (a
// rank chunk split by a concurrent write, or DynamoDB's TransactionConflict) is retried here with
// fresh reads until LockTimeout; the change's own conditions are checked again on every attempt.
func (s *Store) writeWithEvents(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, eventType string, obj, prev domain.Doc, meta domain.Meta, now time.Time) error {
	return s.writeChange(ctx, t, change, eventType, ObjectChange{}, obj, prev, meta, now)
}

// writeObject is writeWithEvents for a change of one of res's objects: its event is the
// change's, and the index hook keeps the resource's indexes in step in the same transaction.
func (s *Store) writeObject(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, oc ObjectChange, obj, prev domain.Doc, meta domain.Meta, now time.Time) error {
	return s.writeChange(ctx, t, change, oc.EventType(), oc, obj, prev, meta, now)
}

func (s *Store) writeChange(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, eventType string, oc ObjectChange, obj, prev domain.Doc, meta domain.Meta, now time.Time) (err error) {
	// The phrase vocabulary's counts are kept outside the transaction (pairTxWrites says why).
	ctx, ledger := s.beginWrite(ctx)
	var outbox []OutboxEntry
	defer func() {
		// The counts are queued, applied off the request path (phraseindex/countqueue.go).
		s.settleCounts(ctx, ledger, err == nil)
		if err == nil {
			s.publish(ctx, outbox)
		}
	}()
	deadline := s.Now().Add(s.LockTimeout)
	backoff := 2 * time.Millisecond
	attempts := 0
	for {
		attempts++
		outbox, err = s.writeOnce(ctx, t, change, eventType, oc, obj, prev, meta, now)
		if !errors.Is(err, errIndexRace) {
			return err
		}
		s.sh().retries.Add(1)
		// Index races are given at least minIndexAttempts tries whatever the clock says: on a
		// loaded machine (or under -race) one attempt can outlast LockTimeout, and the race is
		// with writers of other objects, which move on.
		if s.Now().After(deadline) && attempts >= minIndexAttempts {
			// Still racing after LockTimeout: the client retries (a 429, never a 500).
			return errLockTimeout()
		}
		if backoff, err = jitteredWait(ctx, backoff); err != nil {
			return err
		}
	}
}

// minIndexAttempts is how many times a write racing on index items only is planned before
// LockTimeout may end it.
const minIndexAttempts = 16

// errIndexRace is a transaction cancelled by an index item only (or by a conflict DynamoDB
// does not attribute): nothing was written, and the write may simply be planned again.
var errIndexRace = errors.New("store: index race")

// writeOnce plans and sends the transaction once; on success it returns the outbox entries to
// publish.
func (s *Store) writeOnce(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, eventType string, oc ObjectChange, obj, prev domain.Doc, meta domain.Meta, now time.Time) ([]OutboxEntry, error) {
	// Secondary writes of the change itself, same transaction: rank lists, term and pair
	// postings (indexes.go).
	idx, err := s.indexWrites(ctx, t, change, oc, obj, prev)
	if err != nil {
		return nil, err
	}
	items := append([]types.TransactWriteItem{change}, idx...)
	var outbox []OutboxEntry
	for _, typ := range append([]string{eventType}, meta.ExtraEvents...) {
		ev, err := s.VersionEvent(ctx, t.Account, NewEvent(t, typ, obj, prev, meta, now)) // apiversion.go
		if err != nil {
			return nil, err
		}
		item, err := s.eventItem(t, ev, now)
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item}})
		outbox = append(outbox, OutboxEntry{Account: t.Account, Mode: t.Mode, EventID: ev["id"].(string), Type: typ, CreatedAt: now.UnixMilli()})
	}
	for _, e := range outbox {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: e.item()}})
	}
	txItems := s.txItems(t, meta.Tx, now)
	items = append(items, txItems...)
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return outbox, nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "TransactionConflict":
				// DynamoDB cancels a transaction that races another on the same item: contention,
				// retried like a version mismatch (the change's condition decides on the retry).
				return nil, errIndexRace
			case "ConditionalCheckFailed":
				switch {
				case i == 0:
					return nil, errConflict
				case i <= len(idx):
					return nil, errIndexRace
				}
				extra := i - (len(items) - len(txItems))
				if extra < 0 {
					extra = -1
				}
				return nil, &domain.ConditionError{Index: i, Extra: extra}
			}
		}
	}
	return nil, fmt.Errorf("store: write %s: %w", eventType, err)
}

// eventItem is an event's item in its account's event partition, expiring after eventTTL.
func (s *Store) eventItem(t domain.Tenant, ev domain.Doc, now time.Time) (map[string]types.AttributeValue, error) {
	return marshalItem(ev, map[string]types.AttributeValue{
		"PK":  sv(eventPartition(t.Account, t.Mode)),
		"SK":  sv(ev["id"].(string)),
		"ttl": n(now.Add(eventTTL).Unix()),
	})
}

// NewEvent builds an event object (docs/decisions.md#events-and-webhooks).
func NewEvent(t domain.Tenant, typ string, obj, prev domain.Doc, meta domain.Meta, now time.Time) domain.Doc {
	data := domain.Doc{"object": obj}
	if prev != nil {
		data["previousAttributes"] = prev
	}
	req := domain.Doc{"id": nilIfEmpty(meta.RequestID), "idempotencyKey": nilIfEmpty(meta.IdempotencyKey)}
	return domain.Doc{
		"id":             NewID("evt", now),
		"object":         "event",
		"type":           typ,
		"createdAt":      now.UnixMilli(),
		"livemode":       t.Live(),
		"organizationId": nilIfEmpty(t.Org), // account-level events (webhook_endpoint.*) have none
		"data":           data,
		"request":        req,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// previousAttributes lists the changed top-level fields with their old values (null when new).
func previousAttributes(old, next domain.Doc) domain.Doc {
	prev := domain.Doc{}
	for k, v := range next {
		if k == "updatedAt" {
			continue
		}
		if ov, ok := old[k]; !ok || !reflect.DeepEqual(ov, v) {
			prev[k] = old[k]
		}
	}
	for k, ov := range old {
		if _, ok := next[k]; !ok {
			prev[k] = ov
		}
	}
	return prev
}

func cloneDoc(d domain.Doc) domain.Doc {
	out := make(domain.Doc, len(d))
	for k, v := range d {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneDoc(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// Page is one page of a resource's objects in id (creation) order.
type Page struct {
	Docs []domain.Doc
	Next map[string]types.AttributeValue
	// ScannedCount is what DynamoDB read for this page, for read-amplification figures.
	ScannedCount int32
}

// ListPage reads one page of a resource's objects in creation order.
func (s *Store) ListPage(ctx context.Context, t domain.Tenant, res *schema.Resource, forward bool, limit int32, start map[string]types.AttributeValue) (Page, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(partition(t, res.Name))},
		ScanIndexForward:          aws.Bool(forward),
		ExclusiveStartKey:         start,
	}
	if limit > 0 {
		in.Limit = aws.Int32(limit)
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("store: list %s: %w", res.Name, err)
	}
	p := Page{Next: out.LastEvaluatedKey, ScannedCount: out.ScannedCount}
	for _, it := range out.Items {
		p.Docs = append(p.Docs, unmarshalDoc(it))
	}
	return p, nil
}

// ListAll reads every object of a resource (for the simple planner; the query planner uses indexes).
func (s *Store) ListAll(ctx context.Context, t domain.Tenant, res *schema.Resource) ([]domain.Doc, error) {
	var out []domain.Doc
	var start map[string]types.AttributeValue
	for {
		p, err := s.ListPage(ctx, t, res, true, 0, start)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Docs...)
		if p.Next == nil {
			return out, nil
		}
		start = p.Next
	}
}

// SortedKeys is a helper for deterministic iteration.
func SortedKeys(d domain.Doc) []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// escape keeps a value from forging key structure: '#' separates key parts.
func escape(v string) string { return strings.ReplaceAll(v, "#", "%23") }

// RetryConflicts is a DynamoDB client option: single-item writes refused with
// TransactionConflictException (their item was held by a transaction in flight) are retried by
// the SDK with its backoff, as AWS advises; the SDK's standard retryer does not retry that code.
// Transactions are not retried there: a cancelled one is planned again by writeWithEvents.
func RetryConflicts(o *dynamodb.Options) {
	o.Retryer = retry.AddWithErrorCodes(o.Retryer, "TransactionConflictException")
}

// transactWrite sends a transaction, sending it again while DynamoDB cancels it for conflicts
// alone (another transaction held one of its items): such a transaction wrote nothing, and its
// conditions are checked again on the retry. Short jittered backoff, until LockTimeout.
// writeWithEvents has its own loop (it plans its index writes again); this is for the rest.
func (s *Store) transactWrite(ctx context.Context, items []types.TransactWriteItem) error {
	deadline := time.Now().Add(s.LockTimeout) // wall time: Now may be a test's stopped clock
	backoff := 2 * time.Millisecond
	for {
		_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if !conflictOnly(err) {
			return err
		}
		if time.Now().After(deadline) {
			return Contended(err) // 429 lock_timeout, never a 500: nothing was written
		}
		s.sh().retries.Add(1)
		if backoff, err = jitteredWait(ctx, backoff); err != nil {
			return err
		}
	}
}

// errLockTimeout answers a write still racing other writers of its object after LockTimeout: a
// 429 the client retries, never a 500.
func errLockTimeout() error {
	return apperr.New(apperr.RateLimited, "This object cannot be accessed right now because another API request or HAPI Hub process is currently accessing it. If you see this error intermittently, retry the request.").WithCode("lock_timeout").WithHeader("Retry-After", "1")
}

// jitteredWait waits backoff plus up to as much again, drawn at random so that writers which
// conflicted do not retry in step, and returns the next backoff: doubled, up to 50 ms.
func jitteredWait(ctx context.Context, backoff time.Duration) (time.Duration, error) {
	select {
	case <-ctx.Done():
		return backoff, ctx.Err()
	case <-time.After(backoff + time.Duration(rand.Int64N(int64(backoff)))):
	}
	return min(2*backoff, 50*time.Millisecond), nil
}

// conflictOnly reports whether err is a transaction cancelled by TransactionConflict reasons only.
func conflictOnly(err error) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return false
	}
	seen := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			seen = true
		case "None", "":
		default:
			return false
		}
	}
	return seen
}

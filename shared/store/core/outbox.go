package core

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The outbox makes webhook fan-out transactional without DynamoDB Streams (which the embedded
// engine does not have and which would tie delivery latency to stream polling): every event's
// transaction also writes an outbox entry; after the commit the Publisher enqueues it and the
// entry is deleted. An entry left behind (enqueue failed, process died) is drained by the
// webhook sweeper, so nothing committed is lost; fan-out is idempotent, so a double enqueue is harmless.

// OutboxEntry names an event waiting to be fanned out.
type OutboxEntry struct {
	Account   string
	Mode      string
	EventID   string
	Type      string
	CreatedAt int64 // Unix ms
}

// Publisher enqueues committed outbox entries (the webhook queue).
type Publisher interface {
	Publish(ctx context.Context, entries []OutboxEntry) error
}

// outboxShards spreads entries over a few partitions so one busy account cannot make one hot key.
const outboxShards = 8

func outboxPK(shard int) string { return "OUTBOX#" + strconv.Itoa(shard) }

func outboxShard(eventID string) int {
	h := fnv.New32a()
	h.Write([]byte(eventID))
	return int(h.Sum32() % outboxShards)
}

func (e OutboxEntry) item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": sv(outboxPK(outboxShard(e.EventID))), "SK": sv(e.EventID),
		"account": sv(e.Account), "mode": sv(e.Mode), "type": sv(e.Type), "createdAt": n(e.CreatedAt),
	}
}

// publish hands committed entries to the publisher and clears them. Failures are left to the
// sweeper: the change is committed, so the request must not fail because the queue hiccupped.
func (s *Store) publish(ctx context.Context, entries []OutboxEntry) {
	if s.Publisher == nil || len(entries) == 0 {
		return
	}
	if d, ok := ctx.Value(deferKey{}).(*deferred); ok {
		d.add(entries)
		return
	}
	if err := s.Publisher.Publish(ctx, entries); err != nil {
		return
	}
	_ = s.DeleteOutbox(ctx, entries)
}

// PendingOutbox lists outbox entries created before `before` (older ones only, so the sweeper does
// not race the request that is about to publish its own entries).
func (s *Store) PendingOutbox(ctx context.Context, before time.Time, limit int) ([]OutboxEntry, error) {
	var out []OutboxEntry
	upper := NewIDPrefix("evt", before)
	for shard := 0; shard < outboxShards && len(out) < limit; shard++ {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String("PK = :pk AND SK < :upper"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(outboxPK(shard)), ":upper": sv(upper)},
			Limit:                     aws.Int32(int32(limit - len(out))),
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("store: outbox shard %d: %w", shard, err)
		}
		for _, it := range res.Items {
			out = append(out, OutboxEntry{Account: getS(it, "account"), Mode: getS(it, "mode"), EventID: getS(it, "SK"),
				Type: getS(it, "type"), CreatedAt: getN(it, "createdAt")})
		}
	}
	return out, nil
}

// DeleteOutbox removes enqueued entries.
func (s *Store) DeleteOutbox(ctx context.Context, entries []OutboxEntry) error {
	var chunks [][]OutboxEntry
	for start := 0; start < len(entries); start += 25 {
		chunks = append(chunks, entries[start:min(len(entries), start+25)])
	}
	del := func(ctx context.Context, chunk []OutboxEntry) error {
		var reqs []types.WriteRequest
		for _, e := range chunk {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{
				"PK": sv(outboxPK(outboxShard(e.EventID))), "SK": sv(e.EventID)}}})
		}
		for len(reqs) > 0 {
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.Table: reqs}})
			if err != nil {
				return fmt.Errorf("store: delete outbox: %w", err)
			}
			reqs = out.UnprocessedItems[s.Table]
		}
		return nil
	}
	if len(chunks) == 1 {
		return del(ctx, chunks[0]) // one write's entries: no goroutine
	}
	// Side by side: a multi-create deletes its 100 entries at once (DeferPublish).
	return forEach(ctx, len(chunks), chunks, del)
}

// NewIDPrefix is the smallest id of prefix created at t: ids sort by creation time, so key ranges
// on ids are time ranges.
func NewIDPrefix(prefix string, t time.Time) string {
	id := IDFrom(prefix, t, zeroReader{})
	return id[:len(prefix)+1+10]
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// deferKey marks a context whose committed writes leave their outbox entries to be published
// together (DeferPublish).
type deferKey struct{}

type deferred struct {
	mu      sync.Mutex
	entries []OutboxEntry
}

func (d *deferred) add(entries []OutboxEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.entries = append(d.entries, entries...)
}

// DeferPublish returns a context under which committed writes queue their outbox entries
// instead of publishing each write's own, and publish, which publishes all that were queued: a
// multi-create's 100 events then cost 10 SendMessageBatch calls and 4 BatchWriteItem deletes
// rather than 100 of each (docs/writes.md, "Bulk create"). Call publish once the writes are
// done, whatever their outcome (every queued entry is committed): within the request's Timeout,
// so well inside the webhook sweeper's grace for fresh entries (a minute). Entries never
// published (the process died first) are the sweeper's, as after any crash: they are in the outbox.
func (s *Store) DeferPublish(ctx context.Context) (context.Context, func(context.Context)) {
	d := &deferred{}
	return context.WithValue(ctx, deferKey{}, d), func(ctx context.Context) {
		d.mu.Lock()
		entries := d.entries
		d.entries = nil
		d.mu.Unlock()
		s.publish(context.WithValue(ctx, deferKey{}, nil), entries)
	}
}

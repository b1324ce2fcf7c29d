package phraseindex

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/countq"
)

// The phrase vocabulary's counts change after a write commits (pairs known to exist are raised,
// pairs gone are lowered, a failed write's raises are undone). Those changes used to be sent
// before the write answered: one more round trip and commit on every create (~3 ms of an ~8 ms
// create at concurrency 1) and ~6 single-item writes per create. Counts only price phrase plans
// (every listed posting list is read whatever its count), so nothing the client was told
// depends on them: they are queued, summed per vocabulary item, and applied in the background
// countLinger after the first one queued. Common pairs ("example com" of every email at
// example.com) then cost one write per batch instead of one per create.
//
// What this gives up: a count lags its postings by up to countLinger plus one write, and
// changes still queued when the process ends (a Lambda environment reclaimed while frozen, a
// crash) are lost, leaving counts off, which changes a plan's price and nothing else. Vocabulary
// items themselves (what makes a committed pair reachable) are still created before the
// transaction, on the request path.
var countLinger = 20 * time.Millisecond

// countQueue holds vocabulary count changes waiting to be applied, summed per item.
type countQueue = countq.Queue[map[string]types.AttributeValue]

// countTries is how many times a count change is sent before it is dropped: a single-item write
// refused for a conflict with a transaction holding the item (one that creates it) is retried
// by the SDK a few times, and then here, later, rather than lost.
const countTries = 10

func (s *Index) newCountQueue() *countQueue {
	return countq.New(s.applyCounts, func() time.Duration { return countLinger }, countTries)
}

// queueCounts adds deltas to the queue, which applies them in the background.
func (s *Index) queueCounts(deltas []countDelta) {
	ds := make([]countq.Delta[map[string]types.AttributeValue], 0, len(deltas))
	for _, d := range deltas {
		ds = append(ds, countq.Delta[map[string]types.AttributeValue]{ID: countKey(d), Key: d.key, N: d.delta})
	}
	s.counts().Add(ds)
}

func countKey(d countDelta) string { return core.GetS(d.key, "PK") + "\x00" + core.GetS(d.key, "SK") }

// applyCounts sends each change once (countWorkers at a time) and returns those that failed.
func (s *Index) applyCounts(ds []countq.Delta[map[string]types.AttributeValue]) (failed []countq.Delta[map[string]types.AttributeValue]) {
	var mu sync.Mutex
	_ = core.ForEach(context.Background(), countWorkers, ds, func(ctx context.Context, d countq.Delta[map[string]types.AttributeValue]) error {
		if err := s.addCounts(ctx, []countDelta{{key: d.Key, delta: d.N}}); err != nil {
			mu.Lock()
			failed = append(failed, d)
			mu.Unlock()
		}
		return nil
	})
	return failed
}

// SettleCounts waits until every queued vocabulary count change is applied (tests reading
// counts, and a process about to stop, call it).
func (s *Index) SettleCounts() { s.counts().Settle() }

// counts is the planner's queue (New makes it; an Index is only made by New).
func (s *Index) counts() *countQueue { return s.countQ }

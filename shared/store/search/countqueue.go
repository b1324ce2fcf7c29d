package search

import (
	"context"
	"sync"
	"time"
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

type countQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string]countDelta // by PK \x00 SK
	tries   map[string]int        // failed sends of what pending holds
	running bool                  // a drainer goroutine is on the queue
	waiters int                   // SettleCounts callers: the drainer stops lingering
	kick    chan struct{}
}

func newCountQueue() *countQueue {
	q := &countQueue{kick: make(chan struct{}, 1), tries: map[string]int{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// queueCounts adds deltas to the queue and makes sure a drainer runs.
func (s *Store) queueCounts(deltas []countDelta) {
	if len(deltas) == 0 {
		return
	}
	q := s.counts()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(deltas, 0)
	if !q.running {
		q.running = true
		go q.drain(s.applyCounts)
	}
}

// add sums deltas into the queue (q.mu held); tries is how many times they failed already.
func (q *countQueue) add(deltas []countDelta, tries int) {
	if q.pending == nil {
		q.pending = map[string]countDelta{}
	}
	for _, d := range deltas {
		k := countKey(d)
		cur, ok := q.pending[k]
		if !ok {
			cur = countDelta{key: d.key}
		}
		cur.delta += d.delta
		q.pending[k] = cur
		if tries > 0 {
			q.tries[k] = max(q.tries[k], tries)
		}
	}
}

func countKey(d countDelta) string { return getS(d.key, "PK") + "\x00" + getS(d.key, "SK") }

// countTries is how many times a count change is sent before it is dropped: a single-item write
// refused for a conflict with a transaction holding the item (one that creates it) is retried
// by the SDK a few times, and then here, later, rather than lost.
const countTries = 10

// applyCounts sends each change once (countWorkers at a time) and returns those that failed.
func (s *Store) applyCounts(ds []countDelta) (failed []countDelta) {
	var mu sync.Mutex
	_ = forEach(context.Background(), countWorkers, ds, func(ctx context.Context, d countDelta) error {
		if err := s.addCounts(ctx, []countDelta{d}); err != nil {
			mu.Lock()
			failed = append(failed, d)
			mu.Unlock()
		}
		return nil
	})
	return failed
}

// drain applies what is queued, countLinger after the first change, until the queue is empty.
// A change that failed goes back in the queue for the next round, up to countTries times: then
// the count stays off (it prices plans only).
func (q *countQueue) drain(apply func([]countDelta) []countDelta) {
	for {
		q.mu.Lock()
		urgent := q.waiters > 0
		q.mu.Unlock()
		if !urgent {
			t := time.NewTimer(countLinger)
			select {
			case <-t.C:
			case <-q.kick:
				t.Stop()
			}
		}
		q.mu.Lock()
		batch := q.pending
		q.pending = nil
		if len(batch) == 0 {
			q.running = false
			q.cond.Broadcast()
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		ds := make([]countDelta, 0, len(batch))
		for _, d := range batch {
			if d.delta != 0 {
				ds = append(ds, d)
			}
		}
		failed := apply(ds)
		q.mu.Lock()
		tries := q.tries
		q.tries = map[string]int{}
		for _, d := range failed {
			if n := tries[countKey(d)] + 1; n < countTries {
				q.add([]countDelta{d}, n)
			}
		}
		q.mu.Unlock()
	}
}

// SettleCounts waits until every queued vocabulary count change is applied (tests reading
// counts, and a process about to stop, call it).
func (s *Store) SettleCounts() {
	q := s.counts()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiters++
	for q.running {
		select {
		case q.kick <- struct{}{}:
		default:
		}
		q.cond.Wait()
	}
	q.waiters--
}

// fallbackCounts serves an Index built without New.
var fallbackCounts = newCountQueue()

func (s *Index) counts() *countQueue {
	if s.countQ == nil {
		return fallbackCounts
	}
	return s.countQ
}

// Package countq sums count changes per item and applies them in the background, in batches,
// after a short linger: many writes raising the same counter then cost one write per batch. A
// change whose write fails goes back in the queue for a later round, a bounded number of times.
// The phrase index's vocabulary counts use it (shared/store/phraseindex/countqueue.go says what
// that gives up).
package countq

import (
	"sync"
	"time"
)

// Delta is one change of one counter.
type Delta[K any] struct {
	ID  string // the counter's identity: changes with the same ID are summed
	Key K      // the caller's address of the counter, handed back to Apply
	N   int64
}

// Queue holds changes waiting to be applied.
type Queue[K any] struct {
	// Apply sends each change once and returns those that failed.
	Apply func([]Delta[K]) (failed []Delta[K])
	// Linger is how long the drainer waits after the first change of a batch.
	Linger func() time.Duration
	// Tries is how many times a change is sent before it is dropped.
	Tries int

	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string]Delta[K]
	tries   map[string]int // failed sends of what pending holds
	running bool           // a drainer goroutine is on the queue
	waiters int            // Settle callers: the drainer stops lingering
	kick    chan struct{}
}

// New returns an empty queue.
func New[K any](apply func([]Delta[K]) []Delta[K], linger func() time.Duration, tries int) *Queue[K] {
	q := &Queue[K]{Apply: apply, Linger: linger, Tries: tries, kick: make(chan struct{}, 1), tries: map[string]int{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Add queues deltas and makes sure a drainer runs.
func (q *Queue[K]) Add(deltas []Delta[K]) {
	if len(deltas) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(deltas, 0)
	if !q.running {
		q.running = true
		go q.drain()
	}
}

// add sums deltas into the queue (q.mu held); tries is how many times they failed already.
func (q *Queue[K]) add(deltas []Delta[K], tries int) {
	if q.pending == nil {
		q.pending = map[string]Delta[K]{}
	}
	for _, d := range deltas {
		cur, ok := q.pending[d.ID]
		if !ok {
			cur = Delta[K]{ID: d.ID, Key: d.Key}
		}
		cur.N += d.N
		q.pending[d.ID] = cur
		if tries > 0 {
			q.tries[d.ID] = max(q.tries[d.ID], tries)
		}
	}
}

// drain applies what is queued, Linger after the first change, until the queue is empty. A
// change that failed goes back in the queue for the next round, up to Tries times.
func (q *Queue[K]) drain() {
	for {
		q.mu.Lock()
		urgent := q.waiters > 0
		q.mu.Unlock()
		if !urgent {
			t := time.NewTimer(q.Linger())
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
		ds := make([]Delta[K], 0, len(batch))
		for _, d := range batch {
			if d.N != 0 {
				ds = append(ds, d)
			}
		}
		failed := q.Apply(ds)
		q.mu.Lock()
		tries := q.tries
		q.tries = map[string]int{}
		for _, d := range failed {
			if n := tries[d.ID] + 1; n < q.Tries {
				q.add([]Delta[K]{d}, n)
			}
		}
		q.mu.Unlock()
	}
}

// Settle waits until every queued change is applied (or dropped).
func (q *Queue[K]) Settle() {
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

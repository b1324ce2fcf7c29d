// Package dynamo is the project's embedded DynamoDB-compatible engine. It speaks
// DynamoDB's JSON 1.0 wire protocol, so the unmodified aws-sdk-go-v2 dynamodb
// client (or `aws dynamodb --endpoint-url`) works against it. Items are kept
// sorted by their encoded primary key in bbolt, so a Query is a range read whose
// cost does not grow with the table, and every secondary index lives in its own
// bucket written in the same transaction as the item.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options configures an Engine. The zero value is usable.
type Options struct {
	// Now is the clock used for TTL expiry and timestamps; defaults to time.Now.
	Now func() time.Time
	// TTLInterval is how often the background sweeper deletes expired items.
	// Zero means one minute; a negative value disables the sweeper (tests call
	// SweepTTL themselves).
	TTLInterval time.Duration
	// NoSync skips fsync on each commit. Only for tests: a crash may then lose
	// the last commits (never corrupt the file).
	NoSync bool
	// Region and AccountID appear in ARNs. Defaults: us-east-1, 000000000000.
	Region    string
	AccountID string
	// NoConflicts turns transaction conflicts off: a write of an item another transaction holds
	// then waits for it instead of failing as on DynamoDB (conflicts.go). The zero value, as
	// make run and the tests have it, is DynamoDB's behaviour.
	NoConflicts bool
}

// Engine is one DynamoDB-compatible database. It is safe for concurrent use.
type Engine struct {
	opts Options
	db   *bolt.DB

	mu     sync.RWMutex
	tables map[string]*tableMeta
	// schema is held shared by every request (and each TTL sweep batch) from
	// the moment it reads a table's description until its write commits, and
	// exclusively by UpdateTable: a write that read the description before an
	// index was added or removed can then never commit after it, which would
	// leave the index missing the item or holding a stale entry.
	schema sync.RWMutex

	idem  *idempotencyCache
	holds *holds // nil when Options.NoConflicts
	authz atomic.Pointer[authzHolder]

	stop       chan struct{}
	sweeping   sync.WaitGroup
	writes     chan *writeReq
	committing sync.WaitGroup
	closeMu    sync.Mutex
	closed     bool
	servers    []*http.Server
}

// Open opens (creating if needed) the database file dir/dynamodb.db and starts
// the TTL sweeper.
func Open(dir string, opts Options) (*Engine, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TTLInterval == 0 {
		opts.TTLInterval = time.Minute
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dynamo: create data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "dynamodb.db"), 0o600, &bolt.Options{
		Timeout:      5 * time.Second,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: open store: %w", err)
	}
	e := &Engine{opts: opts, db: db, tables: map[string]*tableMeta{}, idem: newIdempotencyCache(), stop: make(chan struct{})}
	if !opts.NoConflicts {
		e.holds = newHolds()
	}
	if err := e.loadTables(); err != nil {
		_ = db.Close()
		return nil, err
	}
	e.startCommitter()
	if opts.TTLInterval > 0 {
		e.sweeping.Add(1)
		go e.sweepLoop()
	}
	return e, nil
}

// Close stops the servers started by Serve and the sweeper, and closes the store.
func (e *Engine) Close() error {
	e.closeMu.Lock()
	if e.closed {
		e.closeMu.Unlock()
		return nil
	}
	e.closed = true
	servers := e.servers
	e.closeMu.Unlock()
	for _, s := range servers {
		shutdown(s)
	}
	close(e.stop)
	e.sweeping.Wait()
	e.committing.Wait()
	if err := e.db.Close(); err != nil {
		return fmt.Errorf("dynamo: close store: %w", err)
	}
	return nil
}

// Serve listens on addr ("127.0.0.1:0" picks a free port) and serves the
// engine until ctx is done or the engine is closed. It returns the endpoint
// URL to give the SDK (BaseEndpoint) once the listener is ready.
func Serve(ctx context.Context, addr string, e *Engine) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("dynamo: listen on %s: %w", addr, err)
	}
	// The server never closes a kept-alive connection on its own initiative
	// except after IdleTimeout, which is longer than the SDK's idle timeout
	// (90 s), so the client always retires an idle connection first: a POST
	// sent on a connection the server is closing at that moment cannot be
	// retried by net/http and would surface as "use of closed network
	// connection".
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	e.closeMu.Lock()
	if e.closed {
		e.closeMu.Unlock()
		_ = ln.Close()
		return "", errors.New("dynamo: engine is closed")
	}
	e.servers = append(e.servers, srv)
	e.closeMu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			shutdown(srv)
		case <-e.stop:
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// shutdown stops a server. Keep-alives are turned off first, so responses
// still in flight tell their clients (Connection: close) not to reuse the
// connection the server is about to close, then Shutdown waits up to 2 s for
// them.
func shutdown(srv *http.Server) {
	srv.SetKeepAlivesEnabled(false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

func (e *Engine) sweepLoop() {
	defer e.sweeping.Done()
	t := time.NewTicker(e.opts.TTLInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			// A failed sweep is retried at the next tick; nothing else to do.
			_, _ = e.SweepTTL(e.opts.Now())
		}
	}
}

// StoredBytes is the size of the database's pages in use (bbolt's high-water mark). The file
// itself grows in steps of up to 16 MB ahead of it, so its size measures growth coarsely.
func (e *Engine) StoredBytes() (int64, error) {
	var n int64
	err := e.db.View(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return n, err
}

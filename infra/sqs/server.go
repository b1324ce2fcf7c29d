// Package sqs is an embedded, SQS-compatible queue service. It speaks the AWS
// JSON 1.0 protocol that aws-sdk-go-v2's sqs client uses, so application code
// talks to it with the unmodified SDK and only the endpoint changed. Queues and
// messages live in bbolt so they survive a restart.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Now is the clock used for delays, visibility timeouts, retention and
	// timestamps; tests inject one so they never sleep. Defaults to time.Now.
	Now func() time.Time
	// Region and AccountID appear in queue ARNs and URLs.
	// Defaults: us-east-1 and 000000000000.
	Region    string
	AccountID string
	// NoSync skips fsync on every write (tests); data still reaches the file.
	NoSync bool
	// PollInterval is how often a long-polling receive re-checks the queue for
	// messages made visible by the clock alone (delay or visibility expiry).
	// Defaults to 100ms.
	PollInterval time.Duration
}

// Server is the queue service. It is safe for concurrent use.
type Server struct {
	opts Options
	db   *bolt.DB

	mu     sync.Mutex
	queues map[string]*queue
	// deleted remembers when a queue name was deleted, for QueueDeletedRecently.
	deleted map[string]time.Time
	// wake is closed and replaced whenever messages may have become receivable,
	// so long-polling receives return early.
	wake     chan struct{}
	handlers map[string]opFunc
	authz    atomic.Pointer[authzHolder] // nil: calls are not judged (authz.go)
	// closed stops handlers still running after Close from touching the store.
	closed bool

	httpMu   sync.Mutex
	httpSrv  *http.Server
	endpoint string
	serveErr chan error
}

// Open opens (creating if needed) the store at dir/sqs.db and loads its queues.
func Open(dir string, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 100 * time.Millisecond
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqs: create data dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "sqs.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second, NoSync: opts.NoSync})
	if err != nil {
		return nil, fmt.Errorf("sqs: open store: %w", err)
	}
	s := &Server{
		opts:    opts,
		db:      db,
		queues:  map[string]*queue{},
		deleted: map[string]time.Time{},
		wake:    make(chan struct{}),
	}
	s.handlers = s.ops()
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Listen serves the protocol on 127.0.0.1 with a random port and returns the
// endpoint URL to give the SDK as BaseEndpoint.
func (s *Server) Listen() (string, error) {
	return s.ListenAddr("127.0.0.1:0")
}

// ListenAddr serves the protocol on addr (host:port) and returns the endpoint URL.
func (s *Server) ListenAddr(addr string) (string, error) {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("sqs: already listening")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sqs: listen on %s: %w", addr, err)
	}
	s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.endpoint = "http://" + ln.Addr().String()
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.httpSrv.Serve(ln) }()
	return s.endpoint, nil
}

// Endpoint is the URL Listen returned, or "" when not listening.
func (s *Server) Endpoint() string {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	return s.endpoint
}

// Region is the region used in ARNs.
func (s *Server) Region() string { return s.opts.Region }

// AccountID is the account used in ARNs and queue URLs.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Close stops the listener, if any, and closes the store.
func (s *Server) Close() error {
	s.httpMu.Lock()
	srv := s.httpSrv
	s.httpSrv = nil
	s.endpoint = ""
	s.httpMu.Unlock()
	var errs []error
	if srv != nil {
		// Long polls end on their own within 20 s; don't wait for them here.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		cancel()
		if err := <-s.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("sqs: serve: %w", err))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.Join(errs...)
	}
	s.closed = true
	s.signal()
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("sqs: close store: %w", err))
	}
	return errors.Join(errs...)
}

// Handler serves the SQS JSON 1.0 protocol.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

const maxRequestBytes = 8 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, typ: "com.amazon.coral.service#UnknownOperationException", query: "InvalidAction", msg: "Only POST is supported."})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSQS.")
	if !ok {
		// The query protocol (Action=... form posts) is not implemented.
		writeError(w, &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.service#UnknownOperationException", query: "InvalidAction", msg: "Missing or unsupported X-Amz-Target; only the AWS JSON 1.0 protocol is supported."})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.service#SerializationException", query: "MalformedInput", msg: "could not read request body"})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	h, ok := s.handlers[op]
	if !ok {
		writeError(w, &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.service#UnknownOperationException", query: "InvalidAction", msg: "An unknown operation was requested: " + op})
		return
	}
	if aerr := s.authorize(r, op, body); aerr != nil {
		writeError(w, aerr)
		return
	}
	out, aerr := h(r.Context(), &request{host: r.Host, body: body})
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, errInternal(err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	_, _ = w.Write(b)
}

type request struct {
	host string
	body []byte
}

func (r *request) decode(v any) *apiError {
	if err := json.Unmarshal(r.body, v); err != nil {
		return &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.service#SerializationException", query: "MalformedInput", msg: "Start of structure or map found where not expected: " + err.Error()}
	}
	return nil
}

type opFunc func(ctx context.Context, r *request) (any, *apiError)

func (s *Server) ops() map[string]opFunc {
	return map[string]opFunc{
		"CreateQueue":                  s.createQueue,
		"GetQueueUrl":                  s.getQueueURL,
		"GetQueueAttributes":           s.getQueueAttributes,
		"SetQueueAttributes":           s.setQueueAttributes,
		"ListQueues":                   s.listQueues,
		"DeleteQueue":                  s.deleteQueue,
		"PurgeQueue":                   s.purgeQueue,
		"ListDeadLetterSourceQueues":   s.listDeadLetterSourceQueues,
		"TagQueue":                     s.tagQueue,
		"UntagQueue":                   s.untagQueue,
		"ListQueueTags":                s.listQueueTags,
		"SendMessage":                  s.sendMessage,
		"SendMessageBatch":             s.sendMessageBatch,
		"ReceiveMessage":               s.receiveMessage,
		"DeleteMessage":                s.deleteMessage,
		"DeleteMessageBatch":           s.deleteMessageBatch,
		"ChangeMessageVisibility":      s.changeMessageVisibility,
		"ChangeMessageVisibilityBatch": s.changeMessageVisibilityBatch,
	}
}

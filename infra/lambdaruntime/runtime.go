// Package lambdaruntime is a small emulator of the Lambda Runtime API (version 2018-06-01), the
// HTTP interface a custom runtime such as aws-lambda-go's `provided.al2023` bootstrap polls for
// invocations: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
//
// It exists to run a built bootstrap binary as Lambda would (AWS_LAMBDA_RUNTIME_API set, events
// handed out by GET .../invocation/next) and to time its initialisation: the time from process
// start to its first /next request is the init phase Lambda bills as Init Duration.
package lambdaruntime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// MaxResponseBytes is Lambda's limit on a synchronous invocation's response (6 MB); a larger
// response is refused with 413, as the Runtime API documents.
const MaxResponseBytes = 6 * 1024 * 1024

// prefix is the API version every path starts with.
const prefix = "/2018-06-01/runtime"

// FunctionError is the error a runtime reports for an invocation or for its initialisation: the
// JSON body the Runtime API documents ({"errorMessage", "errorType", "stackTrace"}) and the
// Lambda-Runtime-Function-Error-Type header.
type FunctionError struct {
	Message    string          `json:"errorMessage"`
	Type       string          `json:"errorType"`
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
	// HeaderType is the Lambda-Runtime-Function-Error-Type header, when sent.
	HeaderType string `json:"-"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Result is the outcome of one invocation: the response payload, or the function's error.
type Result struct {
	Payload []byte
	Err     *FunctionError
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan Result
}

// Server is one execution environment's Runtime API. One runtime process talks to it.
type Server struct {
	// FunctionARN is sent as Lambda-Runtime-Invoked-Function-Arn.
	FunctionARN string
	// Timeout sets each invocation's Lambda-Runtime-Deadline-Ms (the function's Timeout).
	Timeout time.Duration

	ln     net.Listener
	srv    *http.Server
	queue  chan *invocation
	closed chan struct{}

	mu        sync.Mutex
	inflight  map[string]*invocation
	firstNext time.Time
	nextSeen  chan struct{}
	initErr   *FunctionError
	initSeen  chan struct{}
	closeOnce sync.Once
}

// Start listens on a free loopback port and serves the Runtime API until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdaruntime: listen: %w", err)
	}
	s := &Server{
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:emulated",
		Timeout:     10 * time.Second,
		ln:          ln,
		queue:       make(chan *invocation),
		closed:      make(chan struct{}),
		inflight:    map[string]*invocation{},
		nextSeen:    make(chan struct{}),
		initSeen:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/invocation/next", s.next)
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/response", s.response)
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/error", s.invocationError)
	mux.HandleFunc("POST "+prefix+"/init/error", s.initError)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API (host:port, no scheme).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server; /next requests waiting for an event are dropped.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return s.srv.Close()
}

// NextSeen is closed when the runtime first asks for an invocation: its init is over.
func (s *Server) NextSeen() <-chan struct{} { return s.nextSeen }

// FirstNext is when the first /next request arrived (zero before NextSeen is closed).
func (s *Server) FirstNext() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstNext
}

// InitErrorSeen is closed when the runtime reports an init error; InitError returns it.
func (s *Server) InitErrorSeen() <-chan struct{} { return s.initSeen }

// InitError is the error posted to /runtime/init/error, or nil.
func (s *Server) InitError() *FunctionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// ErrClosed is returned by Invoke when the server closes before the invocation completes.
var ErrClosed = errors.New("lambdaruntime: closed")

// Invoke hands payload to the runtime's next /next request and waits for its response or error.
func (s *Server) Invoke(payload []byte) (Result, error) {
	inv := &invocation{id: uuid.NewString(), payload: payload, done: make(chan Result, 1)}
	select {
	case s.queue <- inv:
	case <-s.closed:
		return Result{}, ErrClosed
	}
	select {
	case r := <-inv.done:
		return r, nil
	case <-s.closed:
		return Result{}, ErrClosed
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.firstNext.IsZero() {
		s.firstNext = time.Now()
		close(s.nextSeen)
	}
	s.mu.Unlock()
	// The runtime long-polls: the request stays open until there is an event (the documentation
	// asks runtimes not to set a timeout on it).
	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
		return
	case <-s.closed:
		return
	}
	inv.deadline = time.Now().Add(s.Timeout)
	s.mu.Lock()
	s.inflight[inv.id] = inv
	s.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", s.FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// take removes the in-flight invocation id names, or answers 400 as the Runtime API does for an
// unknown request id.
func (s *Server) take(w http.ResponseWriter, r *http.Request) *invocation {
	id := r.PathValue("id")
	s.mu.Lock()
	inv := s.inflight[id]
	delete(s.inflight, id)
	s.mu.Unlock()
	if inv == nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "no invocation in flight with request id "+strconv.Quote(id))
	}
	return inv
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+1))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", "reading the response: "+err.Error())
		return
	}
	inv := s.take(w, r)
	if inv == nil {
		return
	}
	if len(body) > MaxResponseBytes {
		writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("response payload exceeds %d bytes", MaxResponseBytes))
		inv.done <- Result{Err: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "response payload too large"}}
		return
	}
	inv.done <- Result{Payload: body}
	accepted(w)
}

func (s *Server) invocationError(w http.ResponseWriter, r *http.Request) {
	fe, ok := readError(w, r)
	if !ok {
		return
	}
	inv := s.take(w, r)
	if inv == nil {
		return
	}
	inv.done <- Result{Err: fe}
	accepted(w)
}

func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	fe, ok := readError(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	first := s.initErr == nil
	if first {
		s.initErr = fe
	}
	s.mu.Unlock()
	if first {
		close(s.initSeen)
	}
	accepted(w)
}

// readError decodes an error body; a body that is not JSON still counts, its text the message.
func readError(w http.ResponseWriter, r *http.Request) (*FunctionError, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", "reading the error: "+err.Error())
		return nil, false
	}
	fe := &FunctionError{HeaderType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	if json.Unmarshal(body, fe) != nil {
		fe.Message = string(body)
	}
	if fe.Type == "" {
		fe.Type = fe.HeaderType
	}
	return fe, true
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func writeStatus(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

package hapihub

import (
	"context"
	"iter"
	"time"
)

// RequestLog is one API request made with a key of the account, kept 7 days: GET /request-logs.
type RequestLog struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Livemode bool   `json:"livemode"`
	Method   string `json:"method"`
	// Path is the path called, such as /patients/pat_... (without the query string).
	Path   string `json:"path"`
	Status int    `json:"status"`
	// ErrorEventID is the "event" of the error body when the request failed: quote it to support.
	ErrorEventID string `json:"errorEventId,omitempty"`
	KeyID        string `json:"keyId,omitempty"`
	// KeyType is secret, restricted or publishable.
	KeyType string `json:"keyType,omitempty"`
	// Session is the console member (email) when the request came from the Developer Console.
	Session        string `json:"session,omitempty"`
	RequestID      string `json:"requestId,omitempty"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	OrganizationID string `json:"organizationId,omitempty"`
	CreatedAt      int64  `json:"createdAt"`
	DurationMs     int64  `json:"durationMs"`
}

// RequestLogFilter selects request logs; zero fields select everything.
type RequestLogFilter struct {
	// Status is an exact status; StatusMin and StatusMax bound it (inclusive), e.g. StatusMin
	// 400 for every failed request.
	Status, StatusMin, StatusMax int
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string
	// KeyID selects the requests of one key (key_...).
	KeyID string
	// RequestID finds the request a response's Request-Id (Error.RequestID) names.
	RequestID string
	// CreatedFrom (inclusive) and CreatedBefore (exclusive) bound the request time.
	CreatedFrom, CreatedBefore time.Time
	// Limit is the page size (default 10, at most 100); All uses it as its page size (default 100).
	Limit, Skip int
	// Total asks for the number of matching logs in List.Total.
	Total bool
}

// Query is the filter as a query of GET /request-logs.
func (f *RequestLogFilter) Query() *Query {
	q := NewQuery()
	if f == nil {
		return q
	}
	var fs []Filter
	if f.Status != 0 {
		fs = append(fs, Eq("status", f.Status))
	}
	if f.StatusMin != 0 {
		fs = append(fs, Gte("status", f.StatusMin))
	}
	if f.StatusMax != 0 {
		fs = append(fs, Lte("status", f.StatusMax))
	}
	if f.Method != "" {
		fs = append(fs, Eq("method", f.Method))
	}
	if f.KeyID != "" {
		fs = append(fs, Eq("keyId", f.KeyID))
	}
	if f.RequestID != "" {
		fs = append(fs, Eq("requestId", f.RequestID))
	}
	if !f.CreatedFrom.IsZero() {
		fs = append(fs, Gte("createdAt", f.CreatedFrom.UnixMilli()))
	}
	if !f.CreatedBefore.IsZero() {
		fs = append(fs, Lt("createdAt", f.CreatedBefore.UnixMilli()))
	}
	q.Where(fs...)
	if f.Limit != 0 {
		q.Limit(f.Limit)
	}
	if f.Skip != 0 {
		q.Skip(f.Skip)
	}
	if f.Total {
		q.WithTotal()
	}
	return q
}

// RequestLogService reads the request logs of the client's mode, newest first (secret keys, or
// restricted keys with read on request-logs).
type RequestLogService struct {
	r reader[RequestLog]
}

// List returns one page of logs matching f (nil: the 10 newest).
func (s *RequestLogService) List(ctx context.Context, f *RequestLogFilter, opts ...RequestOption) (*List[RequestLog], error) {
	return s.r.List(ctx, f.Query(), opts...)
}

// All iterates over every log matching f, newest first, fetching pages as it goes.
func (s *RequestLogService) All(ctx context.Context, f *RequestLogFilter, opts ...RequestOption) iter.Seq2[RequestLog, error] {
	return s.r.All(ctx, f.Query(), opts...)
}

// Get reads one log.
func (s *RequestLogService) Get(ctx context.Context, id string, opts ...RequestOption) (*RequestLog, error) {
	return s.r.Get(ctx, id, opts...)
}

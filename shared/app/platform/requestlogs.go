package platform

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// Request logs: every request that reaches a function with a key is recorded by the router
// (api.Options.Recorder) and served by the account function at /request-logs for 7 days.
// Decisions are in docs/keys.md, "Request logs".

// requestRecorder is the router's Recorder over the store.
type requestRecorder struct{ st *store.Store }

func (r requestRecorder) RecordRequest(ctx context.Context, l domain.RequestLog) error {
	_, err := r.st.PutRequestLog(ctx, l)
	return err
}

// RequestLogRoutes are /request-logs; restricted keys need read on "request-logs".
func (p *Platform) RequestLogRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/request-logs", Handler: p.findRequestLogs, NoTenant: true, Resource: "request-logs", Action: "find"},
		{Method: http.MethodGet, Path: "/request-logs/{id}", Handler: p.getRequestLog, NoTenant: true, Resource: "request-logs", Action: "get"},
	}
}

// RequestLogView is a log as the API shows it.
func RequestLogView(l domain.RequestLog) map[string]any {
	return map[string]any{"id": l.ID, "object": "request_log", "livemode": l.Mode == domain.Live, "method": l.Method, "path": l.Path,
		"status": int64(l.Status), "errorEventId": nilIfEmpty(l.ErrorEventID), "keyId": nilIfEmpty(l.KeyID), "keyType": nilIfEmpty(l.KeyType),
		"session": nilIfEmpty(l.Session), "requestId": nilIfEmpty(l.RequestID), "idempotencyKey": nilIfEmpty(l.IdempotencyKey),
		"organizationId": nilIfEmpty(l.Organization), "createdAt": l.At, "durationMs": l.DurationMs}
}

// requestLogFilters names the query parameters GET /request-logs accepts, for error messages.
const requestLogFilters = "status, method, keyId, requestId, createdAt, $limit, $skip, startingAfter, endingBefore, $total; or page, size, sort"

var httpMethods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

func (p *Platform) findRequestLogs(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "req", query.SortKey{Field: "createdAt", Desc: true}) // newest first
	if err != nil {
		return api.Response{}, err
	}
	limit, cur := lp.Limit, lp.Cursor
	var f domain.RequestLogFilter
	if cur != nil && cur.Before {
		f.Before = cur.ID
	} else if cur != nil {
		f.After = cur.ID
	}
	if err := readRequestLogFilters(q, lp, &f); err != nil {
		return api.Response{}, err
	}
	if limit == 0 {
		f.Total = true // $limit=0 asks only for the count
	}
	// One more than the page says whether there is more (hasMore).
	page, err := p.Store.FindRequestLogs(r.Ctx, r.Principal.AccountID, r.Principal.Mode, f, limit+1, lp.Skip)
	if err != nil {
		return api.Response{}, err
	}
	logs, more := query.TrimPage(page.Logs, limit, cur)
	data := make([]any, len(logs))
	for i, l := range logs {
		data[i] = RequestLogView(l)
	}
	total := -1 // counting reads every match: only when asked
	if f.Total {
		total = page.Total
	}
	return api.Response{Body: lp.Body(data, more, total)}, nil
}

// readRequestLogFilters reads GET /request-logs' filters into f; anything else is a field error.
func readRequestLogFilters(q qs.Object, lp query.ListPage, f *domain.RequestLogFilter) (err error) {
	for key, val := range q.All() {
		if lp.IsParam(key) {
			continue
		}
		s, isStr := qs.AsString(val)
		switch key {
		case "$total":
			if s != "true" && s != "false" {
				return apperr.Field(key, "must be true or false")
			}
			f.Total = s == "true"
		case "status":
			if err := statusFilter(val, f); err != nil {
				return err
			}
		case "method":
			m := strings.ToUpper(s)
			if !isStr || !httpMethods[m] {
				return apperr.Field(key, "must be one of GET, POST, PUT, PATCH, DELETE")
			}
			f.Method = m
		case "keyId":
			if !isStr || !strings.HasPrefix(s, "key_") {
				return apperr.Field(key, "must be an API key id (key_...)")
			}
			f.KeyID = s
		case "requestId": // a response's Request-Id, or an error's event
			if !isStr || s == "" || len(s) > 100 {
				return apperr.Field(key, "must be a request id (a response's Request-Id header)")
			}
			if msg := schema.ControlChar(s); msg != "" {
				return apperr.Field(key, "%s", msg) // as clinical strings: never part of an id
			}
			f.RequestID = s
		case "createdAt":
			if f.CreatedFrom, f.CreatedBefore, err = query.TimeRange(key, val); err != nil {
				return err
			}
		default:
			return apperr.Field(key, "is not a filter of request logs (%s)", requestLogFilters)
		}
	}
	return nil
}

func wholeNumber(key, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Field(key, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// statusFilter reads status=404 or status[$gte]=400&status[$lt]=500 ($gt, $gte, $lt, $lte).
func statusFilter(v qs.Value, f *domain.RequestLogFilter) error {
	code := func(x qs.Value) (int, error) {
		s, _ := qs.AsString(x)
		return wholeNumber("status", s, 100, 599)
	}
	o, isObj := qs.AsObject(v)
	if !isObj {
		n, err := code(v)
		f.Status = n
		return err
	}
	for op, x := range o.All() {
		n, err := code(x)
		if err != nil {
			return err
		}
		switch op {
		case "$gte":
			f.StatusMin = max(f.StatusMin, n)
		case "$gt":
			f.StatusMin = max(f.StatusMin, n+1)
		case "$lte":
			f.StatusMax = minPositive(f.StatusMax, n)
		case "$lt":
			f.StatusMax = minPositive(f.StatusMax, n-1)
		default:
			return apperr.Field("status", "supports a number and $gt, $gte, $lt, $lte, not %s", op)
		}
	}
	return nil
}

func minPositive(a, b int) int {
	if a == 0 {
		return b
	}
	return min(a, b)
}

func (p *Platform) getRequestLog(r *api.Request) (api.Response, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, "req_") {
		return api.Response{}, apperr.New(apperr.NotFound, "No such request_log: %s", id)
	}
	l, err := p.Store.GetRequestLog(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: RequestLogView(l)}, nil
}

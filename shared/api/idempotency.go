package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// IdempotencyStore keeps idempotency records (shared/store/idempotency.go).
type IdempotencyStore interface {
	ReserveIdempotencyKey(ctx context.Context, account, mode, key, fingerprint, owner string) (domain.IdemRecord, bool, error)
	CompleteIdempotencyKey(ctx context.Context, account, mode, key, owner string, status int, body string, headers map[string]string) error
	ReleaseIdempotencyKey(ctx context.Context, account, mode, key, owner string) error
	CommittedChange(ctx context.Context, account, mode string, rec domain.IdemRecord, res *schema.Resource) (domain.Change, bool, error)
}

// idemClaim is the context key of the reservation a change made under a held Idempotency-Key
// commits under (IdempotencyClaim).
type idemClaim struct{}

// IdempotencyClaim is what a handler's write must join to its transaction (domain.Meta's
// Tx.Idempotency) when the request holds an Idempotency-Key reservation: it makes the change
// conditional on still holding it and marks the reservation committed in the same transaction, so
// a retry after a crash between the change and the saved response replays the change instead of
// making it again. Nil without a key. A write whose claim fails is IdempotencyConflict.
func IdempotencyClaim(ctx context.Context) *domain.IdemCommit {
	c, _ := ctx.Value(idemClaim{}).(*domain.IdemCommit)
	return c
}

// IdempotencyConflict translates the failure of a write's idempotency claim (err from a store
// write made with meta) into 409 IDEMPOTENCY_ERROR: the reservation was taken over or a change
// already committed under the key. Other errors pass unchanged.
func IdempotencyConflict(err error, meta domain.Meta) error {
	var ce *domain.ConditionError
	// The claim is the first of Meta.Tx's items.
	if meta.Tx.Idempotency != nil && errors.As(err, &ce) && ce.Extra == 0 {
		return apperr.New(apperr.Idempotency, "Another request with this Idempotency-Key holds it now; retry to get its result.").
			WithCode(ReasonKeyInUse).WithHeader("Retry-After", "1")
	}
	return err
}

// ReasonKeyInUse is the reason of the one retryable IDEMPOTENCY_ERROR: the first request with the
// key is still running (Stripe's idempotency_key_in_use). The other 409s under a key are final,
// so a client retries on this reason alone.
const ReasonKeyInUse = "idempotency_key_in_use"

// MaxIdempotencyKey is the longest Idempotency-Key accepted (Stripe's limit).
const MaxIdempotencyKey = 255

// errorMarker is the pseudo-header under which a stored error's kind is kept; a colon cannot
// start a real header name.
const errorMarker = ":error"

// requestMarker is the pseudo-header under which the request id of the request that ran is kept,
// sent on its replays as OriginalRequestHeader. Records saved before it have none: their replays
// go without the header.
const requestMarker = ":request"

// OriginalRequestHeader names, on a replay, the request whose response it is (Stripe's
// Original-Request): its Request-Id, which the request logs find.
const OriginalRequestHeader = "Original-Request"

// Idempotency replays the first response to a retried POST, PUT, PATCH or DELETE that carries
// the same Idempotency-Key (docs/keys.md, "Idempotency"). The key is reserved with a conditional
// PutItem before the handler runs, so of two concurrent requests only one runs; the other gets
// 409 IDEMPOTENCY_ERROR, or the replay once the first has finished.
func Idempotency(st IdempotencyStore, log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(route Route, next HandlerFunc) HandlerFunc {
		switch route.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return next
		}
		return func(r *Request) (Response, error) {
			key := r.Header("Idempotency-Key")
			if key == "" {
				return next(r)
			}
			if len(key) > MaxIdempotencyKey {
				return Response{}, apperr.Field("Idempotency-Key", "must be at most %d characters, not %d", MaxIdempotencyKey, len(key))
			}
			p := r.Principal
			fp := Fingerprint(r)
			owner := uuid.NewString()
			rec, reserved, err := st.ReserveIdempotencyKey(r.Ctx, p.AccountID, p.Mode, key, fp, owner)
			if err != nil {
				return Response{}, err
			}
			if !reserved {
				if rec.State == domain.IdemPending && rec.Committed != "" && rec.Fingerprint == fp {
					return recoverCommitted(r, st, log, route, key, rec)
				}
				return replay(r, rec, fp)
			}
			return runOnce(r, st, log, key, owner, next)
		}
	}
}

// Fingerprint identifies a request for idempotency: method, path, organization and body (JSON
// bodies canonicalised, so key order and spacing do not matter).
func Fingerprint(r *Request) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", r.Event.HTTPMethod, r.Event.Path, r.Tenant.Org)
	body := r.Body
	var v any
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			body = b
		}
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func replay(r *Request, rec domain.IdemRecord, fp string) (Response, error) {
	if rec.Fingerprint != fp {
		return Response{}, apperr.Field("Idempotency-Key", "was already used with a different request (method, path or body); use a new key for a new request").
			WithCode("idempotency_key_reused")
	}
	if rec.State != domain.IdemDone {
		return Response{}, apperr.New(apperr.Idempotency, "A request with this Idempotency-Key is still being processed; retry after it finishes.").
			WithCode(ReasonKeyInUse).WithHeader("Retry-After", "1")
	}
	if kind := rec.Headers[errorMarker]; kind != "" {
		var stored storedError
		_ = json.Unmarshal([]byte(rec.Body), &stored)
		e := &apperr.Error{Kind: kindByName(kind), Message: stored.Message, Code: stored.Code, Fields: stored.Fields}
		if e.Kind == apperr.Unknown {
			e.Cause = errors.New("replay of a stored internal error")
		}
		e.WithHeader("Idempotent-Replayed", "true")
		if orig := rec.Headers[requestMarker]; orig != "" {
			e.WithHeader(OriginalRequestHeader, orig)
		}
		return Response{}, e
	}
	sealKey, _ := idemSealKey(r, r.Principal.AccountID, r.Principal.Mode, rec.Key)
	body, err := openBody(sealKey, rec.Body)
	if errors.Is(err, errSealedForAnotherKey) {
		return Response{}, apperr.New(apperr.Idempotency, "This Idempotency-Key was used with another API key; retry with the same API key, or use a new Idempotency-Key.").
			WithCode("idempotency_key_other_api_key")
	}
	if err != nil {
		return Response{}, err
	}
	h := map[string]string{}
	for k, v := range rec.Headers {
		if !strings.HasPrefix(k, ":") {
			h[k] = v
		}
	}
	h["Idempotent-Replayed"] = "true"
	if orig := rec.Headers[requestMarker]; orig != "" {
		h[OriginalRequestHeader] = orig
	}
	return Response{Status: rec.Status, Body: json.RawMessage(body), Header: h}, nil
}

// storedError is a saved error outcome (its kind is under errorMarker).
type storedError struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	Fields  []apperr.FieldError `json:"errors,omitempty"`
}

func kindByName(name string) apperr.Kind {
	for _, k := range apperr.Kinds() {
		if k.Name() == name {
			return k
		}
	}
	return apperr.Unknown
}

// Saved reports whether an outcome is stored for replay. Like Stripe, a result is saved once the
// request began executing: successes, NOT_FOUND and internal errors. Outcomes decided before any
// change, or that a retry may well not repeat, release the key instead: invalid parameters,
// content type, auth and permission refusals, conflicts (409, 412) and rate limits (429).
func Saved(err error) bool {
	if err == nil {
		return true
	}
	switch apperr.From(err).Kind {
	case apperr.NotFound, apperr.MethodNotSupported, apperr.Unknown:
		return true
	}
	return false
}

// recoverCommitted answers a retry whose first attempt committed its change but did not save its
// response (it died in between, or is about to save it): the response is rebuilt from the
// change's event, saved on the first attempt's behalf and replayed. The change is not made again.
func recoverCommitted(r *Request, st IdempotencyStore, log *slog.Logger, route Route, key string, rec domain.IdemRecord) (Response, error) {
	p := r.Principal
	if isArray(r.Body) {
		// A multi-create that failed part-way: its first object's change carried the mark, the
		// others are written or not; running it again could create them twice.
		return Response{}, apperr.New(apperr.Idempotency, "A batch with this Idempotency-Key already created objects before it failed; list them by its request id in the events, or use a new key.")
	}
	res, _ := schema.Lookup(route.Resource)
	ch, ok, err := st.CommittedChange(r.Ctx, p.AccountID, p.Mode, rec, res)
	if err != nil {
		return Response{}, err
	}
	if !ok {
		// Committed, yet its event is gone (30-day retention outlived a 24 h record: not
		// expected). Refuse rather than run the change twice.
		return Response{}, apperr.New(apperr.Idempotency, "A request with this Idempotency-Key already changed data, and its result is no longer available; use a new key.")
	}
	resp := responseOf(ch)
	// The request that ran is the one whose change committed, not this retry.
	record(context.WithoutCancel(r.Ctx), r, st, log, key, rec.Owner, rec.Committed, resp, nil)
	resp.Header["Idempotent-Replayed"] = "true"
	resp.Header[OriginalRequestHeader] = rec.Committed
	return resp, nil
}

// responseOf is what a resource handler answers for a change (resource.go): 201 with ETag "1"
// for a create, 200 with the new version's ETag for an update (when it is still current), the
// object marked deleted for a delete.
func responseOf(ch domain.Change) Response {
	typ, _ := ch.Event["type"].(string)
	resp := Response{Status: http.StatusOK, Body: ch.Object, Header: map[string]string{}}
	switch {
	case strings.HasSuffix(typ, ".created"):
		resp.Status = http.StatusCreated
	case strings.HasSuffix(typ, ".deleted"):
		obj := domain.Doc{}
		for k, v := range ch.Object {
			obj[k] = v
		}
		obj["deleted"] = true
		resp.Body = obj
	}
	if ch.Version > 0 && !strings.HasSuffix(typ, ".deleted") {
		resp.Header["ETag"] = etag(ch.Version)
	}
	return resp
}

func runOnce(r *Request, st IdempotencyStore, log *slog.Logger, key, owner string, next HandlerFunc) (resp Response, err error) {
	p := r.Principal
	r.Ctx = context.WithValue(r.Ctx, idemClaim{}, &domain.IdemCommit{Account: p.AccountID, Mode: p.Mode, Key: key, Owner: owner, RequestID: r.RequestID})
	// The result must be recorded even if the client has gone: the change may have committed.
	ctx := context.WithoutCancel(r.Ctx)
	finished := false
	defer func() {
		if finished {
			return
		}
		if pv := recover(); pv != nil {
			// A panic may follow a committed change: record it as the internal error it renders as.
			record(ctx, r, st, log, key, owner, r.RequestID, Response{}, apperr.Internal(fmt.Errorf("panic: %v", pv)))
			panic(pv)
		}
	}()
	resp, err = next(r)
	finished = true
	record(ctx, r, st, log, key, owner, r.RequestID, resp, err)
	return resp, err
}

// record saves the outcome of the request origReq under key for its replays.
func record(ctx context.Context, r *Request, st IdempotencyStore, log *slog.Logger, key, owner, origReq string, resp Response, herr error) {
	account, mode := r.Principal.AccountID, r.Principal.Mode
	if !Saved(herr) {
		if err := st.ReleaseIdempotencyKey(ctx, account, mode, key, owner); err != nil {
			// The lease lapses on its own; until then retries get 409.
			log.Error("idempotency release failed", "err", err)
		}
		return
	}
	status, headers, body := resp.Status, map[string]string{requestMarker: origReq}, []byte(nil)
	if herr != nil {
		e := apperr.From(herr)
		status = e.Kind.Status()
		headers[errorMarker] = e.Kind.Name()
		body, _ = json.Marshal(storedError{Message: e.Message, Code: e.Code, Fields: e.Fields})
	} else {
		if status == 0 {
			status = http.StatusOK
		}
		for k, v := range resp.Header {
			headers[k] = v
		}
		var err error
		if body, err = json.Marshal(resp.Body); err != nil {
			log.Error("idempotency: response not encodable", "err", err)
			return
		}
	}
	saved := string(body)
	if herr == nil {
		sealKey, _ := idemSealKey(r, account, mode, key)
		var err error
		if saved, err = sealBody(sealKey, body); err != nil {
			log.Error("idempotency: response not sealed", "err", err)
			return
		}
	}
	if err := st.CompleteIdempotencyKey(ctx, account, mode, key, owner, status, saved, headers); err != nil {
		// The client has its answer; a retry before the lease lapses gets 409, after it runs again.
		log.Error("idempotency record failed", "err", err, "status", strconv.Itoa(status))
	}
}

package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// API serves /events and /webhook-endpoints. Both are per account and mode (routes are NoTenant:
// no organization is resolved), since one endpoint receives the events of every organization.
type API struct {
	Store      *store.Store
	Dispatcher *Dispatcher
	// AllowLoopback lets test-mode endpoints point at localhost (the local runner only).
	AllowLoopback bool
	// Resolve overrides DNS for URL checks (tests).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// SourceIPs are the fixed addresses deliveries come from (sourceips.go); none without them.
	SourceIPs []netip.Addr
}

// MaxEndpoints per account and mode (Stripe's limit).
const MaxEndpoints = 16

// MaxRollGrace is how long a rolled secret may stay valid (up to 24 hours: docs/decisions.md#events-and-webhooks).
const MaxRollGrace = 24 * time.Hour

// EventRoutes are the events function's routes.
func (a *API) EventRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/events", Handler: a.findEvents, NoTenant: true, Resource: "events", Action: "find"},
		{Method: http.MethodGet, Path: "/events/{id}", Handler: a.getEvent, NoTenant: true, Resource: "events", Action: "get"},
		{Method: http.MethodGet, Path: "/event-types", Handler: a.listEventTypes, NoTenant: true, Resource: "events", Action: "find"}, // eventtypes.go
	}
}

// EndpointRoutes are the webhook-endpoints function's routes.
func (a *API) EndpointRoutes() []api.Route {
	r := func(method, path, action string, h api.HandlerFunc) api.Route {
		return api.Route{Method: method, Path: path, Handler: h, NoTenant: true, Resource: "webhook-endpoints", Action: action}
	}
	return append([]api.Route{
		r(http.MethodGet, "/webhook-endpoints", "find", a.listEndpoints),
		r(http.MethodPost, "/webhook-endpoints", "create", a.createEndpoint),
		r(http.MethodGet, "/webhook-endpoints/{id}", "get", a.getEndpoint),
		r(http.MethodPatch, "/webhook-endpoints/{id}", "patch", a.patchEndpoint),
		r(http.MethodDelete, "/webhook-endpoints/{id}", "remove", a.deleteEndpoint),
		r(http.MethodPost, "/webhook-endpoints/{id}/roll-secret", "patch", a.rollSecret),
		r(http.MethodGet, "/webhook-endpoints/{id}/deliveries", "get", a.listDeliveries),
		r(http.MethodGet, "/webhook-endpoints/{id}/deliveries/{deliveryId}", "get", a.getDelivery),
		r(http.MethodPost, "/webhook-endpoints/{id}/deliveries/{deliveryId}/resend", "patch", a.resend),
		r(http.MethodPost, "/webhook-endpoints/{id}/test", "test", a.sendTest), // testevent.go
		r(http.MethodPost, "/webhook-endpoints/{id}/recover", "patch", a.recover),
	}, a.SourceIPRoutes()...)
}

func (a *API) findEvents(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "evt", newestFirst)
	if err != nil {
		return api.Response{}, err
	}
	limit, cur := lp.Limit, lp.Cursor
	// One more than the page says whether there is more (hasMore).
	eq := core.EventQuery{Limit: limit + 1, Skip: lp.Skip}
	if cur != nil && cur.Before {
		eq.Before = cur.ID
	} else if cur != nil {
		eq.After = cur.ID
	}
	for key, v := range q.All() {
		if lp.IsParam(key) {
			continue
		}
		switch key {
		case "$total":
			s, _ := qs.AsString(v)
			eq.Total = s == "true"
		case "type":
			patterns, err := typePatterns(v)
			if err != nil {
				return api.Response{}, err
			}
			eq.Match = func(typ string) bool { return hevents.MatchAny(patterns, typ) }
		case "createdAt":
			if eq.CreatedFrom, eq.CreatedBefore, err = query.TimeRange(key, v); err != nil {
				return api.Response{}, err
			}
		default:
			return api.Response{}, apperr.Field(key, "is not a filter of events (type, createdAt, $limit, $skip, startingAfter, endingBefore, $total; or page, size, sort)")
		}
	}
	if limit == 0 {
		eq.Total = true
	}
	p, err := a.Store.ListEvents(r.Ctx, r.Principal.AccountID, r.Principal.Mode, eq)
	if err != nil {
		return api.Response{}, err
	}
	events, more := query.TrimPage(p.Events, limit, cur)
	data := make([]any, len(events))
	for i, e := range events {
		data[i] = e
	}
	total := -1 // counting reads every match: only when asked
	if eq.Total {
		total = p.Total
	}
	return api.Response{Body: lp.Body(data, more, total)}, nil
}

// typePatterns reads type=patient.* or type[$in][]=a&type[$in][]=b.
func typePatterns(v qs.Value) ([]string, error) {
	var out []string
	add := func(x qs.Value) error {
		s, ok := qs.AsString(x)
		if !ok {
			return apperr.Field("type", "must be an event type or a pattern such as patient.*")
		}
		if err := hevents.ValidatePattern(s); err != nil {
			return apperr.Field("type", "%s", err.Error())
		}
		out = append(out, s)
		return nil
	}
	if o, ok := qs.AsObject(v); ok {
		for op, x := range o.All() {
			if op != "$in" {
				return nil, apperr.Field("type", "supports only equality and $in, not %s", op)
			}
			items, isArr := qs.AsArray(x)
			if !isArr {
				items = []any{x}
			}
			for _, it := range items {
				if err := add(it); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	return out, add(v)
}

func (a *API) getEvent(r *api.Request) (api.Response, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, "evt_") {
		return api.Response{}, apperr.New(apperr.NotFound, "No such event: %s", id)
	}
	ev, err := a.Store.GetEvent(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: ev}, nil
}

// endpointBody is what create and patch accept.
type endpointBody struct {
	URL           *string            `json:"url"`
	EnabledEvents *[]string          `json:"enabledEvents"`
	Description   *string            `json:"description"`
	Status        *string            `json:"status"`
	Metadata      map[string]*string `json:"metadata"`
	Headers       map[string]*string `json:"headers"`    // headers.go
	APIVersion    *string            `json:"apiVersion"` // apiversion.go: on create only
}

func decodeEndpoint(body []byte) (endpointBody, error) {
	var b endpointBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(body)) == 0 {
		return b, nil
	}
	if err := dec.Decode(&b); err != nil {
		return b, endpointBodyError(err)
	}
	return b, nil
}

const endpointFields = "url, enabledEvents, description, status, metadata, headers, apiVersion"

// endpointBodyError names the field a decode failed on, in JSON's terms: encoding/json's own
// message names Go types ("Go struct field endpointBody.enabledEvents of type []string").
func endpointBodyError(err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		if f, ok := jsonField(reflect.TypeFor[endpointBody](), te.Field); ok && f.Kind() == reflect.Map && te.Type != f {
			// A map's value failed: encoding/json names the map, and the type is its values'.
			return apperr.Field(te.Field, "must be an object whose values are %s, got %s in it", jsonPlural(te.Type), jsonValue(te.Value))
		}
		return apperr.Field(te.Field, "must be %s, got %s", jsonType(te.Type), jsonValue(te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Field(name, "is not a field of a webhook endpoint (%s)", endpointFields)
	case errors.As(err, &te):
		return apperr.Field("body", "must be a JSON object with %s, got %s", endpointFields, jsonValue(te.Value))
	}
	return apperr.Field("body", "must be a JSON object with %s (not valid JSON)", endpointFields)
}

// jsonType words a Go type as the JSON a client sends for it.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// jsonField is the type of the struct field whose JSON name is name.
func jsonField(t reflect.Type, name string) (reflect.Type, bool) {
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// jsonPlural is jsonType for several values ("strings", "numbers").
func jsonPlural(t reflect.Type) string {
	w := jsonType(t)
	if w == "true or false" {
		return "true or false"
	}
	_, noun, _ := strings.Cut(w, " ")
	return noun + "s"
}

// jsonValue words encoding/json's UnmarshalTypeError.Value ("string", "number 5", "array", ...).
func jsonValue(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "true or false"
	}
	return "a " + kind
}

func (a *API) policy(mode string) Policy {
	return Policy{Live: mode == domain.Live, AllowLoopback: a.AllowLoopback, Resolve: a.resolve()}
}

// eventPatterns are the valid patterns, sorted and without repeats; bad hears of the others.
func eventPatterns(patterns []string, bad func(f, msg string)) []string {
	seen := map[string]bool{}
	var list []string
	for _, p := range patterns {
		if err := hevents.ValidatePattern(p); err != nil {
			bad("enabledEvents", err.Error())
		} else if !seen[p] {
			seen[p] = true
			list = append(list, p)
		}
	}
	sort.Strings(list)
	return list
}

// apply validates b onto e, collecting every bad field.
func (a *API) apply(ctx context.Context, e *webhookstore.Endpoint, b endpointBody, create bool) error {
	var errs []apperr.FieldError
	bad := func(f, msg string) { errs = append(errs, apperr.FieldError{Field: f, Message: msg}) }
	switch {
	case b.URL != nil:
		if msg := schema.ControlChar(*b.URL); msg != "" {
			bad("url", msg) // before url.Parse, whose own words for it name Go's package
		} else if err := a.policy(e.Mode).CheckURL(ctx, *b.URL); err != nil {
			bad("url", err.Error())
		} else if len(*b.URL) > 2048 {
			bad("url", "must be at most 2048 characters")
		} else {
			e.URL = *b.URL
		}
	case create:
		bad("url", "is required")
	}
	switch {
	case b.EnabledEvents != nil:
		if len(*b.EnabledEvents) == 0 {
			bad("enabledEvents", "must list at least one event type, or \"*\"")
		}
		e.EnabledEvents = eventPatterns(*b.EnabledEvents, bad)
	case create:
		bad("enabledEvents", "is required")
	}
	if b.Description != nil {
		if utf8.RuneCountInString(*b.Description) > 500 {
			bad("description", "must be at most 500 characters")
		} else if msg := schema.ControlChar(*b.Description); msg != "" {
			bad("description", msg) // the clinical bodies' rule, docs/decisions.md#writes
		}
		e.Description = *b.Description
	}
	if b.Status != nil {
		switch *b.Status {
		case webhookstore.EndpointEnabled:
			e.Status, e.DisabledReason, e.FailingSince = webhookstore.EndpointEnabled, "", 0
		case webhookstore.EndpointDisabled:
			if e.Status != webhookstore.EndpointDisabled {
				e.DisabledReason = "Disabled by request."
			}
			e.Status = webhookstore.EndpointDisabled
		default:
			bad("status", "must be enabled or disabled")
		}
	}
	if b.Metadata != nil {
		e.Metadata = applyMetadata(e.Metadata, b.Metadata, bad)
	}
	if b.Headers != nil {
		var herrs []apperr.FieldError
		e.Headers, herrs = applyHeaders(e.Headers, b.Headers)
		errs = append(errs, herrs...)
	}
	errs = append(errs, applyAPIVersion(e, b.APIVersion, create)...) // apiversion.go
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return nil
}

// applyMetadata merges a body's metadata into an endpoint's (null removes a key), refusing
// through bad what the clinical rule refuses (docs/decisions.md#writes) and the limits.
func applyMetadata(cur map[string]any, in map[string]*string, bad func(f, msg string)) map[string]any {
	md := map[string]any{}
	for k, v := range cur {
		md[k] = v
	}
	for k, v := range in {
		switch {
		case v == nil:
			delete(md, k)
		case schema.ControlChar(k) != "": // named by metadata: such a key cannot name a field
			bad("metadata", "key "+strconv.Quote(k)+" "+schema.ControlChar(k))
		case utf8.RuneCountInString(k) > 40 || utf8.RuneCountInString(*v) > 500:
			bad("metadata."+k, "keys are at most 40 characters and values at most 500")
		case schema.ControlChar(*v) != "":
			bad("metadata."+k, schema.ControlChar(*v))
		default:
			md[k] = *v
		}
	}
	if len(md) > 50 {
		bad("metadata", "has at most 50 keys")
	}
	return md
}

func withSecret(e webhookstore.Endpoint, now time.Time) domain.Doc {
	d := e.Doc()
	if s := e.ActiveSecrets(now); len(s) > 0 {
		d["secret"] = s[0]
	}
	return d
}

func (a *API) createEndpoint(r *api.Request) (api.Response, error) {
	b, err := decodeEndpoint(r.Body)
	if err != nil {
		return api.Response{}, err
	}
	mode := r.Principal.Mode
	e := webhookstore.Endpoint{Mode: mode, Status: webhookstore.EndpointEnabled, Secrets: []webhookstore.Secret{{Value: NewSecret()}}}
	if err := a.apply(r.Ctx, &e, b, true); err != nil {
		return api.Response{}, err
	}
	existing, err := a.Store.ListEndpoints(r.Ctx, r.Principal.AccountID, mode)
	if err != nil {
		return api.Response{}, err
	}
	if len(existing) >= MaxEndpoints {
		return api.Response{}, apperr.New(apperr.InvalidParameters, "An account can have at most %d webhook endpoints per mode.", MaxEndpoints).WithCode("webhook_endpoint_limit")
	}
	e, err = a.Store.CreateEndpoint(r.Ctx, r.Principal.AccountID, e)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusCreated, Body: withSecret(e, a.Store.Now())}, nil
}

func endpointID(r *api.Request) (string, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, "we_") {
		return "", apperr.New(apperr.NotFound, "No such webhook_endpoint: %s", id)
	}
	return id, nil
}

func (a *API) getEndpoint(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	e, err := a.Store.GetEndpoint(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	// Secrets are revealable (docs/decisions.md#events-and-webhooks): the single-object read shows the current one.
	return api.Response{Body: withSecret(e, a.Store.Now())}, nil
}

func (a *API) listEndpoints(r *api.Request) (api.Response, error) {
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "we", newestFirst)
	if err != nil {
		return api.Response{}, err
	}
	if err := onlyParams(q, lp, "webhook endpoints", "$total"); err != nil {
		return api.Response{}, err
	}
	all, err := a.Store.ListEndpoints(r.Ctx, r.Principal.AccountID, r.Principal.Mode)
	if err != nil {
		return api.Response{}, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID > all[j].ID }) // newest first
	page, more := query.PageByID(all, func(e webhookstore.Endpoint) string { return e.ID }, true, lp.Limit, lp.Skip, lp.Cursor)
	data := []any{}
	for _, e := range page {
		data = append(data, e.Doc())
	}
	return api.Response{Body: lp.Body(data, more, len(all))}, nil
}

// onlyParams refuses a list parameter the list does not read: ignored, a filter such as
// ?eventId=... would answer every item as if it had been applied.
func onlyParams(q qs.Object, lp query.ListPage, what string, filters ...string) error {
	known := append([]string{"$limit", "$skip", query.ParamStartingAfter, query.ParamEndingBefore}, filters...)
	for key := range q.All() {
		if !lp.IsParam(key) && !slices.Contains(known, key) {
			return apperr.Field(key, "is not a parameter of %s (%s; or page, size, sort)", what, strings.Join(known, ", "))
		}
	}
	return nil
}

// newestFirst is the order of events, webhook endpoints and deliveries (ids are time-ordered),
// the one Hubpay's sort may name on them.
var newestFirst = query.SortKey{Field: "createdAt", Desc: true}

func (a *API) patchEndpoint(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	b, err := decodeEndpoint(r.Body)
	if err != nil {
		return api.Response{}, err
	}
	e, err := a.Store.UpdateEndpoint(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, func(e *webhookstore.Endpoint) error {
		return a.apply(r.Ctx, e, b, false)
	})
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: e.Doc()}, nil
}

func (a *API) deleteEndpoint(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	e, err := a.Store.DeleteEndpoint(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id)
	if err != nil {
		return api.Response{}, err
	}
	d := e.Doc()
	d["deleted"] = true
	return api.Response{Body: d}, nil
}

func (a *API) rollSecret(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	now := a.Store.Now()
	grace, err := rollGrace(r.Body, now)
	if err != nil {
		return api.Response{}, err
	}
	e, err := a.Store.UpdateEndpoint(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, func(e *webhookstore.Endpoint) error {
		keep := []webhookstore.Secret{{Value: NewSecret()}}
		for _, s := range e.Secrets {
			if s.ExpiresAt != 0 && s.ExpiresAt <= now.UnixMilli() {
				continue // already expired: drop
			}
			if s.ExpiresAt == 0 {
				s.ExpiresAt = now.Add(grace).UnixMilli()
			}
			if grace > 0 || s.ExpiresAt > now.UnixMilli() {
				keep = append(keep, s)
			}
		}
		e.Secrets = keep
		return nil
	})
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: withSecret(e, now)}, nil
}

// rollGrace reads roll-secret's body: how long the current secret stays valid. expiresAt (Unix
// ms, as POST /api-keys/{id}/roll takes it and as objects report it) is canonical;
// expiresInSeconds, the route's first form, is still accepted (docs/webhooks.md). Neither: now.
func rollGrace(body []byte, now time.Time) (time.Duration, error) {
	var b struct {
		ExpiresAt        *float64 `json:"expiresAt"`
		ExpiresInSeconds *float64 `json:"expiresInSeconds"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return 0, apperr.Field("body", "must be {\"expiresAt\": <Unix ms, at most 24 hours ahead>} or {\"expiresInSeconds\": 0..86400}")
		}
	}
	switch {
	case b.ExpiresAt != nil && b.ExpiresInSeconds != nil:
		return 0, apperr.Field("expiresInSeconds", "cannot be combined with expiresAt: send one (expiresAt is the canonical form)")
	case b.ExpiresAt != nil:
		at := int64(*b.ExpiresAt)
		if float64(at) != *b.ExpiresAt || at < now.UnixMilli() || at > now.Add(MaxRollGrace).UnixMilli() {
			return 0, apperr.Field("expiresAt", "must be a Unix time in milliseconds between now and 24 hours from now")
		}
		return time.Duration(at-now.UnixMilli()) * time.Millisecond, nil
	case b.ExpiresInSeconds != nil:
		secs := int64(*b.ExpiresInSeconds)
		if float64(secs) != *b.ExpiresInSeconds || secs < 0 || secs > int64(MaxRollGrace/time.Second) {
			return 0, apperr.Field("expiresInSeconds", "must be from 0 (expire the current secret now) to 86400 (24 hours)")
		}
		return time.Duration(secs) * time.Second, nil
	}
	return 0, nil
}

func (a *API) listDeliveries(r *api.Request) (api.Response, error) {
	id, err := endpointID(r)
	if err != nil {
		return api.Response{}, err
	}
	q, err := query.Params(r.Query())
	if err != nil {
		return api.Response{}, err
	}
	lp, err := query.ReadList(q, "whd", newestFirst)
	if err != nil {
		return api.Response{}, err
	}
	if err := onlyParams(q, lp, "deliveries", "status"); err != nil {
		return api.Response{}, err
	}
	limit, cur := lp.Limit, lp.Cursor
	status := ""
	if v, ok := q.Get("status"); ok {
		status, _ = qs.AsString(v)
		if status != webhookstore.DeliveryPending && status != webhookstore.DeliverySucceeded && status != webhookstore.DeliveryFailed {
			return api.Response{}, apperr.Field("status", "must be pending, succeeded or failed")
		}
	}
	if _, err := a.Store.GetEndpoint(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id); err != nil {
		return api.Response{}, err
	}
	after, before := "", ""
	if cur != nil && cur.Before {
		before = cur.ID
	} else if cur != nil {
		after = cur.ID
	}
	ds, err := a.Store.ListDeliveriesFrom(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, status, limit+1, lp.Skip, after, before)
	if err != nil {
		return api.Response{}, err
	}
	ds, more := query.TrimPage(ds, limit, cur)
	data := []any{}
	for _, d := range ds {
		data = append(data, d.Doc())
	}
	return api.Response{Body: lp.Body(data, more, -1)}, nil // no count kept
}

func deliveryID(r *api.Request) (string, string, error) {
	id, err := endpointID(r)
	if err != nil {
		return "", "", err
	}
	did := r.Event.PathParameters["deliveryId"]
	if !strings.HasPrefix(did, "whd_") {
		return "", "", apperr.New(apperr.NotFound, "No such webhook_delivery: %s", did)
	}
	return id, did, nil
}

func (a *API) getDelivery(r *api.Request) (api.Response, error) {
	id, did, err := deliveryID(r)
	if err != nil {
		return api.Response{}, err
	}
	d, err := a.Store.GetDelivery(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, did)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: d.Doc()}, nil
}

func (a *API) resend(r *api.Request) (api.Response, error) {
	id, did, err := deliveryID(r)
	if err != nil {
		return api.Response{}, err
	}
	d, err := a.Dispatcher.Resend(r.Ctx, r.Principal.AccountID, r.Principal.Mode, id, did)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusAccepted, Body: d.Doc()}, nil
}

func (a *API) resolve() func(context.Context, string) ([]netip.Addr, error) { return a.Resolve }

package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// Objects is the store a resource handler needs.
type Objects interface {
	GetObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string) (domain.Doc, int64, error)
	CreateObject(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta) (domain.Doc, error)
	UpdateObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string, ifMatch int64, mutate domain.Mutate, meta domain.Meta) (domain.Doc, int64, error)
	DeleteObject(ctx context.Context, t domain.Tenant, res *schema.Resource, id string, ifMatch int64, meta domain.Meta) (domain.Doc, error)
	ListAll(ctx context.Context, t domain.Tenant, res *schema.Resource) ([]domain.Doc, error)
}

// Rules are a resource's domain rules beyond its schema (domain.Rules).
type Rules = domain.Rules

// Events names the extra events of a change (domain.Events).
type Events = domain.Events

// UniqueCreator is a store that dedupes creates by externalId: existed reports that an object
// with the same externalId was returned instead of a new one (200, not 201).
type UniqueCreator interface {
	CreateUnique(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta) (domain.Doc, int64, bool, error)
}

// Resource serves the six Feathers methods of one resource.
type Resource struct {
	Schema *schema.Resource
	Store  Objects
	Rules  Rules
	Events Events
}

// Routes returns the resource's routes.
func (h *Resource) Routes() []Route {
	base := "/" + h.Schema.Name
	one := base + "/{id}"
	all := map[schema.Method]Route{
		schema.Find:   {Method: http.MethodGet, Path: base, Handler: h.find},
		schema.Create: {Method: http.MethodPost, Path: base, Handler: h.create},
		schema.Get:    {Method: http.MethodGet, Path: one, Handler: h.get},
		schema.Update: {Method: http.MethodPut, Path: one, Handler: h.update},
		schema.Patch:  {Method: http.MethodPatch, Path: one, Handler: h.patch},
		schema.Remove: {Method: http.MethodDelete, Path: one, Handler: h.remove},
	}
	var out []Route
	for _, m := range schema.AllMethods {
		if h.Schema.Has(m) {
			r := all[m]
			r.Resource, r.Action = h.Schema.Name, string(m)
			out = append(out, r)
		}
	}
	return out
}

// meta describes a write's request. Under a held Idempotency-Key its Extra carries the
// reservation's commit mark, so the change and the mark commit together (idempotency.go).
func meta(r *Request) domain.Meta {
	return domain.Meta{RequestID: r.RequestID, IdempotencyKey: r.Header("Idempotency-Key"), Tx: domain.Tx{Idempotency: IdempotencyClaim(r.Ctx)}}
}

// etag of an object version. Strong: a version names exactly one representation.
func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// noMatch is an If-Match version no object has: the header named only tags that cannot match
// (weak ones, or strong ones this API never issues), so the store answers 412 once it has found
// the object (404 still comes first: RFC 9110 §13.2.1).
const noMatch = -1

// ifMatch reads If-Match as RFC 9110 §13.1.1 defines it: "*" or a list of entity tags, compared
// strongly. 0 means no precondition ("*" holds whenever the object exists, which the write
// checks anyway). A weak tag never matches under strong comparison, and a well-formed tag we never
// issued matches nothing: both are 412 (noMatch), not 400. Several strong tags: the current
// version is read, and the write is conditioned on the one that matches, if any.
func (h *Resource) ifMatch(r *Request, id string) (int64, error) {
	raw := strings.TrimSpace(r.Header("If-Match"))
	if raw == "" || raw == "*" {
		return 0, nil
	}
	tags, ok := parseETags(raw)
	if !ok {
		return 0, apperr.Field("If-Match", "must be * or a list of entity tags, such as \"3\" (with the quotes)")
	}
	var versions []int64
	for _, t := range tags {
		if t.weak {
			continue
		}
		if v, err := strconv.ParseInt(t.opaque, 10, 64); err == nil && v >= 1 && strconv.FormatInt(v, 10) == t.opaque {
			versions = append(versions, v)
		}
	}
	switch len(versions) {
	case 0:
		return noMatch, nil
	case 1:
		return versions[0], nil
	}
	_, cur, err := h.Store.GetObject(r.Ctx, r.Tenant, h.Schema, id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(versions, cur) {
		return cur, nil
	}
	return versions[0], nil
}

type etagValue struct {
	weak   bool
	opaque string
}

// parseETags reads #entity-tag (RFC 9110 §8.8.3): [W/] DQUOTE *etagc DQUOTE, comma-separated
// with optional whitespace; etagc is %x21 / %x23-7E / obs-text.
func parseETags(s string) ([]etagValue, bool) {
	var out []etagValue
	for _, part := range strings.Split(s, ",") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue // the list rule allows empty elements
		}
		var t etagValue
		if strings.HasPrefix(part, "W/") {
			t.weak, part = true, part[2:]
		}
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' {
			return nil, false
		}
		t.opaque = part[1 : len(part)-1]
		for i := 0; i < len(t.opaque); i++ {
			if c := t.opaque[i]; c == '"' || c < 0x21 || c == 0x7f {
				return nil, false
			}
		}
		out = append(out, t)
	}
	return out, len(out) > 0
}

// preconditionErr words a 412 for an If-Match that named no version the object could have.
func preconditionErr(err error, match int64, res *schema.Resource) error {
	if match == noMatch && apperr.From(err).Kind == apperr.PreconditionFailed {
		return apperr.New(apperr.PreconditionFailed, "If-Match names no current version of this %s (weak tags never match, RFC 9110 §13.1.1); fetch it again and send its ETag.", res.Object).WithCode("version_mismatch")
	}
	return err
}

func (h *Resource) id(r *Request) (string, error) {
	id := r.Event.PathParameters["id"]
	if !strings.HasPrefix(id, h.Schema.Prefix+"_") {
		// Not one of ours, so it cannot exist: same answer as a missing object, without a read.
		return "", apperr.New(apperr.NotFound, "No such %s: %s", h.Schema.Object, id)
	}
	return id, nil
}

func (h *Resource) get(r *Request) (Response, error) {
	id, err := h.id(r)
	if err != nil {
		return Response{}, err
	}
	exp, params, err := ParseExpand(h.Schema, r.Query(), false, r.Principal)
	if err != nil {
		return Response{}, err
	}
	sel, err := query.ParseSelect(h.Schema, params)
	if err != nil {
		return Response{}, err
	}
	doc, ver, err := h.Store.GetObject(r.Ctx, r.Tenant, h.Schema, id)
	if err != nil {
		return Response{}, err
	}
	if err := exp.Apply(r.Ctx, h.Store, r.Tenant, []domain.Doc{doc}); err != nil {
		return Response{}, err
	}
	return Response{Body: query.Project(doc, exp.Select(sel)), Header: map[string]string{"ETag": etag(ver)}}, nil
}

func (h *Resource) create(r *Request) (Response, error) {
	if isArray(r.Body) {
		return h.createMany(r)
	}
	fields, err := h.decodeCreate(r, r.Body)
	if err != nil {
		return Response{}, err
	}
	m := meta(r)
	if h.Events != nil {
		m.ExtraEvents = h.Events(nil, fields)
	}
	if uc, ok := h.Store.(UniqueCreator); ok {
		doc, ver, existed, err := uc.CreateUnique(r.Ctx, r.Tenant, h.Schema, fields, m)
		if err != nil {
			return Response{}, IdempotencyConflict(err, m)
		}
		if existed {
			return Response{Body: doc, Header: map[string]string{"ETag": etag(ver)}}, nil
		}
		return Response{Status: http.StatusCreated, Body: doc, Header: map[string]string{"ETag": etag(ver)}}, nil
	}
	doc, err := h.Store.CreateObject(r.Ctx, r.Tenant, h.Schema, fields, m)
	if err != nil {
		return Response{}, IdempotencyConflict(err, m)
	}
	return Response{Status: http.StatusCreated, Body: doc, Header: map[string]string{"ETag": etag(1)}}, nil
}

// write runs update or patch: decode, then the domain's write (merge into the current object,
// rules, extra events) through the store.
func (h *Resource) write(r *Request, op schema.Op) (Response, error) {
	id, err := h.id(r)
	if err != nil {
		return Response{}, err
	}
	match, err := h.ifMatch(r, id)
	if err != nil {
		return Response{}, err
	}
	fields, err := h.Schema.DecodeBody(r.Body, op)
	if err != nil {
		return Response{}, err
	}
	w := domain.ObjectWrite{Object: h.Schema.Object, Fields: fields, Patch: op == schema.OpPatch, Rules: h.Rules, Events: h.Events}
	m := meta(r)
	doc, ver, err := w.Update(r.Ctx, r.Tenant, m, func(mutate domain.Mutate, m domain.Meta) (domain.Doc, int64, error) {
		return h.Store.UpdateObject(r.Ctx, r.Tenant, h.Schema, id, match, mutate, m)
	})
	if err != nil {
		return Response{}, IdempotencyConflict(preconditionErr(err, match, h.Schema), m)
	}
	return Response{Body: doc, Header: map[string]string{"ETag": etag(ver)}}, nil
}

func (h *Resource) update(r *Request) (Response, error) { return h.write(r, schema.OpUpdate) }
func (h *Resource) patch(r *Request) (Response, error)  { return h.write(r, schema.OpPatch) }

func (h *Resource) remove(r *Request) (Response, error) {
	id, err := h.id(r)
	if err != nil {
		return Response{}, err
	}
	match, err := h.ifMatch(r, id)
	if err != nil {
		return Response{}, err
	}
	m := meta(r)
	doc, err := h.Store.DeleteObject(r.Ctx, r.Tenant, h.Schema, id, match, m)
	if err != nil {
		return Response{}, IdempotencyConflict(preconditionErr(err, match, h.Schema), m)
	}
	return Response{Body: doc}, nil
}

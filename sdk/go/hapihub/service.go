package hapihub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// List is one page of a find.
type List[T any] struct {
	Data  []T `json:"data"`
	Limit int `json:"limit"`
	Skip  int `json:"skip"`
	// Total is the number of matches, when the query asked for it (WithTotal, or Limit(0)).
	Total *int `json:"total,omitempty"`
	// HasMore says whether objects follow this page in the list's order.
	HasMore bool `json:"hasMore"`
}

// reader is find and get on a collection path.
type reader[T any] struct {
	c    *Client
	path string
}

// List returns one page of objects matching q (nil: the first page of all).
func (r reader[T]) List(ctx context.Context, q *Query, opts ...RequestOption) (*List[T], error) {
	var out List[T]
	if err := r.c.do(ctx, http.MethodGet, r.path, q.Encode(), nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// All iterates over every object matching q, fetching pages as it goes. q's Limit is the page
// size (default 100) and its Skip (or StartingAfter) where to start; each next page starts after
// the last object seen (startingAfter), so objects inserted or deleted meanwhile shift nothing:
// every object present for the whole iteration is yielded exactly once. Stop early by breaking
// out of the loop. A failed page ends the iteration with its error.
func (r reader[T]) All(ctx context.Context, q *Query, opts ...RequestOption) iter.Seq2[T, error] {
	return paginate(ctx, q, func(ctx context.Context, q *Query) (*List[T], error) { return r.List(ctx, q, opts...) })
}

func paginate[T any](ctx context.Context, q *Query, page func(context.Context, *Query) (*List[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := q.clone()
		size := 100
		if q.limit != nil && *q.limit > 0 {
			size = *q.limit
		}
		q.total = false
		q.Limit(size)
		var prev []string // the last page's ids, to resume from if its last object is deleted
		for {
			l, err := page(ctx, q)
			if err != nil && len(prev) > 1 && cursorGone(err) {
				// Sorted on a field, the cursor object's values are its position: it was
				// deleted, so resume after the page's previous object.
				prev = prev[:len(prev)-1]
				q.StartingAfter(prev[len(prev)-1])
				continue
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			prev = prev[:0]
			for _, v := range l.Data {
				prev = append(prev, idOf(v))
				if !yield(v, nil) {
					return
				}
			}
			if !l.HasMore || len(l.Data) == 0 {
				return
			}
			last := prev[len(prev)-1]
			if last == "" {
				return // no ids to page by: not a list of objects
			}
			q.Skip(0).StartingAfter(last)
		}
	}
}

// cursorGone: the server refused startingAfter (its object no longer exists).
func cursorGone(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Name != ErrorInvalidParameters {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == "startingAfter" {
			return true
		}
	}
	return false
}

// idOf reads the ID field every API object has.
func idOf(v any) string {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return ""
	}
	f := rv.FieldByName("ID")
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// Get reads one object by id.
func (r reader[T]) Get(ctx context.Context, id string, opts ...RequestOption) (*T, error) {
	var out T
	if err := r.c.do(ctx, http.MethodGet, r.path+"/"+url.PathEscape(id), "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSelect reads one object with only some fields ($select).
func (r reader[T]) GetSelect(ctx context.Context, id string, fields []string, opts ...RequestOption) (*T, error) {
	var out T
	q := NewQuery().Select(fields...).Encode()
	if err := r.c.do(ctx, http.MethodGet, r.path+"/"+url.PathEscape(id), q, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Service is a clinical resource with all six methods: patients, practitioners, appointments,
// messages and invoices.
type Service[T any] struct {
	reader[T]
}

// Create makes an object. With an externalId that already exists the existing object comes back
// (status 200 instead of 201; see CaptureResponse). Read-only fields of obj are not sent.
func (s *Service[T]) Create(ctx context.Context, obj *T, opts ...RequestOption) (*T, error) {
	return s.write(ctx, http.MethodPost, s.path, obj, opts)
}

// CreateMany makes up to 100 objects in one request (Feathers' multi-create) and returns them in
// the order given. Each is validated as Create validates one; one invalid object refuses the
// whole batch, with the error's fields named "[i].field". Each object gets its own created
// event; an IdempotencyKey option covers the whole batch.
func (s *Service[T]) CreateMany(ctx context.Context, objs []*T, opts ...RequestOption) ([]*T, error) {
	body := make([]map[string]any, len(objs))
	for i, o := range objs {
		b, err := writable(strings.TrimPrefix(s.path, "/"), o)
		if err != nil {
			return nil, err
		}
		body[i] = b
	}
	var out []*T
	if err := s.c.do(ctx, http.MethodPost, s.path, "", body, &out, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// Update replaces an object (PUT): fields left out return to their defaults.
func (s *Service[T]) Update(ctx context.Context, id string, obj *T, opts ...RequestOption) (*T, error) {
	return s.write(ctx, http.MethodPut, s.path+"/"+url.PathEscape(id), obj, opts)
}

// Patch changes some fields. patch is a *T with only the fields to change set (zero values are
// not sent), or a map[string]any, where a nil value unsets the field.
func (s *Service[T]) Patch(ctx context.Context, id string, patch any, opts ...RequestOption) (*T, error) {
	return s.write(ctx, http.MethodPatch, s.path+"/"+url.PathEscape(id), patch, opts)
}

// Delete removes an object and returns it, with Deleted set.
func (s *Service[T]) Delete(ctx context.Context, id string, opts ...RequestOption) (*T, error) {
	var out T
	if err := s.c.do(ctx, http.MethodDelete, s.path+"/"+url.PathEscape(id), "", nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

func (r reader[T]) write(ctx context.Context, method, path string, body any, opts []RequestOption) (*T, error) {
	b, err := writable(strings.TrimPrefix(r.path, "/"), body)
	if err != nil {
		return nil, err
	}
	var out T
	if err := r.c.do(ctx, method, path, "", b, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// writable turns a body into a JSON object without the resource's read-only fields, so an object
// read from the API can be sent back as it is.
func writable(resource string, body any) (map[string]any, error) {
	if m, ok := body.(map[string]any); ok {
		return m, nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("hapihub: encode %s body: %w", resource, err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("hapihub: %s body must be an object: %w", resource, err)
	}
	for _, f := range readOnlyFields[resource] {
		delete(m, f)
	}
	delete(m, "deleted")
	return m, nil
}

// OrganizationService reads the organizations a key reaches; only their metadata can change.
type OrganizationService struct {
	reader[Organization]
}

// Patch changes an organization's metadata (a nil value removes a key).
func (s *OrganizationService) Patch(ctx context.Context, id string, metadata map[string]*string, opts ...RequestOption) (*Organization, error) {
	return s.write(ctx, http.MethodPatch, s.path+"/"+url.PathEscape(id), map[string]any{"metadata": metadata}, opts)
}

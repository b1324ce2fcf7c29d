package api

import (
	"context"
	"errors"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// Finder is a store that answers queries with indexes (store.Store's planner). A store without
// one (a test double) is read whole and evaluated in memory, with the same semantics.
type Finder interface {
	Find(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query) (domain.Result, error)
}

func (h *Resource) find(r *Request) (Response, error) {
	exp, params, err := ParseExpand(h.Schema, r.Query(), true, r.Principal)
	if err != nil {
		return Response{}, err
	}
	q, err := query.Parse(h.Schema, params)
	if err != nil {
		return Response{}, err
	}
	limit := q.Limit
	if err := h.seek(r, q); err != nil {
		return Response{}, err
	}
	// One more than the page says whether there is more (hasMore) without counting.
	q.Limit++
	var page []map[string]any
	total := 0
	if f, ok := h.Store.(Finder); ok {
		res, err := f.Find(r.Ctx, r.Tenant, h.Schema, q)
		if err != nil {
			return Response{}, err
		}
		page, total = res.Docs, res.Total
	} else {
		all, err := h.Store.ListAll(r.Ctx, r.Tenant, h.Schema)
		if err != nil {
			return Response{}, err
		}
		page, total = q.Run(h.Schema, all)
	}
	q.Limit = limit
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	if q.Cursor != nil && q.Cursor.Before {
		query.ReversePage(page)
	}
	if err := exp.Page(r, h.Store, q, page); err != nil {
		return Response{}, err
	}
	return Response{Body: q.Body(page, total, more)}, nil
}

// seek turns a cursor into the query's keyset bound. In id order the id is the position (an
// object deleted since keeps its place); sorted on a field, the cursor's object must exist, as
// its values are the position: a missing one is 400 on the parameter.
func (h *Resource) seek(r *Request, q *query.Query) error {
	if q.Cursor == nil {
		return nil
	}
	if q.Cursor.Before {
		q.Reverse()
	}
	anchor := map[string]any{"id": q.Cursor.ID}
	if q.NeedsAnchor() {
		doc, _, err := h.Store.GetObject(r.Ctx, r.Tenant, h.Schema, q.Cursor.ID)
		var e *apperr.Error
		if errors.As(err, &e) && e.Kind == apperr.NotFound {
			return apperr.Field(q.Cursor.Param, "no %s %q: with $sort, the cursor must be an object of the list (in id order, without $sort, a deleted one keeps its place)", h.Schema.Object, q.Cursor.ID)
		}
		if err != nil {
			return err
		}
		anchor = doc
	}
	q.Seek(h.Schema, anchor)
	return nil
}

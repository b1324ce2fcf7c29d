package api

import (
	"context"

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
	if f, ok := h.Store.(Finder); ok {
		res, err := f.Find(r.Ctx, r.Tenant, h.Schema, q)
		if err != nil {
			return Response{}, err
		}
		if err := exp.Page(r, h.Store, q, res.Docs); err != nil {
			return Response{}, err
		}
		return Response{Body: q.Body(res.Docs, res.Total)}, nil
	}
	all, err := h.Store.ListAll(r.Ctx, r.Tenant, h.Schema)
	if err != nil {
		return Response{}, err
	}
	page, total := q.Run(h.Schema, all)
	if err := exp.Page(r, h.Store, q, page); err != nil {
		return Response{}, err
	}
	return Response{Body: q.Body(page, total)}, nil
}

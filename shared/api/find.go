package api

import (
	"github.com/hapihub/hapihub/shared/query"
)

func (h *Resource) find(r *Request) (Response, error) {
	q, err := query.Parse(h.Schema, r.Query())
	if err != nil {
		return Response{}, err
	}
	all, err := h.Store.ListAll(r.Ctx, r.Tenant, h.Schema)
	if err != nil {
		return Response{}, err
	}
	matched := all[:0]
	for _, d := range all {
		if q.Match(d) {
			matched = append(matched, d)
		}
	}
	q.SortDocs(matched)
	page := []any{}
	if q.Skip < len(matched) {
		end := min(len(matched), q.Skip+q.Limit)
		for _, d := range matched[q.Skip:end] {
			page = append(page, query.Project(d, q.Select))
		}
	}
	body := map[string]any{"data": page, "limit": q.Limit, "skip": q.Skip}
	if q.Total {
		body["total"] = len(matched)
	}
	return Response{Body: body}, nil
}

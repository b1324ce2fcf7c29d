package search

import (
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/store/core"
)

// timeOrder: createdAt order is id order on id-timed resources (docs/query.md). A sort on
// createdAt alone, ties by id the same way, is planned in id order, where rank lists count skips
// and totals; in id order createdAt ranges become id bounds (idBounds counts them, so a path
// whose key condition holds them all stays exact).
func (p *planner) timeOrder() {
	if !core.IDTimed(p.res) {
		return
	}
	conds, n, ok := query.IDBounds(p.conds, func(ms int64) string { return core.TimePrefix(p.res.Prefix, ms) })
	if !ok {
		return
	}
	if query.TimeOrdered(p.keys, p.idDesc) {
		p.keys, p.byTime, p.idOrdered = nil, true, !p.relevance
	}
	if p.idOrdered && n > 0 {
		p.conds, p.idBounds = conds, n
	}
}

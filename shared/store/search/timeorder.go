package search

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// createdAt order is id order (docs/query.md, "createdAt is id order"). An object's id begins with
// its creation time in ms (core.NewID) and its createdAt is that same instant (core.newObject;
// the sandbox's seeds build both from one time; SeedObjects refuses objects where they differ,
// CheckIDTime), and no update changes createdAt. Ids are unique, so sorting on createdAt and
// breaking its ties by id in the same direction is sorting by id: the planner answers such a
// query from the paths in id order, where rank lists count skips and totals, and reads
// createdAt ranges as id ranges of the resource's partition (or of an equality's slot).

// idTimed says whether res's objects keep the invariant (the clinical resources; organizations
// come from fixed fixtures whose ids carry no time).
func idTimed(res *schema.Resource) bool {
	return slices.Contains(schema.ClinicalResources, res.Name)
}

// timeOrder rewrites the planner's order and conditions when createdAt is id order: a sort on
// createdAt alone (after the keys equality fixes), ties by id the same way, becomes id order;
// and in id order, range conditions on createdAt become id bounds (idBounds counts them, so
// that a path whose key condition holds them all stays exact).
func (p *planner) timeOrder() {
	if !idTimed(p.res) {
		return
	}
	conds, n, ok := timeBounds(p.res, p.conds)
	if !ok {
		return // a createdAt bound of an unexpected type: plan as written
	}
	if len(p.keys) == 1 && p.keys[0].Field == "createdAt" && p.keys[0].Desc == p.idDesc {
		p.keys, p.byTime = nil, true
		p.idOrdered = !p.relevance
	}
	if p.idOrdered && n > 0 {
		p.conds, p.idBounds = conds, n
	}
}

// timeBounds is conds with each range condition on createdAt replaced by the id bound it is
// (non-null ones; n counts them). A cursor's bound (Seek: the anchor's createdAt, with After)
// becomes the anchor's id itself, the position in id order; the keyset condition beside it
// stays exact in memory.
func timeBounds(res *schema.Resource, conds []query.Node) (out []query.Node, n int, ok bool) {
	out = make([]query.Node, 0, len(conds))
	for _, c := range conds {
		if c.Kind != query.KindCond || c.Field != "createdAt" || !isRange(c.Op) || c.Value == nil {
			out = append(out, c)
			continue
		}
		ms, isInt := c.Value.(int64)
		if !isInt {
			return nil, 0, false
		}
		b := query.Node{Kind: query.KindCond, Field: "id", Param: c.Param}
		switch {
		case c.After != "" && slices.Equal(c.AfterFields, []string{"createdAt"}):
			b.Op, b.Value = query.OpGt, c.After
			if c.Op == query.OpLte {
				b.Op = query.OpLt
			}
		case c.Op == query.OpGte: // createdAt >= ms: ids from ms's prefix on
			b.Op, b.Value = query.OpGte, timePrefix(res.Prefix, ms)
		case c.Op == query.OpGt: // createdAt >= ms+1 (whole milliseconds)
			b.Op, b.Value = query.OpGte, timePrefix(res.Prefix, ms+1)
		case c.Op == query.OpLt: // ids before ms's prefix (no id equals a bare prefix)
			b.Op, b.Value = query.OpLt, timePrefix(res.Prefix, ms)
		default: // $lte: createdAt < ms+1
			b.Op, b.Value = query.OpLt, timePrefix(res.Prefix, ms+1)
		}
		out = append(out, b)
		n++
	}
	return out, n, true
}

// timePrefix is the smallest id of prefix created at ms (core.NewIDPrefix), clamped to the ids'
// range: before 1970 every id is later, past 2^50 ms (year 37,648) every id is earlier.
func timePrefix(prefix string, ms int64) string {
	switch {
	case ms < 0:
		return prefix + "_"
	case ms >= 1<<50:
		return prefix + "_~" // above every Crockford character
	}
	return core.NewIDPrefix(prefix, time.UnixMilli(ms))
}

// CheckIDTime refuses an object of an id-timed resource whose createdAt is not the time its id
// begins with: SeedObjects writes prepared objects, and a find in createdAt order reads them in
// id order.
func CheckIDTime(res *schema.Resource, d map[string]any) error {
	if !idTimed(res) {
		return nil
	}
	id, _ := d["id"].(string)
	at, ok := core.IDTime(id)
	if !ok || !strings.HasPrefix(id, res.Prefix+"_") {
		return fmt.Errorf("store: %s id %q is not a %s_ id with its creation time (core.NewID)", res.Object, id, res.Prefix)
	}
	if ms, isInt := d["createdAt"].(int64); !isInt || ms != at.UnixMilli() {
		return fmt.Errorf("store: %s %s has createdAt %v, but its id was made at %d: build both from one time (core.IDFrom)", res.Object, id, d["createdAt"], at.UnixMilli())
	}
	return nil
}

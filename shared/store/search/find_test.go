package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/search"
	"github.com/hapihub/hapihub/shared/store/storetest"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// The differential test: generated patients, generated Feathers queries (as the typed objects a
// Feathers client holds), sent as query strings through qs, the compiler and the planner on the
// embedded DynamoDB, compared with a reference evaluator of MongoDB semantics written here from
// scratch over the typed objects.

var (
	lastNames  = storetest.LastNames
	firstNames = storetest.FirstNames
	cities     = []string{"Leeds", "York", "New York", "Hull"}
	streets    = []string{"Oak Street", "Mill Lane", "High Street", "Coffee Shop Row"}
	tagPool    = []string{"vip", "new", "allergy", "late"}
	statuses   = storetest.Statuses
)

func genPatients(r *rand.Rand, tn domain.Tenant, n int) []domain.Doc {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]domain.Doc, 0, n)
	for i := range n {
		created := base.Add(time.Duration(r.IntN(5000)) * time.Minute) // collisions make ties
		d := domain.Doc{
			"id": core.IDFrom("pat", created, cryptoless{r}), "object": "patient", "organizationId": tn.Org, "livemode": false,
			"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli() + int64(r.IntN(3)),
			"firstName": firstNames[r.IntN(len(firstNames))], "lastName": lastNames[r.IntN(len(lastNames))],
			"sex": []string{"female", "male", "other", "unknown"}[r.IntN(4)], "status": statuses[r.IntN(3)],
			"tags": []any{}, "metadata": map[string]any{},
		}
		if r.IntN(4) > 0 {
			d["dateOfBirth"] = time.Date(1950+r.IntN(10), 1, 1+r.IntN(3), 0, 0, 0, 0, time.UTC).UnixMilli()
		}
		if r.IntN(3) > 0 {
			d["externalId"] = fmt.Sprintf("MRN-%d", r.IntN(n))
		}
		if r.IntN(2) == 0 {
			d["email"] = strings.ToLower(d["firstName"].(string)) + fmt.Sprintf("%d@example.com", i)
		}
		if r.IntN(3) > 0 {
			d["address"] = map[string]any{"line1": fmt.Sprintf("%d %s", 1+r.IntN(9), streets[r.IntN(len(streets))]), "city": cities[r.IntN(len(cities))]}
		}
		for range r.IntN(3) {
			d["tags"] = append(d["tags"].([]any), tagPool[r.IntN(len(tagPool))])
		}
		if r.IntN(3) == 0 {
			d["metadata"] = map[string]any{"plan": []string{"gold", "basic"}[r.IntN(2)]}
		}
		out = append(out, d)
	}
	return out
}

// cryptoless adapts math/rand to io.Reader for deterministic ids.
type cryptoless struct{ r *rand.Rand }

func (c cryptoless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c.r.IntN(256))
	}
	return len(p), nil
}

// --- query generation: a Feathers query object (ordered keys) and its qs encoding ---

type kv struct {
	k string
	v any
}
type obj []kv

func genValue(r *rand.Rand, field string) any {
	switch field {
	case "lastName":
		return lastNames[r.IntN(len(lastNames))]
	case "firstName":
		return firstNames[r.IntN(len(firstNames))]
	case "status":
		return statuses[r.IntN(3)]
	case "sex":
		return []string{"female", "male", "other", "unknown"}[r.IntN(4)]
	case "dateOfBirth":
		if r.IntN(8) == 0 {
			return nil
		}
		return time.Date(1950+r.IntN(10), 1, 1+r.IntN(3), 0, 0, 0, 0, time.UTC).UnixMilli()
	case "createdAt":
		return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(5000)) * time.Minute).UnixMilli()
	case "externalId":
		return fmt.Sprintf("MRN-%d", r.IntN(300))
	case "tags":
		return tagPool[r.IntN(len(tagPool))]
	case "address.city":
		return cities[r.IntN(len(cities))]
	case "metadata.plan":
		return []string{"gold", "basic"}[r.IntN(2)]
	}
	panic(field)
}

var genFields = []string{"lastName", "firstName", "status", "sex", "dateOfBirth", "createdAt", "externalId", "tags", "address.city", "metadata.plan"}

func genCond(r *rand.Rand, depth int) obj {
	if depth < 2 && r.IntN(6) == 0 {
		op := []string{"$or", "$and"}[r.IntN(2)]
		var branches []any
		for range 1 + r.IntN(3) {
			branches = append(branches, genFilter(r, depth+1, 1+r.IntN(2)))
		}
		return obj{{op, branches}}
	}
	f := genFields[r.IntN(len(genFields))]
	c := r.IntN(9)
	if depth == 2 && (c == 3 || c == 4) {
		c = 0 // $or[i][$or][j][f][$in][k] is past qs's depth of 5 (a 400, tested elsewhere)
	}
	switch c {
	case 0, 1:
		return obj{{f, genValue(r, f)}}
	case 2:
		return obj{{f, obj{{"$ne", genValue(r, f)}}}}
	case 3, 4:
		op := []string{"$in", "$nin"}[r.IntN(2)]
		var vs []any
		for range 1 + r.IntN(3) {
			vs = append(vs, genValue(r, f))
		}
		return obj{{f, obj{{op, vs}}}}
	case 5:
		return obj{{f, obj{{"$exists", r.IntN(2) == 0}}}}
	default:
		var ops obj
		for _, op := range []string{"$lt", "$lte", "$gt", "$gte"} {
			if r.IntN(3) == 0 {
				ops = append(ops, kv{op, genValue(r, f)})
			}
		}
		if len(ops) == 0 {
			ops = obj{{"$gte", genValue(r, f)}}
		}
		return obj{{f, ops}}
	}
}

func genFilter(r *rand.Rand, depth, n int) obj {
	var out obj
	used := map[string]bool{}
	for range n {
		for _, c := range genCond(r, depth) {
			if !used[c.k] {
				used[c.k] = true
				out = append(out, c)
			}
		}
	}
	return out
}

var sortFields = []string{"lastName", "firstName", "status", "dateOfBirth", "createdAt", "updatedAt", "externalId", "address.city"}

func genQuery(r *rand.Rand) obj {
	q := genFilter(r, 0, r.IntN(3))
	if _, has := get(q, "$or"); !has && r.IntN(10) == 0 {
		// Surnames merged in first-name order (the compound index's ranges).
		q = append(q, kv{"$or", []any{obj{{"lastName", genValue(r, "lastName")}}, obj{{"lastName", genValue(r, "lastName")}}}},
			kv{"$sort", obj{{"firstName", []int64{1, -1}[r.IntN(2)]}}})
		return q
	}
	if _, has := get(q, "$or"); !has && r.IntN(8) == 0 {
		// An $or of indexed equalities (the union path).
		a, b := []string{"lastName", "status", "externalId"}[r.IntN(3)], []string{"dateOfBirth", "externalId", "lastName"}[r.IntN(3)]
		q = append(q, kv{"$or", []any{obj{{a, genValue(r, a)}}, obj{{b, genValue(r, b)}}}})
	}
	if r.IntN(4) == 0 {
		searches := []string{"smith", "Smith -Smithers", `"oak street"`, "leeds york", "coffee", "MÜLLER", "garcia", "obrien", "o'brien",
			`"coffee shop row"`, `"3 Oak Street"`} // the last two have interior words: one posting list is read
		var search any = searches[r.IntN(len(searches))]
		if r.IntN(2) == 0 {
			search = obj{{"text", search}, {"sortByRelevance", r.IntN(2) == 0}, {"caseSensitive", r.IntN(4) == 0}, {"diacriticSensitive", r.IntN(4) == 0}}
		}
		q = append(q, kv{"$search", search})
	}
	if n := r.IntN(3); n > 0 {
		var s obj
		for _, i := range r.Perm(len(sortFields))[:n] {
			s = append(s, kv{sortFields[i], []int64{1, -1}[r.IntN(2)]})
		}
		q = append(q, kv{"$sort", s})
	} else if r.IntN(4) == 0 {
		// The compound index's keys, in either direction each (skip scans when they differ).
		s := obj{{"lastName", []int64{1, -1}[r.IntN(2)]}, {"firstName", []int64{1, -1}[r.IntN(2)]}}
		if r.IntN(2) == 0 {
			s = append(s, kv{"createdAt", []int64{1, -1}[r.IntN(2)]})
		}
		q = append(q, kv{"$sort", s})
	}
	if r.IntN(3) > 0 {
		q = append(q, kv{"$limit", int64(r.IntN(25))})
	}
	if r.IntN(3) == 0 {
		q = append(q, kv{"$skip", int64(r.IntN(60))})
	}
	if r.IntN(3) == 0 {
		q = append(q, kv{"$total", true})
	}
	return q
}

// stringify is qs.stringify with Feathers' defaults (indices for arrays).
func stringify(o obj) string {
	var parts []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case obj:
			for _, e := range x {
				walk(prefix+"["+e.k+"]", e.v)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		default:
			s := fmt.Sprint(x)
			if x == nil {
				s = "null"
			}
			parts = append(parts, url.QueryEscape(prefix)+"="+url.QueryEscape(s))
		}
	}
	for _, e := range o {
		walk(e.k, e.v)
	}
	return strings.Join(parts, "&")
}

// --- the reference evaluator ---

func refGet(d domain.Doc, path string) (any, bool) {
	var cur any = d
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// refRank is BSON's type order.
func refRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64:
		return 1
	case string:
		return 2
	case bool:
		return 5
	}
	return 9
}

func refCmp(a, b any) int {
	if ra, rb := refRank(a), refRank(b); ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case int64:
		y := b.(int64)
		if x < y {
			return -1
		} else if x > y {
			return 1
		}
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		if x != b.(bool) {
			if !x {
				return -1
			}
			return 1
		}
	}
	return 0
}

// refValues: the values a condition looks at (array elements, or the value itself).
func refValues(d domain.Doc, f string) ([]any, bool) {
	v, ok := refGet(d, f)
	if arr, isArr := v.([]any); isArr {
		return arr, ok
	}
	return []any{v}, ok
}

func refEq(d domain.Doc, f string, want any) bool {
	vals, ok := refValues(d, f)
	if want == nil && !ok {
		return true
	}
	for _, v := range vals {
		if ok && refRank(v) == refRank(want) && refCmp(v, want) == 0 {
			return true
		}
	}
	return false
}

func refMatch(d domain.Doc, q obj) bool {
	for _, e := range q {
		switch e.k {
		case "$sort", "$limit", "$skip", "$total", "$select", "$search":
			continue
		case "$or", "$and":
			some, all := false, true
			for _, b := range e.v.([]any) {
				m := refMatch(d, b.(obj))
				some, all = some || m, all && m
			}
			if (e.k == "$or" && !some) || (e.k == "$and" && !all) {
				return false
			}
			continue
		}
		ops, isOps := e.v.(obj)
		if !isOps {
			if !refEq(d, e.k, e.v) {
				return false
			}
			continue
		}
		for _, op := range ops {
			if !refOp(d, e.k, op.k, op.v) {
				return false
			}
		}
	}
	return true
}

func refOp(d domain.Doc, f, op string, arg any) bool {
	switch op {
	case "$ne":
		return !refEq(d, f, arg)
	case "$in", "$nin":
		in := false
		for _, v := range arg.([]any) {
			in = in || refEq(d, f, v)
		}
		return in == (op == "$in")
	case "$exists":
		_, ok := refGet(d, f)
		return ok == arg.(bool)
	}
	if arg == nil {
		return (op == "$lte" || op == "$gte") && refEq(d, f, nil)
	}
	vals, ok := refValues(d, f)
	if !ok {
		return false
	}
	for _, v := range vals {
		if refRank(v) != refRank(arg) {
			continue
		}
		c := refCmp(v, arg)
		if op == "$lt" && c < 0 || op == "$lte" && c <= 0 || op == "$gt" && c > 0 || op == "$gte" && c >= 0 {
			return true
		}
	}
	return false
}

func get(q obj, k string) (any, bool) {
	for _, e := range q {
		if e.k == k {
			return e.v, true
		}
	}
	return nil, false
}

// refSearch applies $search with textsearch's MongoDB matcher over the searchable fields.
func refSearch(d domain.Doc, spec any) (bool, float64, bool) {
	text, opts, rel := "", textsearch.Options{}, false
	switch x := spec.(type) {
	case string:
		text = x
	case obj:
		for _, e := range x {
			switch e.k {
			case "text":
				text = e.v.(string)
			case "sortByRelevance":
				rel = e.v.(bool)
			case "caseSensitive":
				opts.CaseSensitive = e.v.(bool)
			case "diacriticSensitive":
				opts.DiacriticSensitive = e.v.(bool)
			}
		}
	}
	var fields []textsearch.Field
	for _, p := range []string{"firstName", "lastName", "preferredName", "email", "address.line1", "address.city"} {
		if v, ok := refGet(d, p); ok {
			fields = append(fields, textsearch.Field{Name: p, Text: v.(string)})
		}
	}
	m, score := textsearch.Match(fields, textsearch.ParseSearch(text), opts)
	return m, score, rel
}

type refHit struct {
	d     domain.Doc
	score float64
}

func reference(docs []domain.Doc, q obj) (page []string, total int) {
	var hits []refHit
	rel := false
	for _, d := range docs {
		if !refMatch(d, q) {
			continue
		}
		score := 0.0
		if s, ok := get(q, "$search"); ok {
			var m bool
			if m, score, rel = refSearch(d, s); !m {
				continue
			}
		}
		hits = append(hits, refHit{d, score})
	}
	var keys obj
	if s, ok := get(q, "$sort"); ok {
		keys = s.(obj)
	}
	idDesc := len(keys) > 0 && keys[len(keys)-1].v.(int64) == -1
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if rel && a.score != b.score {
			return a.score > b.score
		}
		for _, k := range keys {
			x, _ := refGet(a.d, k.k)
			y, _ := refGet(b.d, k.k)
			if c := refCmp(x, y); c != 0 {
				return (c < 0) == (k.v.(int64) == 1)
			}
		}
		return (a.d["id"].(string) < b.d["id"].(string)) != idDesc
	})
	limit, skip := int64(10), int64(0)
	if v, ok := get(q, "$limit"); ok {
		limit = v.(int64)
	}
	if v, ok := get(q, "$skip"); ok {
		skip = v.(int64)
	}
	for i := skip; i < int64(len(hits)) && i < skip+limit; i++ {
		page = append(page, hits[i].d["id"].(string))
	}
	return page, len(hits)
}

func ids(docs []domain.Doc) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d["id"].(string))
	}
	return out
}

func TestFindDifferential(t *testing.T) {
	ranklist.SetRankChunkCap(t, 7) // rank lists of many chunks, split and merged by the writes below
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_1"}
	r := rand.New(rand.NewPCG(7, 11))
	docs := genPatients(r, tn, 200)
	// The rest go through the transactional write path, then some change or go away, so the
	// indexes and postings maintained on writes are exercised too.
	live := storetest.SeedThenCreate(t, st, tn, docs, 160)
	i := 0
	for id := range live {
		i++
		switch i % 10 {
		case 0:
			_, err := st.DeleteObject(ctx, tn, schema.Patients, id, 0, domain.Meta{})
			require.NoError(t, err)
			delete(live, id)
		case 1:
			next, _, err := st.UpdateObject(ctx, tn, schema.Patients, id, 0, func(cur domain.Doc) (domain.Doc, error) {
				cur["lastName"] = lastNames[r.IntN(len(lastNames))]
				cur["status"] = statuses[r.IntN(3)]
				delete(cur, "dateOfBirth")
				return cur, nil
			}, domain.Meta{})
			require.NoError(t, err)
			live[id] = next
		}
	}
	all := make([]domain.Doc, 0, len(live))
	for _, d := range live {
		all = append(all, d)
	}

	plans := map[string]int{}
	for n := range 250 {
		gq := genQuery(r)
		raw := stringify(gq)
		q, err := query.ParseRaw(schema.Patients, raw)
		require.NoError(t, err, "query %d: %s", n, raw)
		got, err := st.Find(ctx, tn, schema.Patients, q)
		if e := apperr.From(err); err != nil && e.Reason() == "query_not_indexed" {
			// Refused only when a sort key has no index (the planner reads none in full).
			// Refused only when a sort key has no index, or the first is an enum/boolean field
			// followed by more keys (its runs are large shares of the organization).
			s, _ := get(gq, "$sort")
			keys := s.(obj)
			unindexed := false
			for _, k := range keys {
				unindexed = unindexed || !slices.Contains(schema.Patients.SortableFirst(), k.k)
			}
			broadFirst := len(keys) > 1 && keys[0].k == "status"
			require.True(t, unindexed || broadFirst, "query %d refused: %s: %v", n, raw, err)
			plans["refused"]++
			continue
		}
		require.NoError(t, err, "query %d: %s", n, raw)
		wantPage, wantTotal := reference(all, gq)
		require.Equal(t, wantPage, ids(got.Docs), "query %d: %s (plan %s)", n, raw, got.Stats.Plan)
		if q.Total {
			require.Equal(t, wantTotal, got.Total, "total of query %d: %s (plan %s)", n, raw, got.Stats.Plan)
		}
		// The in-memory executor must agree too (the fallback for stores without a planner).
		memPage, memTotal := q.Run(schema.Patients, all)
		require.Equal(t, wantPage, ids(memPage), "in memory, query %d: %s", n, raw)
		require.Equal(t, wantTotal, memTotal, "in memory total, query %d: %s", n, raw)
		plans[strings.Fields(got.Stats.Plan)[0]]++
		if strings.Contains(got.Stats.Plan, "by run") {
			plans["run"]++
		}
		if strings.Contains(got.Stats.Plan, "skip scan") {
			plans["skipscan"]++
		}
		if strings.Contains(got.Stats.Plan, "lastName+firstName") {
			plans["compound"]++
		}
		if strings.Contains(got.Stats.Plan, "merged compound") {
			plans["sortedor"]++
		}
		if strings.Contains(got.Stats.Plan, "rank list") {
			plans["rank"]++
		}
	}
	t.Logf("plans: %v", plans)
	// The generator must reach the planner's paths, or the comparison proves little.
	for _, p := range []string{"equality", "in", "or", "range", "sort", "search", "partition", "rank", "run", "refused", "skipscan", "compound", "sortedor"} {
		require.Positive(t, plans[p], "no generated query used the %s path (%v)", p, plans)
	}
}

// The template's table declares every index the schema's Indexed fields need.
func TestTemplateHasIndexSlots(t *testing.T) {
	tpl, err := template.Load("../../../template.yaml")
	require.NoError(t, err)
	gsis := map[string][2]string{}
	for _, g := range tpl.Table.GlobalSecondaryIndexes {
		gsis[*g.IndexName] = [2]string{*g.KeySchema[0].AttributeName, *g.KeySchema[1].AttributeName}
	}
	defs := map[string]bool{}
	for _, d := range tpl.Table.AttributeDefinitions {
		defs[*d.AttributeName] = d.AttributeType == "S"
	}
	require.Equal(t, [2]string{"GSI1PK", "GSI1SK"}, gsis[core.GSI1])
	for _, res := range schema.All() {
		for _, s := range search.IndexSlots(res) {
			require.Equal(t, [2]string{s.PK, s.SK}, gsis[s.Index], "%s.%s needs %s in template.yaml", res.Name, s.Field, s.Index)
			require.True(t, defs[s.PK] && defs[s.SK], "%s attributes must be declared as strings", s.Index)
		}
	}
}

// TestFindPhraseReadsPairLists: a phrase reads the pair postings of its cheapest option (and a
// vocabulary item or two), not the list of a word every document holds (phraseindex).
func TestFindPhraseReadsPairLists(t *testing.T) {
	st := storetest.New(t)
	tn := domain.Tenant{Account: "acct_phrase", Mode: domain.Test, Org: "org_phrase"}
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []domain.Doc
	want := map[string]bool{}
	for i := range 60 {
		created := base.Add(time.Duration(i) * time.Minute)
		street := "Mill Street"
		if i%10 == 0 {
			street = "Oak Street"
		}
		d := domain.Doc{"id": core.IDFrom("pat", created, cryptoless{r}), "object": "patient", "organizationId": tn.Org, "livemode": false,
			"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(), "firstName": "Ann", "lastName": "Smith", "sex": "unknown",
			"status": "active", "tags": []any{}, "metadata": map[string]any{},
			"address": map[string]any{"line1": fmt.Sprintf("%d %s", 3+i%2, street), "city": "Leeds"}}
		if i%10 == 0 && i%2 == 0 {
			want[d["id"].(string)] = true
		}
		docs = append(docs, d)
	}
	require.NoError(t, st.SeedObjects(context.Background(), tn, "patients", docs))
	for _, tc := range []struct {
		raw     string
		plan    string
		want    int
		maxRead int
	}{
		{`$search="3 Oak Street"`, "search pairs *3 oak", len(want), 6 + 1},
		{`$search="Oak Street"`, "search pairs *oak street*", 6, 6 + 2},
	} {
		q, err := query.ParseRaw(schema.Patients, strings.ReplaceAll(tc.raw, `"`, "%22"))
		require.NoError(t, err)
		res, err := st.Find(context.Background(), tn, schema.Patients, q)
		require.NoError(t, err)
		require.Equal(t, tc.plan, res.Stats.Plan)
		require.Len(t, res.Docs, tc.want, tc.raw)
		require.LessOrEqual(t, res.Stats.Scanned, tc.maxRead, tc.raw)
		if tc.want == len(want) {
			for _, d := range res.Docs {
				require.True(t, want[d["id"].(string)], "unexpected %s", d["id"])
			}
		}
	}
}

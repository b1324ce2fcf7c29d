package query_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	var e *apperr.Error
	require.True(t, errors.As(err, &e), "want *apperr.Error, got %v", err)
	require.Equal(t, apperr.InvalidParameters, e.Kind)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	if len(out) == 0 {
		out = []string{e.Code}
	}
	return out
}

func TestParseErrorsNameTheParameter(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"createdAt[$lt]=yesterday", []string{"createdAt[$lt]"}},
		{"nope=1", []string{"nope"}},
		{"lastName[$regex]=a", []string{"lastName[$regex]"}},
		{"$populate=x", []string{"$populate"}},
		{"$limit=101", []string{"$limit"}},
		{"$limit=-1", []string{"$limit"}},
		{"$skip=x", []string{"$skip"}},
		{"$total=yes", []string{"$total"}},
		{"status=alive", []string{"status"}},
		{"lastName=a&lastName=b", []string{"lastName"}},
		{"$sort[lastName]=up", []string{"$sort[lastName]"}},
		{"$sort[tags]=1", []string{"$sort[tags]"}},
		{"$sort[nope]=1", []string{"$sort[nope]"}},
		{"$select[]=nope", []string{"$select"}},
		{"$or[0]=x", []string{"$or[0]"}},
		{"$or=x", []string{"$or[0]"}},
		{"$or[0][$limit]=1", []string{"$or[0][$limit]"}},
		{"$or[0][lastName][$in][0]=a&$or[1][dob]=1", []string{"$or[1][dob]"}},
		{"dateOfBirth[$in][0]=1&dateOfBirth[$in][1]=x", []string{"dateOfBirth[$in]"}},
		{"address=x", []string{"address"}},
		{"address[city][$foo]=x", []string{"address[city][$foo]"}},
		{"address[$exists]=true&address[city]=x", []string{"address"}},
		{"$search[text]=a&$search[fuzzy]=true", []string{"$search[fuzzy]"}},
		{"$search[language]=klingon&$search[text]=a", []string{"$search[language]"}},
		{"$search[caseSensitive]=true", []string{"$search[text]"}},
		{"page=1&$limit=2", []string{"page"}},
		{"size=0", []string{"size"}},
		{"size=101", []string{"size"}},
		{"sort=nope,asc", []string{"sort"}},
		{"page=-1", []string{"page"}},
		{"$or[0][$or][0][$or][0][lastName]=a", []string{"$or[0][$or][0][$or][0][lastName]"}}, // query_too_deep, naming the key
		{strings.Repeat("a&", 1001), []string{"too_many_parameters"}},
	}
	for _, tc := range tests {
		t.Run(tc.raw[:min(len(tc.raw), 60)], func(t *testing.T) {
			_, err := query.ParseRaw(schema.Patients, tc.raw)
			require.Error(t, err)
			assert.Equal(t, tc.want, invalidFields(t, err))
		})
	}
}

func TestParseCompiles(t *testing.T) {
	q, err := query.ParseRaw(schema.Patients, "status=active&dateOfBirth[$gte]=0&dateOfBirth[$lt]=100&tags[$in][0]=vip&tags[$in][1]=new"+
		"&$or[0][lastName]=Smith&$or[1][address][city]=Leeds&$sort[lastName]=1&$sort[createdAt]=-1&$limit=0&$skip=5&$select[]=firstName&metadata.plan=gold")
	require.NoError(t, err)
	assert.Equal(t, 0, q.Limit)
	assert.True(t, q.Total, "$limit=0 asks for the total")
	assert.Equal(t, 5, q.Skip)
	assert.Equal(t, []string{"firstName"}, q.Select)
	assert.Equal(t, []query.SortKey{{Field: "lastName"}, {Field: "createdAt", Desc: true}}, q.Sort)
	var got []string
	for _, c := range q.Where.Children {
		switch c.Kind {
		case query.KindCond:
			got = append(got, fmt.Sprintf("%s %s %v %v", c.Field, c.Op, c.Value, c.Values))
		case query.KindOr:
			for _, b := range c.Children {
				for _, cc := range b.Children {
					got = append(got, fmt.Sprintf("or %s %v", cc.Field, cc.Value))
				}
			}
		}
	}
	assert.Equal(t, []string{
		"status $eq active []", "dateOfBirth $gte 0 []", "dateOfBirth $lt 100 []", "tags $in <nil> [vip new]",
		"or lastName Smith", "or address.city Leeds", "metadata.plan $eq gold []",
	}, got)
	assert.Equal(t, int64(0), q.Where.Children[1].Value, "dates are coerced to Unix ms numbers")
}

func TestSortArrayFormKeepsOrder(t *testing.T) {
	q, err := query.ParseRaw(schema.Patients, "$sort[0][lastName]=-1&$sort[1][firstName]=1")
	require.NoError(t, err)
	assert.Equal(t, []query.SortKey{{Field: "lastName", Desc: true}, {Field: "firstName"}}, q.Sort)
}

func TestRawQueryRoundTrips(t *testing.T) {
	params := map[string][]string{"$or[1][lastName]": {"O'Brien & Co"}, "$or[0][firstName]": {"a+b=c"}, "$select[]": {"lastName", "firstName"}}
	raw := query.RawQuery(params)
	assert.Equal(t, raw, query.RawQuery(params), "stable")
	q, err := query.Parse(schema.Patients, params)
	require.NoError(t, err)
	assert.Equal(t, []string{"lastName", "firstName"}, q.Select, "values of one key keep their order")
	or := q.Where.Children[0]
	assert.Equal(t, "a+b=c", or.Children[0].Children[0].Value)
	assert.Equal(t, "O'Brien & Co", or.Children[1].Children[0].Value)
}

func TestSemantics(t *testing.T) {
	docs := []map[string]any{
		{"id": "pat_1", "lastName": "Smith", "tags": []any{"vip", "new"}, "dateOfBirth": int64(10)},
		{"id": "pat_2", "lastName": "Jones", "tags": []any{}},
		{"id": "pat_3", "lastName": "Smith", "dateOfBirth": int64(30), "address": map[string]any{"city": "Leeds"}},
	}
	tests := []struct {
		raw  string
		want []string
	}{
		{"lastName[$ne]=Smith", []string{"pat_2"}},
		{"dateOfBirth[$ne]=10", []string{"pat_2", "pat_3"}},            // $ne matches a missing field
		{"dateOfBirth=null", []string{"pat_2"}},                        // null matches missing
		{"dateOfBirth[$lt]=100", []string{"pat_1", "pat_3"}},           // ranges never match missing
		{"dateOfBirth[$lte]=null", []string{"pat_2"}},                  // ... except against null
		{"tags=vip", []string{"pat_1"}},                                // arrays match by element
		{"tags[$nin][0]=vip", []string{"pat_2", "pat_3"}},              //
		{"tags[$exists]=false", []string{"pat_3"}},                     //
		{"address[$exists]=true", []string{"pat_3"}},                   //
		{"address.city=Leeds", []string{"pat_3"}},                      //
		{"$sort[dateOfBirth]=1", []string{"pat_2", "pat_1", "pat_3"}},  // missing sorts first
		{"$sort[dateOfBirth]=-1", []string{"pat_3", "pat_1", "pat_2"}}, //
		{"$sort[lastName]=-1", []string{"pat_3", "pat_1", "pat_2"}},    // ties by id in the key's direction
		{"$or[0][lastName]=Jones&$or[1][dateOfBirth][$gt]=20", []string{"pat_2", "pat_3"}},
		{"$and[0][lastName]=Smith&$and[1][$or][0][tags]=new&$and[1][$or][1][address.city]=Leeds", []string{"pat_1", "pat_3"}},
		{"$search=smiths", []string{"pat_1", "pat_3"}},
		{"$search=smith -leeds", []string{"pat_1"}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			q, err := query.ParseRaw(schema.Patients, tc.raw)
			require.NoError(t, err)
			page, total := q.Run(schema.Patients, docs)
			var got []string
			for _, d := range page {
				got = append(got, d["id"].(string))
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, len(tc.want), total)
		})
	}
}

func TestBodies(t *testing.T) {
	docs := []map[string]any{{"id": "pat_1", "lastName": "A", "firstName": "X"}, {"id": "pat_2", "lastName": "B"}}
	q, err := query.ParseRaw(schema.Patients, "$limit=1&$total=true&$select[]=lastName")
	require.NoError(t, err)
	page, total := q.Run(schema.Patients, docs)
	assert.Equal(t, map[string]any{"data": []any{map[string]any{"id": "pat_1", "lastName": "A"}}, "limit": 1, "skip": 0, "total": 2, "hasMore": true}, q.Body(page, total, true))

	q, err = query.ParseRaw(schema.Patients, "$limit=0")
	require.NoError(t, err)
	page, total = q.Run(schema.Patients, docs)
	assert.Equal(t, map[string]any{"data": []any{}, "limit": 0, "skip": 0, "total": 2, "hasMore": true}, q.Body(page, total, true))

	q, err = query.ParseRaw(schema.Patients, "page=1&size=1&sort=lastName,desc")
	require.NoError(t, err)
	page, total = q.Run(schema.Patients, docs)
	assert.Equal(t, map[string]any{
		"content": []any{docs[0]}, "number": 1, "size": 1, "totalElements": 2, "totalPages": 2, "first": false, "last": true,
		"sort": map[string]any{"sorted": true, "unsorted": false, "empty": false}, "numberOfElements": 1, "empty": false, "hasMore": false,
	}, q.Body(page, total, false))
	assert.Equal(t, "pat_1", page[0]["id"], "page 1 of lastName descending")
}

func TestParseSelect(t *testing.T) {
	sel, err := query.ParseSelect(schema.Patients, map[string][]string{"$select[]": {"firstName", "address.city"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"firstName", "address.city"}, sel)
	doc := map[string]any{"id": "pat_1", "object": "patient", "firstName": "A", "lastName": "B", "address": map[string]any{"city": "C", "line1": "D"}}
	assert.Equal(t, map[string]any{"id": "pat_1", "object": "patient", "firstName": "A", "address": map[string]any{"city": "C"}}, query.Project(doc, sel),
		"id and object stay: the OpenAPI document requires them")
	_, err = query.ParseSelect(schema.Patients, map[string][]string{"lastName": {"x"}})
	assert.Equal(t, []string{"lastName"}, invalidFields(t, err))
}

// FuzzParse: any query string either compiles or is a 400, never a panic, and a compiled query
// runs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"lastName=a", "$or[0][a][$in][]=1", "$sort[lastName]=-1&$limit=3", "$search[text]=\"a b\" -c",
		"a[b][c][d][e][f][g]=1", "tags[$in][25]=x", "page=2&size=3&sort=lastName", "%5B%5D=1&=&&", "dateOfBirth[$gte]=99999999999999999999"} {
		f.Add(s)
	}
	docs := []map[string]any{{"id": "pat_1", "lastName": "a", "tags": []any{"x"}, "dateOfBirth": int64(1)}, {"id": "pat_2"}}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := query.ParseRaw(schema.Patients, raw)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.InvalidParameters {
				t.Fatalf("%q: not a 400: %v", raw, err)
			}
			return
		}
		page, total := q.Run(schema.Patients, docs)
		_ = q.Body(page, total, false)
	})
}

// API Gateway's REST proxy event carries the query as a map, so several object-form sort keys
// have no knowable order: refused, naming the array form. A raw query string keeps them.
func TestSortObjectFormOrder(t *testing.T) {
	_, err := query.Parse(schema.Patients, map[string][]string{"$sort[lastName]": {"1"}, "$sort[firstName]": {"-1"}})
	require.Error(t, err)
	e := apperr.From(err)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, "$sort", e.Fields[0].Field)
	assert.Contains(t, e.Fields[0].Message, "$sort[0][")
	assert.Contains(t, e.Fields[0].Message, "sort=")

	q, err := query.Parse(schema.Patients, map[string][]string{"$sort[lastName]": {"-1"}})
	require.NoError(t, err, "one key has one order")
	assert.Equal(t, []query.SortKey{{Field: "lastName", Desc: true}}, q.Sort)

	q, err = query.Parse(schema.Patients, map[string][]string{"$sort[1][firstName]": {"-1"}, "$sort[0][lastName]": {"1"}})
	require.NoError(t, err)
	assert.Equal(t, []query.SortKey{{Field: "lastName"}, {Field: "firstName", Desc: true}}, q.Sort)

	q, err = query.Parse(schema.Patients, map[string][]string{"sort": {"lastName,desc", "firstName,asc"}})
	require.NoError(t, err, "Hubpay's repeated sort keeps its values' order")
	assert.Equal(t, []query.SortKey{{Field: "lastName", Desc: true}, {Field: "firstName"}}, q.Sort)

	q, err = query.ParseRaw(schema.Patients, "$sort[lastName]=1&$sort[firstName]=-1")
	require.NoError(t, err, "a raw query string has the client's order")
	assert.Equal(t, []query.SortKey{{Field: "lastName"}, {Field: "firstName", Desc: true}}, q.Sort)
}

// Issue 16: every dimension of query work has a hard limit, refused with 400 naming it.
func TestQueryWorkLimits(t *testing.T) {
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("w%d", i)
		}
		return strings.Join(w, "%20")
	}
	branches := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "$or[%d][lastName]=a%d&", i, i)
		}
		return b.String()
	}
	in := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "lastName[$in][%d]=%d&", i, i)
		}
		return b.String()
	}
	tests := []struct {
		name, raw, limit string
	}{
		{"20,000 search terms", "$search=" + words(20000), "MaxQueryLength"},
		{"search terms", "$search=" + words(query.MaxSearchTerms+1), "MaxSearchTerms"},
		{"search length", "$search=" + strings.Repeat("a", query.MaxSearchLength+1), "MaxSearchLength"},
		{"phrase length", "$search=%22" + strings.Repeat("abcdefghij%20", query.MaxPhraseLength/10+1) + "%22", "MaxPhraseLength"},
		{"or branches", branches(query.MaxBranches + 1), "MaxBranches"},
		{"in values", in(query.MaxValues + 1), "MaxValues"},
		{"query length", "lastName=" + strings.Repeat("a", query.MaxQueryLength), "MaxQueryLength"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := query.ParseRaw(schema.Patients, tc.raw)
			require.Error(t, err)
			e := apperr.From(err)
			assert.Equal(t, apperr.InvalidParameters, e.Kind)
			assert.Contains(t, e.Message, tc.limit)
		})
	}
	// At the limits, accepted.
	for _, raw := range []string{"$search=" + words(query.MaxSearchTerms), branches(query.MaxBranches), in(query.MaxValues)} {
		_, err := query.ParseRaw(schema.Patients, raw)
		assert.NoError(t, err, raw[:40])
	}
}

package query_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
)

func TestParams(t *testing.T) {
	q, err := query.Params(map[string][]string{"createdAt[$lt]": {"5"}, "type[$in][]": {"a.b", "c d"}, "$limit": {"2"}})
	require.NoError(t, err)
	v, ok := qs.Lookup(q, "createdAt", "$lt")
	require.True(t, ok)
	assert.Equal(t, "5", v)
	v, ok = qs.Lookup(q, "type", "$in")
	require.True(t, ok)
	assert.Equal(t, []any{"a.b", "c d"}, v, "repeated values, spaces kept")

	for _, tc := range []struct {
		name   string
		params map[string][]string
		code   string
		fields []string // named by errors[] (none: the code stands in)
	}{
		{"too many parameters", map[string][]string{"type": strings.Split(strings.Repeat("a,", 1001), ",")}, "too_many_parameters", []string{"too_many_parameters"}},
		{"too deep", map[string][]string{"a[b][c][d][e][f][g]": {"1"}}, "query_too_deep", []string{"a[b][c][d][e][f][g]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := query.Params(tc.params)
			require.Error(t, err)
			assert.Equal(t, tc.fields, invalidFields(t, err))
			assert.Equal(t, tc.code, apperr.From(err).Code)
		})
	}
}

func TestPaging(t *testing.T) {
	tests := []struct {
		raw         string
		limit, skip int
		bad         string
	}{
		{"", query.DefaultLimit, 0, ""},
		{"$limit=0", 0, 0, ""},
		{"$limit=100&$skip=1000000", 100, 1_000_000, ""},
		{"$skip=30&type=x", query.DefaultLimit, 30, ""},
		{"$limit=101", 0, 0, "$limit"},
		{"$limit=-1", 0, 0, "$limit"},
		{"$limit=ten", 0, 0, "$limit"},
		{"$limit[]=1", 0, 0, "$limit"},
		{"$skip=1000001", 0, 0, "$skip"},
		{"$skip=-5", 0, 0, "$skip"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := qs.Parse(tt.raw)
			require.NoError(t, err)
			limit, skip, err := query.Paging(q)
			if tt.bad != "" {
				require.Error(t, err)
				assert.Equal(t, []string{tt.bad}, invalidFields(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.limit, limit, "limit")
			assert.Equal(t, tt.skip, skip, "skip")
		})
	}
}

// PageByID and TrimPage: the in-memory and store-read halves of the platform lists' cursors.
func TestPageByIDAndTrimPage(t *testing.T) {
	items := []string{"k_5", "k_4", "k_3", "k_2", "k_1"} // newest first: id descending
	id := func(s string) string { return s }
	for _, tc := range []struct {
		name        string
		limit, skip int
		c           *query.Cursor
		want        []string
		more        bool
	}{
		{"first page", 2, 0, nil, []string{"k_5", "k_4"}, true},
		{"skip", 2, 3, nil, []string{"k_2", "k_1"}, false},
		{"skip past the end", 2, 9, nil, []string{}, false},
		{"after", 2, 0, &query.Cursor{ID: "k_4"}, []string{"k_3", "k_2"}, true},
		{"after a deleted id keeps its place", 2, 0, &query.Cursor{ID: "k_35"}, []string{"k_3", "k_2"}, true},
		{"after the last", 2, 0, &query.Cursor{ID: "k_1"}, []string{}, false},
		{"before", 2, 0, &query.Cursor{ID: "k_2", Before: true}, []string{"k_4", "k_3"}, true},
		{"before, at the start", 2, 0, &query.Cursor{ID: "k_4", Before: true}, []string{"k_5"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more := query.PageByID(items, id, true, tc.limit, tc.skip, tc.c)
			assert.Equal(t, tc.want, append([]string{}, got...))
			assert.Equal(t, tc.more, more)
		})
	}
	got, more := query.TrimPage([]string{"a", "b", "c"}, 2, nil)
	assert.Equal(t, []string{"a", "b"}, got)
	assert.True(t, more)
	got, more = query.TrimPage([]string{"a", "b", "c"}, 2, &query.Cursor{Before: true})
	assert.Equal(t, []string{"b", "c"}, got, "read backwards, the extra item is the first")
	assert.True(t, more)
	got, more = query.TrimPage([]string{"a"}, 2, nil)
	assert.Equal(t, []string{"a"}, got)
	assert.False(t, more)
}

func TestListCursor(t *testing.T) {
	for raw, want := range map[string]string{
		"startingAfter=evt_1&$skip=2":            "startingAfter: cannot be combined with $skip",
		"startingAfter=req_1":                    "startingAfter: must be an id of this list (evt_...)",
		"startingAfter=evt_1&endingBefore=evt_2": "endingBefore: cannot be combined with startingAfter",
		"endingBefore=evt_":                      "endingBefore: must be an id",
	} {
		parts := map[string][]string{}
		for _, kv := range strings.Split(raw, "&") {
			p := strings.SplitN(kv, "=", 2)
			parts[p[0]] = []string{p[1]}
		}
		q, err := query.Params(parts)
		require.NoError(t, err)
		_, err = query.ListCursor(q, "evt")
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
	q, err := query.Params(map[string][]string{"endingBefore": {"evt_9"}})
	require.NoError(t, err)
	c, err := query.ListCursor(q, "evt")
	require.NoError(t, err)
	assert.Equal(t, &query.Cursor{ID: "evt_9", Before: true, Param: "endingBefore"}, c)
}

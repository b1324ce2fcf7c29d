package query_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	}{
		{"too many parameters", map[string][]string{"type": strings.Split(strings.Repeat("a,", 1001), ",")}, "too_many_parameters"},
		{"too deep", map[string][]string{"a[b][c][d][e][f][g]": {"1"}}, "query_too_deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := query.Params(tc.params)
			require.Error(t, err)
			assert.Equal(t, []string{tc.code}, invalidFields(t, err))
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

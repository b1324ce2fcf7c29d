package query_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
)

// TestReadList: a platform list's paging in either dialect, with the clinical lists' bounds and
// refusals; Hubpay's sort may only name the list's one order.
func TestReadList(t *testing.T) {
	newestFirst := query.SortKey{Field: "createdAt", Desc: true}
	tests := []struct {
		raw         string
		hubpay      bool
		limit, skip int
		page, size  int
		bad         string
	}{
		{"", false, query.DefaultLimit, 0, 0, 0, ""},
		{"$limit=3&$skip=6&type=x", false, 3, 6, 0, 0, ""},
		{"page=0", true, query.DefaultLimit, 0, 0, query.DefaultLimit, ""},
		{"page=2&size=5", true, 5, 10, 2, 5, ""},
		{"size=100&status=failed", true, 100, 0, 0, 100, ""},
		{"page=3&sort=createdAt,desc", true, 10, 30, 3, 10, ""},
		{"sort=id,DESC&sort=createdAt,desc", true, 10, 0, 0, 10, ""},
		{"page=10000&size=100", true, 100, query.MaxSkip, 10000, 100, ""},
		{"page=10001&size=100", true, 0, 0, 0, 0, "page"},
		{"size=0", true, 0, 0, 0, 0, "size"},
		{"size=101", true, 0, 0, 0, 0, "size"},
		{"page=-1", true, 0, 0, 0, 0, "page"},
		{"page=one", true, 0, 0, 0, 0, "page"},
		{"sort=createdAt,asc", true, 0, 0, 0, 0, "sort"},
		{"sort=createdAt", true, 0, 0, 0, 0, "sort"}, // Spring's default direction is asc
		{"sort=type,desc", true, 0, 0, 0, 0, "sort"},
		{"page=1&$limit=5", true, 0, 0, 0, 0, "page"},
		{"size=5&$total=true", true, 0, 0, 0, 0, "size"},
		{"page=1&startingAfter=evt_1", true, 0, 0, 0, 0, "startingAfter"},
		{"$limit=101", false, 0, 0, 0, 0, "$limit"},
		{"startingAfter=we_1", false, 0, 0, 0, 0, "startingAfter"}, // another list's id
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := qs.Parse(tt.raw)
			require.NoError(t, err)
			p, err := query.ReadList(q, "evt", newestFirst)
			if tt.bad != "" {
				require.Error(t, err)
				assert.Equal(t, []string{tt.bad}, invalidFields(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.hubpay, p.Dialect == query.Hubpay)
			assert.Equal(t, tt.limit, p.Limit, "limit")
			assert.Equal(t, tt.skip, p.Skip, "skip")
			assert.Equal(t, tt.page, p.Page, "page")
			assert.Equal(t, tt.size, p.Size, "size")
		})
	}
	oldestFirst, err := qs.Parse("sort=createdAt")
	require.NoError(t, err)
	_, err = query.ReadList(oldestFirst, "key", query.SortKey{Field: "createdAt"})
	assert.NoError(t, err, "API keys are oldest first: sort=createdAt (asc) names their order")
}

// TestListPageBody: the Feathers shape, Spring's Page when the total is known, its Slice (no
// totalElements, totalPages; last from hasMore) when it is not.
func TestListPageBody(t *testing.T) {
	parse := func(raw string) query.ListPage {
		q, err := qs.Parse(raw)
		require.NoError(t, err)
		p, err := query.ReadList(q, "key", query.SortKey{Field: "createdAt"})
		require.NoError(t, err)
		return p
	}
	data := []any{"a", "b"}
	tests := []struct {
		name        string
		raw         string
		hasMore     bool
		total       int
		want        map[string]any
		wantMissing []string
	}{
		{"feathers with total", "$limit=2&$skip=2", true, 7, map[string]any{"data": data, "limit": 2, "skip": 2, "hasMore": true, "total": 7}, nil},
		{"feathers without total", "$limit=2", false, -1, map[string]any{"data": data, "limit": 2, "skip": 0, "hasMore": false}, []string{"total"}},
		{"page", "page=1&size=2", true, 7, map[string]any{"content": data, "number": 1, "size": 2, "totalElements": 7, "totalPages": 4,
			"first": false, "last": false, "numberOfElements": 2, "empty": false, "hasMore": true,
			"sort": map[string]any{"sorted": false, "unsorted": true, "empty": true}}, []string{"data"}},
		{"last page", "page=3&size=2&sort=createdAt,asc", false, 7, map[string]any{"number": 3, "totalPages": 4, "first": false, "last": true,
			"sort": map[string]any{"sorted": true, "unsorted": false, "empty": false}}, nil},
		{"slice", "page=0&size=2", true, -1, map[string]any{"content": data, "number": 0, "size": 2, "first": true, "last": false,
			"numberOfElements": 2, "empty": false, "hasMore": true}, []string{"totalElements", "totalPages", "data"}},
		{"last slice", "page=4&size=2", false, -1, map[string]any{"first": false, "last": true}, []string{"totalElements"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := parse(tt.raw).Body(data, tt.hasMore, tt.total)
			for k, v := range tt.want {
				assert.Equal(t, v, body[k], k)
			}
			for _, k := range tt.wantMissing {
				assert.NotContains(t, body, k)
			}
		})
	}
}

package query_test

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
)

func TestTimeRange(t *testing.T) {
	maxMs := strconv.FormatInt(math.MaxInt64, 10)
	tests := []struct {
		raw          string
		from, before int64
	}{
		{"createdAt=1000", 1000, 1001},
		{"createdAt=0", 0, 1},
		{"createdAt[$gte]=1000", 1000, 0},
		{"createdAt[$gt]=1000", 1001, 0},
		{"createdAt[$lt]=2000", 0, 2000},
		{"createdAt[$lte]=2000", 0, 2001},
		{"createdAt[$gte]=1000&createdAt[$lt]=2000", 1000, 2000},
		{"createdAt[$gt]=1000&createdAt[$gte]=1500", 1500, 0},
		{"createdAt[$gte]=1500&createdAt[$gt]=1000", 1500, 0},
		{"createdAt[$lt]=2000&createdAt[$lte]=1500", 0, 1501},
		{"createdAt[$lte]=1500&createdAt[$lt]=2000", 0, 1501},
		// An upper bound of 0 matches nothing, whatever comes with it (0 alone would be open).
		{"createdAt[$lt]=0", 0, 1},
		{"createdAt[$lt]=0&createdAt[$lte]=5000", 0, 1},
		{"createdAt[$lte]=5000&createdAt[$lt]=0", 0, 1},
		{"createdAt[$gte]=10&createdAt[$lt]=0", 10, 1},
		// The largest time does not wrap to a negative bound.
		{"createdAt[$lte]=" + maxMs, 0, math.MaxInt64},
		{"createdAt[$gt]=" + maxMs, math.MaxInt64, 0},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			from, before, err := query.TimeRange("createdAt", createdAt(t, tt.raw))
			require.NoError(t, err)
			assert.Equal(t, tt.from, from, "from")
			assert.Equal(t, tt.before, before, "before")
		})
	}
}

func TestTimeRangeRefuses(t *testing.T) {
	for _, raw := range []string{
		"createdAt=yesterday",
		"createdAt=-1",
		"createdAt[$lt]=soon",
		"createdAt[$gte]=-5",
		"createdAt[$near]=1",
		"createdAt[$gte]=1&createdAt[$ne]=2",
		"createdAt[]=1",
	} {
		t.Run(raw, func(t *testing.T) {
			_, _, err := query.TimeRange("createdAt", createdAt(t, raw))
			require.Error(t, err)
			assert.Equal(t, []string{"createdAt"}, invalidFields(t, err))
		})
	}
}

func createdAt(t *testing.T, raw string) qs.Value {
	t.Helper()
	q, err := qs.Parse(raw)
	require.NoError(t, err)
	v, ok := q.Get("createdAt")
	require.True(t, ok, raw)
	return v
}

package webhook_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
)

// An endpoint's deliveries in Hubpay's page/size dialect: a Spring Slice (no count is kept, so
// no totalElements/totalPages; last from hasMore), page by page the list in its order (newest
// first), with the status filter; the clinical lists' refusals (infra/localtest
// TestPlatformListsPageSize covers the other platform lists through the whole stack).
func TestDeliveriesPageSize(t *testing.T) {
	h := newAPI(t)
	path := endpointWithDeliveries(t, h, 5)
	list := func(q string) (int, map[string]any) {
		return h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", path, q, nil)
	}
	ids := func(items any) []string {
		var out []string
		for _, d := range items.([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	_, ref := list("$limit=100&status=succeeded")
	want := ids(ref["data"])
	require.GreaterOrEqual(t, len(want), 5)

	var walked []string
	for n := 0; n < 10; n++ {
		status, page := list(fmt.Sprintf("page=%d&size=2&status=succeeded", n))
		require.Equal(t, http.StatusOK, status, page)
		walked = append(walked, ids(page["content"])...)
		assert.EqualValues(t, n, page["number"])
		assert.EqualValues(t, 2, page["size"])
		assert.Equal(t, n == 0, page["first"])
		assert.NotContains(t, page, "totalElements")
		assert.NotContains(t, page, "data")
		if page["last"] == true {
			assert.Equal(t, false, page["hasMore"])
			break
		}
	}
	assert.Equal(t, want, walked)
	_, none := list("page=0&size=2&status=failed")
	assert.Equal(t, true, none["empty"])
	assert.Equal(t, true, none["last"])

	for _, bad := range []struct{ query, field string }{
		{"page=0&$limit=2", "page"},
		{"size=2&startingAfter=" + want[0], "startingAfter"},
		{"sort=createdAt,asc", "sort"},
		{"size=101", "size"},
		{"page=x", "page"},
		{"size=2&colour=red", "colour"},
	} {
		status, out := list(bad.query)
		require.Equal(t, http.StatusBadRequest, status, "%s: %v", bad.query, out)
		assert.Equal(t, bad.field, out["errors"].([]any)[0].(map[string]any)["field"], bad.query)
	}
}

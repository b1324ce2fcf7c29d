package localtest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

// TestPlatformListsPageSize: Hubpay's page/size dialect (the guide 001: page from 0, size
// default 10; content, number, size, totalElements, totalPages, first, last, numberOfElements,
// empty) on the platform lists, through the whole stack. Walking page=0,1,... yields the list in
// its order, exactly as the $limit/$skip shape does; lists that know their total (API keys,
// webhook endpoints) answer a Spring Page, those that would read every match to count it (events,
// request logs) a Slice without totalElements/totalPages (docs/query.md); organizations, in
// their fixed order, a Page. The list's filters work
// in either dialect; sort may only name the list's order; the dialects do not mix.
func TestPlatformListsPageSize(t *testing.T) {
	env := localtest.Shared(t)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(recv.Close)
	base := strings.Replace(recv.URL, "127.0.0.1", "localhost", 1)
	// Events and request logs are bounded to this test's own (the shared stack holds other
	// tests' too, and each GET is logged): [since, before).
	since := fmt.Sprint(time.Now().UnixMilli() - 1)
	for i := range 4 {
		r := env.Do(t, "POST", "/webhook-endpoints", env.TestKey, map[string]any{"url": fmt.Sprintf("%s/pagesize/%d", base, i), "enabledEvents": []string{"invoice.paid"}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		id := r.JSON(t)["id"].(string)
		t.Cleanup(func() { env.Do(t, "DELETE", "/webhook-endpoints/"+id, env.TestKey, nil) })
		createPatient(t, env, "PageSize")
	}
	time.Sleep(2 * time.Millisecond)
	before := fmt.Sprint(time.Now().UnixMilli())
	time.Sleep(2 * time.Millisecond)

	get := func(t *testing.T, path string) (int, map[string]any) {
		r := env.Do(t, "GET", path, env.TestKey, nil)
		return r.Status, r.JSON(t)
	}
	ids := func(items any) []string {
		var out []string
		for _, d := range items.([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		path, filter string
		size         int
		knowsTotal   bool
		order        string // the list's one order, in Hubpay's sort
	}{
		{"/events", "type=patient.created&createdAt[$gte]=" + since + "&createdAt[$lt]=" + before, 3, false, "createdAt,desc"},
		{"/request-logs", "method=POST&createdAt[$gte]=" + since + "&createdAt[$lt]=" + before, 3, false, "createdAt,desc"},
		{"/webhook-endpoints", "", 3, true, "createdAt,desc"},
		{"/api-keys", "", 1, true, "createdAt,asc"},
		{"/organizations", "", 1, true, ""}, // a fixed order of their own: sort names none
	} {
		t.Run(tc.path, func(t *testing.T) {
			q := tc.path + "?"
			if tc.filter != "" {
				q += tc.filter + "&"
			}
			status, ref := get(t, q+"$limit=100")
			require.Equal(t, http.StatusOK, status, ref)
			want := ids(ref["data"])
			require.Greater(t, len(want), tc.size, "%s has more than one page", tc.path)
			require.Equal(t, false, ref["hasMore"], "%s fits one $limit=100 page (the reference)", tc.path)

			var walked []string
			for n := 0; ; n++ {
				require.LessOrEqual(t, n, len(want)/tc.size+1, "last never came")
				status, page := get(t, fmt.Sprintf("%spage=%d&size=%d", q, n, tc.size))
				require.Equal(t, http.StatusOK, status, page)
				content := ids(page["content"])
				walked = append(walked, content...)
				assert.NotContains(t, page, "data", "one shape or the other")
				assert.EqualValues(t, n, page["number"])
				assert.EqualValues(t, tc.size, page["size"])
				assert.EqualValues(t, len(content), page["numberOfElements"])
				assert.Equal(t, n == 0, page["first"])
				assert.Equal(t, len(content) == 0, page["empty"])
				assert.Equal(t, page["last"], !page["hasMore"].(bool))
				if tc.knowsTotal {
					assert.EqualValues(t, len(want), page["totalElements"])
					assert.EqualValues(t, (len(want)+tc.size-1)/tc.size, page["totalPages"])
				} else {
					assert.NotContains(t, page, "totalElements", "a Slice: counting would read every match")
					assert.NotContains(t, page, "totalPages")
				}
				if page["last"] == true {
					break
				}
			}
			assert.Equal(t, want, walked, "page by page is the list in its order")

			status, past := get(t, fmt.Sprintf("%spage=%d&size=%d", q, len(want)/tc.size+1, tc.size))
			require.Equal(t, http.StatusOK, status, past)
			assert.Equal(t, true, past["empty"])
			assert.Equal(t, true, past["last"])

			other := "createdAt,asc"
			if tc.order != "" {
				status, sorted := get(t, fmt.Sprintf("%ssize=%d&sort=%s", q, tc.size, tc.order))
				require.Equal(t, http.StatusOK, status, sorted)
				assert.Equal(t, want[:tc.size], ids(sorted["content"]))
				assert.Equal(t, map[string]any{"sorted": true, "unsorted": false, "empty": false}, sorted["sort"])
				other = strings.Replace(tc.order, "desc", "x", 1)
				other = strings.Replace(strings.Replace(other, "asc", "desc", 1), "x", "asc", 1)
			}
			for _, bad := range []struct{ query, field string }{
				{"sort=" + other, "sort"},
				{"sort=status,desc", "sort"},
				{"page=1&$limit=3", "page"},
				{"page=0&startingAfter=" + want[0], "startingAfter"},
				{"size=0", "size"},
				{"size=101", "size"},
				{"page=-1", "page"},
				{"page=1000000&size=100", "page"},
			} {
				status, out := get(t, q+bad.query)
				require.Equal(t, http.StatusBadRequest, status, "%s%s: %v", q, bad.query, out)
				assert.Equal(t, "INVALID_PARAMETERS", out["name"])
				errs, _ := out["errors"].([]any)
				require.Len(t, errs, 1, out)
				assert.Equal(t, bad.field, errs[0].(map[string]any)["field"], "%s%s", q, bad.query)
			}
		})
	}
}

package localtest_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

// listPage GETs one page and returns its ids, hasMore and the response.
func listPage(t *testing.T, env *localtest.Env, q string) ([]string, bool, *localtest.Response) {
	t.Helper()
	r := env.Do(t, "GET", "/patients?"+q, env.TestKey, nil)
	if r.Status != http.StatusOK {
		return nil, false, r
	}
	body := r.JSON(t)
	var ids []string
	for _, d := range body["data"].([]any) {
		ids = append(ids, d.(map[string]any)["id"].(string))
	}
	more, ok := body["hasMore"].(bool)
	require.True(t, ok, "hasMore on every list: %s", r.Body)
	return ids, more, r
}

func createPatient(t *testing.T, env *localtest.Env, last string) string {
	t.Helper()
	r := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Cursor", "lastName": last})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.JSON(t)["id"].(string)
}

// Issue 20 item 3: a sync by startingAfter, while other clients insert and delete, sees every
// object that existed for the whole sync exactly once (property, over random interleavings), in
// id order and sorted on a field. In id order a deleted cursor keeps its place; sorted, a deleted
// cursor is 400 on startingAfter and the client resumes from the page's previous object, as
// docs/query.md says.
func TestCursorSyncUnderConcurrentWrites(t *testing.T) {
	env := localtest.Shared(t)
	surnames := []string{"Aalto", "Curie", "Mbeki", "Noether", "Zhou"}
	for _, order := range []string{"", "&$sort[0][lastName]=1", "&$sort[0][lastName]=-1&$sort[1][id]=-1"} {
		t.Run("order"+order, func(t *testing.T) {
			// Doomed objects exist when the sync starts and are deleted during it.
			var doomed []string
			for i := range 12 {
				doomed = append(doomed, createPatient(t, env, surnames[i%len(surnames)]))
			}
			before := allIDs(t, env)
			isDoomed := map[string]bool{}
			for _, id := range doomed {
				isDoomed[id] = true
			}
			var wg sync.WaitGroup
			stop := make(chan struct{})
			var churned []string
			var mu sync.Mutex
			wg.Add(1)
			go func() { // insert and delete while the sync runs
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(len(order)), 7))
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					// Not createPatient: require may not stop the test from another goroutine.
					r := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Cursor", "lastName": surnames[rng.IntN(len(surnames))]})
					if !assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body) {
						return
					}
					mu.Lock()
					churned = append(churned, r.JSON(t)["id"].(string))
					mu.Unlock()
					if i < len(doomed)/2 {
						assert.Equal(t, http.StatusOK, env.Do(t, "DELETE", "/patients/"+doomed[i], env.TestKey, nil).Status)
					}
				}
			}()
			// Besides the free-running writer, each page is followed by an insert and the delete of
			// the next doomed object (cursor objects included), so every sync meets writes.
			step := 0
			rng := rand.New(rand.NewPCG(uint64(len(order)), 11))
			churn := func() {
				id := createPatient(t, env, surnames[rng.IntN(len(surnames))])
				mu.Lock()
				churned = append(churned, id)
				mu.Unlock()
				if j := len(doomed) - 1 - step; j >= len(doomed)/2 {
					assert.Equal(t, http.StatusOK, env.Do(t, "DELETE", "/patients/"+doomed[j], env.TestKey, nil).Status)
				}
				step++
			}
			seen := map[string]int{}
			var last []string // the previous page, to resume from when its last object is gone
			cursor := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, 500, "the sync ends")
				q := "$limit=7" + order
				if cursor != "" {
					q += "&startingAfter=" + url.QueryEscape(cursor)
				}
				ids, more, r := listPage(t, env, q)
				if r.Status == http.StatusBadRequest && order != "" && strings.Contains(string(r.Body), "startingAfter") && len(last) > 1 {
					last = last[:len(last)-1] // the cursor was deleted: resume from the one before
					cursor = last[len(last)-1]
					continue
				}
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				for _, id := range ids {
					seen[id]++
				}
				if !more {
					break
				}
				require.NotEmpty(t, ids)
				last, cursor = ids, ids[len(ids)-1]
				churn()
			}
			close(stop)
			wg.Wait()
			require.GreaterOrEqual(t, step, len(doomed)/2, "the sync met writes")
			for _, id := range before {
				if isDoomed[id] {
					assert.LessOrEqual(t, seen[id], 1, "%s: at most once", id)
					continue
				}
				assert.Equal(t, 1, seen[id], "%s existed for the whole sync: exactly once", id)
			}
			for id, n := range seen {
				assert.Equal(t, 1, n, "%s seen %d times", id, n)
			}
			for _, id := range churned {
				env.Do(t, "DELETE", "/patients/"+id, env.TestKey, nil)
			}
		})
	}
}

// allIDs lists every patient id by cursor pages (no writes meanwhile), checking that the cursor
// walk agrees with the offset walk.
func allIDs(t *testing.T, env *localtest.Env) []string {
	t.Helper()
	var out []string
	for cursor := ""; ; {
		q := "$limit=100"
		if cursor != "" {
			q += "&startingAfter=" + cursor
		}
		ids, more, r := listPage(t, env, q)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		out = append(out, ids...)
		if !more {
			return out
		}
		cursor = ids[len(ids)-1]
	}
}

// Cursor pages through the router: both directions, every sort shape, hasMore, and the 400s.
func TestCursorPages(t *testing.T) {
	env := localtest.Shared(t)
	for _, order := range []string{"", "&$sort[0][lastName]=1", "&$sort[0][lastName]=-1", "&$sort[0][lastName]=1&$sort[1][firstName]=1",
		"&$sort[0][createdAt]=-1", "&status=active&$sort[0][dateOfBirth]=1", "&status=active"} {
		t.Run(order, func(t *testing.T) {
			// The offset walk is the reference (no writes meanwhile).
			var want []string
			for skip := 0; ; skip += 50 {
				ids, more, r := listPage(t, env, fmt.Sprintf("$limit=50&$skip=%d%s", skip, order))
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				want = append(want, ids...)
				if !more {
					break
				}
			}
			require.NotEmpty(t, want)
			var got []string
			for cursor := ""; ; {
				q := "$limit=9" + order
				if cursor != "" {
					q += "&startingAfter=" + cursor
				}
				ids, more, r := listPage(t, env, q)
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				got = append(got, ids...)
				if !more {
					break
				}
				cursor = ids[len(ids)-1]
			}
			assert.Equal(t, want, got, "startingAfter walks the list's order")
			// endingBefore walks back from the end, each page in the list's order.
			var back []string
			for cursor := want[len(want)-1]; ; {
				ids, more, r := listPage(t, env, "$limit=9&endingBefore="+cursor+order)
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				back = append(ids, back...)
				if !more {
					break
				}
				cursor = ids[0]
			}
			assert.Equal(t, want[:len(want)-1], back, "endingBefore pages backwards, each page in the list's order")
		})
	}
	for _, tc := range []struct{ name, q, param string }{
		{"with $skip", "startingAfter=pat_00000000000000000000000000&$skip=10", "startingAfter"},
		{"both cursors", "startingAfter=pat_00000000000000000000000000&endingBefore=pat_00000000000000000000000001", "endingBefore"},
		{"wrong prefix", "startingAfter=apt_00000000000000000000000000", "startingAfter"},
		{"unknown id sorted", "endingBefore=pat_00000000000000000000000000&$sort[0][lastName]=1", "endingBefore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, "GET", "/patients?"+tc.q, env.TestKey, nil)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			assert.Contains(t, string(r.Body), tc.param)
			assert.Contains(t, string(r.Body), "INVALID_PARAMETERS")
		})
	}
	// In id order an id is a position even when no object has it (one deleted since).
	ids, _, r := listPage(t, env, "$limit=3&startingAfter=pat_00000000000000000000000000")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	first, _, _ := listPage(t, env, "$limit=3")
	assert.Equal(t, first, ids)
}

// The platform lists page by cursor too: from any object of the list, startingAfter walks on in
// the list's order and endingBefore walks back (each page in the list's order), hasMore on each.
func TestPlatformListCursors(t *testing.T) {
	env := localtest.Shared(t)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(recv.Close)
	base := strings.Replace(recv.URL, "127.0.0.1", "localhost", 1)
	for i := range 4 { // endpoints of their own, so that list has pages
		r := env.Do(t, "POST", "/webhook-endpoints", env.TestKey, map[string]any{"url": fmt.Sprintf("%s/cursor/%d", base, i), "enabledEvents": []string{"invoice.paid"}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		id := r.JSON(t)["id"].(string)
		t.Cleanup(func() { env.Do(t, "DELETE", "/webhook-endpoints/"+id, env.TestKey, nil) })
	}
	for range 4 {
		createPatient(t, env, "Events") // events of our own
	}
	get := func(path string) ([]string, bool) {
		r := env.Do(t, "GET", path, env.TestKey, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
		body := r.JSON(t)
		more, ok := body["hasMore"].(bool)
		require.True(t, ok, "%s: hasMore on every list: %s", path, r.Body)
		var ids []string
		for _, d := range body["data"].([]any) {
			ids = append(ids, d.(map[string]any)["id"].(string))
		}
		return ids, more
	}
	for _, tc := range []struct{ path, prefix string }{
		{"/events", "evt"}, {"/request-logs", "req"}, {"/webhook-endpoints", "we"}, {"/api-keys", "key"}, {"/organizations", "org"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			ref, _ := get(tc.path + "?$limit=12")
			require.GreaterOrEqual(t, len(ref), 2, "%s has objects", tc.path)
			// From the first object on (newer request logs and events may arrive meanwhile: they
			// come before it, so they change nothing after it).
			var walked []string
			cursor := ref[0]
			for range 20 {
				ids, more := get(tc.path + "?$limit=2&startingAfter=" + cursor)
				walked = append(walked, ids...)
				if !more || len(walked) >= len(ref)-1 {
					break
				}
				cursor = ids[len(ids)-1]
			}
			require.GreaterOrEqual(t, len(walked), len(ref)-1)
			assert.Equal(t, ref[1:], walked[:len(ref)-1], "startingAfter walks the list's order")
			n := len(ref) - 1
			ids, more := get(tc.path + "?$limit=2&endingBefore=" + ref[n])
			assert.Equal(t, ref[max(0, n-2):n], ids, "endingBefore: the objects just before, in the list's order")
			assert.Equal(t, n > 2, more)
			for _, q := range []string{"?startingAfter=" + ref[0] + "&$skip=1", "?startingAfter=nope_1", "?startingAfter=" + ref[0] + "&endingBefore=" + ref[1]} {
				r := env.Do(t, "GET", tc.path+q, env.TestKey, nil)
				assert.Equal(t, http.StatusBadRequest, r.Status, "%s%s: %s", tc.path, q, r.Body)
				assert.Contains(t, string(r.Body), "INVALID_PARAMETERS")
			}
		})
	}
}

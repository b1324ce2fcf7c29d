package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/idemstore"
)

func (h *harness) testTenant(t testing.TB) domain.Tenant {
	acct, err := h.st.GetAccount(context.Background(), h.acct)
	require.NoError(t, err)
	return domain.Tenant{Account: h.acct, Mode: domain.Test, Org: acct.SandboxOrg}
}

func (h *harness) patientCount(t testing.TB) int {
	docs, err := h.st.ListAll(context.Background(), h.testTenant(t), schema.Patients)
	require.NoError(t, err)
	return len(docs)
}

func TestIdempotencyRules(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	post := func(key, body string) reply {
		return h.do(req{key: sk, method: "POST", path: "/patients", body: body, header: map[string]string{"Idempotency-Key": key}})
	}
	before := h.patientCount(t)
	first := post("k1", `{"firstName":"Ann","lastName":"Lee"}`)
	require.Equal(t, 201, first.status, first.body)
	assert.Empty(t, first.header["Idempotent-Replayed"])
	// Same request, key order and spacing aside: the first response again.
	again := post("k1", `{ "lastName":"Lee", "firstName":"Ann" }`)
	require.Equal(t, 201, again.status)
	assert.Equal(t, "true", again.header["Idempotent-Replayed"])
	assert.Equal(t, first.body, again.body)
	assert.Equal(t, first.header["ETag"], again.header["ETag"])
	assert.Equal(t, before+1, h.patientCount(t))

	reused := post("k1", `{"firstName":"Bob","lastName":"Lee"}`)
	assert.Equal(t, 400, reused.status)
	assert.Equal(t, "idempotency_key_reused", reused.body["reason"])
	other := h.do(req{key: sk, method: "PATCH", path: "/patients/" + first.body["id"].(string), body: `{"firstName":"Bob"}`, header: map[string]string{"Idempotency-Key": "k1"}})
	assert.Equal(t, "idempotency_key_reused", other.body["reason"], "another path is another request")

	long := post(strings.Repeat("x", 256), `{"firstName":"Ann","lastName":"Lee"}`)
	assert.Equal(t, 400, long.status)
	assert.Equal(t, 201, post(strings.Repeat("y", 255), `{"firstName":"Ann","lastName":"Lee"}`).status)

	// Validation errors are not saved: the corrected retry with the same key runs.
	assert.Equal(t, 400, post("k2", `{"firstName":"Ann"}`).status)
	second := post("k2", `{"firstName":"Ann"}`)
	assert.Equal(t, 400, second.status)
	assert.Empty(t, second.header["Idempotent-Replayed"], "validation errors are not replayed")
	assert.Equal(t, 201, post("k2", `{"firstName":"Ann","lastName":"Ng"}`).status)

	// A NOT_FOUND began executing: it is saved and replayed, even once the object exists.
	nf := h.do(req{key: sk, method: "DELETE", path: "/patients/pat_01JZZZZZZZZZZZZZZZZZZZZZZZ", header: map[string]string{"Idempotency-Key": "k3"}})
	require.Equal(t, 404, nf.status)
	nf2 := h.do(req{key: sk, method: "DELETE", path: "/patients/pat_01JZZZZZZZZZZZZZZZZZZZZZZZ", header: map[string]string{"Idempotency-Key": "k3"}})
	assert.Equal(t, 404, nf2.status)
	assert.Equal(t, "true", nf2.header["Idempotent-Replayed"])
	assert.Equal(t, nf.body["message"], nf2.body["message"])

	// Keys are per account and mode: the live key's k1 is a different key.
	assert.NotEqual(t, "true", h.do(req{key: h.keys["sk_live"], method: "POST", path: "/api-keys", body: `{"name":"x"}`,
		header: map[string]string{"Idempotency-Key": "k1"}}).header["Idempotent-Replayed"])

	// Kept 24 hours.
	h.clock.Advance(24*time.Hour + time.Second)
	fresh := post("k1", `{"firstName":"Ann","lastName":"Lee"}`)
	assert.Equal(t, 201, fresh.status)
	assert.Empty(t, fresh.header["Idempotent-Replayed"])
	assert.NotEqual(t, first.body["id"], fresh.body["id"])
}

func TestIdempotencyInFlightAndLease(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	body := `{"firstName":"Ann","lastName":"Lee"}`
	fp := api.Fingerprint(&api.Request{Event: events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/patients"}, Tenant: h.testTenant(t), Body: []byte(body)})
	// A request that reserved the key and then died (or is still running).
	_, reserved, err := h.st.ReserveIdempotencyKey(ctx, h.acct, domain.Test, "crash", fp, "dead-owner")
	require.NoError(t, err)
	require.True(t, reserved)
	r := req{key: h.keys["sk_test"], method: "POST", path: "/patients", body: body, header: map[string]string{"Idempotency-Key": "crash"}}
	busy := h.do(r)
	assert.Equal(t, 409, busy.status)
	assert.Equal(t, "IDEMPOTENCY_ERROR", busy.name())
	assert.Equal(t, "idempotency_key_in_use", busy.body["reason"], "the retryable 409 says so (Stripe's code)")
	assert.Equal(t, "1", busy.header["Retry-After"])
	other := h.do(req{key: r.key, method: "POST", path: "/patients", body: `{"firstName":"Bob","lastName":"Lee"}`, header: r.header})
	assert.Equal(t, "idempotency_key_reused", other.body["reason"], "a different request is refused even while pending")

	h.clock.Advance(idemstore.IdempotencyLease - time.Millisecond)
	assert.Equal(t, 409, h.do(r).status, "the lease still holds")
	h.clock.Advance(time.Millisecond)
	ran := h.do(r)
	assert.Equal(t, 201, ran.status, "a lapsed lease no longer blocks")
	assert.Empty(t, ran.header["Idempotent-Replayed"])
	// The dead owner can no longer record over its successor.
	assert.Error(t, h.st.CompleteIdempotencyKey(ctx, h.acct, domain.Test, "crash", "dead-owner", 500, "{}", nil))
	replayed := h.do(r)
	assert.Equal(t, "true", replayed.header["Idempotent-Replayed"])
	assert.Equal(t, ran.body["id"], replayed.body["id"])
}

// TestIdempotencyConcurrent: 20 concurrent POSTs with one key create exactly one patient, and
// every response is the first response, its replay or a 409.
func TestIdempotencyConcurrent(t *testing.T) {
	h := newHarness(t)
	before := h.patientCount(t)
	const n = 20
	replies := make([]reply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = h.doConcurrent(req{key: h.keys["sk_test"], method: "POST", path: "/patients", body: `{"firstName":"Ann","lastName":"Lee"}`,
				header: map[string]string{"Idempotency-Key": "same"}})
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, before+1, h.patientCount(t), "exactly one patient")
	ids := map[any]bool{}
	created := 0
	for _, r := range replies {
		switch r.status {
		case 201:
			ids[r.body["id"]] = true
			if r.header["Idempotent-Replayed"] != "true" {
				created++
			}
		case 409:
			assert.Equal(t, "IDEMPOTENCY_ERROR", r.name())
			assert.Equal(t, "idempotency_key_in_use", r.body["reason"])
			assert.Equal(t, "1", r.header["Retry-After"])
		default:
			t.Errorf("unexpected %d %v", r.status, r.body)
		}
	}
	assert.Equal(t, 1, created, "one request ran")
	assert.Len(t, ids, 1, "every 201 names the same patient")
}

// doConcurrent is do with the authorizer context computed up front (the harness's cache map is
// not safe for concurrent use).
func (h *harness) doConcurrent(q req) reply {
	h.mu.Lock()
	if _, ok := h.cache[q.key]; !ok {
		h.mu.Unlock()
		h.do(req{key: q.key, method: "GET", path: "/api-keys"})
		h.mu.Lock()
	}
	h.mu.Unlock()
	q.cached = true
	return h.do(q)
}

// sharedPatient creates the patient the concurrent clients change, and reads it once so the
// harness's authorization for the test key is cached before they start.
func (h *harness) sharedPatient(t *testing.T) (sk, path string) {
	t.Helper()
	sk = h.keys["sk_test"]
	p := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Ann","lastName":"Lee"}`})
	require.Equal(t, 201, p.status)
	path = "/patients/" + p.body["id"].(string)
	h.doConcurrent(req{key: sk, method: "GET", path: path})
	return sk, path
}

// TestConcurrentTagsWithIfMatch: 50 clients each add one tag by GET, PATCH with If-Match, and
// a retry on 412; all 50 tags survive.
func TestConcurrentTagsWithIfMatch(t *testing.T) {
	h := newHarness(t)
	sk, path := h.sharedPatient(t)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 500; attempt++ {
				cur := h.doConcurrent(req{key: sk, method: "GET", path: path})
				tags := append(cur.body["tags"].([]any), fmt.Sprintf("t%02d", i))
				body := fmt.Sprintf(`{"tags":%s}`, jsonOf(tags))
				r := h.doConcurrent(req{key: sk, method: "PATCH", path: path, body: body, header: map[string]string{"If-Match": cur.header["ETag"]}})
				if r.status == 200 {
					return
				}
				if r.status != 412 {
					t.Errorf("unexpected %d %v", r.status, r.body)
					return
				}
			}
			t.Errorf("client %d never succeeded", i)
		}()
	}
	wg.Wait()
	final := h.doConcurrent(req{key: sk, method: "GET", path: path})
	assert.Len(t, final.body["tags"], n)
	assert.Equal(t, fmt.Sprintf(`"%d"`, n+1), final.header["ETag"])
}

// TestConcurrentPatchesWithoutIfMatch: patches of different fields never lose one another.
func TestConcurrentPatchesWithoutIfMatch(t *testing.T) {
	h := newHarness(t)
	sk, path := h.sharedPatient(t)
	const n = 30
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"metadata":{"k%02d":"v%d"}}`, i, i)
			for attempt := 0; attempt < 50; attempt++ {
				r := h.doConcurrent(req{key: sk, method: "PATCH", path: path, body: body})
				if r.status == 200 {
					return
				}
				if r.status != 429 { // lock_timeout is the documented "retry" answer
					t.Errorf("unexpected %d %v", r.status, r.body)
					return
				}
			}
		}()
	}
	wg.Wait()
	final := h.doConcurrent(req{key: sk, method: "GET", path: path})
	md := final.body["metadata"].(map[string]any)
	assert.Len(t, md, n)
	for i := range n {
		assert.Equal(t, fmt.Sprintf("v%d", i), md[fmt.Sprintf("k%02d", i)])
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

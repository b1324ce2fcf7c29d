package localtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/domain"
)

// crash puts an idempotency record back into the state a process leaves when it dies after its
// change committed and before the response was saved: pending, no response, its lease lapsed.
func crash(t *testing.T, env *localtest.Env, mode, key string) {
	t.Helper()
	acct := env.Stack.Bootstrap.AccountID
	_, err := env.Store.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: &env.Store.Table,
		Key:                      map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "A#" + acct + "#" + mode + "#IDEM"}, "SK": &types.AttributeValueMemberS{Value: key}},
		UpdateExpression:         aws.String("SET #st = :pending, #lease = :past REMOVE #status, #body, #headers"),
		ConditionExpression:      aws.String("#st = :done AND attribute_exists(#committed)"),
		ExpressionAttributeNames: map[string]string{"#st": "state", "#lease": "leaseUntil", "#status": "status", "#body": "body", "#headers": "headers", "#committed": "committed"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": &types.AttributeValueMemberS{Value: domain.IdemPending},
			":done": &types.AttributeValueMemberS{Value: domain.IdemDone}, ":past": &types.AttributeValueMemberN{Value: fmt.Sprint(time.Now().Add(-time.Second).UnixMilli())}}})
	require.NoError(t, err, "the first request's record carries its commit mark")
}

// countByLastName counts patients with that last name.
func countByLastName(t *testing.T, env *localtest.Env, key, last string, extra ...string) float64 {
	t.Helper()
	r := env.Do(t, "GET", "/patients?$limit=0&lastName="+last, key, nil, extra...)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return r.JSON(t)["total"].(float64)
}

// TestIdempotencyCrashBetweenChangeAndResult: the change commits with its reservation's mark; a
// process dying before the response is saved leaves a retry that replays the change, not one that
// makes it again — for a create, an update and a delete.
func TestIdempotencyCrashBetweenChangeAndResult(t *testing.T) {
	env := localtest.Shared(t)
	last := "Crash" + uuid.NewString()[:8]
	createKey := "crash-create-" + uuid.NewString()
	body := map[string]any{"firstName": "Ada", "lastName": last}
	first := env.Do(t, "POST", "/patients", env.TestKey, body, "Idempotency-Key", createKey)
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	id := first.JSON(t)["id"].(string)

	steps := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"create", "POST", "/patients", body, http.StatusCreated},
		{"patch", "PATCH", "/patients/" + id, map[string]any{"preferredName": "Countess"}, http.StatusOK},
		{"delete", "DELETE", "/patients/" + id, nil, http.StatusOK},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			key := createKey
			orig := first
			if s.name != "create" {
				key = "crash-" + s.name + "-" + uuid.NewString()
				orig = env.Do(t, s.method, s.path, env.TestKey, s.body, "Idempotency-Key", key)
				require.Equal(t, s.status, orig.Status, "%s", orig.Body)
			}
			crash(t, env, domain.Test, key)
			retry := env.Do(t, s.method, s.path, env.TestKey, s.body, "Idempotency-Key", key)
			require.Equal(t, s.status, retry.Status, "%s", retry.Body)
			assert.Equal(t, "true", retry.Header.Get("Idempotent-Replayed"))
			assert.JSONEq(t, string(orig.Body), string(retry.Body), "the replay is the first response")
			assert.Equal(t, orig.Header.Get("ETag"), retry.Header.Get("ETag"))
			require.NotEmpty(t, orig.Header.Get("Request-Id"))
			assert.Equal(t, orig.Header.Get("Request-Id"), retry.Header.Get("Original-Request"), "the request whose change committed")
			again := env.Do(t, s.method, s.path, env.TestKey, s.body, "Idempotency-Key", key)
			assert.Equal(t, s.status, again.Status)
			assert.Equal(t, orig.Header.Get("Request-Id"), again.Header.Get("Original-Request"), "saved with the rebuilt answer")
			assert.JSONEq(t, string(orig.Body), string(again.Body), "the replay was saved for later retries")
		})
	}
	assert.Equal(t, float64(0), countByLastName(t, env, env.TestKey, last), "one patient was created, and deleted once")
	evs := env.Do(t, "GET", "/events?$limit=100", env.TestKey, nil)
	require.Equal(t, http.StatusOK, evs.Status, "%s", evs.Body)
	n := 0
	for _, e := range evs.JSON(t)["data"].([]any) {
		obj := e.(map[string]any)["data"].(map[string]any)["object"].(map[string]any)
		if obj["id"] == id {
			n++
		}
	}
	assert.Equal(t, 3, n, "one created, one updated and one deleted event: nothing ran twice")
}

var orgIDs = regexp.MustCompile(`org_[0-9A-Z]{26}`)

// liveOrg returns a live organization of the bootstrapped account, as the HapiHub-Organization
// header pair for live requests.
func liveOrg(t *testing.T, env *localtest.Env) []string {
	t.Helper()
	r := env.Do(t, "GET", "/patients?$limit=0", env.LiveKey, nil)
	if r.Status == http.StatusOK {
		return nil
	}
	id := orgIDs.FindString(string(r.Body))
	require.NotEmpty(t, id, "live orgs named in %s", r.Body)
	return []string{"HapiHub-Organization", id}
}

// TestConcurrentPostsOneKeyOverHTTP: 20 concurrent POSTs with one Idempotency-Key (the live
// concurrency cap) create exactly one patient; every other answer is its replay or a 409.
func TestConcurrentPostsOneKeyOverHTTP(t *testing.T) {
	env := localtest.Shared(t)
	org := liveOrg(t, env)
	last := "Same" + uuid.NewString()[:8]
	key := "same-" + uuid.NewString()
	hdr := append([]string{"Idempotency-Key", key}, org...)
	var mu sync.Mutex
	var resps []*localtest.Response
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r := env.Do(t, "POST", "/patients", env.LiveKey, map[string]any{"firstName": "Bo", "lastName": last}, hdr...)
			mu.Lock()
			resps = append(resps, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	created, replays, conflicts := 0, 0, 0
	var id any
	for _, r := range resps {
		switch {
		case r.Status == http.StatusCreated && r.Header.Get("Idempotent-Replayed") == "":
			created++
			id = r.JSON(t)["id"]
		case r.Status == http.StatusCreated:
			replays++
		case r.Status == http.StatusConflict:
			conflicts++
			assert.Equal(t, "IDEMPOTENCY_ERROR", r.JSON(t)["name"])
		default:
			t.Errorf("unexpected answer %d: %s", r.Status, r.Body)
		}
	}
	assert.Equal(t, 1, created)
	assert.Equal(t, 20, created+replays+conflicts)
	for _, r := range resps {
		if r.Status == http.StatusCreated {
			assert.Equal(t, id, r.JSON(t)["id"], "every replay names the one patient")
		}
	}
	assert.Equal(t, float64(1), countByLastName(t, env, env.LiveKey, last, org...))
}

// TestConcurrentIfMatchTagsOverHTTP: 50 clients each add a tag with GET, then PATCH with If-Match,
// retrying on 412 (and on 429, as a client must); all 50 tags end up on the patient.
func TestConcurrentIfMatchTagsOverHTTP(t *testing.T) {
	env := localtest.Shared(t)
	org := liveOrg(t, env)
	p := env.Do(t, "POST", "/patients", env.LiveKey, map[string]any{"firstName": "Tag", "lastName": "Many", "metadata": map[string]any{}}, org...)
	require.Equal(t, http.StatusCreated, p.Status, "%s", p.Body)
	path := "/patients/" + p.JSON(t)["id"].(string)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			tag := fmt.Sprintf("t%02d", i)
			for attempt := 0; attempt < 200; attempt++ {
				g := env.Do(t, "GET", path, env.LiveKey, nil, org...)
				if g.Status == http.StatusTooManyRequests {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				require.Equal(t, http.StatusOK, g.Status, "%s", g.Body)
				md := g.JSON(t)["metadata"]
				tags := ""
				if m, ok := md.(map[string]any); ok {
					tags, _ = m["tags"].(string)
				}
				next := tag
				if tags != "" {
					next = tags + "," + tag
				}
				r := env.Do(t, "PATCH", path, env.LiveKey, map[string]any{"metadata": map[string]any{"tags": next}}, append([]string{"If-Match", g.Header.Get("ETag")}, org...)...)
				switch r.Status {
				case http.StatusOK:
					return
				case http.StatusPreconditionFailed, http.StatusTooManyRequests:
					continue
				}
				t.Errorf("patch %s: %d %s", tag, r.Status, r.Body)
				return
			}
			t.Errorf("tag %s never written", tag)
		})
	}
	wg.Wait()
	final := env.Do(t, "GET", path, env.LiveKey, nil, org...).JSON(t)
	var tags []string
	require.NoError(t, json.Unmarshal([]byte(`["`+regexp.MustCompile(`,`).ReplaceAllString(final["metadata"].(map[string]any)["tags"].(string), `","`)+`"]`), &tags))
	assert.Len(t, tags, 50)
	seen := map[string]bool{}
	for _, tg := range tags {
		seen[tg] = true
	}
	assert.Len(t, seen, 50, "each client's tag once")
}

// A replayed error keeps the first answer's status and message, and is rebuilt with the replaying
// request's event, which is its own Request-Id (README, "Errors have one shape"): the id a client
// quotes always finds the request it made, in the request logs.
func TestReplayedErrorNamesItsOwnRequest(t *testing.T) {
	env := localtest.Shared(t)
	key := []string{"Idempotency-Key", "replayed-404-" + uuid.NewString()}
	path := "/patients/pat_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	first := env.Do(t, "PATCH", path, env.TestKey, `{"firstName":"X"}`, key...)
	require.Equal(t, http.StatusNotFound, first.Status, "%s", first.Body)
	again := env.Do(t, "PATCH", path, env.TestKey, `{"firstName":"X"}`, key...)
	require.Equal(t, http.StatusNotFound, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	f, a := first.JSON(t), again.JSON(t)
	assert.Equal(t, f["message"], a["message"], "the first answer's message")
	assert.Equal(t, first.Header.Get("Request-Id"), f["event"])
	assert.Equal(t, again.Header.Get("Request-Id"), a["event"], "the replay's event is its own request's id")
	assert.NotEqual(t, f["event"], a["event"])
}

package localtest_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apiversion/apiversiontest"
	"github.com/hapihub/hapihub/shared/auth"
)

// authorizerTTL is template.yaml's ReauthorizeEvery for KeyAuthorizer: how long API Gateway (and
// the local gateway) keeps an authorizer's policy and context for one Authorization header.
const authorizerTTL = 300 * time.Second

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A read whose key's authorizer result is cached makes no DynamoDB call for the account or the
// organization: the sandbox organization, its capabilities and the account's API version come in
// the authorizer context. What stays per request: the key's listing entry (revocation at once),
// the read itself and the request log.
func TestCachedReadReadsNeitherAccountNorOrganization(t *testing.T) {
	env := localtest.New(t)
	list := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil) // fills the authorizer cache
	require.Equal(t, http.StatusOK, list.Status, string(list.Body))
	data, _ := list.JSON(t)["data"].([]any)
	require.Len(t, data, 1)
	id := data[0].(map[string]any)["id"].(string)

	env.DynamoDBCalls()
	got := env.Do(t, "GET", "/patients/"+id, env.TestKey, nil)
	require.Equal(t, http.StatusOK, got.Status, string(got.Body))
	calls := env.DynamoDBCalls()
	byAction := map[string]int{}
	for k, n := range calls {
		require.NotContains(t, k, "Authorizer", "the authorizer ran although its result was cached: %v", calls)
		byAction[k[strings.LastIndexByte(k, ' ')+1:]] += n
	}
	// Before the context carried them: 5 GetItems (account for the version, account for the
	// sandbox organization, key listing, organization, the patient).
	assert.Equal(t, map[string]int{"dynamodb:GetItem": 2, "dynamodb:PutItem": 1}, byAction,
		"one GetItem for the key's listing entry, one for the patient, one PutItem for the request log: %v", calls)

	// A test organization other than the sandbox is still judged by its own capabilities.
	r := env.Do(t, "GET", "/messages", env.TestKey, nil, "HapiHub-Organization", "org_test_no_messages")
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	assert.Equal(t, "METHOD_NOT_SUPPORTED", r.JSON(t)["name"])
}

// The account's API version travels in the authorizer context, so after PUT /account/api-version
// a request without HapiHub-Version, read or write, may keep the previous version for as long as
// API Gateway caches the key's authorizer result, never longer, and a write's event carries the
// version the write was served in as the account's (docs/versioning.md). A key's reads and
// writes agree on the version at every moment.
func TestAPIVersionChangeReachesCachedRequestsWithinTheAuthorizerTTL(t *testing.T) {
	clock := &testClock{t: time.Now()}
	env := localtest.New(t, localtest.Options{Now: clock.Now})
	pinned := string(apiversion.Current().Latest()) // the bootstrap account's version at sign-up
	apiversiontest.UseFuture(t)

	r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil) // cached from here on
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, pinned, r.Header.Get(apiversion.Header))

	up := env.Do(t, "PUT", "/account/api-version", env.LiveKey, map[string]any{"apiVersion": string(apiversiontest.Future)})
	require.Equal(t, http.StatusOK, up.Status, string(up.Body))

	w := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ver", "lastName": "Sioned"})
	require.Equal(t, http.StatusCreated, w.Status, string(w.Body))
	assert.Equal(t, pinned, w.Header.Get(apiversion.Header), "a cached write is in the cached version, as a cached read is")
	assert.Equal(t, pinned, eventVersionOf(t, env, w.JSON(t)["id"].(string)), "and so is its event")
	stale := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
	assert.Equal(t, pinned, stale.Header.Get(apiversion.Header), "reads and writes of a key agree")

	clock.Add(authorizerTTL + time.Second)
	r = env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, string(apiversiontest.Future), r.Header.Get(apiversion.Header), "past the authorizer's TTL a read is in the new version")
	w = env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ver", "lastName": "Sioned"})
	require.Equal(t, http.StatusCreated, w.Status, string(w.Body))
	assert.Equal(t, string(apiversiontest.Future), w.Header.Get(apiversion.Header), "and so is a write")
	assert.Equal(t, string(apiversiontest.Future), eventVersionOf(t, env, w.JSON(t)["id"].(string)), "and its event")
	assert.Equal(t, string(apiversiontest.Future), env.Do(t, "GET", "/account/api-version", env.TestKey, nil).Header.Get(apiversion.Header))
}

// eventVersionOf is the apiVersion of the patient.created event of object id.
func eventVersionOf(t *testing.T, env *localtest.Env, id string) string {
	t.Helper()
	r := env.Do(t, "GET", "/events?type=patient.created&$limit=10", env.TestKey, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for _, e := range r.JSON(t)["data"].([]any) {
		ev := e.(map[string]any)
		if ev["data"].(map[string]any)["object"].(map[string]any)["id"] == id {
			v, _ := ev["apiVersion"].(string)
			return v
		}
	}
	t.Fatalf("no patient.created event for %s", id)
	return ""
}

// A write whose key's authorizer result is cached reads neither the account nor the
// organization before its transaction: its API version comes from the authorizer context as a
// read's does (docs/versioning.md). What stays: the key's listing entry (revocation at once),
// the write's own transaction and the request log.
func TestCachedWriteReadsNeitherAccountNorOrganization(t *testing.T) {
	env := localtest.New(t)
	r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil) // fills the authorizer cache
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	w := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ca", "lastName": "Ched"})
	require.Equal(t, http.StatusCreated, w.Status, string(w.Body))
	env.DynamoDBCalls()
	w = env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ca", "lastName": "Ched"})
	require.Equal(t, http.StatusCreated, w.Status, string(w.Body))
	calls := env.DynamoDBCalls()
	byAction := map[string]int{}
	for k, n := range calls {
		if strings.Contains(k, "WebhookDispatch") || strings.Contains(k, "Sweeper") {
			continue // the event's fan-out runs beside, on the queue
		}
		require.NotContains(t, k, "Authorizer", "the authorizer ran although its result was cached: %v", calls)
		byAction[k[strings.LastIndexByte(k, ' ')+1:]] += n
	}
	// GetItems: the key's listing entry and two of the create's own (rank-list tail items of
	// the resource's orders); 4 before writes took the API version from the context (the
	// account's item). At most, not exactly: the rank lists may come to read fewer. Which items
	// are read: TestCachedTestWritesReadNoAccountItem (shared/app/platform). (IAM judges a
	// transaction's items one by one: they count as their actions.)
	assert.LessOrEqual(t, byAction["dynamodb:GetItem"], 3, "no GetItem of the account for the version: %v", calls)
	// A quiet rank list's tail (1–3 shard items) is read with one Query instead of a GetItem of
	// a random shard (docs/query.md, "Rank lists"): the two lists' tails, and nothing else.
	assert.LessOrEqual(t, byAction["dynamodb:Query"], 2, "no query before the write but the rank tails: %v", calls)
	assert.LessOrEqual(t, byAction["dynamodb:GetItem"]+byAction["dynamodb:Query"], 3, "the key's entry and the two rank tails: %v", calls)
}

// Through the local gateway, its authorizer and the authorizer's cache: a live key's cached
// context carries the account's connections, and a connection the clinic revokes after that is
// refused at once all the same, for a read and a write (nothing written), and restored at once
// (docs/keys.md, "Live connections are read with the request").
func TestRevokedConnectionReachesCachedLiveRequestsAtOnce(t *testing.T) {
	env := localtest.New(t)
	ctx := context.Background()
	k, ok, err := env.Store.KeyByHash(ctx, auth.Hash(env.LiveKey))
	require.NoError(t, err)
	require.True(t, ok)
	conns, err := env.Store.Connections(ctx, k.AccountID)
	require.NoError(t, err)
	require.NotEmpty(t, conns)
	org := []string{"HapiHub-Organization", conns[0].Org}
	r := env.Do(t, "GET", "/patients?$limit=1", env.LiveKey, nil, org...) // cached from here on
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	require.NoError(t, env.Store.SetConnectionStatus(ctx, k.AccountID, conns[0].Org, "revoked"))
	last := "Revoked" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, q := range []struct {
		method string
		body   any
	}{{"GET", nil}, {"POST", map[string]any{"firstName": "Not", "lastName": last}}} {
		r := env.Do(t, q.method, "/patients", env.LiveKey, q.body, org...)
		assert.Equal(t, http.StatusForbidden, r.Status, "%s: %s", q.method, r.Body)
		assert.Equal(t, "CREDENTIALS_ERROR", r.JSON(t)["name"], q.method)
	}

	require.NoError(t, env.Store.SetConnectionStatus(ctx, k.AccountID, conns[0].Org, "active"))
	r = env.Do(t, "GET", "/patients?$limit=0&$total=true&lastName="+last, env.LiveKey, nil, org...)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, float64(0), r.JSON(t)["total"], "the refused write did not run")
}

package platform

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/logstore"
)

// sessionKey mints a console session key of mode for member, as the console does at login.
func (h *harness) sessionKey(mode, member string) (string, domain.Key) {
	h.t.Helper()
	secret, err := auth.Generate(auth.Prefix(auth.Secret, mode))
	require.NoError(h.t, err)
	k := domain.Key{ID: core.NewID("key", h.clock.Now()), AccountID: h.acct, Mode: mode, Type: auth.Secret, Hash: auth.Hash(secret),
		Last4: auth.Last4(secret), Status: domain.KeyActive, CreatedAt: h.clock.Now().UnixMilli(), Permissions: map[string]string{},
		Session: member, ExpiresAt: h.clock.Now().Add(12 * time.Hour).UnixMilli()}
	require.NoError(h.t, h.st.PutSessionKey(context.Background(), k))
	return secret, k
}

func logsOf(t *testing.T, r reply) []map[string]any {
	t.Helper()
	require.Equal(t, 200, r.status, r.body)
	var out []map[string]any
	for _, d := range r.body["data"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

func TestRequestLogsRecordEveryRequestWithAKey(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	step := func() { h.clock.Advance(time.Second) } // distinct times, so the order is known

	ok := h.do(req{key: sk, method: "GET", path: "/api-keys"})
	require.Equal(t, 200, ok.status)
	step()
	bad := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"NoLastName"}`})
	require.Equal(t, 400, bad.status)
	step()
	idem := map[string]string{"Idempotency-Key": "create-ada"}
	first := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Ada","lastName":"Lovelace"}`, header: idem})
	require.Equal(t, 201, first.status, first.body)
	step()
	replay := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Ada","lastName":"Lovelace"}`, header: idem})
	require.Equal(t, 201, replay.status)
	require.Equal(t, "true", replay.header["Idempotent-Replayed"])
	step()
	require.Equal(t, 401, h.do(req{key: "sk_test_nope", method: "GET", path: "/api-keys"}).status, "refused by the authorizer: not recorded")

	logs := logsOf(t, h.do(req{key: sk, method: "GET", path: "/request-logs?$total=true"}))
	require.Len(t, logs, 4, "one log per request that reached the function with a key")
	replayLog, firstLog, badLog, okLog := logs[0], logs[1], logs[2], logs[3]

	assert.Equal(t, "request_log", okLog["object"])
	assert.Equal(t, "GET", okLog["method"])
	assert.Equal(t, "/api-keys", okLog["path"])
	assert.Equal(t, float64(200), okLog["status"])
	assert.Nil(t, okLog["errorEventId"])
	assert.Equal(t, "secret", okLog["keyType"])
	assert.Regexp(t, `^key_`, okLog["keyId"])
	assert.Nil(t, okLog["session"])
	assert.Nil(t, okLog["organizationId"], "key routes resolve no organization")
	assert.Equal(t, false, okLog["livemode"])

	assert.Equal(t, float64(400), badLog["status"])
	assert.Equal(t, bad.body["event"], badLog["errorEventId"], "the log names the event id of the error body")
	assert.NotEmpty(t, badLog["errorEventId"])
	assert.NotNil(t, badLog["organizationId"], "the sandbox organization")

	for _, l := range []map[string]any{firstLog, replayLog} {
		assert.Equal(t, "create-ada", l["idempotencyKey"])
		assert.Equal(t, float64(201), l["status"], "a replay is logged with the status it answered")
	}
	assert.NotEqual(t, firstLog["requestId"], replayLog["requestId"])
	assert.Equal(t, float64(h.clock.Now().Add(-time.Second).UnixMilli()), replayLog["createdAt"])

	one := h.do(req{key: sk, method: "GET", path: "/request-logs/" + badLog["id"].(string)})
	require.Equal(t, 200, one.status, one.body)
	assert.Equal(t, badLog, one.body)
	assert.Equal(t, 404, h.do(req{key: sk, method: "GET", path: "/request-logs/req_00000000000000000000000000"}).status)
	assert.Equal(t, 404, h.do(req{key: sk, method: "GET", path: "/request-logs/nope"}).status)

	// Logs are per mode, and read with a key of that mode.
	live := logsOf(t, h.do(req{key: h.keys["sk_live"], method: "GET", path: "/request-logs"}))
	assert.Empty(t, live, "test-mode requests are not in live mode's logs")
	assert.Equal(t, 404, h.do(req{key: h.keys["sk_live"], method: "GET", path: "/request-logs/" + badLog["id"].(string)}).status)

	// Seven days later they are gone.
	h.clock.Advance(logstore.RequestLogTTL)
	assert.Equal(t, 404, h.do(req{key: sk, method: "GET", path: "/request-logs/" + badLog["id"].(string)}).status)
}

func TestRequestLogFilters(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	restricted := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"logs reader","permissions":{"request-logs":"read"}}`})
	require.Equal(t, 201, restricted.status, restricted.body)
	rk, rkID := restricted.body["secret"].(string), restricted.body["id"].(string)
	h.clock.Advance(time.Second) // logs of one millisecond have no defined order
	for _, q := range []req{
		{key: sk, method: "GET", path: "/api-keys"},
		{key: sk, method: "GET", path: "/api-keys/key_nope"},                    // 404
		{key: sk, method: "POST", path: "/patients", body: `{"firstName":"x"}`}, // 400
		{key: rk, method: "GET", path: "/api-keys"},                             // 403: restricted keys cannot manage keys
		{key: rk, method: "GET", path: "/patients"},                             // 403: no permission on patients
	} {
		h.do(q)
		h.clock.Advance(time.Second)
	}
	t0 := h.clock.Now().Add(-5 * time.Second).UnixMilli() // the first request of the loop
	// Reading the logs is logged too: every query below looks only before this instant.
	until := fmt.Sprintf("createdAt[$lt]=%d&", h.clock.Now().UnixMilli())
	cases := []struct {
		query    string
		statuses []float64 // newest first
		total    int
	}{
		{"", []float64{403, 403, 400, 404, 200, 201}, 6},
		{"status=404", []float64{404}, 1},
		{"status[$gte]=400", []float64{403, 403, 400, 404}, 4},
		{"status[$gte]=400&status[$lt]=404", []float64{403, 403, 400}, 3},
		{"status[$gt]=200&status[$lte]=400", []float64{400, 201}, 2},
		{"method=post", []float64{400, 201}, 2},
		{"keyId=" + rkID, []float64{403, 403}, 2},
		{"keyId=" + rkID + "&method=GET&status=403", []float64{403, 403}, 2},
		{fmt.Sprintf("createdAt[$gte]=%d", t0+2000), []float64{403, 403, 400}, 3},
		{"createdAt[$lte]=0", nil, 0}, // beside the $lt of until: the lower upper bound wins
		{"$limit=2&$skip=1", []float64{403, 400}, 6},
		{"$limit=0", nil, 6},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := h.do(req{key: sk, method: "GET", path: "/request-logs?$total=true&" + until + tc.query})
			var statuses []float64
			for _, l := range logsOf(t, got) {
				statuses = append(statuses, l["status"].(float64))
			}
			assert.Equal(t, tc.statuses, statuses)
			assert.Equal(t, float64(tc.total), got.body["total"])
		})
	}
	t.Run("total only when asked", func(t *testing.T) {
		got := h.do(req{key: sk, method: "GET", path: "/request-logs?$limit=1"})
		require.Equal(t, 200, got.status)
		assert.NotContains(t, got.body, "total")
		assert.Equal(t, float64(1), got.body["limit"])
	})

	bad := []struct{ query, field string }{
		{"status=abc", "status"},
		{"status=99", "status"},
		{"status[$ne]=200", "status"},
		{"status[$gte]=x", "status"},
		{"method=FETCH", "method"},
		{"keyId=pat_1", "keyId"},
		{"createdAt=yesterday", "createdAt"},
		{"createdAt[$near]=1", "createdAt"},
		{"$limit=101", "$limit"},
		{"$skip=-1", "$skip"},
		{"$total=maybe", "$total"},
		{"path=/patients", "path"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.query, func(t *testing.T) {
			got := h.do(req{key: sk, method: "GET", path: "/request-logs?" + tc.query})
			require.Equal(t, 400, got.status, got.body)
			assert.Equal(t, "INVALID_PARAMETERS", got.name())
			errs, _ := got.body["errors"].([]any)
			require.Len(t, errs, 1, got.body)
			assert.Equal(t, tc.field, errs[0].(map[string]any)["field"])
		})
	}

	// A restricted key reads logs with read on request-logs, and not without.
	assert.Equal(t, 200, h.do(req{key: rk, method: "GET", path: "/request-logs"}).status)
	none := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"no logs","permissions":{"patients":"read"}}`})
	require.Equal(t, 201, none.status)
	denied := h.do(req{key: none.body["secret"].(string), method: "GET", path: "/request-logs"})
	assert.Equal(t, 403, denied.status)
	assert.Equal(t, "PERMISSIONS_ERROR", denied.name())
}

// Console session keys: exempt from the IP allowlist, re-checked on every request by their hash
// item (logout deletes it), and logged with the member.
func TestSessionKeysAndTheIPAllowlist(t *testing.T) {
	h := newHarness(t)
	office := "203.0.113.5"
	set := h.do(req{key: h.keys["sk_live"], method: "PUT", path: "/account/ip-allowlist", body: `{"cidrs":["203.0.113.0/24"]}`, sourceIP: office})
	require.Equal(t, 200, set.status, set.body)
	session, k := h.sessionKey(domain.Live, "owner@example.com")
	elsewhere := "198.51.100.20" // e.g. a Lambda's address on AWS

	cases := []struct {
		name   string
		key    string
		ip     string
		status int
	}{
		{"API key from the allowlist", h.keys["sk_live"], office, 200},
		{"API key from elsewhere", h.keys["sk_live"], elsewhere, 403},
		{"session key from the allowlist", session, office, 200},
		{"session key from elsewhere", session, elsewhere, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(req{key: tc.key, method: "GET", path: "/account/ip-allowlist", sourceIP: tc.ip})
			assert.Equal(t, tc.status, got.status, got.body)
		})
	}
	logs := logsOf(t, h.do(req{key: session, method: "GET", path: "/request-logs?keyId=" + k.ID, sourceIP: elsewhere}))
	require.Len(t, logs, 2)
	assert.Equal(t, "owner@example.com", logs[0]["session"])
	assert.Equal(t, true, logs[0]["livemode"])

	// Logout deletes the key; a cached authorizer answer no longer lets it through.
	require.NoError(t, h.st.DeleteSessionKey(context.Background(), k.Hash))
	gone := h.do(req{key: session, method: "GET", path: "/account/ip-allowlist", sourceIP: elsewhere, cached: true})
	assert.Equal(t, 401, gone.status)
	// Expiry is re-checked too.
	expiring, _ := h.sessionKey(domain.Live, "dev@example.com")
	require.Equal(t, 200, h.do(req{key: expiring, method: "GET", path: "/request-logs", sourceIP: elsewhere}).status)
	h.clock.Advance(12 * time.Hour)
	assert.Equal(t, 401, h.do(req{key: expiring, method: "GET", path: "/request-logs", sourceIP: elsewhere, cached: true}).status)
}

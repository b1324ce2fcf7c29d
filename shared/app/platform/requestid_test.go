package platform

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A response's Request-Id finds its request log: GET /request-logs?requestId=...
func TestRequestLogsByRequestID(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	bad := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"NoLastName"}`})
	require.Equal(t, http.StatusBadRequest, bad.status)
	id := bad.header["Request-Id"]
	require.NotEmpty(t, id)
	assert.Equal(t, id, bad.body["event"])
	ok := h.do(req{key: sk, method: "GET", path: "/api-keys"})
	require.Equal(t, http.StatusOK, ok.status)

	for _, c := range []struct {
		id     string
		status float64
	}{{id, 400}, {ok.header["Request-Id"], 200}} {
		logs := logsOf(t, h.do(req{key: sk, method: "GET", path: "/request-logs?requestId=" + c.id}))
		require.Len(t, logs, 1, "exactly the one request")
		assert.Equal(t, c.id, logs[0]["requestId"])
		assert.Equal(t, c.status, logs[0]["status"])
	}
	none := logsOf(t, h.do(req{key: sk, method: "GET", path: "/request-logs?requestId=00000000-0000-4000-8000-000000000000"}))
	assert.Empty(t, none)
	live := logsOf(t, h.do(req{key: h.keys["sk_live"], method: "GET", path: "/request-logs?requestId=" + id}))
	assert.Empty(t, live, "a test request is not in live mode's logs")
	refused := h.do(req{key: sk, method: "GET", path: "/request-logs?requestId="})
	assert.Equal(t, http.StatusBadRequest, refused.status)
	assert.Contains(t, refused.body["message"], "requestId")
}

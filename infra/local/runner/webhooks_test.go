package runner_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// Through the whole local stack: an endpoint created over HTTP receives a patient patch, signed,
// within a second, via the outbox, the local queue and the dispatcher's event source mapping.
func TestWebhookThroughTheRunner(t *testing.T) {
	ctx := context.Background()
	tpl, err := template.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	_, dyn := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true})
	_, q := sqstest.Start(t, t.TempDir(), sqs.Options{NoSync: true})
	// A small sandbox: this is about delivery, not St. Mungo's data (infra/cmd/hapihub checks that).
	stack, err := runner.Start(sandbox.WithSizes(ctx, sandbox.Small), runner.Options{Template: tpl, DynamoDBEndpoint: dyn, SQSEndpoint: q})
	require.NoError(t, err)
	sources, err := stack.StartEventSources(ctx)
	require.NoError(t, err)
	t.Cleanup(sources.Stop) // before the queue service closes (cleanups run last-in first-out)
	api := httptest.NewServer(stack.Gateway)
	t.Cleanup(api.Close)

	call := func(method, path string, body any) map[string]any {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, api.URL+path, rd)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+stack.Bootstrap.TestSecretKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Less(t, resp.StatusCode, 300, "%s %s: %v", method, path, out)
		return out
	}

	type delivery struct {
		body    []byte
		headers http.Header
	}
	got := make(chan delivery, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{b, r.Header.Clone()}
	}))
	t.Cleanup(rcv.Close)

	ep := call("POST", "/webhook-endpoints", map[string]any{"url": rcv.URL + "/hook", "enabledEvents": []string{"patient.updated"}})
	secret := ep["secret"].(string)
	patients := call("GET", "/patients?$limit=1", nil)["data"].([]any)
	require.NotEmpty(t, patients, "the sandbox has patients")
	id := patients[0].(map[string]any)["id"].(string)

	start := time.Now()
	call("PATCH", "/patients/"+id, map[string]any{"preferredName": "Wizard"})
	var d delivery
	select {
	case d = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	assert.Less(t, time.Since(start), time.Second, "delivered within a second")
	var ev map[string]any
	require.NoError(t, json.Unmarshal(d.body, &ev))
	assert.Equal(t, "patient.updated", ev["type"])
	assert.Equal(t, "Wizard", ev["data"].(map[string]any)["object"].(map[string]any)["preferredName"])

	// Both signatures, checked with this test's own HMAC code.
	parts := map[string]string{}
	for _, p := range strings.Split(d.headers.Get("HapiHub-Signature"), ",") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(parts["t"] + "." + string(d.body)))
	assert.Equal(t, hex.EncodeToString(m.Sum(nil)), parts["v1"])
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	m = hmac.New(sha256.New, key)
	m.Write([]byte(d.headers.Get("webhook-id") + "." + d.headers.Get("webhook-timestamp") + "." + string(d.body)))
	assert.Equal(t, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)), d.headers.Get("webhook-signature"))
	assert.Equal(t, ev["id"], d.headers.Get("webhook-id"))

	// The attempt is listed, and the event is readable.
	require.Eventually(t, func() bool {
		ds := call("GET", "/webhook-endpoints/"+ep["id"].(string)+"/deliveries", nil)["data"].([]any)
		return len(ds) == 1 && ds[0].(map[string]any)["status"] == "succeeded"
	}, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, ev["id"], call("GET", "/events/"+ev["id"].(string), nil)["id"])
}

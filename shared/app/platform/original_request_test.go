package platform

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// TestReplaysNameTheOriginalRequest: a replay carries Original-Request, the Request-Id of the
// request whose saved answer it is (Stripe's header), on clinical and platform routes, for saved
// successes and saved errors alike; the first answer has none, and browsers may read it. A record
// saved before the id was kept replays as before, without the header.
func TestReplaysNameTheOriginalRequest(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"clinical create", "POST", "/patients", `{"firstName":"Ann","lastName":"Lee"}`, 201},
		{"clinical saved error", "DELETE", "/patients/pat_01JZZZZZZZZZZZZZZZZZZZZZZZ", "", 404},
		{"platform create", "POST", "/api-keys", `{"name":"ci"}`, 201},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "orig-" + string(rune('a'+i))
			do := func() reply {
				return h.do(req{key: sk, method: tc.method, path: tc.path, body: tc.body, header: map[string]string{"Idempotency-Key": key}})
			}
			first := do()
			require.Equal(t, tc.status, first.status, first.body)
			firstID := first.header[api.RequestIDHeader]
			require.NotEmpty(t, firstID)
			assert.Empty(t, first.header[api.OriginalRequestHeader], "a first answer is nobody's replay")

			again := do()
			require.Equal(t, tc.status, again.status, again.body)
			require.Equal(t, "true", again.header["Idempotent-Replayed"])
			assert.Equal(t, firstID, again.header[api.OriginalRequestHeader])
			assert.NotEqual(t, firstID, again.header[api.RequestIDHeader], "the replay is a request of its own")
			assert.Contains(t, strings.Split(again.header["Access-Control-Expose-Headers"], ", "), api.OriginalRequestHeader)
			for k := range again.header {
				assert.False(t, strings.HasPrefix(k, ":"), "the record's pseudo-header %q stays inside", k)
			}

			// A record from before the id was kept: the same replay, without the header.
			_, err := h.st.DB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: &h.st.Table,
				Key:                      core.IdemKey(h.acct, domain.Test, key),
				UpdateExpression:         aws.String("REMOVE #h.#r"),
				ConditionExpression:      aws.String("attribute_exists(#h.#r)"),
				ExpressionAttributeNames: map[string]string{"#h": "headers", "#r": ":request"}})
			require.NoError(t, err, "the record keeps the original request's id")
			old := do()
			require.Equal(t, tc.status, old.status, old.body)
			assert.Equal(t, "true", old.header["Idempotent-Replayed"])
			assert.NotContains(t, old.header, api.OriginalRequestHeader)
			delete(old.body, "event") // a replayed error's event is this request's id
			delete(again.body, "event")
			assert.Equal(t, again.body, old.body)
		})
	}
}

package iam_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/iam"
	"github.com/hapihub/hapihub/infra/template"
)

// A request that reaches DynamoDB without the table it acts on (an empty body, or one naming no
// table) is refused for what it is before IAM judges it: DynamoDB validates a request against
// its model first (ValidationException, "Value null at 'tableName' failed to satisfy constraint:
// Member must not be null"; TableName is required:
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html), and an
// unparsable body is a SerializationException. The engine used to judge it as an action on
// "table/" and answer AccessDeniedException for a function allowed on the table (seen once in
// TestMixedLoad: PatientsFunctionRole denied GetItem). The SDKs validate TableName before
// sending, so this is raw HTTP signed with the function's access key id.
func TestRequestWithoutTableIsInvalidNotDenied(t *testing.T) {
	tpl, err := template.Load(projectTemplate(t))
	require.NoError(t, err)
	p, err := iam.New(tpl, refs(tpl))
	require.NoError(t, err)
	e, endpoint := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	e.SetAuthorizer(p)
	patients, ok := tpl.Function("patients")
	require.True(t, ok)
	akid := iam.AccessKeyID(patients)

	for _, tc := range []struct {
		op, body, code, member string
	}{
		{"GetItem", "", "ValidationException", "tableName"},
		{"GetItem", "{}", "ValidationException", "tableName"},
		{"PutItem", `{"Item":{"PK":{"S":"a"}}}`, "ValidationException", "tableName"},
		{"Query", `{"IndexName":"GSI1"}`, "ValidationException", "tableName"},
		{"BatchGetItem", "", "ValidationException", "requestItems"},
		{"TransactWriteItems", "{}", "ValidationException", "transactItems"},
		{"GetItem", `{"TableName":"hapihub","Key":`, "SerializationException", ""},
	} {
		t.Run(tc.op+" "+tc.body, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+tc.op)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			var out struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.True(t, strings.HasSuffix(out.Type, "#"+tc.code), "%s: %s", out.Type, out.Message)
			if tc.member != "" {
				assert.Equal(t, "1 validation error detected: Value null at '"+tc.member+"' failed to satisfy constraint: Member must not be null", out.Message)
			}
		})
	}
}

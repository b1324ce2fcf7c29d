package local

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/infra/template"
)

func TestEnsureQueues(t *testing.T) {
	ctx := context.Background()
	client, _ := sqstest.New(t)
	tpl, err := template.Load("../../template.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, tpl.Queues, "the template has queues")

	refs, err := EnsureQueues(ctx, client, tpl)
	require.NoError(t, err)
	for _, q := range tpl.Queues {
		url := refs[q.LogicalID]
		require.NotEmpty(t, url, q.LogicalID)
		got, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(q.VisibilityTimeout), got.Attributes["VisibilityTimeout"], q.LogicalID)
		assert.Equal(t, refs[q.LogicalID+".Arn"], got.Attributes["QueueArn"])
		assert.True(t, strings.HasSuffix(url, "/"+refs[q.LogicalID+".QueueName"]))
		if q.DeadLetterQueue != "" {
			var rp struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     any    `json:"maxReceiveCount"`
			}
			require.NoError(t, json.Unmarshal([]byte(got.Attributes["RedrivePolicy"]), &rp))
			assert.Equal(t, refs[q.DeadLetterQueue+".Arn"], rp.DeadLetterTargetArn)
			assert.EqualValues(t, strconv.Itoa(q.MaxReceiveCount), toString(rp.MaxReceiveCount))
		}
	}
	again, err := EnsureQueues(ctx, client, tpl)
	require.NoError(t, err)
	assert.Equal(t, refs, again, "a second start finds the same queues")

	// Functions' environment resolves to the local queues.
	var urls []string
	for _, q := range tpl.Queues {
		urls = append(urls, refs[q.LogicalID])
	}
	for _, f := range tpl.Functions {
		env, err := f.Environment(tpl.Refs("us-east-1", "000000000000", mergeRefs(refs, template.Refs{tpl.Table.LogicalID: "t"})))
		require.NoError(t, err)
		if u, ok := env["HAPIHUB_WEBHOOK_QUEUE_URL"]; ok {
			assert.Contains(t, urls, u, f.LogicalID)
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.Itoa(int(v))
	case string:
		return v
	}
	return ""
}

func mergeRefs(a, b template.Refs) template.Refs {
	out := template.Refs{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

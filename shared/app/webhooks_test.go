package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/schema"
)

// The webhook plumbing in template.yaml: what AWS needs for delivery to be reliable.
func TestTemplateWebhookPlumbing(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	queues := map[string]*template.Queue{}
	for _, q := range tpl.Queues {
		queues[q.LogicalID] = q
	}
	dispatch, ok := tpl.Function("WebhookDispatchFunction")
	require.True(t, ok)
	require.Len(t, dispatch.Queues, 1)
	ev := dispatch.Queues[0]
	assert.True(t, ev.ReportBatchItemFailures, "a failed record must not redeliver its whole batch")
	assert.LessOrEqual(t, ev.BatchSize, 10)
	q := queues["WebhookQueue"]
	require.NotNil(t, q)
	assert.Equal(t, "WebhookQueue.Arn", ev.Queue.String()[len(ev.Queue.String())-len("WebhookQueue.Arn"):])
	assert.GreaterOrEqual(t, time.Duration(q.VisibilityTimeout)*time.Second, 6*dispatch.Timeout,
		"AWS: a source queue's visibility timeout is at least 6x the function timeout")
	require.NotEmpty(t, q.DeadLetterQueue, "poison messages need a dead-letter queue")
	assert.NotNil(t, queues[q.DeadLetterQueue])
	assert.Greater(t, q.MaxReceiveCount, 1)

	sweeper, ok := tpl.Function("WebhookSweeperFunction")
	require.True(t, ok)
	require.Len(t, sweeper.Schedules, 1)
	assert.Equal(t, "ScheduleV2", sweeper.Schedules[0].Type)
	assert.Equal(t, "rate(1 minute)", sweeper.Schedules[0].Expression)
	assert.Less(t, sweeper.Timeout, time.Minute, "a sweep ends before the next one starts")
}

// Every function that writes a resource's objects publishes their events, so it may send to the
// webhook queue.
func TestWritersMaySendToTheWebhookQueue(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Policies []map[string]any `yaml:"Policies"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	require.NoError(t, yaml.Unmarshal(b, &doc))
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	writers := 0
	for _, f := range tpl.Functions {
		writes := false
		for _, r := range f.Routes {
			_, resource := schema.Lookup(strings.Split(strings.TrimPrefix(r.Path, "/"), "/")[0])
			writes = writes || resource && (r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" || r.Method == "DELETE" || r.Method == "ANY")
		}
		if !writes {
			continue
		}
		writers++
		has := false
		for _, p := range doc.Resources[f.LogicalID].Properties.Policies {
			_, ok := p["SQSSendMessagePolicy"]
			has = has || ok
		}
		assert.True(t, has, "%s writes objects, so its events are enqueued: it needs SQSSendMessagePolicy", f.LogicalID)
	}
	assert.Greater(t, writers, 1)
}

package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/config"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromLookupReadsTheTemplatesVariables(t *testing.T) {
	env := map[string]string{
		"HAPIHUB_TABLE":                "t",
		"AWS_REGION":                   "eu-west-3",
		"HAPIHUB_LOCAL":                "true",
		"HAPIHUB_WEBHOOK_QUEUE_URL":    "q",
		"HAPIHUB_JOB_QUEUE_URL":        "j",
		"HAPIHUB_WEBHOOK_RETRY_WINDOW": "24h",
		"HAPIHUB_USAGE_PLAN_TEST":      "pt",
	}
	c, err := config.FromLookup(lookup(env))
	require.NoError(t, err)
	assert.Equal(t, config.Config{Table: "t", Region: "eu-west-3", Local: true, WebhookQueueURL: "q", JobQueueURL: "j",
		WebhookRetryWindow: 24 * time.Hour, UsagePlans: map[string]string{"test": "pt"}}, c)

	// Env is FromLookup's inverse: the local runner hands it to in-process functions.
	back, err := config.FromLookup(lookup(c.Env()))
	require.NoError(t, err)
	assert.Equal(t, c, back)
}

func TestFromLookupRejectsBadValues(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"no table":         {map[string]string{}, "HAPIHUB_TABLE is not set"},
		"local not a bool": {map[string]string{"HAPIHUB_TABLE": "t", "HAPIHUB_LOCAL": "maybe"}, "HAPIHUB_LOCAL"},
		"window too long":  {map[string]string{"HAPIHUB_TABLE": "t", "HAPIHUB_WEBHOOK_RETRY_WINDOW": "169h"}, "HAPIHUB_WEBHOOK_RETRY_WINDOW"},
		"window no unit":   {map[string]string{"HAPIHUB_TABLE": "t", "HAPIHUB_WEBHOOK_RETRY_WINDOW": "72"}, "HAPIHUB_WEBHOOK_RETRY_WINDOW"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.FromLookup(lookup(tc.env))
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

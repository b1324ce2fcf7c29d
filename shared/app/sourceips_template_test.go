package app_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/webhook"
)

// Webhook source addresses: the template's WebhookStaticEgress parameter (off by default) puts
// the dispatch function behind NAT gateways with Elastic IPs, and hands the same addresses to the
// function that publishes them. These checks keep template and code in step.
func TestWebhookStaticEgressTemplate(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	var doc struct {
		Parameters map[string]map[string]any `yaml:"Parameters"`
		Conditions map[string]yaml.Node      `yaml:"Conditions"`
		Resources  map[string]struct {
			Type       string               `yaml:"Type"`
			Condition  string               `yaml:"Condition"`
			Properties map[string]yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
		Outputs map[string]map[string]any `yaml:"Outputs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &doc))
	p := doc.Parameters["WebhookStaticEgress"]
	require.NotNil(t, p)
	assert.Equal(t, "false", p["Default"], "off by default: it costs money")
	require.Contains(t, doc.Conditions, "StaticEgress")

	count := map[string]int{}
	var eips []string
	for id, r := range doc.Resources {
		if len(r.Type) > 9 && r.Type[:9] == "AWS::EC2:" {
			assert.Equal(t, "StaticEgress", r.Condition, "%s exists only with static egress", id)
			count[r.Type]++
			if r.Type == "AWS::EC2::EIP" {
				eips = append(eips, id)
			}
		}
	}
	assert.Equal(t, 2, count["AWS::EC2::EIP"])
	assert.Equal(t, count["AWS::EC2::EIP"], count["AWS::EC2::NatGateway"], "one Elastic IP per NAT gateway")

	// The dispatch function is in the VPC under the condition, and nowhere else.
	vpc := doc.Resources["WebhookDispatchFunction"].Properties["VpcConfig"]
	assert.Equal(t, "!If", vpc.Tag)
	require.NotEmpty(t, vpc.Content)
	assert.Equal(t, "StaticEgress", vpc.Content[0].Value)

	// The publishing function gets exactly the Elastic IPs, as does the stack's output.
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	var publisher *template.Function
	for _, r := range tpl.Routes() {
		if r.Path == "/webhook-source-ips" {
			assert.Equal(t, "NONE", r.Authorizer, "no key needed")
			publisher, _ = tpl.Function(r.Function)
		}
	}
	require.NotNil(t, publisher, "a function serves GET /webhook-source-ips")
	assert.False(t, tpl.Conditions["StaticEgress"], "the runner deploys with the default")
	// What the runner passes for the table and queues.
	local := template.Refs{"Table": "hapihub", "WebhookQueue": "q", "JobQueue": "j"}
	env, err := publisher.Environment(tpl.Refs("us-east-1", "123456789012", local))
	require.NoError(t, err)
	assert.Equal(t, "", env[webhook.SourceIPsEnv], "without static egress: no addresses")

	refs := template.Refs{"Condition::StaticEgress": "true", "Table": "hapihub", "WebhookQueue": "q", "JobQueue": "j"}
	want := []string{"198.51.100.1", "198.51.100.2"}
	for i, id := range eips {
		refs[id] = want[i]
	}
	env, err = publisher.Environment(tpl.Refs("us-east-1", "123456789012", refs))
	require.NoError(t, err)
	ips, err := webhook.ParseSourceIPs(env[webhook.SourceIPsEnv])
	require.NoError(t, err)
	assert.Len(t, ips, len(eips), "every Elastic IP is published: %q", env[webhook.SourceIPsEnv])
	assert.Equal(t, "StaticEgress", doc.Outputs["WebhookSourceIps"]["Condition"])
}

package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The checks `sam validate --lint` would make that matter to us, without the SAM CLI: every
// reference names something that exists, and every function is built the way SAM expects.

// samGenerated are logical ids SAM itself creates from an AWS::Serverless::Api named Api.
var samGenerated = map[string]bool{"ApiStage": true, "ApiDeployment": true}

func realTemplate(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(b, &doc))
	return doc.Content[0]
}

func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// refs collects every !Ref, !GetAtt, Ref: and Fn::GetAtt: target and ${Name} in !Sub strings.
func refs(n *yaml.Node, out map[string]int) {
	switch {
	case n.Tag == "!Ref" || n.Tag == "!GetAtt":
		out[strings.SplitN(n.Value, ".", 2)[0]] = n.Line
	case n.Tag == "!Sub" && n.Kind == yaml.ScalarNode:
		for _, part := range strings.Split(n.Value, "${")[1:] {
			name := strings.SplitN(strings.SplitN(part, "}", 2)[0], ".", 2)[0]
			out[name] = n.Line
		}
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; (k == "Ref" || k == "Fn::GetAtt") && n.Content[i+1].Kind == yaml.ScalarNode {
				out[strings.SplitN(n.Content[i+1].Value, ".", 2)[0]] = n.Line
			}
		}
	}
	for _, c := range n.Content {
		refs(c, out)
	}
}

func TestTemplateReferencesResolve(t *testing.T) {
	root := realTemplate(t)
	assert.Equal(t, "AWS::Serverless-2016-10-31", child(root, "Transform").Value)
	resources := child(root, "Resources")
	params := child(root, "Parameters")
	known := map[string]bool{}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		known[resources.Content[i].Value] = true
	}
	if params != nil {
		for i := 0; i+1 < len(params.Content); i += 2 {
			known[params.Content[i].Value] = true
		}
	}
	found := map[string]int{}
	refs(root, found)
	require.NotEmpty(t, found)
	for name, line := range found {
		if strings.HasPrefix(name, "AWS::") || samGenerated[name] {
			continue
		}
		assert.True(t, known[name], "template.yaml line %d refers to %s, which is neither a resource nor a parameter", line, name)
	}
	// DependsOn must name resources too.
	for i := 0; i+1 < len(resources.Content); i += 2 {
		if d := child(resources.Content[i+1], "DependsOn"); d != nil {
			names := []string{d.Value}
			if d.Kind == yaml.SequenceNode {
				names = nil
				for _, c := range d.Content {
					names = append(names, c.Value)
				}
			}
			for _, n := range names {
				assert.True(t, known[n] || samGenerated[n], "%s DependsOn %s, which does not exist", resources.Content[i].Value, n)
			}
		}
	}
}

func TestFunctionsBuildAsSAMExpects(t *testing.T) {
	root := realTemplate(t)
	fn := child(child(root, "Globals"), "Function")
	require.NotNil(t, fn, "Globals.Function sets runtime, architecture and handler once")
	assert.Equal(t, "provided.al2023", child(fn, "Runtime").Value)
	assert.Equal(t, "bootstrap", child(fn, "Handler").Value)
	assert.Equal(t, "arm64", child(fn, "Architectures").Content[0].Value)
	resources := child(root, "Resources")
	n := 0
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, r := resources.Content[i].Value, resources.Content[i+1]
		switch child(r, "Type").Value {
		case TypeFunction:
			n++
			md := child(r, "Metadata")
			require.NotNil(t, md, "%s needs Metadata.BuildMethod", id)
			assert.Equal(t, "makefile", child(md, "BuildMethod").Value, id)
			props := child(r, "Properties")
			assert.Equal(t, ".", child(props, "CodeUri").Value, "%s: SAM runs the Makefile at CodeUri", id)
			// No Policies means SAM's basic execution role (logs only), the least there is.
			pol := child(props, "Policies")
			if pol == nil {
				continue
			}
			for _, p := range pol.Content {
				if p.Kind == yaml.ScalarNode {
					assert.NotContains(t, p.Value, "FullAccess", "%s: no managed full-access policies", id)
				}
			}
		case TypeTable:
			props := child(r, "Properties")
			assert.Equal(t, "PAY_PER_REQUEST", child(props, "BillingMode").Value)
			assert.Equal(t, "ttl", child(child(props, "TimeToLiveSpecification"), "AttributeName").Value)
		}
	}
	assert.GreaterOrEqual(t, n, 2)
}

func TestAPIUsesTheAuthorizerAndUsagePlans(t *testing.T) {
	tpl, err := Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	require.NotNil(t, tpl.API)
	assert.Equal(t, "AUTHORIZER", tpl.API.APIKeySource, "usage plans key on the authorizer's usageIdentifierKey")
	az := tpl.API.Authorizers[tpl.API.DefaultAuthorizer]
	require.NotNil(t, az, "a default authorizer")
	assert.Equal(t, "AuthorizerFunction", az.Function)
	assert.NotNil(t, tpl.API.Cors, "CORS is on for every endpoint")
	for _, plan := range []string{"TestUsagePlan", "LiveUsagePlan"} {
		_, ok := tpl.UsagePlan(plan)
		assert.True(t, ok, plan)
	}
	for _, gr := range []string{"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} {
		_, ok := tpl.API.GatewayResponses[gr]
		assert.True(t, ok, "gateway response %s rewrites API Gateway's own body into our error format", gr)
	}
}

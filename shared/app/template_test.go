package app_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/config"
)

// The template is the deployment truth; these tests keep code, template and Makefile in step.

func loadTemplate(t *testing.T) *template.Template {
	t.Helper()
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	return tpl
}

func testConfig() config.Config {
	return config.Config{Table: "hapihub", Region: "us-east-1", DynamoDBEndpoint: "http://127.0.0.1:1", Local: true}
}

func TestEveryFunctionDirIsInTheTemplateAndBack(t *testing.T) {
	tpl := loadTemplate(t)
	var inTemplate []string
	for _, f := range tpl.Functions {
		inTemplate = append(inTemplate, f.Name)
	}
	dirs, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	require.NoError(t, err)
	var onDisk []string
	for _, d := range dirs {
		if d.IsDir() {
			onDisk = append(onDisk, d.Name())
		}
	}
	sort.Strings(inTemplate)
	assert.Equal(t, onDisk, inTemplate, "functions/ and template.yaml must name the same functions")
	assert.Equal(t, runner.Names(), inTemplate, "shared/app must build exactly the template's functions")
}

func TestEveryTemplateFunctionHasAMakefileTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	require.NoError(t, err)
	for _, f := range loadTemplate(t).Functions {
		re := regexp.MustCompile(`(?m)^build-` + f.LogicalID + `:.*\$\(call sam-build,` + regexp.QuoteMeta(f.Name) + `\)`)
		assert.Regexp(t, re, string(mk), "Makefile needs build-%s for SAM's BuildMethod: makefile", f.LogicalID)
	}
}

// routeLister is what an API function's handler offers besides Invoke.
type routeLister interface{ Routes() []api.Route }

func TestRoutesInCodeMatchTheTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	for _, f := range tpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			build, ok := runner.Functions[f.Name]
			require.True(t, ok, "no constructor for %s", f.Name)
			h, err := build(context.Background(), testConfig())
			require.NoError(t, err)
			rl, ok := h.(routeLister)
			require.True(t, ok, "%s serves API routes, so its handler must expose its route table", f.Name)
			var code, tmpl []string
			public := map[string]bool{}
			for _, r := range rl.Routes() {
				code = append(code, r.Key())
				public[r.Key()] = r.Public
			}
			for _, r := range f.Routes {
				key := r.Method + " " + r.Path
				tmpl = append(tmpl, key)
				assert.Equal(t, r.Authorizer == "NONE", public[key], "%s: public in code iff Auth: NONE in the template", key)
			}
			sort.Strings(code)
			sort.Strings(tmpl)
			assert.Equal(t, tmpl, code, "routes of %s in template.yaml vs in code", f.LogicalID)
		})
	}
}

func TestRoutesAreServedOnce(t *testing.T) {
	seen := map[string]string{}
	for _, r := range loadTemplate(t).Routes() {
		key := r.Method + " " + r.Path
		if prev, dup := seen[key]; dup {
			t.Errorf("%s is served by both %s and %s", key, prev, r.Function)
		}
		seen[key] = r.Function
	}
	assert.NotEmpty(t, seen)
}

// webRoutes are the routes the functions' code marks as web pages (the console), by route key.
func webRoutes(t *testing.T) map[string]bool {
	out := map[string]bool{}
	for _, f := range loadTemplate(t).Functions {
		if len(f.Routes) == 0 {
			continue
		}
		build, ok := runner.Functions[f.Name]
		require.True(t, ok, "no constructor for %s", f.Name)
		h, err := build(context.Background(), testConfig())
		require.NoError(t, err)
		if rl, ok := h.(routeLister); ok {
			for _, r := range rl.Routes() {
				if r.Web {
					out[r.Key()] = true
				}
			}
		}
	}
	require.NotEmpty(t, out, "the console's routes are web routes")
	return out
}

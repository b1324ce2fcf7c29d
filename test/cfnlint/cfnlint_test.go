// Package cfnlint checks template.yaml with AWS's own CloudFormation linter, cfn-lint
// (https://github.com/aws-cloudformation/cfn-lint), which expands the SAM transform with
// aws-sam-translator (the code SAM's deploy uses) and checks every resource against the
// CloudFormation resource specification: property names and types, enum values such as Lambda
// runtimes, intrinsic functions, conditions (both sides of WebhookStaticEgress), references. Our own
// template tests (shared/app) check that code and template agree; this one checks that AWS would
// accept the template. Without cfn-lint (`pip install cfn-lint`) the test is skipped with a message.
package cfnlint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func lint(t *testing.T, bin, path string) (string, error) {
	t.Helper()
	// --format parseable: one finding per line (file:line:col:...:rule:message).
	out, err := exec.Command(bin, "--format", "parseable", "--", path).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestTemplatePassesCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed: skipping AWS's template linter (pip install cfn-lint)")
	}
	tpl := filepath.Join("..", "..", "template.yaml")
	out, err := lint(t, bin, tpl)
	require.NoError(t, err, "cfn-lint found problems in template.yaml:\n%s", out)
	require.Empty(t, out)

	// The same linter must refuse a template AWS would refuse, or the pass above proves nothing:
	// an unknown Lambda runtime (E3030) and a reference to no resource (E1012). They run side by
	// side: each cfn-lint run takes seconds (the SAM transform and the resource specification).
	src, err := os.ReadFile(tpl)
	require.NoError(t, err)
	for name, mutate := range map[string]func(string) string{
		"unknown runtime": func(s string) string {
			return strings.Replace(s, "provided.al2023", "provided.al2099", 1)
		},
		"dangling reference": func(s string) string {
			return strings.Replace(s, "HAPIHUB_TABLE: !Ref Table", "HAPIHUB_TABLE: !Ref NoSuchTable", 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bad := mutate(string(src))
			require.True(t, bad != string(src), "the mutation must change the template")
			path := filepath.Join(t.TempDir(), "template.yaml")
			require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
			out, err := lint(t, bin, path)
			require.Error(t, err, "cfn-lint accepted a broken template")
			require.Contains(t, out, ":E", "expected an error finding, got:\n%s", out)
		})
	}
}

// Package nodetest runs the Node tests of this directory (node --test) against a running local
// platform: the real @feathersjs/memory adapter and @feathersjs/rest-client, Redocly's linter,
// openapi-typescript + tsc, the webhook verifiers of stripe, standardwebhooks and svix, and AWS's
// JavaScript SDK v3 against the embedded DynamoDB and SQS, all from npm (package-lock.json is committed; `npm ci` installs
// it). Without Node the test is skipped with a message; CI has Node 20.
package nodetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// npmCI installs the locked packages unless node_modules already holds this lock's install.
func npmCI(t *testing.T, dir string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	require.NoError(t, err)
	sum := sha256.Sum256(lock)
	stamp := filepath.Join(dir, "node_modules", ".hapihub-lock-sha256")
	if b, err := os.ReadFile(stamp); err == nil && bytes.Equal(b, []byte(hex.EncodeToString(sum[:]))) {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: skipping the Node tests (CI runs them)")
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm ci: %s", out)
	require.NoError(t, os.WriteFile(stamp, []byte(hex.EncodeToString(sum[:])), 0o644))
}

func TestNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the Node tests (Feathers memory/rest-client, Redocly, openapi-typescript); CI runs them")
	}
	dir, err := os.Getwd()
	require.NoError(t, err)
	npmCI(t, dir)
	// St. Mungo's 200 patients (the differential test loads them all), little else.
	env := localtest.New(t, localtest.Options{Sizes: sandbox.Sizes{Patients: 200, Practitioners: 4, Appointments: 10, Messages: 10, Invoices: 10}})
	cmd := exec.Command(node, "--test", "--test-reporter=spec", "--test-concurrency=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HAPIHUB_URL="+env.URL, "HAPIHUB_KEY="+env.TestKey, "HAPIHUB_ROOT="+filepath.Join(dir, "..", ".."),
		// aws-sdk.test.mjs talks to the embedded DynamoDB and SQS with AWS's JavaScript SDK, on tables and
		// queues of its own; a function's access key (iam.AccessKeyID) to see IAM's refusal.
		"HAPIHUB_DYNAMODB_ENDPOINT="+env.DynamoDBEndpoint, "HAPIHUB_SQS_ENDPOINT="+env.SQSEndpoint,
		"HAPIHUB_FUNCTION_ACCESS_KEY="+functionAccessKey(t, env),
		"REDOCLY_TELEMETRY=off", "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	require.NoError(t, err, "the Node tests failed (output above)")
}

// functionAccessKey is the access key of a function of template.yaml that may not read a table
// other than the stack's (every function): aws-sdk.test.mjs checks the JavaScript SDK sees IAM's
// AccessDeniedException as AWS answers it.
func functionAccessKey(t *testing.T, env *localtest.Env) string {
	t.Helper()
	for _, fn := range env.Stack.Policies.Functions() {
		key := "LOCAL" + strings.ToUpper(fn) // iam.AccessKeyID
		if _, ok := env.Stack.Policies.Authorize(key, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:000000000000:table/awsjs-denied"); !ok {
			return key
		}
	}
	t.Fatal("every function may read any table: no key to see AccessDeniedException with")
	return ""
}

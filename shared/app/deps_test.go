package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deps lists, for every package matching pattern, the packages it imports transitively
// (go list -deps), as the linker would see them.
func deps(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-f", `{{.ImportPath}} {{join .Deps " "}}`}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	require.NoError(t, err, "go list %v", patterns)
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[f[0]] = f[1:]
	}
	return m
}

var sdkService = regexp.MustCompile(`^github\.com/aws/aws-sdk-go-v2/service/([a-z0-9]+)$`)

// Each function links only the AWS clients it calls: the authorizer reads keys (DynamoDB), the
// openapi function serves an embedded document (none), the sandbox worker also registers usage
// keys (API Gateway), the others write events that are announced on the webhook queue (SQS). No
// binary links the SDK's config loader (its credential chain brings STS, SSO and sign-in).
func TestFunctionsLinkOnlyTheClientsTheyCall(t *testing.T) {
	want := map[string][]string{"authorizer": {"dynamodb"}, "openapi": {}, "sandbox-worker": {"apigateway", "dynamodb", "sqs"}}
	const mod = "github.com/hapihub/hapihub/"
	for pkg, ds := range deps(t, "./functions/...") {
		name := strings.TrimPrefix(pkg, mod+"functions/")
		services := []string{}
		for _, d := range ds {
			if m := sdkService.FindStringSubmatch(d); m != nil {
				services = append(services, m[1])
			}
			assert.NotEqual(t, "github.com/aws/aws-sdk-go-v2/config", d, "%s links the SDK's config loader", name)
		}
		sort.Strings(services)
		w, ok := want[name]
		if !ok {
			w = []string{"dynamodb", "sqs"}
		}
		assert.Equal(t, w, services, "AWS clients linked into %s", name)
		if name == "authorizer" || name == "openapi" {
			assert.NotContains(t, ds, mod+"shared/console", "%s links the console (its pages and assets)", name)
			assert.NotContains(t, ds, mod+"shared/webhook", "%s links the webhook dispatcher", name)
		}
	}
}

// The console links only what it runs: the account store, the sandbox jobs' queue (jobq), its
// pages and the Go SDK they call the API with. Not the API's router and middlewares, the clinical
// rules, the dispatcher or the OpenAPI package: each would weigh more in the console than
// elsewhere, since its templates make the linker keep exported methods. Nor shared/store (the
// search planner, textsearch's stemmers and tables) or the sandbox worker: the console writes no
// clinical object, so it needs no index writes; the worker seeds the sandbox off the job queue.
func TestConsoleLinksOnlyWhatItRuns(t *testing.T) {
	const mod = "github.com/hapihub/hapihub/"
	ds := deps(t, "./functions/console")[mod+"functions/console"]
	require.NotEmpty(t, ds)
	assert.Contains(t, ds, mod+"shared/console")
	assert.Contains(t, ds, mod+"shared/store/accountstore")
	assert.Contains(t, ds, mod+"shared/sandbox/jobq")
	for _, p := range []string{"shared/api", "shared/clinic", "shared/webhook", "shared/openapi", "shared/app/platform",
		"shared/store", "shared/store/search", "shared/store/phraseindex", "shared/textsearch", "shared/sandbox", "shared/app/backend"} {
		assert.NotContains(t, ds, mod+p, "the console links %s", p)
	}
}

// The authorizer reads keys, accounts and organizations: the account store over the table core,
// not shared/store with the search planner and textsearch (whose package-level tables, and the
// testing and flag packages a stemmer imports, the linker keeps even when no code of theirs runs).
func TestAuthorizerLinksOnlyTheAccountStore(t *testing.T) {
	const mod = "github.com/hapihub/hapihub/"
	ds := deps(t, "./functions/authorizer")[mod+"functions/authorizer"]
	require.NotEmpty(t, ds)
	assert.Contains(t, ds, mod+"shared/store/accountstore")
	for _, p := range []string{mod + "shared/store", mod + "shared/store/search", mod + "shared/store/phraseindex", mod + "shared/textsearch", mod + "shared/query",
		"testing", "flag", "github.com/aws/aws-sdk-go-v2/service/sqs"} {
		assert.NotContains(t, ds, p, "the authorizer links %s", p)
	}
}

// The authorizer holds its DynamoDB client as accountstore.ItemReader (GetItem and Query, for a
// live key's connections), not as core.DB: converting the client to an interface of nine
// operations keeps all nine operations' serializers in the binary, though it calls two.
func TestAuthorizerLinksOnlyItsReads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the authorizer")
	}
	bin := filepath.Join(t.TempDir(), "authorizer")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./functions/authorizer")
	build.Dir = filepath.Join("..", "..")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	nm, err := exec.Command("go", "tool", "nm", bin).Output()
	require.NoError(t, err)
	// An operation linked is its input's serializer (the client's method itself is inlined away).
	ops := regexp.MustCompile(`aws-sdk-go-v2/service/dynamodb\.\(\*([A-Z][A-Za-z]+)Input\)\.Serialize$`)
	var linked []string
	for _, line := range strings.Split(string(nm), "\n") {
		if m := ops.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			linked = append(linked, m[1])
		}
	}
	sort.Strings(linked)
	// DescribeEndpoints is the client's own endpoint discovery, which every client links.
	assert.Equal(t, []string{"DescribeEndpoints", "GetItem", "Query"}, linked, "DynamoDB operations linked into the authorizer")
}

// Each main is short and names its slice's constructor: a route is followed from template.yaml
// by reading imports, with no registry in between.
func TestMainsAreShortAndExplicit(t *testing.T) {
	dirs, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	require.NoError(t, err)
	construct := regexp.MustCompile(`h := app\.Must\([a-z]+\.New[A-Za-z]*Function\(context\.Background\(\), cfg`)
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("..", "..", "functions", d.Name(), "main.go"))
		require.NoError(t, err)
		src := string(b)
		assert.LessOrEqual(t, strings.Count(src, "\n"), 30, "functions/%s/main.go is over 30 lines", d.Name())
		assert.Regexp(t, construct, src, "functions/%s/main.go must call its slice's typed constructor", d.Name())
		assert.Contains(t, src, "lambda.Start(h)", d.Name())
	}
}

// The HTTP layer (router, middleware, the generic resource handlers), the domain rules and the
// key checks see the domain types and interfaces only: none of them links the DynamoDB SDK or
// the store, so persistence can change behind them. Idempotency reaches the store's transaction
// as a typed value (domain.Tx), not as DynamoDB items in a context.
func TestHTTPLayerDoesNotLinkDynamoDB(t *testing.T) {
	const mod = "github.com/hapihub/hapihub/"
	pkgs := []string{"./shared/api", "./shared/clinic", "./shared/auth", "./shared/domain", "./shared/app/openapifn"}
	got := deps(t, pkgs...)
	require.Len(t, got, len(pkgs))
	for pkg, ds := range got {
		for _, d := range ds {
			assert.False(t, strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/dynamodb"), "%s links %s", pkg, d)
			assert.NotEqual(t, mod+"shared/store", d, "%s imports the store", pkg)
		}
	}
}

// No package in shared/ grows past 2,500 non-test lines: a package that large holds more than
// one feature (the store was one type with 82 methods before its split).
func TestSharedPackagesStaySmall(t *testing.T) {
	const limit = 2500
	root := filepath.Join("..", "..", "shared")
	err := filepath.WalkDir(root, func(dir string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return err
		}
		lines := 0
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			lines += strings.Count(string(b), "\n")
		}
		rel, _ := filepath.Rel(root, dir)
		assert.LessOrEqual(t, lines, limit, "shared/%s has %d non-test lines", rel, lines)
		return nil
	})
	require.NoError(t, err)
}

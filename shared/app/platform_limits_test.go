package app_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/auth"
)

var updateThrottles = flag.Bool("update-throttles", false, "rewrite template.yaml's generated per-method throttles")

// planModes maps the usage plans to the mode whose usage keys are attached to them
// (<Mode>UsagePlan, as the runner names HAPIHUB_USAGE_PLAN_<MODE>).
var planModes = map[string]string{"TestUsagePlan": "test", "LiveUsagePlan": "live"}

// throttleLines are the generated entries of one plan: every route of the template, reads at the
// mode's read limit and writes at its write limit, burst equal to rate.
func throttleLines(tpl *template.Template, mode string) []string {
	seen := map[string]bool{}
	var lines []string
	for _, r := range tpl.Routes() {
		key := r.Path + "/" + r.Method
		if seen[key] {
			continue
		}
		seen[key] = true
		n := auth.MethodLimit(mode, r.Method)
		lines = append(lines, fmt.Sprintf(`            %q: {RateLimit: %d, BurstLimit: %d}`, key, n, n))
	}
	sort.Strings(lines)
	return lines
}

func TestUsagePlanThrottles(t *testing.T) {
	path := filepath.Join("..", "..", "template.yaml")
	if *updateThrottles {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		s := string(b)
		block := func(mode string) *regexp.Regexp {
			return regexp.MustCompile(`(?s)(\n *# throttles:` + mode + ` begin\n).*?( *# throttles:` + mode + ` end\n)`)
		}
		// Parse with a placeholder in each block: an empty block is not a mapping.
		placeholder := s
		for _, mode := range []string{"test", "live"} {
			re := block(mode)
			require.True(t, re.MatchString(s), "template.yaml lacks the throttles:%s markers", mode)
			placeholder = re.ReplaceAllString(placeholder, `${1}            "/x/GET": {RateLimit: 1, BurstLimit: 1}`+"\n${2}")
		}
		tpl, err := template.Parse([]byte(placeholder))
		require.NoError(t, err)
		for _, mode := range []string{"test", "live"} {
			re := block(mode)
			m := re.FindStringSubmatch(s)
			s = strings.Replace(s, m[0], m[1]+strings.Join(throttleLines(tpl, mode), "\n")+"\n"+m[2], 1)
		}
		require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	}
	tpl, err := template.Load(path)
	require.NoError(t, err)
	routes := tpl.Routes()
	require.NotEmpty(t, routes)
	for id, mode := range planModes {
		plan, ok := tpl.UsagePlan(id)
		require.True(t, ok, "template.yaml needs %s", id)
		lim := auth.RateLimits[mode]
		assert.Equal(t, template.Throttle{RateLimit: float64(lim.PerKey), BurstLimit: lim.PerKey}, plan.Throttle, "%s stage-wide throttle", id)
		want := map[string]template.Throttle{}
		for _, r := range routes {
			n := auth.MethodLimit(mode, r.Method)
			want[r.Path+"/"+r.Method] = template.Throttle{RateLimit: float64(n), BurstLimit: n}
		}
		assert.Equal(t, want, plan.MethodThrottles,
			"%s: every route needs its method throttle; regenerate with: go test ./shared/app -run TestUsagePlanThrottles -update-throttles", id)
	}
	// The gateway's 429s carry the rate-limit headers with numbers the plans agree with.
	lowest := auth.RateLimits["test"].Read
	for _, l := range auth.RateLimits {
		lowest = min(lowest, l.Read, l.Write)
	}
	for _, typ := range []string{"THROTTLED", "QUOTA_EXCEEDED"} {
		gr, ok := tpl.API.GatewayResponses[typ]
		require.True(t, ok, typ)
		assert.Equal(t, 429, gr.StatusCode, typ)
		assert.Equal(t, "1", gr.Headers["Retry-After"], typ)
		assert.Equal(t, strconv.Itoa(lowest), gr.Headers["RateLimit-Limit"], typ)
		assert.Equal(t, "0", gr.Headers["RateLimit-Remaining"], typ)
		assert.Equal(t, "1", gr.Headers["RateLimit-Reset"], typ)
	}
}

// A browser reads only the CORS-safelisted response headers and those named in
// Access-Control-Expose-Headers (https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name),
// so every header a gateway response sets for its client (the 429s' Retry-After and RateLimit-*,
// which the SDKs' retries honour) must be exposed, as the functions' answers expose theirs.
func TestGatewayResponsesExposeTheirHeaders(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	safelisted := map[string]bool{"cache-control": true, "content-language": true, "content-length": true,
		"content-type": true, "expires": true, "last-modified": true, "pragma": true}
	require.NotEmpty(t, tpl.API.GatewayResponses)
	for typ, gr := range tpl.API.GatewayResponses {
		exposed := map[string]bool{}
		for _, h := range strings.Split(gr.Headers["Access-Control-Expose-Headers"], ",") {
			exposed[strings.ToLower(strings.TrimSpace(h))] = true
		}
		assert.True(t, exposed["x-amzn-requestid"], "%s exposes x-amzn-RequestId", typ)
		for h := range gr.Headers {
			l := strings.ToLower(h)
			if safelisted[l] || strings.HasPrefix(l, "access-control-") {
				continue
			}
			assert.True(t, exposed[l], "%s sets %s but does not expose it to browsers", typ, h)
		}
	}
}

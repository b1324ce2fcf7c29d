package local

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
)

// TestThrottleHeaders: a 429 from a plan's throttle carries that key's numbers, not the
// template's static ones.
func TestThrottleHeaders(t *testing.T) {
	tests := []struct {
		name, throttle, method, path, key string
		burst                             int
		limit, reset                      string
	}{
		{"test plan", "{RateLimit: 2, BurstLimit: 3}", "GET", "/things", "testA", 3, "2", "1"},
		{"slow plan: reset counts whole seconds to the next token", "{RateLimit: 0.25, BurstLimit: 2}", "GET", "/things", "testA", 2, "0.25", "4"},
		{"live method throttle", "{RateLimit: 2, BurstLimit: 3}", "DELETE", "/things/1", "liveA", 1, "1", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, strings.Replace(testTemplate, "Throttle: {RateLimit: 2, BurstLimit: 3}", "Throttle: "+tc.throttle, 1))
			for i := 0; i < tc.burst; i++ {
				require.Equal(t, 200, h.do(tc.method, tc.path, tc.key, nil).status, "request %d within the burst", i)
			}
			r := h.do(tc.method, tc.path, tc.key, nil)
			require.Equal(t, 429, r.status)
			assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.json["name"])
			assert.Equal(t, tc.limit, r.header.Get("RateLimit-Limit"))
			assert.Equal(t, "0", r.header.Get("RateLimit-Remaining"))
			assert.Equal(t, tc.reset, r.header.Get("RateLimit-Reset"))
			assert.Equal(t, tc.reset, r.header.Get("Retry-After"))
		})
	}
}

const concurrencyParams = `
Parameters:
  StageName: {Type: String, Default: v7}
  TestConcurrencyLimit: {Type: Number, Default: 2}
`

// TestConcurrencyCap: at most <Mode>ConcurrencyLimit requests of one usage key run at once; the
// next answers 429 concurrency_limit at once, and a slot frees when a request ends.
func TestConcurrencyCap(t *testing.T) {
	src := strings.Replace(testTemplate, "\nParameters:\n  StageName: {Type: String, Default: v7}\n", concurrencyParams, 1)
	src = strings.Replace(src, "Throttle: {RateLimit: 2, BurstLimit: 3}", "Throttle: {RateLimit: 100, BurstLimit: 100}", 1)
	h := newHarness(t, src)
	assert.Equal(t, map[string]int{"test": 2}, h.gw.ConcurrencyLimits())
	held := make(chan events.APIGatewayProxyRequest)
	h.fake.events = held
	inFlight := func(key string) int {
		h.gw.conc.mu.Lock()
		defer h.gw.conc.mu.Unlock()
		return h.gw.conc.inFlight[key]
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 2)
	for range 2 {
		wg.Go(func() { statuses <- h.do("GET", "/things", "testA", nil).status })
	}
	require.Eventually(t, func() bool { return inFlight("uk-testA") == 2 }, 2*time.Second, time.Millisecond)

	r := h.do("GET", "/things", "testA", nil)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.json["name"])
	assert.Equal(t, "concurrency_limit", r.json["code"])
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.NotEmpty(t, r.json["event"])
	assert.Equal(t, 2, inFlight("uk-testA"), "a refused request holds no slot")

	<-held
	<-held
	wg.Wait()
	close(statuses)
	for s := range statuses {
		assert.Equal(t, 200, s)
	}
	assert.Equal(t, 0, inFlight("uk-testA"), "slots are released")
	go func() { <-held }()
	assert.Equal(t, 200, h.do("GET", "/things", "testA", nil).status, "a freed slot is usable")
	// Live mode has no parameter in this template: not capped (three run at once: each is held
	// in the function until all three were sent).
	for range 3 {
		wg.Go(func() { assert.Equal(t, 200, h.do("GET", "/things", "liveA", nil).status) })
	}
	for range 3 {
		<-held
	}
	wg.Wait()
}

// TestConcurrencyLimitsOfTheTemplate: template.yaml's parameters are the only source of the cap;
// the gateway enforces exactly them, for every mode that has a usage plan, and no other mode.
func TestConcurrencyLimitsOfTheTemplate(t *testing.T) {
	tpl, err := template.Load("../../template.yaml")
	require.NoError(t, err)
	limits, err := concurrencyLimits(tpl)
	require.NoError(t, err)
	require.NotEmpty(t, tpl.UsagePlans)
	for _, p := range tpl.UsagePlans {
		mode := strings.ToLower(strings.TrimSuffix(p.LogicalID, "UsagePlan"))
		require.Equal(t, p.LogicalID, PlanForMode(mode))
		v, ok := tpl.Parameters[ConcurrencyParameter(mode)]
		require.True(t, ok, "template.yaml lacks %s", ConcurrencyParameter(mode))
		assert.Equal(t, v, strconv.Itoa(limits[mode]), "mode %s", mode)
		// A cap above the plan's burst could never be reached by one key within a second.
		assert.LessOrEqual(t, float64(limits[mode]), float64(p.Throttle.BurstLimit), "mode %s", mode)
	}
	assert.Len(t, limits, len(tpl.UsagePlans))
	assert.Less(t, limits["test"], limits["live"], "test keys get the smaller share, as with rates")

	_, err = concurrencyLimits(&template.Template{Parameters: map[string]string{"TestConcurrencyLimit": "0"}})
	assert.Error(t, err)
}

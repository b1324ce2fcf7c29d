package local

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hapihub/hapihub/infra/template"
)

// PlanForMode is the usage plan a mode's keys belong to: the plan whose logical id is the mode,
// capitalised, followed by "UsagePlan" (mode "test" -> TestUsagePlan, "live" -> LiveUsagePlan).
// On AWS the authorizer's usageIdentifierKey is an API key attached to that plan; locally the
// authorizer context's "mode" picks it.
func PlanForMode(mode string) string {
	if mode == "" {
		return ""
	}
	return strings.ToUpper(mode[:1]) + mode[1:] + "UsagePlan"
}

// limiter is API Gateway's token bucket per usage identifier key: a bucket holds at most
// BurstLimit requests and refills at RateLimit a second. A method throttle of the plan
// ("/path/METHOD") replaces the plan's throttle for that method, with a bucket of its own.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// rateState is a bucket's standing after a request, for the RateLimit-* headers: the limit per
// second, whole tokens left, and seconds until the next token (at least 1).
type rateState struct {
	limit     float64
	remaining int
	reset     int
}

// headers are the 429's Retry-After and RateLimit-Limit/-Remaining/-Reset for this bucket.
func (r rateState) headers() map[string]string {
	reset := strconv.Itoa(r.reset)
	return map[string]string{"Retry-After": reset, "RateLimit-Limit": strconv.FormatFloat(r.limit, 'f', -1, 64),
		"RateLimit-Remaining": strconv.Itoa(r.remaining), "RateLimit-Reset": reset}
}

// allow takes a token from the bucket of (plan, key, method key) and says whether there was one.
func (l *limiter) allow(plan *template.UsagePlan, usageKey, resourcePath, method string) (bool, rateState) {
	th := plan.Throttle
	id := plan.LogicalID + "\x00" + usageKey
	if mt, ok := plan.MethodThrottles[resourcePath+"/"+method]; ok {
		th = mt
		id += "\x00" + resourcePath + "/" + method
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[id]
	if b == nil {
		b = &bucket{tokens: float64(th.BurstLimit), last: now}
		l.buckets[id] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(th.BurstLimit), b.tokens+elapsed*th.RateLimit)
		b.last = now
	}
	st := rateState{limit: th.RateLimit}
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	st.remaining = int(math.Floor(b.tokens))
	st.reset = 1
	if th.RateLimit > 0 && b.tokens < 1 {
		st.reset = max(1, int(math.Ceil((1-b.tokens)/th.RateLimit)))
	}
	return ok, st
}

// ConcurrencyParameter is the template parameter holding a mode's cap on requests in flight per
// usage identifier key (that is, per account and mode): "<Mode>ConcurrencyLimit", read by the
// gateway here and, on AWS, by what enforces it there (docs/keys.md, "Concurrency cap").
func ConcurrencyParameter(mode string) string {
	if mode == "" {
		return ""
	}
	return strings.ToUpper(mode[:1]) + mode[1:] + "ConcurrencyLimit"
}

// concurrency counts requests in flight per usage identifier key against its mode's cap.
type concurrency struct {
	limits   map[string]int // by mode; a mode without a parameter is not capped
	mu       sync.Mutex
	inFlight map[string]int
}

// concurrencyLimits reads every <Mode>ConcurrencyLimit parameter of the template.
func concurrencyLimits(tpl *template.Template) (map[string]int, error) {
	out := map[string]int{}
	for name, v := range tpl.Parameters {
		mode, ok := strings.CutSuffix(name, "ConcurrencyLimit")
		if !ok || mode == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("local: parameter %s: want a positive whole number, got %q", name, v)
		}
		out[strings.ToLower(mode[:1])+mode[1:]] = n
	}
	return out, nil
}

// acquire takes a slot for usageKey; release must follow when it returns true.
func (c *concurrency) acquire(mode, usageKey string) (bool, int) {
	limit, capped := c.limits[mode]
	if !capped {
		return true, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight == nil {
		c.inFlight = map[string]int{}
	}
	if c.inFlight[usageKey] >= limit {
		return false, limit
	}
	c.inFlight[usageKey]++
	return true, limit
}

func (c *concurrency) release(mode, usageKey string) {
	if _, capped := c.limits[mode]; !capped {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight[usageKey]--; c.inFlight[usageKey] <= 0 {
		delete(c.inFlight, usageKey)
	}
}

// concurrencyBody is the 429 for a full concurrency cap, in the API's error format with the code
// the functions would give it on AWS (docs/keys.md).
func concurrencyBody(limit int, requestID string) string {
	b, _ := json.Marshal(map[string]string{"name": "RATE_LIMIT_EXCEEDED", "code": "concurrency_limit", "event": requestID,
		"message": fmt.Sprintf("Too many requests in flight for this account and mode (at most %d at once). Retry after a short backoff.", limit)})
	return string(b)
}

package local

import (
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

// allow takes a token from the bucket of (plan, key, method key) and says whether there was one.
func (l *limiter) allow(plan *template.UsagePlan, usageKey, resourcePath, method string) bool {
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
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

package local

import (
	"sync"
	"time"

	"github.com/hapihub/hapihub/infra/template"
)

// limiter is API Gateway's usage plan throttling per API key: the plan's throttle is one token
// bucket per key across every method of the stage, and a method throttle of the plan
// ("/path/METHOD") is a second bucket of its own for that method. A request needs a token from
// both ("the overall usage plan limit is still global to that key" with method throttles:
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
// describes the token bucket). A bucket holds at most BurstLimit tokens and refills at RateLimit
// a second.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// refill brings the bucket of id up to now and returns it. Caller holds mu.
func (l *limiter) refill(id string, th template.Throttle, now time.Time) *bucket {
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
	return b
}

// allow takes a token from the key's plan bucket and, when the method has a throttle, from its
// method bucket; it takes none unless both have one.
func (l *limiter) allow(plan *template.UsagePlan, usageKey, resourcePath, method string) bool {
	id := plan.LogicalID + "\x00" + usageKey
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	bs := []*bucket{l.refill(id, plan.Throttle, now)}
	if mt, ok := plan.MethodThrottles[resourcePath+"/"+method]; ok {
		bs = append(bs, l.refill(id+"\x00"+resourcePath+"/"+method, mt, now))
	}
	for _, b := range bs {
		if b.tokens < 1 {
			return false
		}
	}
	for _, b := range bs {
		b.tokens--
	}
	return true
}

package local

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// authResult is a Lambda authorizer's answer, as API Gateway caches it.
type authResult struct {
	principalID string
	statements  []statement
	context     map[string]any // values are strings, numbers or booleans
	usageKey    string
}

type statement struct {
	Effect   string
	Action   stringList
	Resource stringList
}

// stringList accepts the IAM policy forms "x" and ["x", "y"].
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("expected a string or a list of strings: %w", err)
	}
	*l = many
	return nil
}

// parseAuthResult decodes and validates the authorizer's output. An error is what API Gateway calls
// AUTHORIZER_CONFIGURATION_ERROR (500).
func parseAuthResult(out []byte) (*authResult, error) {
	var raw struct {
		PrincipalID    *string `json:"principalId"`
		PolicyDocument *struct {
			Version   string      `json:"Version"`
			Statement []statement `json:"Statement"`
		} `json:"policyDocument"`
		Context            map[string]any `json:"context"`
		UsageIdentifierKey string         `json:"usageIdentifierKey"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("authorizer output is not a response object: %w", err)
	}
	if raw.PrincipalID == nil {
		return nil, fmt.Errorf("authorizer output has no principalId")
	}
	if raw.PolicyDocument == nil || len(raw.PolicyDocument.Statement) == 0 {
		return nil, fmt.Errorf("authorizer output has no policyDocument statements")
	}
	for k, v := range raw.Context {
		switch v.(type) {
		case string, float64, bool:
		default:
			return nil, fmt.Errorf("authorizer context %q is %T; only strings, numbers and booleans are allowed", k, v)
		}
	}
	return &authResult{principalID: *raw.PrincipalID, statements: raw.PolicyDocument.Statement, context: raw.Context, usageKey: raw.UsageIdentifierKey}, nil
}

// decision is the policy's verdict on one methodArn: an explicit Deny wins over an Allow, and
// without a matching Allow access is denied.
type decision int

const (
	implicitDeny decision = iota
	allow
	explicitDeny
)

func (a *authResult) decide(methodArn string) decision {
	d := implicitDeny
	for _, s := range a.statements {
		if !anyMatch(s.Action, "execute-api:Invoke") || !anyMatch(s.Resource, methodArn) {
			continue
		}
		switch {
		case strings.EqualFold(s.Effect, "Deny"):
			return explicitDeny
		case strings.EqualFold(s.Effect, "Allow"):
			d = allow
		}
	}
	return d
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

// wildcard matches IAM's patterns: * is any run of characters (slashes included), ? one character.
// Actions compare case-insensitively, as IAM does.
func wildcard(p, s string) bool {
	if strings.HasPrefix(strings.ToLower(s), "execute-api:") {
		p, s = strings.ToLower(p), strings.ToLower(s)
	}
	// Iterative match with backtracking to the last star: linear in practice.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// authCache keeps authorizer results for the authorizer's TTL, keyed by authorizer and identity
// source values, as API Gateway does. Errors (401 and failures) are not cached.
type authCache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	res     *authResult
	expires time.Time
}

func (c *authCache) get(key string, now time.Time) (*authResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.res, true
}

func (c *authCache) put(key string, res *authResult, now, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	// Drop expired entries now and then so a long run with many keys does not grow without bound.
	if len(c.entries) >= 1024 {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = cacheEntry{res: res, expires: expires}
}

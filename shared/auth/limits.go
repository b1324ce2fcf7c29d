package auth

// Limit is a mode's request rate per usage identifier key, that is per account and mode (every
// key of an account in a mode shares it: docs/keys.md, "Rate limits"): requests a second, with a
// burst of as many. Read and Write hold each method (usage plan method throttles); PerKey holds
// all methods together (the plan's throttle). template.yaml's usage plans must say the same (a
// test in shared/app checks both plans against this table); the local runner enforces the
// template's numbers.
type Limit struct {
	Read   int
	Write  int
	PerKey int
}

// RateLimits by mode: test 25 requests a second in all; live 100 reads and 100 writes a second,
// 200 in all (API Gateway cannot throttle reads and writes as classes).
var RateLimits = map[string]Limit{
	"test": {Read: 25, Write: 25, PerKey: 25},
	"live": {Read: 100, Write: 100, PerKey: 200},
}

// MethodLimit is the per-second limit of an HTTP method in a mode: GET (and HEAD) are reads.
func MethodLimit(mode, method string) int {
	l := RateLimits[mode]
	if method == "GET" || method == "HEAD" {
		return l.Read
	}
	return l.Write
}

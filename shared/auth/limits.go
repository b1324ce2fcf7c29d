package auth

// Limit is a mode's per-key request rate (PRODUCT.md, "Rate limits"): requests a second, with a
// burst of as many. template.yaml's usage plans must say the same (a test in shared/app checks
// every route's method throttle in both plans against this table); the local runner enforces
// the template's numbers.
type Limit struct {
	Read  int
	Write int
}

// RateLimits by mode.
var RateLimits = map[string]Limit{
	"test": {Read: 25, Write: 25},
	"live": {Read: 100, Write: 100},
}

// MethodLimit is the per-second limit of an HTTP method in a mode: GET (and HEAD) are reads.
func MethodLimit(mode, method string) int {
	l := RateLimits[mode]
	if method == "GET" || method == "HEAD" {
		return l.Read
	}
	return l.Write
}

package api

import (
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
)

// IfMatch is a parsed If-Match header (RFC 9110 §13.1.1) for objects whose version is not the
// store's object version (organizations: their updatedAt), compared as Resource.ifMatch does:
// strongly, so a weak tag never matches.
type IfMatch struct {
	set  bool     // the header was sent and is not "*"
	tags []string // the strong tags' opaque values
}

// ParseIfMatch reads the header: absent or "*" holds for any existing object; a malformed one
// is 400 naming If-Match.
func ParseIfMatch(raw string) (IfMatch, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "*" {
		return IfMatch{}, nil
	}
	tags, ok := parseETags(raw)
	if !ok {
		return IfMatch{}, apperr.Field("If-Match", "must be * or a list of entity tags, such as \"3\" (with the quotes)")
	}
	m := IfMatch{set: true}
	for _, t := range tags {
		if !t.weak {
			m.tags = append(m.tags, t.opaque)
		}
	}
	return m, nil
}

// Check is nil when the current version (an ETag's opaque value) satisfies the header, else a
// 412 PRECONDITION_FAILED naming the object.
func (m IfMatch) Check(current, object string) error {
	if !m.set {
		return nil
	}
	for _, t := range m.tags {
		if t == current {
			return nil
		}
	}
	return apperr.New(apperr.PreconditionFailed, "If-Match names no current version of this %s (weak tags never match, RFC 9110 §13.1.1); fetch it again and send its ETag.", object).WithCode("version_mismatch")
}

// ETag is the strong entity tag of an opaque version value.
func ETag(opaque string) string { return `"` + opaque + `"` }

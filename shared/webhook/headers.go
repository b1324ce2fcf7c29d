package webhook

import (
	"fmt"
	"net/textproto"
	"sort"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
)

// Custom headers: an endpoint may carry headers of its own that every delivery sends (a
// receiver's routing key, a gateway's API key). Bounds, as docs/webhooks.md states them.
const (
	MaxCustomHeaders      = 20
	MaxHeaderNameLen      = 100
	MaxHeaderValueLen     = 1000
	MaxCustomHeadersBytes = 4096 // names + values, all headers together
)

// reservedHeaders are headers an endpoint may not set: hop-by-hop headers (RFC 9110 §7.6.1),
// those the HTTP client computes (Host, Content-Length, ...), and the ones that identify and
// sign a delivery, which a receiver must be able to trust.
var reservedHeaders = map[string]string{
	"Connection": "hop-by-hop", "Keep-Alive": "hop-by-hop", "Proxy-Connection": "hop-by-hop", "Te": "hop-by-hop",
	"Trailer": "hop-by-hop", "Transfer-Encoding": "hop-by-hop", "Upgrade": "hop-by-hop",
	"Proxy-Authorization": "hop-by-hop", "Proxy-Authenticate": "hop-by-hop",
	"Host": "set by the HTTP client", "Content-Length": "set by the HTTP client", "Content-Type": "always application/json",
	"Content-Encoding": "set by the HTTP client", "Expect": "set by the HTTP client", "User-Agent": "identifies HAPI Hub's deliveries",
	textproto.CanonicalMIMEHeaderKey(SignatureHeader):         "signs the delivery",
	textproto.CanonicalMIMEHeaderKey(StandardIDHeader):        "identifies the delivery",
	textproto.CanonicalMIMEHeaderKey(StandardTimestampHeader): "signs the delivery",
	textproto.CanonicalMIMEHeaderKey(StandardSignatureHeader): "signs the delivery",
}

// reservedPrefixes are kept for headers HAPI Hub may add later.
var reservedPrefixes = []string{"Hapihub-", "Webhook-", "X-Amz-", "X-Amzn-"}

// isToken reports whether s is an RFC 9110 token (a header field name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validValue: visible ASCII, spaces and tabs inside, nothing that could end the header
// (CR, LF, NUL) or need an encoding.
func validValue(v string) bool {
	if v != strings.TrimSpace(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// checkHeaderName says why name cannot be a custom header, "" when it can.
func checkHeaderName(name string) string {
	if !isToken(name) || len(name) > MaxHeaderNameLen {
		return fmt.Sprintf("must be a header name (letters, digits and !#$%%&'*+-.^_`|~, at most %d characters)", MaxHeaderNameLen)
	}
	c := textproto.CanonicalMIMEHeaderKey(name)
	if why, ok := reservedHeaders[c]; ok {
		return fmt.Sprintf("cannot be set: %s is %s", c, why)
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(c, p) {
			return fmt.Sprintf("cannot be set: names beginning with %s are reserved", p)
		}
	}
	return ""
}

// applyHeaders merges a create/patch body's headers onto cur, as metadata merges: a value sets
// the header, null removes it. Names are compared case-insensitively and kept canonical
// (X-Api-Key). Every problem is reported, each under headers.<name>.
func applyHeaders(cur map[string]string, in map[string]*string) (map[string]string, []apperr.FieldError) {
	out := map[string]string{}
	for k, v := range cur {
		out[k] = v
	}
	var errs []apperr.FieldError
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := in[k]
		field := "headers." + k
		if why := checkHeaderName(k); why != "" {
			errs = append(errs, apperr.FieldError{Field: field, Message: why})
			continue
		}
		c := textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case v == nil:
			delete(out, c)
		case len(*v) > MaxHeaderValueLen || !validValue(*v):
			errs = append(errs, apperr.FieldError{Field: field, Message: fmt.Sprintf(
				"must be at most %d characters of visible ASCII (spaces and tabs inside), without leading or trailing space", MaxHeaderValueLen)})
		default:
			out[c] = *v
		}
	}
	size := 0
	for k, v := range out {
		size += len(k) + len(v)
	}
	if len(out) > MaxCustomHeaders {
		errs = append(errs, apperr.FieldError{Field: "headers", Message: fmt.Sprintf("has at most %d headers", MaxCustomHeaders)})
	}
	if size > MaxCustomHeadersBytes {
		errs = append(errs, apperr.FieldError{Field: "headers", Message: fmt.Sprintf("names and values together are at most %d bytes", MaxCustomHeadersBytes)})
	}
	if len(out) == 0 {
		out = nil
	}
	return out, errs
}

package auth

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Permission levels of a restricted key on a resource.
const (
	None  = "none"
	Read  = "read"
	Write = "write"
)

// Needed is the permission a route's action needs: read for find and get, write otherwise.
func Needed(action string) string {
	if action == "find" || action == "get" {
		return Read
	}
	return Write
}

// Grants reports whether holding have allows need (write includes read).
func Grants(have, need string) bool {
	return have == Write || (have == Read && need == Read)
}

// PlatformResources are what restricted keys may hold permissions on besides the clinic
// resources of the schema registry. Key management and account settings are not among them:
// only secret keys may do those.
var PlatformResources = []string{"events", "request-logs", "tokens", "webhook-endpoints"}

// ValidatePermissions checks a restricted key's permissions: every resource known (known reports
// a clinic resource), every level none, read or write. It returns the problem per field.
func ValidatePermissions(perms map[string]any, known func(string) bool) (map[string]string, map[string]string) {
	out, bad := map[string]string{}, map[string]string{}
	names := make([]string, 0, len(perms))
	for r := range perms {
		names = append(names, r)
	}
	sort.Strings(names)
	for _, r := range names {
		lvl, _ := perms[r].(string)
		if !known(r) && !contains(PlatformResources, r) {
			bad["permissions."+r] = "is not a resource a restricted key can have permissions on"
			continue
		}
		switch lvl {
		case None, Read, Write:
			out[r] = lvl
		default:
			bad["permissions."+r] = fmt.Sprintf("must be one of none, read, write, not %v", perms[r])
		}
	}
	return out, bad
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// MaxAllowlist bounds an account's IP allowlist.
const MaxAllowlist = 100

// NormalizeCIDR accepts a CIDR or a bare address (a /32 or /128) in IPv4 or IPv6 and returns it
// in canonical form with host bits cleared.
func NormalizeCIDR(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return "", fmt.Errorf("%q is not a CIDR such as 203.0.113.0/24 or 2001:db8::/32", s)
		}
		if p.Addr().Is4In6() {
			return "", fmt.Errorf("%q: write IPv4 ranges in IPv4 form", s)
		}
		return p.Masked().String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address or CIDR", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()).String(), nil
}

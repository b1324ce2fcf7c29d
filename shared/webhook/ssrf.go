package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Policy says which targets a mode may deliver to. Live endpoints must be HTTPS on public
// addresses. Test endpoints may be plain HTTP, and loopback when AllowLoopback is set (the local
// runner): on AWS a Lambda's loopback is its own runtime API, never the developer's machine, so
// it stays refused there (use `make listen` to receive test events locally).
type Policy struct {
	Live          bool
	AllowLoopback bool
	// Resolve looks a host up; nil uses net.DefaultResolver (tests inject a fake DNS).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// ErrForbiddenTarget is wrapped by every refusal of a target address.
var ErrForbiddenTarget = errors.New("webhook: target address is not allowed")

// special lists every block of IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890;
// https://www.iana.org/assignments/iana-ipv4-special-registry/ and .../iana-ipv6-special-registry/),
// plus multicast (RFC 5771, RFC 4291), which has registries of its own. A webhook goes to none of
// them, "globally reachable" rows included: AS112 sinks, AMT relays and anycast service addresses
// are not anyone's webhook receiver. Loopback and the IPv4-in-IPv6 forms are decided before this
// list (CheckAddr). testdata/ holds the registries' CSVs; TestSSRFRegistryTable checks every row.
var special = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" (RFC 791)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space, carrier-grade NAT (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (RFC 1122)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local, including the 169.254.169.254 metadata service (RFC 3927)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("192.31.196.0/24"), "AS112 (RFC 7535)"},
	{netip.MustParsePrefix("192.52.193.0/24"), "AMT (RFC 7450)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("192.175.48.0/24"), "AS112 direct delegation (RFC 7534)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (RFC 5771)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, including limited broadcast (RFC 1112, RFC 919)"},

	{netip.MustParsePrefix("::/128"), "unspecified (RFC 4291)"},
	{netip.MustParsePrefix("::1/128"), "loopback (RFC 4291)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use IPv4/IPv6 translation (RFC 8215)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (RFC 6666)"},
	{netip.MustParsePrefix("100:0:0:1::/64"), "dummy IPv6 prefix (RFC 9780)"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (RFC 2928)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (RFC 3849)"},
	{netip.MustParsePrefix("2620:4f:8000::/48"), "AS112 direct delegation (RFC 7534)"},
	{netip.MustParsePrefix("3fff::/20"), "documentation (RFC 9637)"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing SIDs (RFC 9602)"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local, including AWS's fd00:ec2::254 metadata service (RFC 4193)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local (RFC 4291)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast (RFC 4291)"},
}

// globalUnicast6 is the only IPv6 space IANA allocates for global unicast (RFC 4291 section 2.4,
// the IPv6 Address Space registry); anything outside it is reserved or special.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// The IPv6 forms that carry an IPv4 address.
var (
	mapped4    = netip.MustParsePrefix("::ffff:0:0/96")  // RFC 4291 2.5.5.2
	compat4    = netip.MustParsePrefix("::/96")          // RFC 4291 2.5.5.1, deprecated
	nat64WKP   = netip.MustParsePrefix("64:ff9b::/96")   // RFC 6052 well-known prefix
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48") // RFC 8215 local use
	sixToFour  = netip.MustParsePrefix("2002::/16")      // RFC 3056: 2002:V4ADDR::/48
	teredo     = netip.MustParsePrefix("2001::/32")      // RFC 4380: server v4, flags, port, ^client v4
)

// embeddedV4 names the IPv4-in-IPv6 form of a, if any, and the IPv4 address it carries.
// Transparent forms (IPv4-mapped, the NAT64 well-known prefix) reach exactly that IPv4 host and
// are decided by it; the others are tunnelling or deprecated forms and refused whole.
func embeddedV4(a netip.Addr) (v4 netip.Addr, form string, transparent bool) {
	if !a.Is6() {
		return netip.Addr{}, "", false
	}
	b := a.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case mapped4.Contains(a):
		return last, "IPv4-mapped", true
	case nat64WKP.Contains(a):
		return last, "NAT64", true
	case nat64Local.Contains(a):
		// RFC 6052 2.2: with a /48 prefix the IPv4 address sits in bytes 6-7 and 9-10.
		return netip.AddrFrom4([4]byte{b[6], b[7], b[9], b[10]}), "local-use NAT64", false
	case compat4.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		return last, "IPv4-compatible", false
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4", false
	case teredo.Contains(a):
		// The client's address is stored inverted ("obfuscated") in the last 32 bits.
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo", false
	}
	return netip.Addr{}, "", false
}

// CheckAddr is the one SSRF decision: registration (CheckURL) and every connection (Client's
// dialer) ask it. It refuses, under p, every address a webhook must never reach.
func (p Policy) CheckAddr(a netip.Addr) error {
	if !a.IsValid() {
		return fmt.Errorf("%w: no address", ErrForbiddenTarget)
	}
	a = a.WithZone("") // a zone makes netip.Prefix.Contains answer false
	orig, viaNAT64 := a, false
	if v4, form, transparent := embeddedV4(a); form != "" {
		if !transparent {
			return fmt.Errorf("%w: %s is an %s address (it carries %s)", ErrForbiddenTarget, orig, form, v4)
		}
		a, viaNAT64 = v4, form == "NAT64"
	}
	if a.IsLoopback() && !viaNAT64 {
		if p.Live || !p.AllowLoopback {
			return fmt.Errorf("%w: %s is a loopback address", ErrForbiddenTarget, orig)
		}
		return nil
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return fmt.Errorf("%w: %s is in %s, %s", ErrForbiddenTarget, orig, s.prefix, s.name)
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return fmt.Errorf("%w: %s is outside the global unicast space 2000::/3", ErrForbiddenTarget, orig)
	}
	return nil
}

// CheckURL validates an endpoint URL at creation: scheme, no credentials, and every address the
// host resolves to. Delivery checks again at connect time (see Client), so DNS rebinding fails too.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("must be an absolute http(s) URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !p.Live:
	case u.Scheme == "http":
		return fmt.Errorf("must use https:// in live mode")
	default:
		return fmt.Errorf("must use https://, not %s://", u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("must not carry credentials")
	}
	if u.Fragment != "" {
		return fmt.Errorf("must not have a #fragment")
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("must name a host")
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if numericHost(host) {
		// 2130706433, 0x7f.1, 017700000001, 127.1: C's inet_aton (and so curl, glibc's resolver,
		// some proxies) reads these as IPv4 addresses; only the dotted-quad form is accepted.
		return fmt.Errorf("must name a DNS host or a dotted-quad IPv4 address, not %q", host)
	} else {
		resolve := p.Resolve
		if resolve == nil {
			resolve = func(ctx context.Context, h string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", h)
			}
		}
		addrs, err = resolve(ctx, host)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("host %q does not resolve", host)
		}
	}
	for _, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return fmt.Errorf("must not point at a private, loopback, link-local or metadata address (%s: %s)",
				host, strings.TrimPrefix(err.Error(), ErrForbiddenTarget.Error()+": "))
		}
	}
	return nil
}

// numericHost reports a host whose last label is a number (decimal, octal or 0x hex), as in every
// form inet_aton accepts. A DNS name's top-level label is never all-numeric (RFC 3696 section 2),
// so no real host name is refused.
func numericHost(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := strings.ToLower(labels[len(labels)-1])
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// control is the dialer's Control hook: it sees the resolved address of the socket about to
// connect, so the decision is CheckAddr's whatever DNS answered at registration.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
	}
	return p.CheckAddr(a)
}

// AttemptTimeout bounds one delivery attempt (a 2xx within 10 seconds: docs/decisions.md#events-and-webhooks).
const AttemptTimeout = 10 * time.Second

// Client returns the HTTP client deliveries use under p: the address is checked after DNS
// resolution, on the socket about to connect (the dialer's Control hook), redirects are not
// followed, environment proxies are ignored, and each attempt has AttemptTimeout.
func (p Policy) Client() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: p.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: AttemptTimeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   AttemptTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			// A redirect could point anywhere; the 3xx itself is the attempt's (failed) answer.
			return http.ErrUseLastResponse
		},
	}
}

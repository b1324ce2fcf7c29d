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

// blocked ranges besides what netip classifies: carrier-grade NAT, IETF protocol assignments,
// benchmarking, reserved, and AWS's IPv6 metadata address (inside fc00::/7, but named for clarity).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// nat64 embeds an IPv4 address in its last 32 bits, which could reach a private IPv4 host.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// CheckAddr refuses addresses a webhook must never reach under p.
func (p Policy) CheckAddr(a netip.Addr) error {
	a = a.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if a.IsLoopback() {
		if p.Live || !p.AllowLoopback {
			return fmt.Errorf("%w: %s is a loopback address", ErrForbiddenTarget, a)
		}
		return nil
	}
	switch {
	case !a.IsValid(), a.IsUnspecified():
		return fmt.Errorf("%w: %s is unspecified", ErrForbiddenTarget, a)
	case a.IsPrivate():
		return fmt.Errorf("%w: %s is a private address", ErrForbiddenTarget, a)
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is link-local (includes the 169.254.169.254 metadata service)", ErrForbiddenTarget, a)
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is multicast", ErrForbiddenTarget, a)
	}
	for _, b := range blocked {
		if b.Contains(a) {
			return fmt.Errorf("%w: %s is in reserved range %s", ErrForbiddenTarget, a, b)
		}
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
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
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
			return fmt.Errorf("must not point at a private, loopback, link-local or metadata address (%s resolves to %s)", host, a.Unmap())
		}
	}
	return nil
}

// AttemptTimeout bounds one delivery attempt (PRODUCT.md: a 2xx within 10 seconds).
const AttemptTimeout = 10 * time.Second

// Client returns the HTTP client deliveries use under p: the address is checked after DNS
// resolution, on the socket about to connect (the dialer's Control hook), redirects are not
// followed, environment proxies are ignored, and each attempt has AttemptTimeout.
func (p Policy) Client() *http.Client {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
			}
			a, err := netip.ParseAddr(strings.Trim(host, "[]"))
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
			}
			return p.CheckAddr(a)
		},
	}
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

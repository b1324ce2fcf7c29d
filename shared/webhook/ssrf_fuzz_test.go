package webhook

import (
	"context"
	"hash/fnv"
	"net/netip"
	"net/url"
	"testing"
)

// fuzzPool is what the fuzz target's DNS answers from: public addresses and special ones, in every
// family and spelling the guard must see through.
var fuzzPool = []netip.Addr{
	netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("2606:4700::1111"),
	netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("::127.0.0.1"), netip.MustParseAddr("2002:7f00:1::"),
	netip.MustParseAddr("64:ff9b::a9fe:a9fe"), netip.MustParseAddr("fd00:ec2::254"), netip.MustParseAddr("fe80::1%eth0"),
	netip.MustParseAddr("2001:0:4136:e378:8000:63bf:80ff:fffe"),
}

// FuzzCheckURL: whatever the URL, the guard does not panic, and a URL it accepts in live mode is
// https, names a host, and reaches only addresses outside every block of IANA's registries
// (testdata), an IPv4-mapped or NAT64 form counting as the IPv4 address it carries: an oracle
// built from the registries, not from ssrf.go's list.
// Run longer with: go test -run '^$' -fuzz FuzzCheckURL -fuzztime 60s ./shared/webhook
func FuzzCheckURL(f *testing.F) {
	rows := registries(f)
	for _, s := range []string{
		"https://hooks.example.com/hook", "https://[::127.0.0.1]/", "https://[2002:7f00:1::]/", "https://[::ffff:127.0.0.1]:8443/x",
		"https://[64:ff9b::7f00:1]/", "https://2130706433/", "https://0x7f.1/", "https://[fe80::1%25eth0]/", "http://a/",
		"https://user@a.example/", "https://a.example:99999/", "https://%31%32%37.0.0.1/", "https://127.0.0.1./", "https:///x",
		"https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "https://93.184.216.34/", "https://[2606:4700::1111]/",
	} {
		f.Add(s)
	}
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		h := fnv.New32a()
		h.Write([]byte(host))
		n := h.Sum32()
		return []netip.Addr{fuzzPool[n%uint32(len(fuzzPool))], fuzzPool[(n>>8)%uint32(len(fuzzPool))]}, nil
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p := Policy{Live: true, Resolve: resolve}
		if p.CheckURL(context.Background(), raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q: %v scheme %q host %q", raw, err, u.Scheme, u.Hostname())
		}
		addrs := []netip.Addr{}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil {
			addrs = append(addrs, a)
		} else {
			addrs, _ = resolve(context.Background(), u.Hostname())
		}
		for _, a := range addrs {
			a = a.WithZone("")
			b := a.As16()
			if a.Is4In6() || netip.MustParsePrefix("64:ff9b::/96").Contains(a) {
				a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
			}
			for _, r := range rows {
				if r.Prefix.Contains(a) {
					t.Fatalf("accepted %q, which reaches %s in %s (%s)", raw, a, r.Prefix, r.Name)
				}
			}
			if a.IsMulticast() || (a.Is6() && !netip.MustParsePrefix("2000::/3").Contains(a)) {
				t.Fatalf("accepted %q, which reaches %s", raw, a)
			}
		}
	})
}

package webhook

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registryRow is one block of IANA's Special-Purpose Address Registries, read from the CSVs IANA
// publishes (testdata/README.md):
// https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml
// https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml
type registryRow struct {
	Prefix netip.Prefix
	Name   string
	// GloballyReachable is the registry's column as written ("True", "False", "N/A", "").
	GloballyReachable string
}

var footnote = regexp.MustCompile(`\s*\[\d+\]`)

func readRegistry(tb testing.TB, file string) []registryRow {
	tb.Helper()
	f, err := os.Open("testdata/" + file)
	require.NoError(tb, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(tb, err)
	require.Equal(tb, "Address Block", recs[0][0])
	require.Equal(tb, "Globally Reachable", recs[0][8])
	var rows []registryRow
	for _, r := range recs[1:] {
		// "192.0.0.0/24 [2]" carries a footnote; "192.0.0.170/32, 192.0.0.171/32" two blocks.
		for _, block := range strings.Split(footnote.ReplaceAllString(r[0], ""), ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(block))
			require.NoError(tb, err, "row %q", r[0])
			rows = append(rows, registryRow{Prefix: p, Name: r[1], GloballyReachable: strings.TrimSpace(footnote.ReplaceAllString(r[8], ""))})
		}
	}
	return rows
}

func registries(tb testing.TB) []registryRow {
	rows := readRegistry(tb, "iana-ipv4-special-registry-1.csv")
	require.Len(tb, rows, 26) // 25 rows, one of them two blocks
	rows6 := readRegistry(tb, "iana-ipv6-special-registry-1.csv")
	require.Len(tb, rows6, 25)
	return append(rows, rows6...)
}

// samples are addresses spread over p: its first and last, and two inside.
func samples(p netip.Prefix) []netip.Addr {
	first := p.Masked().Addr()
	b := first.AsSlice()
	last := make([]byte, len(b))
	mid := make([]byte, len(b))
	odd := make([]byte, len(b))
	for i := range b {
		hostBits := max(0, min(8, (i+1)*8-p.Bits())) // host bits in this byte
		mask := byte(1<<hostBits - 1)
		last[i] = b[i] | mask
		mid[i] = b[i] | (mask & 0x80 >> 0) | (mask & 0x01)
		odd[i] = b[i] | (mask & 0x5a)
	}
	out := []netip.Addr{first}
	for _, x := range [][]byte{last, mid, odd} {
		a, _ := netip.AddrFromSlice(x)
		if a != first {
			out = append(out, a)
		}
	}
	return out
}

// transparent says whether the registry row is one of the IPv4-in-IPv6 forms decided by the IPv4
// address they carry (embeddedV4's transparent forms), found in the row itself, not in ssrf.go.
func transparentRow(r registryRow) bool {
	return r.Name == "IPv4-mapped Address" || (r.Name == "IPv4-IPv6 Translat." && r.Prefix.Bits() == 96)
}

// Every address of every row of both registries is refused, in every mode; the two transparent
// forms are refused when they carry a special IPv4 address and allowed with a public one.
func TestSSRFRegistryTable(t *testing.T) {
	rows := registries(t)
	public4 := netip.MustParseAddr("93.184.216.34")
	for _, r := range rows {
		for _, a := range samples(r.Prefix) {
			for _, p := range []Policy{{Live: true}, {}, {AllowLoopback: true}} {
				name := fmt.Sprintf("%s %s/%s live=%v loopback=%v", r.Name, r.Prefix, a, p.Live, p.AllowLoopback)
				err := p.CheckAddr(a)
				if transparentRow(r) {
					continue // below, with the IPv4 addresses they carry
				}
				if a.IsLoopback() && p.AllowLoopback && !p.Live {
					assert.NoError(t, err, name)
					continue
				}
				assert.ErrorIs(t, err, ErrForbiddenTarget, name)
			}
		}
	}
	// Every IPv4 row, in each IPv6 form that carries it.
	for _, r := range rows {
		if !r.Prefix.Addr().Is4() {
			continue
		}
		for _, v4 := range samples(r.Prefix) {
			for form, a := range carriers(v4) {
				err := Policy{Live: true}.CheckAddr(a)
				assert.ErrorIs(t, err, ErrForbiddenTarget, "%s %s as %s %s", r.Name, v4, form, a)
			}
		}
	}
	// A public IPv4 address: allowed as itself, IPv4-mapped and NAT64; its tunnelling forms are not.
	for _, r := range rows {
		require.False(t, r.Prefix.Contains(public4), "the control address is in %s", r.Prefix)
	}
	for form, a := range carriers(public4) {
		err := Policy{Live: true}.CheckAddr(a)
		if form == "IPv4-mapped" || form == "NAT64" {
			assert.NoError(t, err, "%s %s", form, a)
		} else {
			assert.ErrorIs(t, err, ErrForbiddenTarget, "%s %s", form, a)
		}
	}
	assert.NoError(t, Policy{Live: true}.CheckAddr(public4))
	assert.NoError(t, Policy{Live: true}.CheckAddr(netip.MustParseAddr("2606:4700::1111")))
}

// carriers spells v4 in every IPv6 form that embeds an IPv4 address.
func carriers(v4 netip.Addr) map[string]netip.Addr {
	b := v4.As4()
	at := func(prefix string, pos ...int) netip.Addr {
		x := netip.MustParseAddr(prefix).As16()
		for i, p := range pos {
			x[p] = b[i]
		}
		return netip.AddrFrom16(x)
	}
	teredo := netip.MustParseAddr("2001:0:4136:e378:8000::").As16() // server 65.54.227.120
	for i := range 4 {
		teredo[12+i] = ^b[i]
	}
	return map[string]netip.Addr{
		"IPv4-mapped":           netip.AddrFrom16(v4.As16()),
		"IPv4-compatible":       at("::", 12, 13, 14, 15),
		"NAT64":                 at("64:ff9b::", 12, 13, 14, 15),
		"local-use NAT64 (/48)": at("64:ff9b:1::", 6, 7, 9, 10),
		"local-use NAT64 (/96)": at("64:ff9b:1::", 12, 13, 14, 15),
		"6to4":                  at("2002::", 2, 3, 4, 5),
		"Teredo client":         netip.AddrFrom16(teredo),
	}
}

// The two spellings of loopback that passed the live guard (issue 16, finding 2), and the other
// IPv4-in-IPv6 forms of it, refused at registration and at connect time, with the local runner's
// loopback allowance on (it allows 127.0.0.1 itself, not these).
func TestSSRFEmbeddedLoopback(t *testing.T) {
	urls := []string{
		"https://[::127.0.0.1]/",                          // IPv4-compatible
		"https://[2002:7f00:1::]/",                        // 6to4 of 127.0.0.1
		"https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", // Teredo, client 127.0.0.1
		"https://[64:ff9b:1:7f00:0:100::]/",               // local-use NAT64 of 127.0.0.1
		"https://[64:ff9b::7f00:1]/",                      // NAT64 of 127.0.0.1
		"https://[fe80::1%25eth0]/",                       // zoned link-local
		"https://2130706433/", "https://0x7f.1/", "https://127.1/", "https://017700000001/",
	}
	for _, u := range urls {
		for _, p := range []Policy{{Live: true}, {AllowLoopback: true}} {
			assert.Error(t, p.CheckURL(context.Background(), u), "%s live=%v", u, p.Live)
		}
	}
	assert.Error(t, Policy{Live: true}.CheckURL(context.Background(), "https://[::ffff:7f00:1]/"), "IPv4-mapped, hex spelling")
	// At connect time, on the socket the dialer is about to connect.
	ctl := Policy{AllowLoopback: true}.control
	for _, addr := range []string{"[::127.0.0.1]:443", "[2002:7f00:1::]:443", "[2001:0:4136:e378:8000:63bf:80ff:fffe]:443", "[64:ff9b::7f00:1]:443"} {
		assert.ErrorIs(t, ctl("tcp6", addr, nil), ErrForbiddenTarget, addr)
	}
	assert.NoError(t, ctl("tcp4", "127.0.0.1:443", nil))
	assert.NoError(t, ctl("tcp6", "[::ffff:127.0.0.1]:443", nil))
	assert.ErrorIs(t, Policy{Live: true}.control("tcp6", "[::ffff:127.0.0.1]:443", nil), ErrForbiddenTarget)
}

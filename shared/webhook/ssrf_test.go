package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fakeDNS(m map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, s := range m[host] {
			out = append(out, netip.MustParseAddr(s))
		}
		if len(out) == 0 {
			return nil, errors.New("no such host")
		}
		return out, nil
	}
}

func TestCheckURL(t *testing.T) {
	dns := fakeDNS(map[string][]string{
		"hooks.example.com": {"93.184.216.34"},
		"internal.example":  {"93.184.216.34", "10.1.2.3"}, // one bad answer is enough to refuse
		"localhost":         {"127.0.0.1", "::1"},
		"metadata.example":  {"169.254.169.254"},
		"v6.example":        {"2606:4700::1111"},
	})
	live := Policy{Live: true, Resolve: dns}
	test := Policy{Resolve: dns}
	local := Policy{AllowLoopback: true, Resolve: dns}
	cases := []struct {
		name string
		p    Policy
		url  string
		ok   bool
	}{
		{"public https", live, "https://hooks.example.com/hook", true},
		{"public ipv6", live, "https://v6.example/hook", true},
		{"live http", live, "http://hooks.example.com/hook", false},
		{"ftp", live, "ftp://hooks.example.com/", false},
		{"credentials", live, "https://u:p@hooks.example.com/", false},
		{"relative", live, "/hook", false},
		{"private", live, "https://10.0.0.1/", false},
		{"private 172", live, "https://172.16.5.4/", false},
		{"private 192", live, "https://192.168.1.1/", false},
		{"cgnat", live, "https://100.64.0.1/", false},
		{"loopback", live, "https://127.0.0.1/", false},
		{"loopback name", live, "https://localhost/", false},
		{"loopback v6", live, "https://[::1]/", false},
		{"link-local metadata", live, "https://169.254.169.254/latest/meta-data/", false},
		{"metadata by name", live, "https://metadata.example/", false},
		{"aws v6 metadata", live, "https://[fd00:ec2::254]/", false},
		{"v6 link-local", live, "https://[fe80::1]/", false},
		{"v6 unique local", live, "https://[fc00::1]/", false},
		{"ipv4-mapped loopback", live, "https://[::ffff:127.0.0.1]/", false},
		{"ipv4-mapped private", live, "https://[::ffff:10.0.0.1]/", false},
		{"nat64 private", live, "https://[64:ff9b::a00:1]/", false},
		{"unspecified", live, "https://0.0.0.0/", false},
		{"one private answer", live, "https://internal.example/", false},
		{"unresolvable", live, "https://nope.example/", false},
		{"test http public", test, "http://hooks.example.com/", true},
		{"test loopback refused without local", test, "http://localhost:8080/", false},
		{"test private refused", test, "http://10.0.0.1/", false},
		{"local runner loopback", local, "http://localhost:8080/hook", true},
		{"local runner metadata", local, "http://169.254.169.254/", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.CheckURL(context.Background(), c.url)
			if c.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// The delivery client checks the connected address, so a name that resolved to a public
// address at creation and to loopback now (DNS rebinding) is refused.
func TestClientRefusesAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, err := Policy{Live: true}.Client().Post(srv.URL, "application/json", nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrForbiddenTarget)
	assert.Zero(t, hits.Load())

	resp, err := Policy{AllowLoopback: true}.Client().Post(srv.URL, "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, int32(1), hits.Load())
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	resp, err := Policy{AllowLoopback: true}.Client().Post(redir.URL, "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Zero(t, hits.Load(), "the redirect target is never contacted")
}

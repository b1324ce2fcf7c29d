package webhook

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/hapihub/hapihub/shared/api"
)

// SourceIPsEnv names the environment variable holding the addresses webhooks come from:
// template.yaml sets it to the NAT gateways' Elastic IPs when WebhookStaticEgress is true, and
// to "" otherwise (docs/webhooks.md, "Source addresses").
const SourceIPsEnv = "HAPIHUB_WEBHOOK_SOURCE_IPS"

// ParseSourceIPs reads SourceIPsEnv's value: comma-separated IP addresses, "" for none.
func ParseSourceIPs(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("webhook: %s: %q is not an IP address", SourceIPsEnv, f)
		}
		out = append(out, a)
	}
	return out, nil
}

// SourceIPRoutes serve GET /webhook-source-ips, without a key: receivers and their firewall
// tooling read it, as Stripe's published IP lists are read.
func (a *API) SourceIPRoutes() []api.Route {
	return []api.Route{{Method: http.MethodGet, Path: "/webhook-source-ips", Public: true, Handler: a.sourceIPs}}
}

func (a *API) sourceIPs(*api.Request) (api.Response, error) {
	addrs := []any{}
	cidrs := []any{}
	for _, ip := range a.SourceIPs {
		addrs = append(addrs, ip.String())
		cidrs = append(cidrs, netip.PrefixFrom(ip, ip.BitLen()).String())
	}
	body := map[string]any{"object": "webhook_source_ips", "staticEgress": len(a.SourceIPs) > 0, "addresses": addrs, "cidrs": cidrs}
	switch {
	case len(a.SourceIPs) > 0:
		body["note"] = "Every webhook delivery comes from one of these addresses."
	case a.AllowLoopback:
		// The local runner delivers from this machine: a receiver on it sees loopback, one
		// elsewhere sees whatever address this machine's network gives it.
		body["addresses"], body["cidrs"] = []any{"127.0.0.1", "::1"}, []any{"127.0.0.1/32", "::1/128"}
		body["note"] = "The local runner (make run) delivers from this machine: receivers on it see these loopback addresses; others see this machine's own address."
	default:
		body["note"] = "This deployment has no fixed webhook source addresses: deliveries come from AWS Lambda's shared addresses in its region. " +
			"Verify each delivery's signature instead, or deploy with WebhookStaticEgress=true to get fixed addresses."
	}
	return api.Response{Body: body, Header: map[string]string{"Cache-Control": "public, max-age=300"}}, nil
}

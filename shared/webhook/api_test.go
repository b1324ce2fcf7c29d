package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/webhook"
)

type apiHarness struct {
	*harness
	router *api.Router
}

func newAPI(t *testing.T) *apiHarness {
	h := newHarness(t)
	a := &webhook.API{Store: h.st, Dispatcher: h.d, AllowLoopback: true,
		Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
			switch host {
			case "hooks.example.com":
				return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
			case "rebind.example.com":
				return []netip.Addr{netip.MustParseAddr("10.0.0.7")}, nil
			}
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}}
	routes := append(a.EventRoutes(), a.EndpointRoutes()...)
	return &apiHarness{harness: h, router: api.NewRouter(api.Options{Tenants: h.st, Now: h.clock.Now}, routes...)}
}

// call sends a request as the account's key of mode; query is raw "a=b&c=d".
func (h *apiHarness) call(mode, method, resource string, params map[string]string, query string, body any) (int, map[string]any) {
	path := resource
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	ev := events.APIGatewayProxyRequest{HTTPMethod: method, Resource: resource, Path: path, PathParameters: params,
		Headers:        map[string]string{"Content-Type": "application/json"},
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: map[string]any{"accountId": tenant.Account, "mode": mode, "keyId": "key_1", "keyType": "secret"}}}
	if query != "" {
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			ev.MultiValueQueryStringParameters[k] = append(ev.MultiValueQueryStringParameters[k], v)
		}
	}
	if body != nil {
		b, _ := json.Marshal(body)
		ev.Body = string(b)
	}
	resp, err := h.router.Handle(h.ctx, ev)
	require.NoError(h.t, err)
	var out map[string]any
	require.NoError(h.t, json.Unmarshal([]byte(resp.Body), &out), resp.Body)
	return resp.StatusCode, out
}

func TestEndpointsAPI(t *testing.T) {
	h := newAPI(t)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{
		"url": "https://hooks.example.com/h", "enabledEvents": []string{"patient.*", "invoice.paid", "patient.*"}, "description": "CRM sync"})
	require.Equal(t, http.StatusCreated, status, ep)
	id := ep["id"].(string)
	assert.True(t, strings.HasPrefix(id, "we_"))
	assert.True(t, strings.HasPrefix(ep["secret"].(string), "whsec_"))
	assert.Equal(t, []any{"invoice.paid", "patient.*"}, ep["enabledEvents"])
	assert.Equal(t, "enabled", ep["status"])
	assert.Equal(t, false, ep["livemode"])

	_, got := h.call(domain.Test, "GET", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil)
	assert.Equal(t, ep["secret"], got["secret"], "revealable")
	status, _ = h.call(domain.Live, "GET", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil)
	assert.Equal(t, http.StatusNotFound, status, "the other mode cannot see it")
	_, list := h.call(domain.Test, "GET", "/webhook-endpoints", nil, "", nil)
	require.Len(t, list["data"], 1)
	assert.NotContains(t, list["data"].([]any)[0], "secret", "lists do not carry secrets")

	status, patched := h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", map[string]any{"status": "disabled", "metadata": map[string]any{"team": "crm"}})
	require.Equal(t, http.StatusOK, status, patched)
	assert.Equal(t, "disabled", patched["status"])
	assert.Equal(t, map[string]any{"team": "crm"}, patched["metadata"])

	// Roll with a grace period: deliveries are signed with both secrets until it ends.
	old := ep["secret"].(string)
	status, rolled := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/roll-secret", map[string]string{"id": id}, "", map[string]any{"expiresInSeconds": 3600})
	require.Equal(t, http.StatusOK, status, rolled)
	assert.NotEqual(t, old, rolled["secret"])
	e, err := h.st.GetEndpoint(h.ctx, tenant.Account, domain.Test, id)
	require.NoError(t, err)
	assert.Equal(t, []string{rolled["secret"].(string), old}, e.ActiveSecrets(h.clock.Now()))
	assert.Equal(t, []string{rolled["secret"].(string)}, e.ActiveSecrets(h.clock.Now().Add(time.Hour)))
	status, _ = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/roll-secret", map[string]string{"id": id}, "", map[string]any{"expiresInSeconds": 86401})
	assert.Equal(t, http.StatusBadRequest, status)
	_, rolled2 := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/roll-secret", map[string]string{"id": id}, "", map[string]any{"expiresInSeconds": 0})
	e, _ = h.st.GetEndpoint(h.ctx, tenant.Account, domain.Test, id)
	assert.Equal(t, []string{rolled2["secret"].(string), old}, e.ActiveSecrets(h.clock.Now()), "an immediate roll drops only the current secret")

	status, del := h.call(domain.Test, "DELETE", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, del["deleted"])
	status, _ = h.call(domain.Test, "GET", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestEndpointValidation(t *testing.T) {
	h := newAPI(t)
	cases := []struct {
		name  string
		mode  string
		body  map[string]any
		field string
	}{
		{"no url", domain.Test, map[string]any{"enabledEvents": []string{"*"}}, "url"},
		{"no events", domain.Test, map[string]any{"url": "https://hooks.example.com"}, "enabledEvents"},
		{"empty events", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": []string{}}, "enabledEvents"},
		{"unknown event", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": []string{"patient.exploded"}}, "enabledEvents"},
		{"live http", domain.Live, map[string]any{"url": "http://hooks.example.com", "enabledEvents": []string{"*"}}, "url"},
		{"live loopback", domain.Live, map[string]any{"url": "https://127.0.0.1/h", "enabledEvents": []string{"*"}}, "url"},
		{"live localhost", domain.Live, map[string]any{"url": "https://localhost/h", "enabledEvents": []string{"*"}}, "url"},
		{"live private by DNS", domain.Live, map[string]any{"url": "https://rebind.example.com/h", "enabledEvents": []string{"*"}}, "url"},
		{"live link-local", domain.Live, map[string]any{"url": "https://169.254.169.254/", "enabledEvents": []string{"*"}}, "url"},
		{"live mapped v6", domain.Live, map[string]any{"url": "https://[::ffff:192.168.0.1]/", "enabledEvents": []string{"*"}}, "url"},
		{"bad status", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": []string{"*"}, "status": "paused"}, "status"},
		{"unknown field", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": []string{"*"}, "secret": "x"}, "secret"},
		// A value of the wrong JSON type names its field in JSON's terms (not Go's struct and types).
		{"events as a string", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": "*"}, "enabledEvents"},
		{"url as a number", domain.Test, map[string]any{"url": 5, "enabledEvents": []string{"*"}}, "url"},
		{"metadata value as a number", domain.Test, map[string]any{"url": "https://hooks.example.com", "enabledEvents": []string{"*"}, "metadata": map[string]any{"k": 1}}, "metadata"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := h.call(c.mode, "POST", "/webhook-endpoints", nil, "", c.body)
			require.Equal(t, http.StatusBadRequest, status, out)
			assert.Equal(t, "INVALID_PARAMETERS", out["name"])
			assert.Contains(t, out["message"], c.field)
			require.NotEmpty(t, out["errors"], out)
			assert.Equal(t, c.field, out["errors"].([]any)[0].(map[string]any)["field"])
			assert.NotContains(t, out["message"], "Go struct", "no Go types in a client's error")
		})
	}
	status, out := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "http://localhost:9/h", "enabledEvents": []string{"*"}})
	assert.Equal(t, http.StatusCreated, status, "test endpoints may use http://localhost under the local runner: %v", out)
	status, out = h.call(domain.Live, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "https://hooks.example.com/h", "enabledEvents": []string{"*"}})
	assert.Equal(t, http.StatusCreated, status, out)
	assert.Equal(t, true, out["livemode"])
}

func TestEventsAPI(t *testing.T) {
	h := newAPI(t)
	start := h.clock.Now()
	p := h.patient()
	h.clock.Advance(time.Minute)
	_, _, err := h.st.UpdateObject(h.ctx, tenant, schema.Patients, p["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
		cur["firstName"] = "Grace"
		return cur, nil
	}, domain.Meta{RequestID: "req_9"})
	require.NoError(t, err)
	ms := func(d time.Duration) string { return itoa(start.Add(d).UnixMilli()) }
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"patient.updated", "patient.created"}},
		{"type=patient.created", []string{"patient.created"}},
		{"type=patient.*", []string{"patient.updated", "patient.created"}},
		{"type[$in][]=patient.updated&type[$in][]=invoice.paid", []string{"patient.updated"}},
		{"createdAt[$gte]=" + ms(time.Minute), []string{"patient.updated"}},
		{"createdAt[$lt]=" + ms(time.Minute), []string{"patient.created"}},
		// An upper bound of 0 matches nothing, also beside a bound that alone would match both.
		{"createdAt[$lt]=0", nil},
		{"createdAt[$lt]=0&createdAt[$lte]=" + ms(2*time.Minute), nil},
		{"$limit=1", []string{"patient.updated"}},
		{"$skip=1", []string{"patient.created"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			status, out := h.call(domain.Test, "GET", "/events", nil, c.query, nil)
			require.Equal(t, http.StatusOK, status, out)
			var got []string
			for _, e := range out["data"].([]any) {
				got = append(got, e.(map[string]any)["type"].(string))
			}
			assert.Equal(t, c.want, got)
		})
	}
	_, out := h.call(domain.Test, "GET", "/events", nil, "$limit=0", nil)
	assert.Equal(t, float64(2), out["total"])
	assert.Empty(t, out["data"])
	for _, bad := range []string{"type=dragon.*", "createdAt[$near]=1", "colour=red", "$limit=500"} {
		status, out := h.call(domain.Test, "GET", "/events", nil, bad, nil)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %v", bad, out)
	}
	_, list := h.call(domain.Test, "GET", "/events", nil, "type=patient.updated", nil)
	id := list["data"].([]any)[0].(map[string]any)["id"].(string)
	status, ev := h.call(domain.Test, "GET", "/events/{id}", map[string]string{"id": id}, "", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "req_9", ev["request"].(map[string]any)["id"])
	assert.Equal(t, map[string]any{"firstName": "Ada"}, ev["data"].(map[string]any)["previousAttributes"])
	status, _ = h.call(domain.Live, "GET", "/events/{id}", map[string]string{"id": id}, "", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestDeliveriesAPI(t *testing.T) {
	h := newAPI(t)
	rcv := newReceiver(t, h.clock.Now)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"*"}})
	require.Equal(t, http.StatusCreated, status, ep)
	rcv.secret, rcv.fail = ep["secret"].(string), 1
	id := ep["id"].(string)
	h.patient()
	h.drain()
	_, list := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", map[string]string{"id": id}, "", nil)
	require.Len(t, list["data"], 1)
	d := list["data"].([]any)[0].(map[string]any)
	assert.Equal(t, "pending", d["status"])
	did := d["id"].(string)
	attempts := d["attempts"].([]any)
	require.Len(t, attempts, 1)
	assert.Equal(t, float64(500), attempts[0].(map[string]any)["statusCode"])

	status, resent := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/deliveries/{deliveryId}/resend", map[string]string{"id": id, "deliveryId": did}, "", nil)
	require.Equal(t, http.StatusAccepted, status, resent)
	h.drain()
	_, got := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries/{deliveryId}", map[string]string{"id": id, "deliveryId": did}, "", nil)
	assert.Equal(t, "succeeded", got["status"])
	assert.Len(t, got["attempts"], 2)
	_, filtered := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", map[string]string{"id": id}, "status=failed", nil)
	assert.Empty(t, filtered["data"])
	status, _ = h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries/{deliveryId}", map[string]string{"id": id, "deliveryId": "whd_nope"}, "", nil)
	assert.Equal(t, http.StatusNotFound, status)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// endpointWithDeliveries makes an endpoint whose receiver answers 2xx and n patients a second
// apart, delivered: the path parameters of the endpoint, whose deliveries then list.
func endpointWithDeliveries(t *testing.T, h *apiHarness, n int) map[string]string {
	rcv := newReceiver(t, h.clock.Now)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"*"}})
	require.Equal(t, http.StatusCreated, status, ep)
	rcv.secret = ep["secret"].(string)
	for range n {
		h.patient()
		h.clock.Advance(time.Second)
	}
	h.drain()
	return map[string]string{"id": ep["id"].(string)}
}

// An endpoint's deliveries page by cursor (newest first), with hasMore, as every list does.
func TestDeliveriesByCursor(t *testing.T) {
	h := newAPI(t)
	path := endpointWithDeliveries(t, h, 5)
	ids := func(q string) ([]string, bool) {
		status, out := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", path, q, nil)
		require.Equal(t, http.StatusOK, status, out)
		var got []string
		for _, d := range out["data"].([]any) {
			got = append(got, d.(map[string]any)["id"].(string))
		}
		return got, out["hasMore"].(bool)
	}
	ref, more := ids("$limit=100")
	require.GreaterOrEqual(t, len(ref), 5)
	assert.False(t, more)
	var walked []string
	for cursor := ref[0]; ; {
		page, more := ids("$limit=2&startingAfter=" + cursor)
		walked = append(walked, page...)
		if !more {
			break
		}
		cursor = page[len(page)-1]
	}
	assert.Equal(t, ref[1:], walked)
	n := len(ref) - 1
	back, more := ids("$limit=2&endingBefore=" + ref[n])
	assert.Equal(t, ref[n-2:n], back)
	assert.True(t, more)
	for _, bad := range []string{"startingAfter=" + ref[0] + "&$skip=1", "startingAfter=evt_1", "startingAfter=" + ref[0] + "&endingBefore=" + ref[1]} {
		status, out := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", path, bad, nil)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %v", bad, out)
	}
}

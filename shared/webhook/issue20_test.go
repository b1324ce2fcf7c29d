package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
	"github.com/hapihub/hapihub/shared/webhook"
)

// failedDeliveries makes an endpoint whose receiver fails, two events an hour apart whose
// deliveries run out of retries, and returns the endpoint id, the two event times and the receiver.
func failedDeliveries(t *testing.T, h *apiHarness) (string, []time.Time, *receiver) {
	rcv := newReceiver(t, h.clock.Now)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"patient.created"}})
	require.Equal(t, http.StatusCreated, status, ep)
	rcv.secret, rcv.fail = ep["secret"].(string), 1000
	var times []time.Time
	for i := 0; i < 2; i++ {
		times = append(times, h.clock.Now())
		h.patient()
		h.drain()
		h.clock.Advance(time.Hour)
	}
	for i := 0; i < 8; i++ { // test mode's retries end within 4 hours
		h.clock.Advance(3 * time.Hour)
		_, err := h.d.Sweep(h.ctx)
		require.NoError(t, err)
		h.drain()
	}
	id := ep["id"].(string)
	for _, d := range h.deliveries(id) {
		require.Equal(t, webhookstore.DeliveryFailed, d.Status)
	}
	rcv.mu.Lock()
	rcv.fail = 0
	rcv.mu.Unlock()
	return id, times, rcv
}

func TestRecoverResendsFailedDeliveriesSince(t *testing.T) {
	h := newAPI(t)
	id, times, rcv := failedDeliveries(t, h)
	p := map[string]string{"id": id}
	// A succeeded delivery after the outage is not re-sent.
	h.patient()
	h.drain()
	require.Len(t, rcv.events(), 1)

	status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", p, "", map[string]any{"since": times[1].UnixMilli()})
	require.Equal(t, http.StatusAccepted, status, out)
	assert.Equal(t, "webhook_recovery", out["object"])
	assert.Equal(t, float64(1), out["recovered"], "only the failed delivery of the event at or after since")
	assert.Equal(t, false, out["hasMore"])
	assert.Nil(t, out["nextSince"])
	assert.Equal(t, float64(h.clock.Now().UnixMilli()), out["until"], "until defaults to now")
	h.drain()
	require.Len(t, rcv.events(), 2)
	second := h.deliveries(id)
	var secondDelivery webhookstore.Delivery
	for _, d := range second {
		if d.ID == out["deliveryIds"].([]any)[0] {
			secondDelivery = d
		}
	}
	assert.Equal(t, webhookstore.DeliverySucceeded, secondDelivery.Status)
	assert.Len(t, secondDelivery.Attempts, 1+webhook.TestRetries+1, "a new round after the exhausted one")

	status, out = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", p, "", map[string]any{"since": times[0].UnixMilli()})
	require.Equal(t, http.StatusAccepted, status, out)
	assert.Equal(t, float64(1), out["recovered"], "the earlier one; the recovered one succeeded meanwhile")
	h.drain()
	status, out = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", p, "", map[string]any{"since": times[0].UnixMilli()})
	require.Equal(t, http.StatusAccepted, status, out)
	assert.Equal(t, float64(0), out["recovered"], "recovering twice re-sends nothing twice")
	assert.Len(t, rcv.events(), 3)
	for _, d := range h.deliveries(id) {
		assert.Equal(t, webhookstore.DeliverySucceeded, d.Status)
	}
}

func TestRecoverHasMore(t *testing.T) {
	defer webhook.SetRecoverBatch(1)()
	h := newAPI(t)
	id, times, _ := failedDeliveries(t, h)
	p := map[string]string{"id": id}
	status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", p, "", map[string]any{"since": times[0].UnixMilli()})
	require.Equal(t, http.StatusAccepted, status, out)
	assert.Equal(t, float64(1), out["recovered"])
	assert.Equal(t, true, out["hasMore"])
	assert.Equal(t, float64(times[1].UnixMilli()), out["nextSince"], "the event time of the first delivery not recovered")
	status, out = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", p, "", map[string]any{"since": out["nextSince"]})
	require.Equal(t, http.StatusAccepted, status, out)
	assert.Equal(t, float64(1), out["recovered"])
	assert.Equal(t, false, out["hasMore"])
}

func TestRecoverValidation(t *testing.T) {
	h := newAPI(t)
	rcv := newReceiver(t, h.clock.Now)
	_, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"*"}})
	id := ep["id"].(string)
	now := h.clock.Now()
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"no body", nil, "body"},
		{"no since", map[string]any{}, "since"},
		{"since over 14 days ago", map[string]any{"since": now.Add(-15 * 24 * time.Hour).UnixMilli()}, "since"},
		{"since not a number", map[string]any{"since": "yesterday"}, "body"},
		{"until in the future", map[string]any{"since": now.Add(-time.Hour).UnixMilli(), "until": now.Add(time.Hour).UnixMilli()}, "until"},
		{"since after until", map[string]any{"since": now.Add(-time.Hour).UnixMilli(), "until": now.Add(-2 * time.Hour).UnixMilli()}, "since"},
		{"unknown field", map[string]any{"since": now.Add(-time.Hour).UnixMilli(), "status": "failed"}, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", map[string]string{"id": id}, "", c.body)
			require.Equal(t, http.StatusBadRequest, status, out)
			assert.Equal(t, "INVALID_PARAMETERS", out["name"])
			assert.Contains(t, out["message"], c.field)
		})
	}
	ok := map[string]any{"since": now.Add(-14 * 24 * time.Hour).UnixMilli()}
	status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", map[string]string{"id": id}, "", ok)
	assert.Equal(t, http.StatusAccepted, status, "exactly 14 days is allowed: %v", out)
	status, _ = h.call(domain.Live, "POST", "/webhook-endpoints/{id}/recover", map[string]string{"id": id}, "", ok)
	assert.Equal(t, http.StatusNotFound, status, "the other mode cannot see it")
	status, _ = h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", map[string]any{"status": "disabled"})
	require.Equal(t, http.StatusOK, status)
	status, out = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/recover", map[string]string{"id": id}, "", ok)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, out["message"], "disabled")
}

// headerReceiver records the headers of each request.
type headerReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newHeaderReceiver(t *testing.T) *headerReceiver {
	r := &headerReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.got = append(r.got, req.Header.Clone())
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func TestEndpointCustomHeadersAreSent(t *testing.T) {
	h := newAPI(t)
	rcv := newHeaderReceiver(t)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"*"},
		"headers": map[string]any{"x-api-key": "k-123", "Authorization": "Basic dXNlcjpwYXNz", "X-Routing": "crm eu"}})
	require.Equal(t, http.StatusCreated, status, ep)
	assert.Equal(t, map[string]any{"X-Api-Key": "k-123", "Authorization": "Basic dXNlcjpwYXNz", "X-Routing": "crm eu"}, ep["headers"], "names in canonical form")
	id := ep["id"].(string)
	h.patient()
	h.drain()
	rcv.mu.Lock()
	require.Len(t, rcv.got, 1)
	got := rcv.got[0]
	rcv.mu.Unlock()
	assert.Equal(t, "k-123", got.Get("X-Api-Key"))
	assert.Equal(t, "Basic dXNlcjpwYXNz", got.Get("Authorization"))
	assert.Equal(t, "crm eu", got.Get("X-Routing"))
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.NotEmpty(t, got.Get("HapiHub-Signature"))
	assert.NotEmpty(t, got.Get("webhook-signature"))

	// Patch merges: null removes, a value sets.
	status, patched := h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", map[string]any{"headers": map[string]any{"X-API-KEY": nil, "X-Tenant": "7"}})
	require.Equal(t, http.StatusOK, status, patched)
	assert.Equal(t, map[string]any{"Authorization": "Basic dXNlcjpwYXNz", "X-Routing": "crm eu", "X-Tenant": "7"}, patched["headers"])
	_, list := h.call(domain.Test, "GET", "/webhook-endpoints", nil, "", nil)
	assert.Equal(t, patched["headers"], list["data"].([]any)[0].(map[string]any)["headers"])
	h.patient()
	h.drain()
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	require.Len(t, rcv.got, 2)
	assert.Empty(t, rcv.got[1].Get("X-Api-Key"))
	assert.Equal(t, "7", rcv.got[1].Get("X-Tenant"))
}

func TestEndpointCustomHeaderValidation(t *testing.T) {
	h := newAPI(t)
	many := map[string]any{}
	for i := 0; i <= webhook.MaxCustomHeaders; i++ {
		many[fmt.Sprintf("X-H%d", i)] = "v"
	}
	big := map[string]any{}
	for i := 0; i < 5; i++ {
		big[fmt.Sprintf("X-Big%d", i)] = strings.Repeat("v", 900)
	}
	cases := []struct {
		name    string
		headers map[string]any
		field   string
	}{
		{"space in name", map[string]any{"X Bad": "v"}, "headers.X Bad"},
		{"colon in name", map[string]any{"X-Bad:": "v"}, "headers.X-Bad:"},
		{"empty name", map[string]any{"": "v"}, "headers."},
		{"hop-by-hop", map[string]any{"connection": "close"}, "hop-by-hop"},
		{"transfer-encoding", map[string]any{"Transfer-Encoding": "chunked"}, "hop-by-hop"},
		{"host", map[string]any{"Host": "evil.example"}, "headers.Host"},
		{"content-type", map[string]any{"Content-Type": "text/plain"}, "headers.Content-Type"},
		{"our signature", map[string]any{"HapiHub-Signature": "t=1,v1=00"}, "signs the delivery"},
		{"standard webhooks id", map[string]any{"webhook-id": "evt_1"}, "identifies the delivery"},
		{"reserved prefix", map[string]any{"HapiHub-Version": "1"}, "reserved"},
		{"CRLF in value", map[string]any{"X-Inject": "a\r\nX-Evil: 1"}, "headers.X-Inject"},
		{"non-ASCII value", map[string]any{"X-Name": "Zoë"}, "headers.X-Name"},
		{"value too long", map[string]any{"X-Long": strings.Repeat("v", webhook.MaxHeaderValueLen+1)}, "headers.X-Long"},
		{"too many", many, "at most 20 headers"},
		{"too large in all", big, "4096 bytes"},
		{"not a string", map[string]any{"X-Num": 5}, "field:headers message:must be an object whose values are strings, got a number in it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "https://hooks.example.com/h", "enabledEvents": []string{"*"}, "headers": c.headers})
			require.Equal(t, http.StatusBadRequest, status, out)
			assert.Contains(t, fmt.Sprint(out), c.field)
		})
	}
	_, list := h.call(domain.Test, "GET", "/webhook-endpoints", nil, "", nil)
	assert.Empty(t, list["data"], "nothing was created")
}

// GET /event-types lists every type HAPI Hub emits, and each schema accepts real events of its type.
func TestEventTypesListAndSchemas(t *testing.T) {
	h := newAPI(t)
	status, out := h.call(domain.Test, "GET", "/event-types", nil, "", nil)
	require.Equal(t, http.StatusOK, status, out)
	data := out["data"].([]any)
	var types []string
	schemas := map[string]*jsonschema.Schema{}
	for _, d := range data {
		et := d.(map[string]any)
		typ := et["type"].(string)
		types = append(types, typ)
		assert.Equal(t, "event_type", et["object"])
		assert.NotEmpty(t, et["description"], typ)
		raw, err := json.Marshal(et["schema"])
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
		require.NoError(t, err)
		c := jsonschema.NewCompiler()
		require.NoError(t, c.AddResource(typ+".json", doc))
		s, err := c.Compile(typ + ".json")
		require.NoError(t, err, "%s's schema compiles", typ)
		schemas[typ] = s
	}
	assert.Equal(t, hevents.Types(), types, "every event type, sorted")
	assert.Equal(t, float64(len(types)), out["total"])

	// Real events validate against their type's schema, and not against another's.
	p := h.patient()
	_, _, err := h.st.UpdateObject(h.ctx, tenant, schema.Patients, p["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
		cur["firstName"] = "Grace"
		return cur, nil
	}, domain.Meta{})
	require.NoError(t, err)
	_, evs := h.call(domain.Test, "GET", "/events", nil, "", nil)
	require.Len(t, evs["data"], 2)
	for _, e := range evs["data"].([]any) {
		ev := e.(map[string]any)
		typ := ev["type"].(string)
		inst := roundTrip(t, ev)
		assert.NoError(t, schemas[typ].Validate(inst), typ)
		other := "patient.created"
		if typ == other {
			other = "invoice.created"
		}
		assert.Error(t, schemas[other].Validate(inst), "%s is not a %s", typ, other)
	}

	status, out = h.call(domain.Test, "GET", "/event-types", nil, "type=invoice.*", nil)
	require.Equal(t, http.StatusOK, status, out)
	var inv []string
	for _, d := range out["data"].([]any) {
		inv = append(inv, d.(map[string]any)["type"].(string))
	}
	assert.Equal(t, []string{"invoice.created", "invoice.deleted", "invoice.paid", "invoice.updated"}, inv)
	for _, bad := range []string{"type=dragon.*", "colour=red"} {
		status, out := h.call(domain.Test, "GET", "/event-types", nil, bad, nil)
		assert.Equal(t, http.StatusBadRequest, status, "%s: %v", bad, out)
	}
	// The message that refuses an unknown type points here.
	_, out = h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "https://hooks.example.com/h", "enabledEvents": []string{"patient.exploded"}})
	assert.Contains(t, out["message"], "GET /event-types")
}

func roundTrip(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	require.NoError(t, err)
	return inst
}

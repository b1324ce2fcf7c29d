package webhook_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
	"github.com/hapihub/hapihub/shared/webhook"
)

// withAccount stores the harness's account (acct_1, sandbox org_1): a sample event names it.
func (h *apiHarness) withAccount() {
	require.NoError(h.t, h.st.CreateAccount(h.ctx, domain.Account{ID: tenant.Account, Name: "Test Co", SandboxOrg: tenant.Org}, nil, nil, nil))
}

func TestSendTestEventIsDeliveredSignedToThatEndpointOnly(t *testing.T) {
	h := newAPI(t)
	h.withAccount()
	rcv := newReceiver(t, h.clock.Now)
	status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL + "/hook", "enabledEvents": []string{"appointment.*"}})
	require.Equal(t, http.StatusCreated, status, ep)
	rcv.secret, rcv.fail = ep["secret"].(string), 1
	other := newReceiver(t, h.clock.Now)
	status, _ = h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": other.srv.URL, "enabledEvents": []string{"*"}})
	require.Equal(t, http.StatusCreated, status)
	id := ep["id"].(string)

	status, del := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/test", map[string]string{"id": id}, "", map[string]any{"type": "appointment.cancelled"})
	require.Equal(t, http.StatusAccepted, status, del)
	assert.Equal(t, "webhook_delivery", del["object"])
	assert.Equal(t, "appointment.cancelled", del["eventType"])
	assert.Equal(t, "pending", del["status"])
	assert.Equal(t, id, del["webhookEndpointId"])
	did, evID := del["id"].(string), del["eventId"].(string)

	h.drain() // first attempt fails (500): retried like any delivery
	status, got := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries/{deliveryId}", map[string]string{"id": id, "deliveryId": did}, "", nil)
	require.Equal(t, http.StatusOK, status, got)
	assert.Equal(t, "pending", got["status"])
	assert.Len(t, got["attempts"], 1)
	assert.NotNil(t, got["nextAttemptAt"], "a failed test delivery is retried on the normal schedule")

	status, _ = h.call(domain.Test, "POST", "/webhook-endpoints/{id}/deliveries/{deliveryId}/resend", map[string]string{"id": id, "deliveryId": did}, "", nil)
	require.Equal(t, http.StatusAccepted, status)
	h.drain()
	evs := rcv.events()
	require.Len(t, evs, 1, "the receiver verified both signatures and accepted the event")
	ev := evs[0]
	assert.Equal(t, evID, ev["id"])
	assert.Equal(t, true, ev["test"], "marked as a test in the envelope")
	assert.Equal(t, "appointment.cancelled", ev["type"])
	assert.Equal(t, tenant.Org, ev["organizationId"], "the sandbox organization in test mode")
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	assert.Equal(t, "appointment", obj["object"])
	assert.Equal(t, "cancelled", obj["status"], "the sample is in the state its type describes")
	assert.Regexp(t, `^appt_`, obj["id"])
	assert.Empty(t, other.events(), "a test event goes to one endpoint, not to every subscriber")
	assert.Zero(t, other.hits.Load())

	status, listed := h.call(domain.Test, "GET", "/webhook-endpoints/{id}/deliveries", map[string]string{"id": id}, "", nil)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, listed["data"], 1)
	assert.Equal(t, did, listed["data"].([]any)[0].(map[string]any)["id"])
	assert.Equal(t, "succeeded", listed["data"].([]any)[0].(map[string]any)["status"])
	status, stored := h.call(domain.Test, "GET", "/events/{id}", map[string]string{"id": evID}, "", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, stored["test"])
}

func TestSendTestEventChoosesAndChecksTheType(t *testing.T) {
	h := newAPI(t)
	h.withAccount()
	rcv := newReceiver(t, h.clock.Now)
	mk := func(enabled ...string) string {
		status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": rcv.srv.URL, "enabledEvents": enabled})
		require.Equal(t, http.StatusCreated, status, ep)
		return ep["id"].(string)
	}
	patients, invoices, all := mk("patient.*"), mk("patient.*", "invoice.paid"), mk("*")
	disabled := mk("*")
	status, _ := h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": disabled}, "", map[string]any{"status": "disabled"})
	require.Equal(t, http.StatusOK, status)
	cases := []struct {
		name     string
		endpoint string
		body     any
		status   int
		typ      string // the event type sent, on success
		field    string // the field an error names
	}{
		{"default from a wildcard", patients, nil, 202, "patient.created", ""},
		{"default: first concrete type", invoices, nil, 202, "invoice.paid", ""},
		{"default for *", all, map[string]any{}, 202, "patient.created", ""},
		{"explicit update", all, map[string]any{"type": "patient.updated"}, 202, "patient.updated", ""},
		{"account-level type", all, map[string]any{"type": "webhook_endpoint.disabled"}, 202, "webhook_endpoint.disabled", ""},
		{"type the endpoint does not receive", patients, map[string]any{"type": "invoice.paid"}, 400, "", "type"},
		{"pattern, not a type", all, map[string]any{"type": "patient.*"}, 400, "", "type"},
		{"unknown type", all, map[string]any{"type": "patient.exploded"}, 400, "", "type"},
		{"empty type", all, map[string]any{"type": ""}, 400, "", "type"},
		{"unknown body field", all, map[string]any{"kind": "patient.created"}, 400, "", "body"},
		{"disabled endpoint", disabled, nil, 400, "", ""},
		{"no such endpoint", "we_00000000000000000000000000", nil, 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/test", map[string]string{"id": tc.endpoint}, "", tc.body)
			require.Equal(t, tc.status, status, out)
			if tc.status == 202 {
				assert.Equal(t, tc.typ, out["eventType"])
				status, ev := h.call(domain.Test, "GET", "/events/{id}", map[string]string{"id": out["eventId"].(string)}, "", nil)
				require.Equal(t, http.StatusOK, status)
				assert.Equal(t, tc.typ, ev["type"])
				data := ev["data"].(map[string]any)
				wantObject := strings.Split(tc.typ, ".")[0]
				assert.Equal(t, wantObject, data["object"].(map[string]any)["object"])
				_, hasPrev := data["previousAttributes"]
				change := strings.HasSuffix(tc.typ, ".updated") || tc.typ == events.WebhookEndpointDisabled || tc.typ == events.InvoicePaid || tc.typ == events.AppointmentCancelled
				assert.Equal(t, change, hasPrev, "previousAttributes on changes (and their extra events), as real events have them")
				if tc.typ == events.WebhookEndpointDisabled {
					assert.Nil(t, ev["organizationId"], "account-level, as the real event")
				}
				return
			}
			if tc.field != "" {
				assert.Contains(t, fmt.Sprint(out["errors"]), tc.field, out)
			}
		})
	}
}

// Every known type has a sample of its own object.
func TestSampleObjectForEveryType(t *testing.T) {
	ten := domain.Tenant{Account: "acct_1", Mode: domain.Live, Org: "org_live"}
	ep := webhookstore.Endpoint{ID: "we_1", Mode: domain.Live, Status: webhookstore.EndpointEnabled, EnabledEvents: []string{"*"}}
	for _, typ := range events.Types() {
		t.Run(typ, func(t *testing.T) {
			obj, _ := webhook.SampleObject(ten, typ, ep, 42)
			object := strings.Split(typ, ".")[0]
			assert.Equal(t, object, obj["object"])
			assert.NotEmpty(t, obj["id"])
			if object != "webhook_endpoint" {
				assert.Equal(t, true, obj["livemode"], "the sample is in the endpoint's mode")
			}
		})
	}
	assert.Equal(t, "patient.created", webhook.TestType([]string{"*"}))
	assert.Equal(t, "invoice.created", webhook.TestType([]string{"invoice.*"}))
	assert.Equal(t, "appointment.cancelled", webhook.TestType([]string{"patient.*", "appointment.cancelled"}))
}

package gocheck_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// After an outage: a receiver answers 410 (its delivery fails, the endpoint is disabled); once it
// is back and the endpoint enabled, Recover sends the failed delivery again, with the endpoint's
// custom headers.
func TestRecoverAndCustomHeaders(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	var gone atomic.Bool
	gone.Store(true)
	var mu sync.Mutex
	var keys []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("X-Api-Key"))
		mu.Unlock()
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	ep, err := c.WebhookEndpoints.Create(ctx, &hapihub.WebhookEndpointParams{URL: hapihub.Ptr(rcv.URL + "/hook"), EnabledEvents: &[]string{"invoice.paid"},
		Headers: map[string]*string{"x-api-key": hapihub.Ptr("k-42")}})
	require.NoError(t, err)
	defer func() { _, _ = c.WebhookEndpoints.Delete(ctx, ep.ID) }()
	assert.Equal(t, map[string]string{"X-Api-Key": "k-42"}, ep.Headers)
	since := time.Now().Add(-time.Minute)

	del, err := c.WebhookEndpoints.SendTest(ctx, ep.ID, "invoice.paid")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		d, err := c.WebhookEndpoints.Delivery(ctx, ep.ID, del.ID)
		return err == nil && d.Status == "failed"
	}, 20*time.Second, 50*time.Millisecond, "410 Gone fails the delivery")
	_, err = c.WebhookEndpoints.Recover(ctx, ep.ID, since, time.Time{})
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters, "a disabled endpoint is enabled first")

	gone.Store(false)
	_, err = c.WebhookEndpoints.Update(ctx, ep.ID, &hapihub.WebhookEndpointParams{Status: hapihub.Ptr("enabled")})
	require.NoError(t, err)
	r, err := c.WebhookEndpoints.Recover(ctx, ep.ID, since, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 1, r.Recovered)
	assert.Equal(t, []string{del.ID}, r.DeliveryIDs)
	assert.False(t, r.HasMore)
	require.Eventually(t, func() bool {
		d, err := c.WebhookEndpoints.Delivery(ctx, ep.ID, del.ID)
		return err == nil && d.Status == "succeeded"
	}, 20*time.Second, 50*time.Millisecond)
	n, err := c.WebhookEndpoints.RecoverAll(ctx, ep.ID, since, time.Time{})
	require.NoError(t, err)
	assert.Zero(t, n, "nothing failed is left")
	mu.Lock()
	assert.Equal(t, []string{"k-42", "k-42"}, keys, "the custom header on every attempt")
	mu.Unlock()

	_, err = c.WebhookEndpoints.Recover(ctx, ep.ID, time.Now().Add(-15*24*time.Hour), time.Time{})
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "since", ae.Fields[0].Field)
	_, err = c.WebhookEndpoints.Update(ctx, ep.ID, &hapihub.WebhookEndpointParams{Headers: map[string]*string{"HapiHub-Signature": hapihub.Ptr("x")}})
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters)
}

func TestEventTypes(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	all, err := c.Events.Types(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, len(all.Data), all.Total)
	inv, err := c.Events.Types(ctx, "invoice.*")
	require.NoError(t, err)
	var types []string
	for _, et := range inv.Data {
		types = append(types, et.Type)
		assert.Equal(t, "invoice", et.Resource)
		assert.NotEmpty(t, et.Description)
		assert.Contains(t, string(et.Schema), `"$schema"`)
	}
	assert.Equal(t, []string{"invoice.created", "invoice.deleted", "invoice.paid", "invoice.updated"}, types)
}

func TestWebhookSourceIPsWithoutAKey(t *testing.T) {
	env := localtest.Shared(t)
	anon := hapihub.New("", hapihub.WithBaseURL(env.URL), hapihub.WithHTTPClient(env.Client), hapihub.WithStrictDecoding())
	ips, err := anon.WebhookEndpoints.SourceIPs(context.Background())
	require.NoError(t, err)
	assert.False(t, ips.StaticEgress, "make run has no fixed egress")
	assert.Equal(t, []string{"127.0.0.1", "::1"}, ips.Addresses, "it delivers from this machine")
	assert.Contains(t, ips.Note, "local runner")
}

// The sandbox's test organizations fail on purpose, like Stripe's test cards.
func TestSandboxTestOrganizations(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	_, err := c.Patients.List(ctx, nil, hapihub.ForOrganization(hapihub.TestOrgRevoked))
	assert.ErrorIs(t, err, hapihub.ErrCredentials)
	_, err = c.Messages.List(ctx, nil, hapihub.ForOrganization(hapihub.TestOrgNoMessages))
	assert.ErrorIs(t, err, hapihub.ErrMethodNotSupported)
	pats, err := c.Patients.List(ctx, nil, hapihub.ForOrganization(hapihub.TestOrgNoMessages))
	require.NoError(t, err)
	require.NotEmpty(t, pats.Data, "seeded with the sandbox")
	assert.Equal(t, hapihub.TestOrgNoMessages, pats.Data[0].OrganizationID)
}

package gocheck_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// The Go client pins a version with WithAPIVersion (sent on every call; ForAPIVersion for one),
// reads the version served from the response, and reads and moves the account's version.
func TestAPIVersionThroughTheGateway(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	v, err := c.Account.APIVersion(ctx)
	require.NoError(t, err)
	assert.Equal(t, "api_version", v.Object)
	assert.Equal(t, v.Latest, v.APIVersion, "a new account is pinned to the newest version")
	assert.Contains(t, v.Versions, v.APIVersion)

	var resp hapihub.Response
	_, err = client(t, testKey, hapihub.WithAPIVersion(v.Latest)).Patients.List(ctx, hapihub.NewQuery().Limit(1), hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	assert.Equal(t, v.Latest, resp.APIVersion())
	assert.Contains(t, strings.Split(resp.Header.Get("Access-Control-Expose-Headers"), ", "), hapihub.APIVersionHeader)

	// The pin is sent: a version the API does not know is refused, naming the header.
	bad := client(t, testKey, hapihub.WithAPIVersion("2000-01-01"), hapihub.WithMaxRetries(0))
	_, err = bad.Patients.List(ctx, nil)
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
	assert.Contains(t, ae.Message+fieldsOf(ae), hapihub.APIVersionHeader)
	_, err = bad.Patients.List(ctx, nil, hapihub.ForAPIVersion(v.Latest), hapihub.CaptureResponse(&resp))
	require.NoError(t, err, "a call's own version wins over the client's")
	assert.Equal(t, v.Latest, resp.APIVersion())

	_, err = c.Patients.Create(ctx, &hapihub.Patient{FirstName: "Versioned", LastName: "Event"})
	require.NoError(t, err)
	events, err := c.Events.List(ctx, hapihub.Where(hapihub.Eq("type", "patient.created")).Limit(3))
	require.NoError(t, err)
	require.NotEmpty(t, events.Data)
	for _, e := range events.Data {
		assert.Contains(t, v.Versions, e.APIVersion, "every event names its version")
	}

	// An endpoint may name its version at creation (it renders that endpoint's deliveries).
	ep, err := c.WebhookEndpoints.Create(ctx, &hapihub.WebhookEndpointParams{URL: hapihub.Ptr("http://127.0.0.1:9/versioned"),
		EnabledEvents: &[]string{"invoice.paid"}, APIVersion: hapihub.Ptr(v.Latest)})
	require.NoError(t, err)
	defer func() { _, _ = c.WebhookEndpoints.Delete(ctx, ep.ID) }()
	assert.Equal(t, v.Latest, ep.APIVersion)
	_, err = c.WebhookEndpoints.Create(ctx, &hapihub.WebhookEndpointParams{URL: hapihub.Ptr("http://127.0.0.1:9/versioned"),
		EnabledEvents: &[]string{"invoice.paid"}, APIVersion: hapihub.Ptr("2000-01-01")})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)

	_, err = c.Account.SetAPIVersion(ctx, v.Latest)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusForbidden, ae.Status, "only a live secret key moves the version")
	set, err := client(t, liveKey).Account.SetAPIVersion(ctx, v.Latest)
	require.NoError(t, err)
	assert.Equal(t, v.Latest, set.APIVersion)
	_, err = client(t, liveKey).Account.SetAPIVersion(ctx, "1999-01-01")
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
}

func fieldsOf(e *hapihub.Error) string {
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString(f.Field + " " + f.Message + "; ")
	}
	return b.String()
}

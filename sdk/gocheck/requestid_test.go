package gocheck_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// One id names a request everywhere: the Request-Id header, the error's event, the request log.
func TestRequestIDThroughTheGateway(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	var resp hapihub.Response
	since := time.Now().Add(-time.Second)
	_, err := c.Patients.Get(ctx, "pat_00000000000000000000000001", hapihub.CaptureResponse(&resp))
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	require.NotEmpty(t, ae.RequestID)
	assert.Equal(t, ae.Event, ae.RequestID, "the error's event is the request's id")
	assert.Equal(t, ae.RequestID, resp.RequestID())
	assert.Equal(t, ae.RequestID, resp.Header.Get("X-Amzn-Requestid"), "API Gateway's own request id")

	page, err := c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{Status: http.StatusNotFound, CreatedFrom: since, Limit: 100})
	require.NoError(t, err)
	found := false
	for _, l := range page.Data {
		if l.RequestID == ae.RequestID {
			found = true
			assert.Equal(t, ae.RequestID, l.ErrorEventID)
		}
	}
	assert.True(t, found, "the request log is kept under the same id")
	byID, err := c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{RequestID: ae.RequestID, CreatedFrom: since})
	require.NoError(t, err)
	require.Len(t, byID.Data, 1, "found by its Request-Id")
	assert.Equal(t, ae.RequestID, byID.Data[0].RequestID)

	_, err = c.Patients.List(ctx, nil, hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f-]{36}$`, resp.RequestID(), "successes carry it too")

	// The gateway's own answer (no key): no Request-Id of ours, but x-amzn-RequestId, the body's event.
	env := localtest.Shared(t)
	bad := hapihub.New("sk_test_nope", hapihub.WithBaseURL(env.URL), hapihub.WithHTTPClient(env.Client), hapihub.WithMaxRetries(0))
	_, err = bad.Patients.List(ctx, nil)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.Status)
	assert.Equal(t, ae.Event, ae.RequestID)
	assert.Contains(t, ae.Header.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId")
}

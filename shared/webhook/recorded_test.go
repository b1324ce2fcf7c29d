package webhook_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// flakyRecords passes every call through to the embedded engine, except that it fails, as
// DynamoDB does when throttled or unavailable after the SDK's own retries, the transactions that
// record a succeeded delivery (while failSucceeded > 0, one each) and the UpdateItem that ends an
// endpoint's failing streak (while failHealthy is set).
type flakyRecords struct {
	core.DB
	failSucceeded atomic.Int32
	failHealthy   atomic.Bool
	// failFailing and failDisable fail that many writes starting a failing streak, and
	// disabling an endpoint.
	failFailing, failDisable atomic.Int32
}

func injected() error {
	return &types.InternalServerError{Message: aws.String("injected failure")}
}

func (f *flakyRecords) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if put := in.TransactItems[0].Put; put != nil {
		if st, ok := put.Item["status"].(*types.AttributeValueMemberS); ok {
			if st.Value == webhookstore.DeliverySucceeded && f.failSucceeded.Add(-1) >= 0 ||
				st.Value == webhookstore.EndpointDisabled && f.failDisable.Add(-1) >= 0 {
				return nil, injected()
			}
		}
	}
	return f.DB.TransactWriteItems(ctx, in, opts...)
}

func (f *flakyRecords) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if f.failHealthy.Load() && aws.ToString(in.UpdateExpression) == "SET failingSince = :zero" ||
		aws.ToString(in.UpdateExpression) == "SET failingSince = :now" && f.failFailing.Add(-1) >= 0 {
		return nil, injected()
	}
	return f.DB.UpdateItem(ctx, in, opts...)
}

// acknowledged reports whether the queue is empty for good: nothing visible now, nor after the
// harness queue's 60 s visibility timeout (a failed message would be back by then).
func (h *harness) acknowledged() bool {
	h.clock.Advance(61 * time.Second)
	res, err := h.poller.PollOnce(h.ctx)
	require.NoError(h.t, err)
	return res.Received == 0
}

// A receiver answered 2xx, and recording that failed twice: the dispatcher retries the record,
// so the event is posted once, recorded as succeeded, and its message acknowledged. (Before,
// the message failed and its redelivery posted the event a second time.)
func TestDeliveredAttemptIsRecordedDespiteFailedSaves(t *testing.T) {
	h := newHarness(t)
	f := &flakyRecords{DB: h.st.DB}
	h.st.DB = f
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "patient.*")
	rcv.secret = ep.Secrets[0].Value
	f.failSucceeded.Store(2)
	h.patient()
	h.drain()
	assert.Equal(t, int32(-1), f.failSucceeded.Load(), "two saves failed, the third was made")
	ds := h.deliveries(ep.ID)
	require.Len(t, ds, 1)
	assert.Equal(t, webhookstore.DeliverySucceeded, ds[0].Status)
	assert.Len(t, ds[0].Attempts, 1)
	assert.True(t, h.acknowledged(), "the message is acknowledged, not failed")
	assert.Equal(t, int32(1), rcv.hits.Load(), "the event was posted once")
}

// Ending the endpoint's failing streak is part of recording the success: a failure there can no
// longer fail the message after the receiver has the event, and the endpoint is healthy. (Before,
// a separate UpdateItem after the save failed the message, and the streak was never ended: its
// redelivery found the delivery succeeded and did nothing, so the endpoint could be disabled
// 5 days after a failure that a success had followed.)
func TestSuccessEndsFailingStreakInTheSameWrite(t *testing.T) {
	h := newHarness(t)
	f := &flakyRecords{DB: h.st.DB}
	h.st.DB = f
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "patient.*")
	rcv.secret, rcv.fail = ep.Secrets[0].Value, 1
	h.patient()
	h.drain()
	got, err := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.NoError(t, err)
	require.NotZero(t, got.FailingSince, "the first attempt failed")

	f.failHealthy.Store(true)
	h.clock.Advance(10 * time.Minute) // the retry
	h.drain()
	d := h.deliveries(ep.ID)[0]
	assert.Equal(t, webhookstore.DeliverySucceeded, d.Status)
	assert.Len(t, d.Attempts, 2)
	got, err = h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.NoError(t, err)
	assert.Zero(t, got.FailingSince, "the success ended the failing streak")
	assert.True(t, h.acknowledged(), "the message is acknowledged, not failed")
	assert.Equal(t, int32(2), rcv.hits.Load(), "one failed attempt, one success, nothing again")
}

// An endpoint deleted between its read and the record of a success: the delivery is still
// recorded (there is no endpoint left to mark healthy).
func TestSuccessOfADeletedEndpointIsRecorded(t *testing.T) {
	h := newHarness(t)
	ep := h.endpoint("http://unused.invalid/", "*")
	del := webhookstore.Delivery{ID: "whd_x", Account: tenant.Account, Mode: tenant.Mode, EndpointID: ep.ID, EventID: "evt_x",
		EventType: "patient.created", Status: webhookstore.DeliveryPending, CreatedAt: h.clock.Now().UnixMilli()}
	require.NoError(t, h.st.SaveDelivery(h.ctx, del, -1, nil, nil))
	_, err := h.st.DeleteEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.NoError(t, err)
	del.Status, del.Attempts = webhookstore.DeliverySucceeded, []webhookstore.Attempt{{At: 1, StatusCode: 200}}
	require.NoError(t, h.st.SaveSucceeded(h.ctx, del, 0, nil, true))
	got, err := h.st.GetDelivery(h.ctx, tenant.Account, tenant.Mode, ep.ID, del.ID)
	require.NoError(t, err)
	assert.Equal(t, webhookstore.DeliverySucceeded, got.Status)
	_, err = h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.Error(t, err, "no endpoint item was made by the update")
}

// When the record keeps failing past RecordRetry, the message fails and its redelivery posts
// the event again: the documented at-least-once case. Both posts carry the same webhook-id (the
// event id, what Standard Webhooks receivers dedupe on) and the delivery ends recorded once.
func TestUnrecordedDeliveryIsPostedAgainWithTheSameIDs(t *testing.T) {
	h := newHarness(t)
	h.d.RecordRetry = 50 * time.Millisecond
	f := &flakyRecords{DB: h.st.DB}
	h.st.DB = f
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "patient.*")
	rcv.secret = ep.Secrets[0].Value
	f.failSucceeded.Store(1000)
	h.patient()
	h.drain()
	require.Equal(t, int32(1), rcv.hits.Load())
	ds := h.deliveries(ep.ID)
	require.Len(t, ds, 1)
	assert.Equal(t, webhookstore.DeliveryPending, ds[0].Status, "not recorded")

	f.failSucceeded.Store(0)
	h.clock.Advance(61 * time.Second) // the failed message's visibility timeout
	h.drain()
	got := rcv.events()
	require.Len(t, got, 2, "posted again")
	assert.Equal(t, got[0]["id"], got[1]["id"], "same event, so the same webhook-id (the receiver checks the header equals it)")
	ds = h.deliveries(ep.ID)
	require.Len(t, ds, 1, "one delivery, same id")
	assert.Equal(t, webhookstore.DeliverySucceeded, ds[0].Status)
	assert.Len(t, ds[0].Attempts, 1)
	assert.True(t, h.acknowledged())
}

// A failed attempt's bookkeeping on its endpoint (starting its failing streak; disabling it after
// 410 Gone) is retried when it fails, rather than failing the message: a redelivered message
// finds the attempt recorded and is dropped, so before, the bookkeeping was simply lost (the
// streak started at the next failure, the 410 endpoint stayed enabled).
func TestFailedAttemptsEndpointBookkeepingIsRetried(t *testing.T) {
	cases := []struct {
		name   string
		status int
		inject func(*flakyRecords)
		check  func(*testing.T, webhookstore.Endpoint)
	}{
		{"failing streak", 500, func(f *flakyRecords) { f.failFailing.Store(2) }, func(t *testing.T, ep webhookstore.Endpoint) {
			assert.NotZero(t, ep.FailingSince, "the streak started with this failure")
		}},
		{"410 Gone", 410, func(f *flakyRecords) { f.failDisable.Store(2) }, func(t *testing.T, ep webhookstore.Endpoint) {
			assert.Equal(t, webhookstore.EndpointDisabled, ep.Status)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			f := &flakyRecords{DB: h.st.DB}
			h.st.DB = f
			rcv := newReceiver(t, h.clock.Now)
			ep := h.endpoint(rcv.srv.URL, "patient.*")
			rcv.secret, rcv.status = ep.Secrets[0].Value, tc.status
			tc.inject(f)
			h.patient()
			h.drain()
			got, err := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
			require.NoError(t, err)
			tc.check(t, got)
			assert.Len(t, h.deliveries(ep.ID)[0].Attempts, 1)
			assert.True(t, h.acknowledged(), "the message is acknowledged, not failed")
			assert.Equal(t, int32(1), rcv.hits.Load())
		})
	}
}

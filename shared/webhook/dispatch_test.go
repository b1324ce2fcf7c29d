package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
	"github.com/hapihub/hapihub/shared/webhook"
)

// receiver is a webhook endpoint that verifies both signature schemes with its own code.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	secret string
	now    func() time.Time
	mu     sync.Mutex
	fail   int // answer 500 this many more times
	status int // answer this instead of 200 when not failing
	got    []map[string]any
	hits   atomic.Int32
	// arrived, when set, is told of each accepted event (latency measurements).
	arrived func(ev map[string]any)
}

func newReceiver(t testing.TB, now func() time.Time) *receiver {
	r := &receiver{t: t, now: now, status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	arrived := r.now() // before waiting for the lock other deliveries hold
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	// Stripe-style: t=..,v1=.. with HMAC-SHA256(secret, t.body) in hex.
	var ts string
	var v1 []string
	for _, p := range strings.Split(req.Header.Get("HapiHub-Signature"), ",") {
		k, v, _ := strings.Cut(p, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			v1 = append(v1, v)
		}
	}
	m := hmac.New(sha256.New, []byte(r.secret))
	m.Write([]byte(ts + "." + string(body)))
	okStripe := false
	for _, s := range v1 {
		okStripe = okStripe || hmac.Equal([]byte(s), []byte(hex.EncodeToString(m.Sum(nil))))
	}
	// Standard Webhooks: base64 HMAC of id.timestamp.body keyed by the decoded secret.
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	m2 := hmac.New(sha256.New, key)
	m2.Write([]byte(req.Header.Get("webhook-id") + "." + req.Header.Get("webhook-timestamp") + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m2.Sum(nil))
	okStd := false
	for _, s := range strings.Fields(req.Header.Get("webhook-signature")) {
		okStd = okStd || s == want
	}
	assert.True(r.t, okStripe, "HapiHub-Signature verifies")
	assert.True(r.t, okStd, "webhook-signature verifies")
	sent, _ := strconv.ParseInt(ts, 10, 64)
	// Seconds resolution, and a loaded machine under the race detector: within 3 s is "now"
	// (retries are minutes apart).
	assert.InDelta(r.t, arrived.Unix(), sent, 3, "signed at attempt time")
	assert.NoError(r.t, webhook.VerifyAt(body, req.Header.Get("HapiHub-Signature"), r.secret, 0, r.now()))
	if r.fail > 0 {
		r.fail--
		http.Error(w, strings.Repeat("x", 3000), http.StatusInternalServerError)
		return
	}
	var ev map[string]any
	assert.NoError(r.t, json.Unmarshal(body, &ev))
	assert.Equal(r.t, ev["id"], req.Header.Get("webhook-id"))
	r.got = append(r.got, ev)
	if r.arrived != nil {
		r.arrived(ev)
	}
	w.WriteHeader(r.status)
}

func (r *receiver) events() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.got...)
}

type harness struct {
	t      testing.TB
	ctx    context.Context
	clock  *storetest.Clock
	now    func() time.Time
	st     *store.Store
	dir    string
	srv    *sqs.Server
	client *awssqs.Client
	url    string
	d      *webhook.Dispatcher
	poller *sqs.Poller
}

var tenant = domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_1"}

func newHarness(t testing.TB) *harness {
	return newHarnessAt(t, nil)
}

// newHarnessAt runs on now (nil: a settable clock at a fixed date) and the embedded DynamoDB
// engine.
func newHarnessAt(t testing.TB, now func() time.Time) *harness {
	h := &harness{t: t, ctx: context.Background(), dir: t.TempDir(),
		clock: storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}
	if now == nil {
		now = h.clock.Now
	}
	h.now = now
	h.st = storetest.New(t)
	h.st.Now = now
	h.d = &webhook.Dispatcher{Store: h.st, Now: now, Rand: func() float64 { return 0.5 },
		Client: func(string) *http.Client { return webhook.Policy{AllowLoopback: true}.Client() }}
	h.st.Publisher = h.d
	h.openQueue()
	t.Cleanup(func() { h.closeQueue() })
	return h
}

// openQueue (re)starts the embedded SQS on the same data directory.
func (h *harness) openQueue() {
	srv, err := sqs.Open(h.dir, sqs.Options{Now: h.now, NoSync: true, PollInterval: 5 * time.Millisecond})
	require.NoError(h.t, err)
	ep, err := srv.Listen()
	require.NoError(h.t, err)
	h.srv, h.client = srv, sqstest.Client(ep)
	out, err := h.client.CreateQueue(h.ctx, &awssqs.CreateQueueInput{QueueName: aws.String("webhooks"),
		Attributes: map[string]string{"VisibilityTimeout": "60"}})
	require.NoError(h.t, err)
	h.url = *out.QueueUrl
	h.d.Queue, h.d.QueueURL = h.client, h.url
	h.poller, err = sqs.NewPoller(sqs.PollerConfig{Client: h.client, QueueURL: h.url, Handler: h.d.HandleSQS,
		ReportBatchItemFailures: true, WaitTimeSeconds: aws.Int32(0)})
	require.NoError(h.t, err)
}

func (h *harness) closeQueue() {
	if h.srv != nil {
		h.poller.Stop()
		require.NoError(h.t, h.srv.Close())
		h.srv = nil
	}
}

// drain polls until the queue has nothing visible.
func (h *harness) drain() {
	for i := 0; i < 50; i++ {
		res, err := h.poller.PollOnce(h.ctx)
		require.NoError(h.t, err)
		require.NoError(h.t, res.InvokeErr)
		if res.Received == 0 {
			return
		}
	}
	h.t.Fatal("queue never drained")
}

func (h *harness) endpoint(url string, events ...string) webhookstore.Endpoint {
	ep, err := h.st.CreateEndpoint(h.ctx, tenant.Account, webhookstore.Endpoint{Mode: tenant.Mode, URL: url, EnabledEvents: events,
		Status: webhookstore.EndpointEnabled, Secrets: []webhookstore.Secret{{Value: webhook.NewSecret()}}})
	require.NoError(h.t, err)
	return ep
}

func (h *harness) patient() domain.Doc {
	d, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": "Ada", "lastName": "L"}, domain.Meta{})
	require.NoError(h.t, err)
	return d
}

func (h *harness) deliveries(ep string) []webhookstore.Delivery {
	ds, err := h.st.ListDeliveries(h.ctx, tenant.Account, tenant.Mode, ep, "", 100, 0)
	require.NoError(h.t, err)
	return ds
}

func TestRetriesOnScheduleAndResumeAfterRestart(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL+"/hook", "patient.*")
	rcv.secret = ep.Secrets[0].Value
	rcv.fail = 2
	other := h.endpoint(rcv.srv.URL+"/other", "invoice.paid") // must not receive patient events
	start := h.clock.Now()
	p := h.patient()
	h.drain() // fan-out, then the first attempt (fails)
	ds := h.deliveries(ep.ID)
	require.Len(t, ds, 1)
	assert.Empty(t, h.deliveries(other.ID))
	d := ds[0]
	require.Len(t, d.Attempts, 1)
	assert.Equal(t, 500, d.Attempts[0].StatusCode)
	assert.Len(t, d.Attempts[0].ResponseBody, 1024, "first 1 KB of the body is kept")
	assert.Equal(t, webhookstore.DeliveryPending, d.Status)
	// Test mode, jitter at its midpoint: retries after 10 minutes, then 40.
	assert.Equal(t, start.Add(10*time.Minute).UnixMilli(), d.NextAttemptAt)

	// The queue goes down between attempts and comes back: the delayed message survives.
	h.closeQueue()
	h.openQueue()
	h.clock.Advance(9 * time.Minute)
	h.drain()
	assert.Len(t, h.deliveries(ep.ID)[0].Attempts, 1, "not before its time")
	h.clock.Advance(time.Minute)
	h.drain()
	d = h.deliveries(ep.ID)[0]
	require.Len(t, d.Attempts, 2)
	assert.Equal(t, start.Add(10*time.Minute).UnixMilli(), d.Attempts[1].At)
	assert.Equal(t, start.Add(50*time.Minute).UnixMilli(), d.NextAttemptAt, "40 minutes: beyond SQS's 15-minute delay, so stored as due")

	h.clock.Advance(39 * time.Minute)
	res, err := h.d.Sweep(h.ctx)
	require.NoError(t, err)
	assert.Zero(t, res.Due)
	h.clock.Advance(time.Minute)
	res, err = h.d.Sweep(h.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Due)
	h.drain()
	d = h.deliveries(ep.ID)[0]
	require.Len(t, d.Attempts, 3)
	assert.Equal(t, webhookstore.DeliverySucceeded, d.Status)
	assert.Equal(t, 200, d.Attempts[2].StatusCode)
	assert.Equal(t, start.Add(50*time.Minute).UnixMilli(), d.Attempts[2].At)
	got := rcv.events()
	require.Len(t, got, 1)
	assert.Equal(t, "patient.created", got[0]["type"])
	assert.Equal(t, p["id"], got[0]["data"].(map[string]any)["object"].(map[string]any)["id"])

	// Nothing left behind: no due entries, and later sweeps and polls do nothing.
	h.clock.Advance(time.Hour)
	res, err = h.d.Sweep(h.ctx)
	require.NoError(t, err)
	assert.Zero(t, res.Due+res.Outbox)
	h.drain()
	assert.Equal(t, int32(3), rcv.hits.Load())

	// Resend starts a new round and delivers again.
	_, err = h.d.Resend(h.ctx, tenant.Account, tenant.Mode, ep.ID, d.ID)
	require.NoError(t, err)
	h.drain()
	d = h.deliveries(ep.ID)[0]
	assert.Len(t, d.Attempts, 4)
	assert.Equal(t, webhookstore.DeliverySucceeded, d.Status)
	assert.Len(t, rcv.events(), 2)
}

func TestExhaustedDeliveryIsFailed(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "*")
	rcv.secret, rcv.fail = ep.Secrets[0].Value, 100
	h.patient()
	h.drain()
	for i := 0; i < 8; i++ {
		h.clock.Advance(3 * time.Hour)
		_, err := h.d.Sweep(h.ctx)
		require.NoError(t, err)
		h.drain()
	}
	d := h.deliveries(ep.ID)[0]
	assert.Len(t, d.Attempts, 1+webhook.TestRetries, "first attempt plus 3 retries")
	assert.Equal(t, webhookstore.DeliveryFailed, d.Status)
	assert.Zero(t, d.NextAttemptAt)
}

func TestGoneDisablesEndpoint(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "patient.created")
	rcv.secret, rcv.status = ep.Secrets[0].Value, http.StatusGone
	h.patient()
	h.drain()
	got, err := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, webhookstore.EndpointDisabled, got.Status)
	assert.Equal(t, webhookstore.DeliveryFailed, h.deliveries(ep.ID)[0].Status)
	page, err := h.st.ListEvents(h.ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 10,
		Match: func(t string) bool { return t == "webhook_endpoint.disabled" }})
	require.NoError(t, err)
	require.Len(t, page.Events, 1)
	assert.Equal(t, ep.ID, page.Events[0]["data"].(map[string]any)["object"].(map[string]any)["id"])
	// A disabled endpoint gets no new deliveries.
	h.patient()
	h.drain()
	assert.Len(t, h.deliveries(ep.ID), 1)
}

func TestFailingFiveDaysDisables(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "*")
	rcv.secret, rcv.fail = ep.Secrets[0].Value, 1000
	h.patient()
	h.drain()
	for day := 0; day < 5; day++ {
		h.clock.Advance(24 * time.Hour)
		got, err := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
		require.NoError(t, err)
		require.Equal(t, webhookstore.EndpointEnabled, got.Status, "day %d", day)
		h.patient()
		h.drain()
	}
	got, err := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, webhookstore.EndpointDisabled, got.Status)
	assert.Contains(t, got.DisabledReason, "5 days")
}

// A success in between resets the failing streak.
func TestSuccessResetsFailingStreak(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "*")
	rcv.secret, rcv.fail = ep.Secrets[0].Value, 1
	h.patient()
	h.drain()
	got, _ := h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	assert.NotZero(t, got.FailingSince)
	h.clock.Advance(10 * time.Minute)
	h.drain()
	got, _ = h.st.GetEndpoint(h.ctx, tenant.Account, tenant.Mode, ep.ID)
	assert.Zero(t, got.FailingSince)
}

// An event whose enqueue failed after the commit is delivered by the sweeper from the outbox.
func TestSweeperDrainsOutbox(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, h.clock.Now)
	ep := h.endpoint(rcv.srv.URL, "*")
	rcv.secret = ep.Secrets[0].Value
	h.closeQueue() // the queue is down when the change commits
	h.patient()
	h.openQueue()
	h.drain()
	assert.Empty(t, h.deliveries(ep.ID))
	h.clock.Advance(webhook.OutboxGrace + time.Second)
	res, err := h.d.Sweep(h.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Outbox)
	h.drain()
	assert.Len(t, rcv.events(), 1)
	// Fan-out is idempotent: publishing the same event again creates no second delivery.
	ev := rcv.events()[0]
	require.NoError(t, h.d.Publish(h.ctx, []core.OutboxEntry{{Account: tenant.Account, Mode: tenant.Mode, EventID: ev["id"].(string)}}))
	h.drain()
	assert.Len(t, h.deliveries(ep.ID), 1)
	assert.Len(t, rcv.events(), 1)
}

func TestPoisonMessageIsReportedFailed(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.SendMessage(h.ctx, &awssqs.SendMessageInput{QueueUrl: &h.url, MessageBody: aws.String("not json")})
	require.NoError(t, err)
	res, err := h.poller.PollOnce(h.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Received)
	assert.Equal(t, 0, res.Deleted, "left for redrive to the dead-letter queue")
}

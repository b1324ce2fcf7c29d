package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	hevents "github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
	"github.com/hapihub/hapihub/shared/webhook/queue"
)

// The queue's message and its sending live in shared/webhook/queue, which functions that only
// publish (the console) link instead of this package.
type (
	// Queue is the part of the SQS client the dispatcher uses.
	Queue = queue.Sender
	// Message is the body of a webhook queue message.
	Message = queue.Message
)

// Message kinds on the webhook queue.
const (
	KindEvent    = queue.KindEvent    // fan an event out to its endpoints
	KindDelivery = queue.KindDelivery // make one delivery attempt
)

// Tunables (docs/decisions.md#events-and-webhooks, docs/webhooks.md).
const (
	// SafetyNet is how long after a queued attempt was due the sweeper re-enqueues it, in case the
	// message never arrived (send failed after the commit, or the process died in between).
	SafetyNet = 2 * time.Minute
	// DisableAfter is how long an endpoint may fail without a single success before it is disabled.
	DisableAfter = 5 * 24 * time.Hour
	// ResponseBodyLimit is how much of a response body an attempt records.
	ResponseBodyLimit = 1024
	// OutboxGrace leaves fresh outbox entries to the request that wrote them.
	OutboxGrace = time.Minute
	// DefaultRecordRetry bounds the retries of a write that follows an attempt: well inside the
	// dispatcher's 30 s timeout after an attempt's 10 s.
	DefaultRecordRetry = 5 * time.Second
)

// Dispatcher fans events out to endpoints and delivers them, behind the webhook queue.
type Dispatcher struct {
	Store    *store.Store
	Queue    Queue
	QueueURL string
	// Client returns the HTTP client for a mode's deliveries (see Policy.Client).
	Client func(mode string) *http.Client
	Now    func() time.Time
	// Rand feeds the retry jitter; nil uses math/rand/v2.
	Rand func() float64
	// LiveWindow is how long live deliveries are retried (0: 72 hours; at most 7 days).
	LiveWindow time.Duration
	Log        *slog.Logger
	// EndpointConcurrency bounds the attempts in flight to one endpoint in this process (0:
	// DefaultEndpointConcurrency). An attempt that finds no slot is not made now but put back on
	// the queue, so a slow endpoint holds at most a few invocations and cannot delay other
	// endpoints' deliveries (docs/webhooks.md, "Isolation"). Keep it below the number of batches
	// the queue is drained with.
	EndpointConcurrency int
	// BusyDelay is how long an attempt waits for a busy endpoint (0: DefaultBusyDelay).
	BusyDelay time.Duration
	// RecordRetry is how long a write that follows an attempt (its record after a success, the
	// endpoint's bookkeeping after a failure) is retried before the message fails (0:
	// DefaultRecordRetry).
	RecordRetry time.Duration

	slots sync.Map // endpoint key -> *endpointSlots
}

// Isolation defaults. An endpoint known to be fast holds at most DefaultEndpointConcurrency
// invocations of the dispatcher, fewer than the batches the queue is drained with
// (sqs.LambdaInitialConcurrency, 5), so one is always free for everyone else; any other endpoint
// (new, or slow: an attempt running longer than SlowAfter now or in the last SlowMemory) at most
// SlowEndpointConcurrency. An attempt that finds no slot never waits long: for a slow endpoint
// its message goes back on the queue for BusyDelay; for a fast or new one it waits up to SlotWait
// for a slot (woken when one is given back) and then goes back for RetrySlotDelay. A new endpoint
// is waited for too: deferring at once sent a burst to an endpoint not yet known fast (a new one,
// or one idle for SlowMemory) back for a whole second (docs/webhooks.md); a hanging new one costs
// each of its messages SlotWait until SlowAfter makes it slow. A deferred
// message keeps its attempt number, so if the sweeper's safety net also enqueues the delivery,
// only one of the two records an attempt (the other is dropped, or at worst posts a duplicate,
// which receivers already expect).
const (
	DefaultEndpointConcurrency = 4
	SlowEndpointConcurrency    = 2
	SlowAfter                  = 2 * time.Second
	SlowMemory                 = time.Minute
	SlotWait                   = 100 * time.Millisecond
	RetrySlotDelay             = time.Second
	DefaultBusyDelay           = 5 * time.Second
)

// endpointSlots is one endpoint's attempts in flight in this dispatcher (real time, whatever
// clock schedules retries).
type endpointSlots struct {
	mu        sync.Mutex
	next      uint64
	inflight  map[uint64]time.Time // attempt -> start
	slowUntil time.Time
	fastUntil time.Time     // an attempt ended within SlowAfter lately: the endpoint is known fast
	freed     chan struct{} // closed (and replaced) when a slot is given back: wakes the waiters
}

// slow is true for an endpoint with an attempt running longer than SlowAfter, or one lately.
func (e *endpointSlots) slow(now time.Time) bool {
	if now.Before(e.slowUntil) {
		return true
	}
	for _, start := range e.inflight {
		if now.Sub(start) > SlowAfter {
			return true
		}
	}
	return false
}

// acquire takes one of the endpoint's attempt slots (see the constants above); release gives it
// back and remembers how long the attempt took. Without a slot, retryIn says when to try again.
func (d *Dispatcher) acquire(ctx context.Context, account, mode, endpointID string) (release func(), retryIn time.Duration) {
	n := d.EndpointConcurrency
	if n <= 0 {
		n = DefaultEndpointConcurrency
	}
	v, _ := d.slots.LoadOrStore(account+"/"+mode+"/"+endpointID, &endpointSlots{inflight: map[uint64]time.Time{}, freed: make(chan struct{})})
	e := v.(*endpointSlots)
	timer := time.NewTimer(SlotWait)
	defer timer.Stop()
	for {
		now := time.Now()
		e.mu.Lock()
		slow := e.slow(now)
		limit := min(n, SlowEndpointConcurrency)
		if !slow && now.Before(e.fastUntil) {
			limit = n
		}
		if len(e.inflight) < limit {
			e.next++
			id := e.next
			e.inflight[id] = now
			e.mu.Unlock()
			return func() { e.release(id) }, 0
		}
		freed := e.freed
		e.mu.Unlock()
		if slow {
			return nil, d.busyDelay()
		}
		select {
		case <-ctx.Done():
			return nil, RetrySlotDelay
		case <-timer.C:
			return nil, RetrySlotDelay
		case <-freed:
		}
	}
}

// release gives attempt id's slot back, remembers whether it was slow, and wakes the waiters.
func (e *endpointSlots) release(id uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	end := time.Now()
	if end.Sub(e.inflight[id]) > SlowAfter {
		e.slowUntil = end.Add(SlowMemory)
	} else {
		e.fastUntil = end.Add(SlowMemory)
	}
	delete(e.inflight, id)
	close(e.freed)
	e.freed = make(chan struct{})
}

func (d *Dispatcher) busyDelay() time.Duration {
	if d.BusyDelay > 0 {
		return d.BusyDelay
	}
	return DefaultBusyDelay
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) send(ctx context.Context, m Message, delay time.Duration) error {
	return queue.Send(ctx, d.Queue, d.QueueURL, m, min(delay, MaxSQSDelay))
}

// Publish enqueues committed events for fan-out; it is the store's Publisher.
func (d *Dispatcher) Publish(ctx context.Context, entries []core.OutboxEntry) error {
	return queue.Publisher{Queue: d.Queue, URL: d.QueueURL}.Publish(ctx, entries)
}

// HandleSQS is the delivery Lambda's handler: each record is processed on its own and only the
// failed ones are reported (ReportBatchItemFailures), so one bad message does not redeliver the
// batch; a message failing maxReceiveCount times lands in the dead-letter queue.
func (d *Dispatcher) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var mu sync.Mutex
	var resp events.SQSEventResponse
	var wg sync.WaitGroup
	for _, rec := range ev.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m Message
			err := json.Unmarshal([]byte(rec.Body), &m)
			if err == nil {
				err = d.Process(ctx, m)
			}
			if err != nil {
				d.log().Error("webhook message failed", "messageId", rec.MessageId, "err", err)
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}

// Process handles one queue message.
func (d *Dispatcher) Process(ctx context.Context, m Message) error {
	switch m.Kind {
	case KindEvent:
		return d.fanOut(ctx, m)
	case KindDelivery:
		return d.attempt(ctx, m)
	}
	return fmt.Errorf("webhook: unknown message kind %q", m.Kind)
}

func isNotFound(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.NotFound
}

// fanOut creates one delivery per enabled endpoint that wants the event and enqueues its first
// attempt. Delivery ids are deterministic, so fanning out twice creates nothing twice.
func (d *Dispatcher) fanOut(ctx context.Context, m Message) error {
	// Endpoints first: most accounts have none, and then the event need not be read at all.
	eps, err := d.Store.ListEndpoints(ctx, m.Account, m.Mode)
	if err != nil || len(eps) == 0 {
		return err
	}
	typ := m.EventType
	if typ == "" {
		ev, err := d.Store.GetEvent(ctx, m.Account, m.Mode, m.EventID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		typ, _ = ev["type"].(string)
	}
	for _, ep := range eps {
		if ep.Status != webhookstore.EndpointEnabled || !hevents.MatchAny(ep.EnabledEvents, typ) {
			continue
		}
		now := d.now()
		del := webhookstore.Delivery{ID: webhookstore.DeliveryID(m.EventID, ep.ID), Account: m.Account, Mode: m.Mode, EndpointID: ep.ID,
			EventID: m.EventID, EventType: typ, Status: webhookstore.DeliveryPending, RoundStartedAt: now.UnixMilli(),
			NextAttemptAt: now.UnixMilli(), DueAt: now.Add(SafetyNet).UnixMilli(), CreatedAt: now.UnixMilli()}
		err := d.Store.SaveDelivery(ctx, del, -1, nil, del.Due())
		if errors.Is(err, webhookstore.ErrStale) {
			// Fanned out before; enqueue again only if its first attempt never happened.
			cur, gerr := d.Store.GetDelivery(ctx, m.Account, m.Mode, ep.ID, del.ID)
			if gerr != nil || cur.Status != webhookstore.DeliveryPending || len(cur.Attempts) > 0 {
				continue
			}
		} else if err != nil {
			return err
		}
		if err := d.send(ctx, Message{Kind: KindDelivery, Account: m.Account, Mode: m.Mode, EndpointID: ep.ID, DeliveryID: del.ID}, 0); err != nil {
			// The due entry re-enqueues it after SafetyNet.
			d.log().Warn("webhook: enqueue first attempt", "delivery", del.ID, "err", err)
		}
	}
	return nil
}

// outcome of one HTTP attempt.
func (d *Dispatcher) post(ctx context.Context, ep webhookstore.Endpoint, ev domain.Doc, now time.Time) webhookstore.Attempt {
	att := webhookstore.Attempt{At: now.UnixMilli()}
	body, err := json.Marshal(ev)
	if err != nil {
		att.Error = "encode event: " + err.Error()
		return att
	}
	id, _ := ev["id"].(string)
	headers, err := Headers(id, body, ep.ActiveSecrets(now), now)
	if err != nil {
		att.Error = err.Error()
		return att
	}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		att.Error = err.Error()
		return att
	}
	for k, v := range ep.Headers { // the endpoint's own, first: none of them can be one of ours
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HapiHub-Webhooks/1.0 (+https://hapihub.com/docs/webhooks)")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := http.DefaultClient
	if d.Client != nil {
		client = d.Client(ep.Mode)
	}
	start := time.Now() // real elapsed time, whatever clock schedules retries
	resp, err := client.Do(req)
	att.DurationMs = time.Since(start).Milliseconds()
	if err != nil {
		att.Error = err.Error()
		return att
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, ResponseBodyLimit))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	att.StatusCode, att.ResponseBody = resp.StatusCode, string(b)
	return att
}

// attempt makes one delivery attempt and records it with what comes next.
func (d *Dispatcher) attempt(ctx context.Context, m Message) error {
	del, err := d.Store.GetDelivery(ctx, m.Account, m.Mode, m.EndpointID, m.DeliveryID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if del.Status != webhookstore.DeliveryPending || len(del.Attempts) != m.Attempt {
		return nil // already attempted: a duplicate or a late safety-net message
	}
	done := del.Due()
	prev := len(del.Attempts)
	finish := func(status, why string) error {
		now := d.now()
		if why != "" {
			del.Attempts = append(del.Attempts, webhookstore.Attempt{At: now.UnixMilli(), Error: why})
		}
		del.Status, del.NextAttemptAt, del.DueAt = status, 0, 0
		err := d.Store.SaveDelivery(ctx, del, prev, done, nil)
		if errors.Is(err, webhookstore.ErrStale) {
			return nil
		}
		return err
	}
	ep, err := d.Store.GetEndpoint(ctx, m.Account, m.Mode, m.EndpointID)
	if isNotFound(err) {
		return finish(webhookstore.DeliveryFailed, "the webhook endpoint was deleted")
	}
	if err != nil {
		return err
	}
	if ep.Status != webhookstore.EndpointEnabled {
		return finish(webhookstore.DeliveryFailed, "the webhook endpoint is disabled")
	}
	// In the endpoint's API version when it names one, else the event's own (docs/versioning.md).
	ev, err := d.Store.GetEventIn(ctx, m.Account, m.Mode, del.EventID, apiversion.Version(ep.APIVersion))
	if isNotFound(err) {
		return finish(webhookstore.DeliveryFailed, "the event has expired")
	}
	if err != nil {
		return err
	}
	release, retryIn := d.acquire(ctx, m.Account, m.Mode, ep.ID)
	if release == nil {
		// The endpoint already has its share of attempts in flight: try again later without
		// counting an attempt. The delivery's due entry stays as the safety net.
		return d.send(ctx, m, retryIn)
	}
	now := d.now()
	att := d.post(ctx, ep, ev, now)
	release()
	del.Attempts = append(del.Attempts, att)
	ok := att.Error == "" && att.StatusCode >= 200 && att.StatusCode < 300
	switch {
	case ok:
		del.Status, del.NextAttemptAt, del.DueAt = webhookstore.DeliverySucceeded, 0, 0
		return d.recordSuccess(ctx, del, prev, done, ep.FailingSince > 0)
	case att.StatusCode == http.StatusGone:
		if err := finish(webhookstore.DeliveryFailed, ""); err != nil {
			return err
		}
		return d.disable(ctx, m, del, "The endpoint answered 410 Gone.")
	}
	del.RoundFailures++
	sched := Schedule{Live: m.Mode == domain.Live, Window: d.LiveWindow, Rand: d.Rand}
	next, retry := sched.Next(del.RoundFailures, time.UnixMilli(del.RoundStartedAt), now)
	if !retry {
		if err := finish(webhookstore.DeliveryFailed, ""); err != nil {
			return err
		}
	} else if stale, err := d.retryLater(ctx, m, del, prev, done, now, next); stale || err != nil {
		return err
	}
	return d.endpointFailed(ctx, m, del, now)
}

// recordSuccess saves a delivery the receiver has just accepted (2xx), with the end of its
// endpoint's failing streak in the same transaction. The receiver has the event now: failing the
// message would make its redelivery POST it again, so a failed save is retried (persist). Only
// when that runs out does the message fail, and its redelivery posts the event again with the
// same webhook-id (the event id) and delivery id: the at-least-once case receivers dedupe
// (docs/webhooks.md, "Delivered means recorded").
func (d *Dispatcher) recordSuccess(ctx context.Context, del webhookstore.Delivery, prev int, done *webhookstore.Due, failing bool) error {
	err := d.persist(ctx, "record a delivered attempt", del.ID, func() error {
		err := d.Store.SaveSucceeded(ctx, del, prev, done, failing)
		if errors.Is(err, webhookstore.ErrStale) {
			return nil // another attempt recorded first (or this save committed before an error)
		}
		return err
	})
	if err != nil {
		d.log().Error("webhook: delivered but not recorded; its redelivery will post it again", "delivery", del.ID, "err", err)
	}
	return err
}

// persist runs write, a write that must follow an attempt already made, retrying its failure
// with backoff for up to RecordRetry (bounded by ctx) before giving up: the attempt cannot be
// taken back, and a failed message's redelivery finds the attempt recorded (or, for a success
// whose record failed, posts again), so failing the message would not redo the write.
func (d *Dispatcher) persist(ctx context.Context, what, delivery string, write func() error) error {
	limit := d.RecordRetry
	if limit <= 0 {
		limit = DefaultRecordRetry
	}
	deadline := time.Now().Add(limit)
	wait := 20 * time.Millisecond
	for {
		err := write()
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		d.log().Warn("webhook: "+what+"; retrying", "delivery", delivery, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// endpointFailed is a failed attempt's bookkeeping on its endpoint, after the attempt is
// recorded: start its failing streak if none runs, and disable it after DisableAfter of failures
// (persist retries each; a failure left after that fails the message, whose redelivery is
// dropped, so the endpoint's next failed attempt does it).
func (d *Dispatcher) endpointFailed(ctx context.Context, m Message, del webhookstore.Delivery, now time.Time) error {
	var since int64
	err := d.persist(ctx, "mark the endpoint failing", del.ID, func() (err error) {
		since, err = d.Store.MarkEndpointFailing(ctx, m.Account, m.Mode, m.EndpointID, now)
		return err
	})
	if err != nil || now.Sub(time.UnixMilli(since)) < DisableAfter {
		return err
	}
	return d.disable(ctx, m, del, "Every delivery failed for 5 days.")
}

// disable disables the attempt's endpoint (persist retries it).
func (d *Dispatcher) disable(ctx context.Context, m Message, del webhookstore.Delivery, reason string) error {
	return d.persist(ctx, "disable the endpoint", del.ID, func() error {
		_, err := d.Store.DisableEndpoint(ctx, m.Account, m.Mode, m.EndpointID, reason)
		return err
	})
}

// retryLater saves del's next attempt at next and, when SQS's delay reaches that far, queues it;
// stale says another attempt saved the delivery first (nothing more to do).
func (d *Dispatcher) retryLater(ctx context.Context, m Message, del webhookstore.Delivery, prev int, done *webhookstore.Due, now, next time.Time) (stale bool, err error) {
	viaQueue := next.Sub(now) <= MaxSQSDelay
	del.NextAttemptAt, del.DueAt = next.UnixMilli(), next.UnixMilli()
	if viaQueue {
		del.DueAt = next.Add(SafetyNet).UnixMilli()
	}
	err = d.Store.SaveDelivery(ctx, del, prev, done, del.Due())
	if errors.Is(err, webhookstore.ErrStale) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if viaQueue {
		msg := Message{Kind: KindDelivery, Account: m.Account, Mode: m.Mode, EndpointID: m.EndpointID, DeliveryID: del.ID, Attempt: len(del.Attempts)}
		if err := d.send(ctx, msg, next.Sub(now)); err != nil {
			d.log().Warn("webhook: enqueue retry; the sweeper will pick it up", "delivery", del.ID, "err", err)
		}
	}
	return false, nil
}

// Resend starts a new round of attempts for a delivery, whatever its status.
func (d *Dispatcher) Resend(ctx context.Context, account, mode, endpointID, id string) (webhookstore.Delivery, error) {
	ep, err := d.Store.GetEndpoint(ctx, account, mode, endpointID)
	if err != nil {
		return webhookstore.Delivery{}, err
	}
	if ep.Status != webhookstore.EndpointEnabled {
		return webhookstore.Delivery{}, apperr.New(apperr.InvalidParameters, "Webhook endpoint %s is disabled; enable it before resending.", ep.ID)
	}
	for {
		del, err := d.Store.GetDelivery(ctx, account, mode, endpointID, id)
		if err != nil {
			return del, err
		}
		done := del.Due()
		now := d.now()
		del.Status, del.RoundStartedAt, del.RoundFailures = webhookstore.DeliveryPending, now.UnixMilli(), 0
		del.NextAttemptAt, del.DueAt = now.UnixMilli(), now.Add(SafetyNet).UnixMilli()
		err = d.Store.SaveDelivery(ctx, del, len(del.Attempts), done, del.Due())
		if errors.Is(err, webhookstore.ErrStale) {
			continue
		}
		if err != nil {
			return del, err
		}
		msg := Message{Kind: KindDelivery, Account: account, Mode: mode, EndpointID: endpointID, DeliveryID: id, Attempt: len(del.Attempts)}
		if err := d.send(ctx, msg, 0); err != nil {
			d.log().Warn("webhook: enqueue resend; the sweeper will pick it up", "delivery", id, "err", err)
		}
		return del, nil
	}
}

// SweepResult says what one sweep did.
type SweepResult struct {
	Outbox int // events enqueued from the outbox
	Due    int // delivery attempts enqueued
}

// sweepBatch bounds one query; a sweep repeats until the backlog is empty or ctx ends.
const sweepBatch = 100

// Sweep enqueues due deliveries and outbox entries nobody enqueued. It is the sweeper Lambda's
// work, run every minute by the schedule.
func (d *Dispatcher) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	for ctx.Err() == nil {
		entries, err := d.Store.PendingOutbox(ctx, d.now().Add(-OutboxGrace), sweepBatch)
		if err != nil {
			return res, err
		}
		if err := d.Publish(ctx, entries); err != nil {
			return res, err
		}
		if err := d.Store.DeleteOutbox(ctx, entries); err != nil {
			return res, err
		}
		res.Outbox += len(entries)
		if len(entries) < sweepBatch {
			break
		}
	}
	for ctx.Err() == nil {
		due, err := d.Store.DueBefore(ctx, d.now(), sweepBatch)
		if err != nil {
			return res, err
		}
		for _, x := range due {
			// Enqueue first, then delete: a crash in between only duplicates the message, and the
			// attempt number makes the duplicate a no-op.
			msg := Message{Kind: KindDelivery, Account: x.Account, Mode: x.Mode, EndpointID: x.EndpointID, DeliveryID: x.DeliveryID, Attempt: x.Attempt}
			if err := d.send(ctx, msg, 0); err != nil {
				return res, err
			}
			if err := d.Store.DeleteDue(ctx, x); err != nil {
				return res, err
			}
			res.Due++
		}
		if len(due) < sweepBatch {
			break
		}
	}
	return res, ctx.Err()
}

// HandleSchedule is the sweeper Lambda's handler; the scheduled event's content is not needed.
func (d *Dispatcher) HandleSchedule(ctx context.Context, _ json.RawMessage) (SweepResult, error) {
	res, err := d.Sweep(ctx)
	if err != nil {
		return res, fmt.Errorf("webhook sweep: %w", err)
	}
	if res.Outbox+res.Due > 0 {
		d.log().Info("webhook sweep", "outbox", res.Outbox, "due", res.Due)
	}
	return res, nil
}

package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/events"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

var tenant = domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_1"}

func newStore(t *testing.T) (*store.Store, *storetest.Failing, *storetest.Clock) {
	st, db := storetest.Engine(t)
	clock := storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st.Now = clock.Now
	return st, db, clock
}

func TestEventsRecordChanges(t *testing.T) {
	ctx := context.Background()
	st, _, clock := newStore(t)
	doc, err := st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": "Ada", "lastName": "Lovelace", "status": "active"},
		domain.Meta{RequestID: "req_1", IdempotencyKey: "idem_1"})
	require.NoError(t, err)
	clock.Advance(time.Second)
	_, _, err = st.UpdateObject(ctx, tenant, schema.Patients, doc["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
		cur["firstName"] = "Augusta"
		delete(cur, "status")
		return cur, nil
	}, domain.Meta{RequestID: "req_2"})
	require.NoError(t, err)
	clock.Advance(time.Second)
	_, err = st.DeleteObject(ctx, tenant, schema.Patients, doc["id"].(string), 0, domain.Meta{RequestID: "req_3"})
	require.NoError(t, err)

	page, err := st.ListEvents(ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 10, Total: true})
	require.NoError(t, err)
	require.Len(t, page.Events, 3)
	assert.Equal(t, 3, page.Total)
	del, upd, crt := page.Events[0], page.Events[1], page.Events[2]
	assert.Equal(t, "patient.deleted", del["type"], "newest first")
	assert.Equal(t, "patient.updated", upd["type"])
	assert.Equal(t, "patient.created", crt["type"])

	assert.Equal(t, "event", crt["object"])
	assert.Equal(t, false, crt["livemode"])
	assert.Equal(t, "org_1", crt["organizationId"])
	assert.Equal(t, map[string]any{"id": "req_1", "idempotencyKey": "idem_1"}, crt["request"])
	assert.Equal(t, "Ada", crt["data"].(map[string]any)["object"].(map[string]any)["firstName"])
	assert.NotContains(t, crt["data"], "previousAttributes")

	data := upd["data"].(map[string]any)
	assert.Equal(t, map[string]any{"firstName": "Ada", "status": "active"}, data["previousAttributes"], "only changed fields, with old values")
	assert.Equal(t, "Augusta", data["object"].(map[string]any)["firstName"])
	assert.Equal(t, map[string]any{"id": "req_2", "idempotencyKey": nil}, upd["request"])

	got, err := st.GetEvent(ctx, tenant.Account, tenant.Mode, upd["id"].(string))
	require.NoError(t, err)
	assert.Equal(t, upd, got)
	_, err = st.GetEvent(ctx, tenant.Account, domain.Live, upd["id"].(string))
	assert.Error(t, err, "the other mode cannot see it")

	clock.Advance(31 * 24 * time.Hour)
	_, err = st.GetEvent(ctx, tenant.Account, tenant.Mode, upd["id"].(string))
	assert.Error(t, err, "expired after 30 days even before DynamoDB's TTL sweep")
}

func TestListEventsFilters(t *testing.T) {
	ctx := context.Background()
	st, _, clock := newStore(t)
	start := clock.Now()
	var ids []string
	for i := 0; i < 6; i++ {
		d, err := st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": fmt.Sprint(i), "lastName": "X"}, domain.Meta{})
		require.NoError(t, err)
		ids = append(ids, d["id"].(string))
		clock.Advance(time.Minute)
	}
	_, err := st.DeleteObject(ctx, tenant, schema.Patients, ids[0], 0, domain.Meta{})
	require.NoError(t, err)
	ms := func(d time.Duration) int64 { return start.Add(d).UnixMilli() }
	match := func(patterns ...string) func(string) bool {
		return func(typ string) bool { return events.MatchAny(patterns, typ) }
	}
	cases := []struct {
		name  string
		q     core.EventQuery
		want  int
		first string
	}{
		{"all", core.EventQuery{Limit: 100}, 7, "patient.deleted"},
		{"limit", core.EventQuery{Limit: 2}, 2, "patient.deleted"},
		{"skip", core.EventQuery{Limit: 100, Skip: 5}, 2, "patient.created"},
		{"type", core.EventQuery{Limit: 100, Match: match("patient.deleted")}, 1, "patient.deleted"},
		{"wildcard", core.EventQuery{Limit: 100, Match: match("patient.*")}, 7, "patient.deleted"},
		{"in", core.EventQuery{Limit: 100, Match: match("patient.created", "invoice.paid")}, 6, "patient.created"},
		{"from", core.EventQuery{Limit: 100, CreatedFrom: ms(2 * time.Minute)}, 5, "patient.deleted"},
		{"range", core.EventQuery{Limit: 100, CreatedFrom: ms(time.Minute), CreatedBefore: ms(3 * time.Minute)}, 2, "patient.created"},
		{"empty range", core.EventQuery{Limit: 100, CreatedFrom: ms(3 * time.Minute), CreatedBefore: ms(time.Minute)}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := st.ListEvents(ctx, tenant.Account, tenant.Mode, c.q)
			require.NoError(t, err)
			require.Len(t, p.Events, c.want)
			if c.want > 0 {
				assert.Equal(t, c.first, p.Events[0]["type"])
			}
			for i := 1; i < len(p.Events); i++ {
				assert.Greater(t, p.Events[i-1]["id"], p.Events[i]["id"], "newest first")
			}
		})
	}
}

// A failed transaction leaves neither the change nor its event (nor an outbox entry).
func TestFailedWriteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st, db, _ := newStore(t)
	db.Fail.Store(true)
	_, err := st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.Error(t, err)
	db.Fail.Store(false)
	all, err := st.ListAll(ctx, tenant, schema.Patients)
	require.NoError(t, err)
	assert.Empty(t, all)
	p, err := st.ListEvents(ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, p.Events)
	out, err := st.PendingOutbox(ctx, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, out)
}

type recordingPublisher struct {
	mu   sync.Mutex
	ids  map[string]int
	fail atomic.Bool
}

func (p *recordingPublisher) Publish(_ context.Context, es []core.OutboxEntry) error {
	if p.fail.Load() {
		return fmt.Errorf("queue down")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		p.ids[e.EventID]++
	}
	return nil
}

// Concurrent changes produce exactly one event each; every event reaches the publisher once, and
// entries the publisher refused stay in the outbox for the sweeper.
func TestConcurrentChangesEvents(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	pub := &recordingPublisher{ids: map[string]int{}}
	st.Publisher = pub
	const n, workers = 1000, 24
	// Each worker creates and patches its own patients: contention on one object is a different
	// matter (lock_timeout), tested with UpdateObject.
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine string
			for i := next.Add(1); i <= n; i = next.Add(1) {
				var err error
				if mine == "" || i%2 == 0 {
					var d domain.Doc
					d, err = st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": fmt.Sprint(i), "lastName": "C"}, domain.Meta{})
					if err == nil {
						mine = d["id"].(string)
					}
				} else {
					_, _, err = st.UpdateObject(ctx, tenant, schema.Patients, mine, 0, func(cur domain.Doc) (domain.Doc, error) {
						cur["firstName"] = fmt.Sprint(i)
						return cur, nil
					}, domain.Meta{})
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	page, err := st.ListEvents(ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 1, Total: true})
	require.NoError(t, err)
	assert.Equal(t, n, page.Total)
	assert.Len(t, pub.ids, n)
	for id, c := range pub.ids {
		require.Equal(t, 1, c, id)
	}
	out, err := st.PendingOutbox(ctx, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, out, "published entries are cleared")

	pub.fail.Store(true)
	_, err = st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": "Q", "lastName": "R"}, domain.Meta{})
	require.NoError(t, err, "a queue failure does not fail the committed change")
	out, err = st.PendingOutbox(ctx, time.Now().Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, "patient.created", out[0].Type)
	out, err = st.PendingOutbox(ctx, time.Now().Add(-time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, out, "entries younger than the cut-off are left to their request")
}

// conflictOnce cancels the first transaction as DynamoDB does when another races it on an item.
type conflictOnce struct {
	core.DB
	done atomic.Bool
}

func (c *conflictOnce) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if c.done.CompareAndSwap(false, true) {
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[len(reasons)-1].Code = aws.String("TransactionConflict")
		return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
	}
	return c.DB.TransactWriteItems(ctx, in, opts...)
}

func TestTransactionConflictIsRetried(t *testing.T) {
	ctx := context.Background()
	st, _, _ := newStore(t)
	p, err := st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.NoError(t, err)
	st.DB = &conflictOnce{DB: st.DB}
	_, ver, err := st.UpdateObject(ctx, tenant, schema.Patients, p["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
		cur["firstName"] = "C"
		return cur, nil
	}, domain.Meta{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), ver)
	page, err := st.ListEvents(ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 10, Total: true})
	require.NoError(t, err)
	assert.Equal(t, 2, page.Total, "the cancelled attempt left no event")
}

// callsPublisher records each Publish call's entries.
type callsPublisher struct {
	mu    sync.Mutex
	calls [][]core.OutboxEntry
}

func (p *callsPublisher) Publish(_ context.Context, es []core.OutboxEntry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, es)
	return nil
}

// Under DeferPublish (a multi-create) committed writes publish nothing until publish is called,
// which hands every one of their entries over in one call and clears them from the outbox; a
// write that failed adds nothing. Without it each write publishes its own.
func TestDeferPublishPublishesTogether(t *testing.T) {
	ctx := context.Background()
	st, db, _ := newStore(t)
	pub := &callsPublisher{}
	st.Publisher = pub
	dctx, publish := st.DeferPublish(ctx)
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.CreateObject(dctx, tenant, schema.Patients, domain.Doc{"firstName": fmt.Sprint(i), "lastName": "Deferred"}, domain.Meta{})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	db.Fail.Store(true)
	_, err := st.CreateObject(dctx, tenant, schema.Patients, domain.Doc{"firstName": "X", "lastName": "Failed"}, domain.Meta{})
	require.Error(t, err)
	db.Fail.Store(false)
	assert.Empty(t, pub.calls, "nothing published before publish")
	out, err := st.PendingOutbox(ctx, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Len(t, out, 12, "the entries wait in the outbox meanwhile")

	publish(ctx)
	require.Len(t, pub.calls, 1)
	ids := map[string]bool{}
	for _, e := range pub.calls[0] {
		assert.Equal(t, "patient.created", e.Type)
		ids[e.EventID] = true
	}
	assert.Len(t, ids, 12)
	out, err = st.PendingOutbox(ctx, time.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Empty(t, out, "published entries are cleared")
	publish(ctx)
	assert.Len(t, pub.calls, 1, "a second publish has nothing to send")

	_, err = st.CreateObject(ctx, tenant, schema.Patients, domain.Doc{"firstName": "Y", "lastName": "Direct"}, domain.Meta{})
	require.NoError(t, err)
	assert.Len(t, pub.calls, 2, "outside DeferPublish a write publishes its own")
}

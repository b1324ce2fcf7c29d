package store_test

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

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// held answers writes as DynamoDB does while another request's TransactWriteItems holds their
// item, once the SDK's retries (store.RetryConflicts) are spent: a single-item write is
// TransactionConflictException, a transaction is cancelled with reason TransactionConflict
// ("Transaction conflict handling",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling).
// It refuses every write while all is set, else the next `refuse` writes, then passes them on.
type held struct {
	core.DB
	all    atomic.Bool
	refuse atomic.Int64
	seen   atomic.Int64
}

func (h *held) take() bool {
	h.seen.Add(1)
	if h.all.Load() {
		return true
	}
	for {
		n := h.refuse.Load()
		if n <= 0 {
			return false
		}
		if h.refuse.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func conflictException() error {
	return &types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}
}

func (h *held) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if h.take() {
		return nil, conflictException()
	}
	return h.DB.PutItem(ctx, in, o...)
}

func (h *held) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if h.take() {
		return nil, conflictException()
	}
	return h.DB.UpdateItem(ctx, in, o...)
}

func (h *held) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if h.take() {
		return nil, conflictException()
	}
	return h.DB.DeleteItem(ctx, in, o...)
}

func (h *held) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if h.take() {
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[0].Code = aws.String("TransactionConflict")
		return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]"),
			CancellationReasons: reasons}
	}
	return h.DB.TransactWriteItems(ctx, in, o...)
}

// Every store write a request makes outside writeWithEvents, meeting another request's
// transaction on its item for longer than every retry: each answers the documented retryable
// 429 (RATE_LIMIT_EXCEEDED, lock_timeout, Retry-After), never an internal error, and changed
// nothing (docs/writes.md).
func TestWritesMeetingATransactionAreRetryable(t *testing.T) {
	ctx := context.Background()
	st, _, clock := newStore(t)
	st.LockTimeout = 50 * time.Millisecond // transactions are re-sent until then
	const acct = "acct_c"
	require.NoError(t, st.CreateAccount(ctx, domain.Account{ID: acct, Name: "C", SandboxOrg: "org_c", CreatedAt: clock.Now().UnixMilli()}, nil, nil, nil))
	ep, err := st.CreateEndpoint(ctx, acct, webhookstore.Endpoint{Mode: domain.Test, URL: "https://example.com/hook", EnabledEvents: []string{"*"},
		Status: webhookstore.EndpointEnabled, Secrets: []webhookstore.Secret{{Value: "whsec_x"}}})
	require.NoError(t, err)
	h := &held{DB: st.DB}
	st.DB = h
	h.all.Store(true)

	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{"PUT /account/api-version", func() error { return st.SetAPIVersion(ctx, acct, "2026-12-07") }},
		{"IP allowlist", func() error { return st.SetIPAllowlist(ctx, acct, []string{"10.0.0.0/8"}) }},
		{"create key (transaction)", func() error {
			return st.CreateKey(ctx, domain.Key{ID: "key_c", AccountID: acct, Mode: domain.Test, Type: "secret", Hash: "h", Last4: "abcd", Status: "active"})
		}},
		{"PATCH webhook endpoint", func() error {
			_, err := st.UpdateEndpoint(ctx, acct, domain.Test, ep.ID, func(e *webhookstore.Endpoint) error { e.Description = "x"; return nil })
			return err
		}},
		{"DELETE webhook endpoint", func() error { _, err := st.DeleteEndpoint(ctx, acct, domain.Test, ep.ID); return err }},
		{"endpoint marked failing", func() error {
			_, err := st.MarkEndpointFailing(ctx, acct, domain.Test, ep.ID, clock.Now())
			return err
		}},
		{"endpoint marked healthy", func() error { return st.MarkEndpointHealthy(ctx, acct, domain.Test, ep.ID) }},
		{"request log", func() error {
			_, err := st.PutRequestLog(ctx, domain.RequestLog{AccountID: acct, Mode: domain.Test, Method: "GET", Path: "/patients", Status: 200})
			return err
		}},
		{"console member (transaction)", func() error {
			return st.AddMember(ctx, accountstore.Membership{Account: acct, Email: "a@example.com", Role: "owner"})
		}},
		{"idempotency record completed", func() error {
			return st.CompleteIdempotencyKey(ctx, acct, domain.Test, "k", "owner", 200, "{}", nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			require.Error(t, err)
			e := apperr.From(err)
			assert.Equal(t, apperr.RateLimited, e.Kind, "%v", err)
			assert.Equal(t, "lock_timeout", e.Code)
			assert.Equal(t, "1", e.Header["Retry-After"])
		})
	}

	h.all.Store(false)
	a, err := st.GetAccount(ctx, acct)
	require.NoError(t, err)
	assert.Empty(t, a.IPAllowlist, "nothing was written")
	got, err := st.GetEndpoint(ctx, acct, domain.Test, ep.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Description, "nothing was written")
}

// A conflict that ends before the store's own retries do is no error at all: an idempotency
// record is completed (its client would otherwise meet 409 until the lease lapses), and a
// transaction is sent again.
func TestWritesRetryWhileATransactionHoldsTheirItem(t *testing.T) {
	ctx := context.Background()
	st, _, _ := newStore(t)
	_, reserved, err := st.ReserveIdempotencyKey(ctx, "acct_r", domain.Test, "k", "fp", "owner-1")
	require.NoError(t, err)
	require.True(t, reserved)
	h := &held{DB: st.DB}
	st.DB = h

	h.refuse.Store(2)
	require.NoError(t, st.CompleteIdempotencyKey(ctx, "acct_r", domain.Test, "k", "owner-1", 201, `{"id":"x"}`, nil))
	assert.EqualValues(t, 3, h.seen.Load(), "refused twice, then written")
	rec, reserved, err := st.ReserveIdempotencyKey(ctx, "acct_r", domain.Test, "k", "fp", "owner-2")
	require.NoError(t, err)
	assert.False(t, reserved)
	assert.Equal(t, domain.IdemDone, rec.State, "the response was saved")

	h.refuse.Store(2)
	h.seen.Store(0)
	require.NoError(t, st.CreateKey(ctx, domain.Key{ID: "key_r", AccountID: "acct_r", Mode: domain.Test, Type: "secret", Hash: "hr", Last4: "wxyz", Status: "active"}))
	assert.EqualValues(t, 3, h.seen.Load())
	_, ok, err := st.KeyRefOf(ctx, "acct_r", domain.Test, "key_r")
	require.NoError(t, err)
	assert.True(t, ok, "the key was written")
}

// The same on the embedded engine, with the item really held as another request's
// TransactWriteItems holds it (dynamo.Engine.HoldItem) and the SDK's own retries
// (store.RetryConflicts) in between: a hold that outlasts them is the 429; one released while
// they run is no error, and the write is there.
func TestWriteOfAnItemATransactionHolds(t *testing.T) {
	ctx := context.Background()
	st, _, eng := storetest.EngineWith(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	const acct = "acct_h"
	require.NoError(t, st.CreateAccount(ctx, domain.Account{ID: acct, Name: "H", SandboxOrg: "org_h", CreatedAt: 1}, nil, nil, nil))
	key := []byte(`{"PK":{"S":"ACCT#` + acct + `"},"SK":{"S":"ACCOUNT"}}`)

	release, err := eng.HoldItem(storetest.Table, key)
	require.NoError(t, err)
	err = st.SetAPIVersion(ctx, acct, "2026-12-07")
	release()
	require.Error(t, err, "held past the SDK's retries")
	e := apperr.From(err)
	assert.Equal(t, apperr.RateLimited, e.Kind, "%v", err)
	assert.Equal(t, "lock_timeout", e.Code)
	var tce *types.TransactionConflictException
	assert.ErrorAs(t, err, &tce, "the engine's answer, kept for the logs")
	a, err := st.GetAccount(ctx, acct)
	require.NoError(t, err)
	assert.Empty(t, a.APIVersion, "nothing was written")

	// Released as soon as the engine has refused the first attempt (its conflict count moves),
	// so the SDK's next attempt finds the item free.
	release, err = eng.HoldItem(storetest.Table, key)
	require.NoError(t, err)
	before := eng.Conflicts()
	done := make(chan error, 1)
	go func() { done <- st.SetAPIVersion(ctx, acct, "2026-12-07") }()
	require.Eventually(t, func() bool { return eng.Conflicts() > before }, 10*time.Second, 100*time.Microsecond)
	release()
	require.NoError(t, <-done, "the SDK retried past the hold")
	a, err = st.GetAccount(ctx, acct)
	require.NoError(t, err)
	assert.Equal(t, "2026-12-07", a.APIVersion)
}

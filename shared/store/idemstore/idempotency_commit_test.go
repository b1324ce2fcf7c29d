package idemstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/idemstore"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// A change made under an idempotency key marks the reservation in its own transaction; after a
// crash before the response is saved, the key is neither taken over nor released, and the change
// is found again from its event.
func TestIdempotencyCommitMarksTheReservation(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	clock := time.UnixMilli(1_750_000_000_000)
	st.Now = func() time.Time { return clock }
	res, ok := schema.Lookup("patients")
	require.True(t, ok)
	ten := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_1"}

	_, reserved, err := st.ReserveIdempotencyKey(ctx, ten.Account, ten.Mode, "k", "fp", "owner-1")
	require.NoError(t, err)
	require.True(t, reserved)
	meta := func(owner, req string) domain.Meta {
		return domain.Meta{RequestID: req, IdempotencyKey: "k", Tx: domain.Tx{Idempotency: &domain.IdemCommit{Account: ten.Account, Mode: ten.Mode, Key: "k", Owner: owner, RequestID: req}}}
	}
	doc, err := st.CreateObject(ctx, ten, res, domain.Doc{"firstName": "Ada", "lastName": "L"}, meta("owner-1", "req-1"))
	require.NoError(t, err)
	// ... and the process dies here: CompleteIdempotencyKey never runs.

	clock = clock.Add(idemstore.IdempotencyLease + time.Second)
	rec, reserved, err := st.ReserveIdempotencyKey(ctx, ten.Account, ten.Mode, "k", "fp", "owner-2")
	require.NoError(t, err)
	assert.False(t, reserved, "a lapsed lease with a committed change is not taken over")
	assert.Equal(t, "req-1", rec.Committed)
	assert.Equal(t, domain.IdemPending, rec.State)

	assert.Error(t, st.ReleaseIdempotencyKey(ctx, ten.Account, ten.Mode, "k", "owner-1"), "a committed reservation is never released")
	ch, found, err := st.CommittedChange(ctx, ten.Account, ten.Mode, rec, res)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "patient.created", ch.Event["type"])
	assert.Equal(t, doc["id"], ch.Object["id"])
	assert.Equal(t, int64(1), ch.Version)

	// A second change under the same reservation cannot commit, nor one by another owner.
	_, err = st.CreateObject(ctx, ten, res, domain.Doc{"firstName": "Bob", "lastName": "L"}, meta("owner-1", "req-1"))
	var ce *domain.ConditionError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, 0, ce.Extra)
	_, err = st.CreateObject(ctx, ten, res, domain.Doc{"firstName": "Eve", "lastName": "L"}, meta("owner-2", "req-2"))
	require.True(t, errors.As(err, &ce), "%v", err)
	all, err := st.ListAll(ctx, ten, res)
	require.NoError(t, err)
	assert.Len(t, all, 1, "only the first change committed")
}

// An update's replay carries the version it made while that version is current, none after.
func TestCommittedChangeOfAnUpdate(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	res, _ := schema.Lookup("patients")
	ten := domain.Tenant{Account: "acct_2", Mode: domain.Live, Org: "org_2"}
	doc, err := st.CreateObject(ctx, ten, res, domain.Doc{"firstName": "Ada", "lastName": "L"}, domain.Meta{})
	require.NoError(t, err)
	id := doc["id"].(string)
	_, _, err = st.ReserveIdempotencyKey(ctx, ten.Account, ten.Mode, "u", "fp", "o")
	require.NoError(t, err)
	set := func(name string) domain.Mutate {
		return func(cur domain.Doc) (domain.Doc, error) { cur["firstName"] = name; return cur, nil }
	}
	_, ver, err := st.UpdateObject(ctx, ten, res, id, 0, set("Augusta"),
		domain.Meta{RequestID: "r", IdempotencyKey: "u", Tx: domain.Tx{Idempotency: &domain.IdemCommit{Account: ten.Account, Mode: ten.Mode, Key: "u", Owner: "o", RequestID: "r"}}})
	require.NoError(t, err)
	rec, reserved, err := st.ReserveIdempotencyKey(ctx, ten.Account, ten.Mode, "u", "fp", "other")
	require.NoError(t, err)
	require.False(t, reserved)

	tests := []struct {
		name    string
		before  func()
		version int64
	}{
		{"still current", func() {}, ver},
		{"changed since", func() {
			_, _, err := st.UpdateObject(ctx, ten, res, id, 0, set("Ada"), domain.Meta{})
			require.NoError(t, err)
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.before()
			ch, found, err := st.CommittedChange(ctx, ten.Account, ten.Mode, rec, res)
			require.NoError(t, err)
			require.True(t, found)
			assert.Equal(t, "patient.updated", ch.Event["type"])
			assert.Equal(t, "Augusta", ch.Object["firstName"])
			assert.Equal(t, tc.version, ch.Version)
		})
	}
}

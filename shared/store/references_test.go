package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

var refTenant = domain.Tenant{Account: "acct_refs", Mode: domain.Test, Org: "org_refs"}

func kindOf(err error) apperr.Kind {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return apperr.Unknown
}

// The store itself refuses a reference to a missing object, in the write's transaction: these
// writes skip the API's read-ahead rule (shared/clinic), as a request racing a delete would.
func TestReferenceCheckedInTransaction(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	pat, err := st.CreateObject(ctx, refTenant, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.NoError(t, err)
	missing := "pat_00000000000000000000000000"
	tests := []struct {
		name  string
		write func() error
		field string
	}{
		{"create", func() error {
			_, err := st.CreateObject(ctx, refTenant, schema.Messages, domain.Doc{"patientId": missing, "roomId": "r", "direction": "inbound", "channel": "sms", "text": "x"}, domain.Meta{})
			return err
		}, "patientId"},
		{"create with externalId", func() error {
			_, _, _, err := st.CreateUnique(ctx, refTenant, schema.Invoices, domain.Doc{"patientId": missing, "currency": "USD", "externalId": "INV-1"}, domain.Meta{})
			return err
		}, "patientId"},
		{"update", func() error {
			a, err := st.CreateObject(ctx, refTenant, schema.Appointments, domain.Doc{"patientId": pat["id"], "startsAt": int64(1), "endsAt": int64(2)}, domain.Meta{})
			require.NoError(t, err)
			_, _, err = st.UpdateObject(ctx, refTenant, schema.Appointments, a["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
				cur["practitionerId"] = "prac_00000000000000000000000000"
				return cur, nil
			}, domain.Meta{})
			return err
		}, "practitionerId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			require.Error(t, err)
			var ae *apperr.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, apperr.InvalidParameters, ae.Kind)
			require.Len(t, ae.Fields, 1)
			assert.Equal(t, tc.field, ae.Fields[0].Field)
		})
	}
	all, err := st.ListAll(ctx, refTenant, schema.Messages)
	require.NoError(t, err)
	assert.Empty(t, all, "nothing written")
}

// A create naming a patient racing that patient's delete never leaves a dangling reference:
// either the create commits (and the delete is refused with CONFLICT) or the delete does (and
// the create is refused with the field's error). DynamoDB's transactions are serializable
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-isolation).
func TestCreateRacingDeleteLeavesNoDanglingReference(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	created, deleted := 0, 0
	for round := range 30 {
		pat, err := st.CreateObject(ctx, refTenant, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
		require.NoError(t, err)
		pid := pat["id"].(string)
		var wg sync.WaitGroup
		var cerr, derr error
		var appt domain.Doc
		wg.Add(2)
		go func() {
			defer wg.Done()
			appt, cerr = st.CreateObject(ctx, refTenant, schema.Appointments, domain.Doc{"patientId": pid, "startsAt": int64(1), "endsAt": int64(2)}, domain.Meta{})
		}()
		go func() {
			defer wg.Done()
			_, derr = st.DeleteObject(ctx, refTenant, schema.Patients, pid, 0, domain.Meta{})
		}()
		wg.Wait()
		_, _, gerr := st.GetObject(ctx, refTenant, schema.Patients, pid)
		switch {
		case cerr == nil:
			created++
			require.Equal(t, apperr.Conflict, kindOf(derr), "round %d: the appointment committed, so the delete must be refused: %v", round, derr)
			require.NoError(t, gerr, "round %d: the referenced patient exists", round)
			_, err := st.DeleteObject(ctx, refTenant, schema.Appointments, appt["id"].(string), 0, domain.Meta{})
			require.NoError(t, err)
		default:
			deleted++
			require.Equal(t, apperr.InvalidParameters, kindOf(cerr), "round %d: %v", round, cerr)
			require.NoError(t, derr, "round %d", round)
			require.Equal(t, apperr.NotFound, kindOf(gerr), "round %d", round)
		}
	}
	t.Logf("create won %d rounds, delete won %d", created, deleted)
	// No appointment names a missing patient.
	appts, err := st.ListAll(ctx, refTenant, schema.Appointments)
	require.NoError(t, err)
	assert.Empty(t, appts)
}

// A reference made before references were counted (written without its record, as an older
// version did) is left alone when removed: the target's count never goes below zero, so a later
// reference still blocks the target's delete.
func TestUncountedReferenceRemovalKeepsCountsRight(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	pat, err := st.CreateObject(ctx, refTenant, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.NoError(t, err)
	legacy := domain.Doc{"id": core.NewID("appt", time.UnixMilli(1)), "object": "appointment", "organizationId": refTenant.Org, "livemode": false,
		"createdAt": int64(1), "updatedAt": int64(1), "patientId": pat["id"], "startsAt": int64(1), "endsAt": int64(2), "status": "booked"}
	require.NoError(t, st.SeedObjects(ctx, refTenant, "appointments", []domain.Doc{legacy}))
	_, err = st.DeleteObject(ctx, refTenant, schema.Appointments, legacy["id"].(string), 0, domain.Meta{})
	require.NoError(t, err)
	_, err = st.CreateObject(ctx, refTenant, schema.Appointments, domain.Doc{"patientId": pat["id"], "startsAt": int64(1), "endsAt": int64(2)}, domain.Meta{})
	require.NoError(t, err)
	_, err = st.DeleteObject(ctx, refTenant, schema.Patients, pat["id"].(string), 0, domain.Meta{})
	assert.Equal(t, apperr.Conflict, kindOf(err), "%v", err)
}

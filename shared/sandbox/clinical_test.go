package sandbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

var tenant = domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_1"}

// seeded answers reference look-ups from the generated data only.
type seeded map[string]bool

func (s seeded) GetObject(_ context.Context, _ domain.Tenant, res *schema.Resource, id string) (domain.Doc, int64, error) {
	if s[id] {
		return domain.Doc{"id": id}, 1, nil
	}
	return nil, 0, apperr.New(apperr.NotFound, "No such %s: %s", res.Object, id)
}

func TestGenerateSizesAndDeterminism(t *testing.T) {
	a := sandbox.Generate(tenant, sandbox.Seed, sandbox.Default)
	assert.Len(t, a.Patients, 200)
	assert.Len(t, a.Practitioners, 12)
	assert.Len(t, a.Appointments, 2000)
	assert.Len(t, a.Messages, 1000)
	assert.Len(t, a.Invoices, 500)
	b := sandbox.Generate(domain.Tenant{Account: "acct_2", Mode: domain.Test, Org: "org_2"}, sandbox.Seed, sandbox.Default)
	assert.Equal(t, a.Appointments[7]["id"], b.Appointments[7]["id"], "same seed, same ids in every sandbox")
	assert.Equal(t, a.Invoices[42]["lineItems"], b.Invoices[42]["lineItems"])
	c := sandbox.Generate(tenant, sandbox.Seed+1, sandbox.Default)
	assert.NotEqual(t, a.Appointments[7]["id"], c.Appointments[7]["id"], "another seed, other data")
}

// Every seeded object is what the API would accept: its writable fields pass the schema, and
// the domain rules hold with references resolved in the same organization.
func TestSeedDataIsValidAndConnected(t *testing.T) {
	d := sandbox.Generate(tenant, sandbox.Seed, sandbox.Default)
	ids := seeded{}
	for _, docs := range [][]domain.Doc{d.Patients, d.Practitioners, d.Appointments, d.Messages, d.Invoices} {
		for _, doc := range docs {
			require.False(t, ids[doc["id"].(string)], "duplicate id %s", doc["id"])
			ids[doc["id"].(string)] = true
		}
	}
	for _, tc := range []struct {
		res  *schema.Resource
		docs []domain.Doc
	}{{schema.Patients, d.Patients}, {schema.Practitioners, d.Practitioners}, {schema.Appointments, d.Appointments}, {schema.Messages, d.Messages}, {schema.Invoices, d.Invoices}} {
		rules := clinic.Rules(tc.res, ids)
		for _, doc := range tc.docs {
			writable := map[string]any{}
			for k, v := range doc {
				if f, ok := tc.res.Field(k); ok && !f.ReadOnly {
					writable[k] = v
				}
			}
			body, err := json.Marshal(writable)
			require.NoError(t, err)
			fields, err := tc.res.DecodeBody(body, schema.OpCreate)
			require.NoError(t, err, "%s %s", tc.res.Object, body)
			if rules != nil {
				require.NoError(t, rules(context.Background(), tenant, nil, fields), "%s %s", tc.res.Object, body)
			}
			if tc.res == schema.Invoices {
				assert.Equal(t, doc["total"], fields["total"], "seeded total is the computed one")
			}
			assert.GreaterOrEqual(t, doc["updatedAt"], doc["createdAt"])
		}
	}
}

// Invoices bill appointments as a clinic's would: the appointment exists, is the invoice's
// patient's, has ended (fulfilled, or a no-show's fee) before the invoice was made, and is billed
// once; most invoices name one. Checked at every size the product seeds.
func TestSeededInvoicesBillTheirPatientsAppointments(t *testing.T) {
	for name, n := range map[string]sandbox.Sizes{"default": sandbox.Default, "small": sandbox.Small,
		"no messages": sandbox.NoMessagesSizes, "live": sandbox.LiveSizes} {
		d := sandbox.Generate(tenant, sandbox.Seed, n)
		appts := map[string]domain.Doc{}
		for _, a := range d.Appointments {
			appts[a["id"].(string)] = a
		}
		billed := map[string]bool{}
		for _, inv := range d.Invoices {
			id, ok := inv["appointmentId"].(string)
			if !ok {
				continue
			}
			a := appts[id]
			require.NotNil(t, a, "%s: invoice %s bills a seeded appointment", name, inv["id"])
			assert.Equal(t, a["patientId"], inv["patientId"], "%s: invoice %s is its appointment's patient's", name, inv["id"])
			assert.Contains(t, []any{"fulfilled", "noshow"}, a["status"], name)
			assert.Less(t, a["endsAt"], inv["createdAt"], "%s: billed after the visit", name)
			assert.False(t, billed[id], "%s: appointment %s billed twice", name, id)
			billed[id] = true
		}
		assert.Greater(t, len(billed)*2, len(d.Invoices), "%s: most invoices bill an appointment (%d of %d)", name, len(billed), len(d.Invoices))
	}
	a, b := sandbox.Generate(tenant, sandbox.Seed, sandbox.Default), sandbox.Generate(tenant, sandbox.Seed, sandbox.Default)
	assert.Equal(t, a.Invoices, b.Invoices, "deterministic")
}

func TestSeedCoversEveryStatusAndCurrency(t *testing.T) {
	d := sandbox.Generate(tenant, sandbox.Seed, sandbox.Default)
	count := func(docs []domain.Doc, field string) map[string]int {
		m := map[string]int{}
		for _, doc := range docs {
			m[doc[field].(string)]++
		}
		return m
	}
	for _, s := range schema.AppointmentStatuses {
		assert.Positive(t, count(d.Appointments, "status")[s], "appointment status %s", s)
	}
	for _, s := range schema.InvoiceStatuses {
		assert.Positive(t, count(d.Invoices, "status")[s], "invoice status %s", s)
	}
	for _, c := range []string{"USD", "GBP", "EUR", "JPY"} {
		assert.Positive(t, count(d.Invoices, "currency")[c], "currency %s", c)
	}
	for _, c := range schema.MessageChannels {
		assert.Positive(t, count(d.Messages, "channel")[c], "channel %s", c)
	}
	rooms := count(d.Messages, "roomId")
	assert.Greater(t, len(rooms), 50)
	assert.Less(t, len(rooms), 1000, "messages are grouped in rooms")
	lo, hi := sandbox.Anchor.AddDate(0, -6, -1).UnixMilli(), sandbox.Anchor.AddDate(0, 6, 0).UnixMilli()
	past, future := 0, 0
	for _, a := range d.Appointments {
		s := a["startsAt"].(int64)
		require.True(t, s >= lo && s <= hi+int64(3*24*time.Hour/time.Millisecond), "appointment outside the year around the anchor")
		if s < sandbox.Anchor.UnixMilli() {
			past++
		} else {
			future++
		}
		if a["status"] == "booked" || a["status"] == "proposed" {
			assert.GreaterOrEqual(t, s, sandbox.Anchor.UnixMilli()-int64(time.Hour/time.Millisecond), "only future appointments are still booked")
		}
	}
	assert.InDelta(t, 1000, past, 150)
	assert.InDelta(t, 1000, future, 150)
}

func TestFillAndReset(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	// Small sizes keep the test fast; Default's sizes are checked on Generate above.
	sizes := sandbox.Sizes{Patients: 20, Practitioners: 12, Appointments: 200, Messages: 50, Invoices: 30}
	require.NoError(t, sandbox.FillSized(ctx, st, tenant, sandbox.Seed, sizes))
	all, err := st.ListAll(ctx, tenant, schema.Appointments)
	require.NoError(t, err)
	require.Len(t, all, 200)
	// A change, then a reset: the change is gone, the data is the seed's again. The appointment
	// deleted is one no invoice bills (a billed one refuses deletion).
	invoices, err := st.ListAll(ctx, tenant, schema.Invoices)
	require.NoError(t, err)
	billed := map[any]bool{}
	for _, inv := range invoices {
		billed[inv["appointmentId"]] = true
	}
	require.NotEmpty(t, billed)
	for billed[all[0]["id"]] {
		all = all[1:]
	}
	first := all[0]["id"].(string)
	_, err = st.DeleteObject(ctx, tenant, schema.Appointments, first, 0, domain.Meta{})
	require.NoError(t, err)
	_, err = st.CreateObject(ctx, tenant, schema.Practitioners, domain.Doc{"firstName": "New", "lastName": "Hire"}, domain.Meta{})
	require.NoError(t, err)
	res, err := sandbox.Reset(ctx, st, tenant, sandbox.Seed, sizes)
	require.NoError(t, err)
	assert.Equal(t, 199, res.Deleted["appointments"])
	assert.Equal(t, 13, res.Deleted["practitioners"])
	assert.Equal(t, 200, res.Seeded["appointments"])
	got, _, err := st.GetObject(ctx, tenant, schema.Appointments, first)
	require.NoError(t, err)
	assert.Equal(t, all[0]["startsAt"], got["startsAt"])
	pr, err := st.ListAll(ctx, tenant, schema.Practitioners)
	require.NoError(t, err)
	assert.Len(t, pr, 12)
}

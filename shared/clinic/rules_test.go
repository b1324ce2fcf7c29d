package clinic

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// fakeObjects holds objects per organization, so a reference to another organization's object
// is as missing as an unknown id.
type fakeObjects map[string]map[string]bool

func (f fakeObjects) GetObject(_ context.Context, t domain.Tenant, res *schema.Resource, id string) (domain.Doc, int64, error) {
	if f[t.Org][id] {
		return domain.Doc{"id": id}, 1, nil
	}
	return nil, 0, apperr.New(apperr.NotFound, "No such %s: %s", res.Object, id)
}

var (
	tenant  = domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_a"}
	objects = fakeObjects{
		"org_a": {"pat_a": true, "prac_a": true},
		"org_b": {"pat_b": true, "prac_b": true},
	}
)

func appt(kv ...any) domain.Doc {
	d := domain.Doc{"patientId": "pat_a", "practitionerId": "prac_a", "startsAt": int64(1000), "endsAt": int64(2000), "status": "booked"}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(d, kv[i].(string))
		} else {
			d[kv[i].(string)] = kv[i+1]
		}
	}
	return d
}

func inv(kv ...any) domain.Doc {
	d := domain.Doc{"patientId": "pat_a", "currency": "USD", "status": "draft", "amountPaid": int64(0),
		"lineItems": []any{map[string]any{"description": "Consultation", "quantity": int64(2), "unitAmount": int64(1500)}}}
	for i := 0; i < len(kv); i += 2 {
		d[kv[i].(string)] = kv[i+1]
	}
	return d
}

// fieldOf returns the single field a rule error names, or "" when err is nil.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.From(err)
	require.Equal(t, apperr.InvalidParameters, e.Kind, "every broken rule is INVALID_PARAMETERS: %v", err)
	require.Equal(t, 400, e.Kind.Status())
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestAppointmentRules(t *testing.T) {
	rules := Rules(schema.Appointments, objects)
	tests := []struct {
		name       string
		prev, next domain.Doc
		want       []string // fields named; nil means valid
	}{
		{"valid create", nil, appt(), nil},
		{"ends before it starts", nil, appt("endsAt", int64(500)), []string{"endsAt"}},
		{"ends when it starts", nil, appt("endsAt", int64(1000)), []string{"endsAt"}},
		{"unknown patient", nil, appt("patientId", "pat_zz"), []string{"patientId"}},
		{"patient of another organization", nil, appt("patientId", "pat_b"), []string{"patientId"}},
		{"practitioner of another organization", nil, appt("practitionerId", "prac_b"), []string{"practitionerId"}},
		{"no practitioner is fine", nil, appt("practitionerId", nil), nil},
		{"cancelled without reason on create", nil, appt("status", "cancelled"), []string{"cancellationReason"}},
		{"cancelled with reason on create", nil, appt("status", "cancelled", "cancellationReason", "ill"), nil},
		{"fulfilled imported on create", nil, appt("status", "fulfilled"), nil},
		{"reason on a booked appointment", nil, appt("cancellationReason", "x"), []string{"cancellationReason"}},
		{"proposed to booked", appt("status", "proposed"), appt("status", "booked"), nil},
		{"booked to arrived", appt(), appt("status", "arrived"), nil},
		{"arrived to fulfilled", appt("status", "arrived"), appt("status", "fulfilled"), nil},
		{"booked to fulfilled skips arrived", appt(), appt("status", "fulfilled"), []string{"status"}},
		{"booked back to proposed", appt(), appt("status", "proposed"), []string{"status"}},
		{"proposed to noshow", appt("status", "proposed"), appt("status", "noshow"), nil},
		{"arrived to cancelled with reason", appt("status", "arrived"), appt("status", "cancelled", "cancellationReason", "left"), nil},
		{"booked to cancelled without reason", appt(), appt("status", "cancelled"), []string{"cancellationReason"}},
		{"fulfilled is final", appt("status", "fulfilled"), appt("status", "booked"), []string{"status"}},
		{"noshow is final", appt("status", "noshow"), appt("status", "arrived"), []string{"status"}},
		{"cancelled is final", appt("status", "cancelled", "cancellationReason", "x"), appt("status", "booked", "cancellationReason", "x"), []string{"status"}},
		{"cancelled keeps its reason", appt("status", "cancelled", "cancellationReason", "x"), appt("status", "cancelled"), []string{"cancellationReason"}},
		{"cancelled may change notes", appt("status", "cancelled", "cancellationReason", "x"), appt("status", "cancelled", "cancellationReason", "x", "notes", "called back"), nil},
		{"unchanged foreign reference is not re-read", appt("patientId", "pat_b"), appt("patientId", "pat_b", "notes", "n"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fieldsOf(t, rules(context.Background(), tenant, tc.prev, tc.next)))
		})
	}
}

func TestInvoiceRules(t *testing.T) {
	rules := Rules(schema.Invoices, objects)
	big := []any{map[string]any{"description": "x", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "y", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "z", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "w", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "v", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "u", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "t", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "s", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "r", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "q", "quantity": int64(1_000_000), "unitAmount": int64(1_000_000_000_000)}}
	atMax := []any{map[string]any{"description": "x", "quantity": int64(9007), "unitAmount": int64(1_000_000_000_000)},
		map[string]any{"description": "y", "quantity": int64(1), "unitAmount": int64(199_254_740_991)}}
	overMax := []any{atMax[0], map[string]any{"description": "y", "quantity": int64(1), "unitAmount": int64(199_254_740_992)}}
	tests := []struct {
		name       string
		prev, next domain.Doc
		want       []string
		total      int64
		paid       int64
	}{
		{"draft", nil, inv(), nil, 3000, 0},
		{"partly paid open", nil, inv("status", "open", "amountPaid", int64(1000)), nil, 3000, 1000},
		{"overpaid", nil, inv("amountPaid", int64(3001)), []string{"amountPaid"}, 3000, 3001},
		{"paid fills amountPaid", nil, inv("status", "paid"), nil, 3000, 3000},
		{"paid with a partial amount", nil, inv("status", "paid", "amountPaid", int64(10)), []string{"amountPaid"}, 3000, 10},
		{"unknown patient", nil, inv("patientId", "pat_zz"), []string{"patientId"}, 3000, 0},
		{"patient of another organization", nil, inv("patientId", "pat_b"), []string{"patientId"}, 3000, 0},
		{"overflowing total", nil, inv("lineItems", big), []string{"lineItems[0]"}, 0, 0},
		// 2^53 - 1 is the largest total a JavaScript client reads exactly: at it is fine, one more is not.
		{"total at 2^53-1", nil, inv("lineItems", atMax), nil, 1<<53 - 1, 0},
		{"total over 2^53-1", nil, inv("lineItems", overMax), []string{"lineItems[1]"}, 0, 0},
		{"draft to open", inv(), inv("status", "open"), nil, 3000, 0},
		{"open back to draft", inv("status", "open"), inv(), nil, 3000, 0},
		{"paid back to open", inv("status", "paid", "amountPaid", int64(3000)), inv("status", "open", "amountPaid", int64(3000)), []string{"status"}, 3000, 3000},
		{"void to paid", inv("status", "void"), inv("status", "paid", "amountPaid", int64(3000)), []string{"amountPaid", "status"}, 3000, 3000},
		{"void lines are frozen", inv("status", "void"), inv("status", "void", "lineItems", []any{}), []string{"lineItems"}, 0, 0},
		{"paid metadata may change", inv("status", "paid", "amountPaid", int64(3000)), inv("status", "paid", "amountPaid", int64(3000), "metadata", map[string]any{"a": "b"}), nil, 3000, 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := rules(context.Background(), tenant, tc.prev, tc.next)
			assert.Equal(t, tc.want, fieldsOf(t, err))
			if tc.want == nil {
				assert.Equal(t, tc.total, tc.next["total"], "total is computed")
				assert.Equal(t, tc.paid, tc.next["amountPaid"])
			}
		})
	}
}

func TestMessageReferences(t *testing.T) {
	rules := Rules(schema.Messages, objects)
	msg := domain.Doc{"patientId": "pat_a", "roomId": "room_1", "direction": "inbound", "channel": "sms", "text": "hi"}
	assert.Nil(t, fieldsOf(t, rules(context.Background(), tenant, nil, msg)))
	msg["patientId"] = "pat_b"
	assert.Equal(t, []string{"patientId"}, fieldsOf(t, rules(context.Background(), tenant, nil, msg)))
	assert.Nil(t, Rules(schema.Patients, objects), "patients have no rules beyond their schema")
}

func TestEvents(t *testing.T) {
	tests := []struct {
		res        *schema.Resource
		prev, next domain.Doc
		want       []string
	}{
		{schema.Appointments, appt(), appt("status", "cancelled"), []string{"appointment.cancelled"}},
		{schema.Appointments, nil, appt("status", "cancelled"), []string{"appointment.cancelled"}},
		{schema.Appointments, appt("status", "cancelled"), appt("status", "cancelled", "notes", "x"), nil},
		{schema.Appointments, appt(), appt("status", "arrived"), nil},
		{schema.Invoices, inv("status", "open"), inv("status", "paid"), []string{"invoice.paid"}},
		{schema.Invoices, nil, inv("status", "paid"), []string{"invoice.paid"}},
		{schema.Invoices, inv("status", "paid"), inv("status", "paid"), nil},
		{schema.Invoices, inv(), inv("status", "void"), nil},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Events(tc.res)(tc.prev, tc.next), "%s %v -> %v", tc.res.Name, tc.prev["status"], tc.next["status"])
	}
	assert.Nil(t, Events(schema.Patients))
}

func TestTransitionTablesAreClosed(t *testing.T) {
	for _, tc := range []struct {
		table  map[string][]string
		values []string
	}{{AppointmentTransitions, schema.AppointmentStatuses}, {InvoiceTransitions, schema.InvoiceStatuses}} {
		assert.Len(t, tc.table, len(tc.values))
		for _, v := range tc.values {
			require.Contains(t, tc.table, v)
			for _, to := range tc.table[v] {
				assert.Contains(t, tc.values, to)
			}
		}
	}
}

package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// Deleting an object others refer to (appointment → patient, practitioner; invoice → patient,
// appointment; message → patient) is refused with 409 CONFLICT (reason resource_in_use)
// naming the referrers, and nothing changes; once the references are deleted or moved, the delete
// passes (docs/resources.md, "Deleting referenced objects").
func TestDeleteReferencedObjectsOverHTTP(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	create := func(path string, body map[string]any) string {
		t.Helper()
		r := s.do(p, "POST", path, body)
		require.Equal(t, 201, r.Status, r.Raw)
		return r.Body["id"].(string)
	}
	patient := func() string {
		return create("/patients", map[string]any{"firstName": "Neville", "lastName": "Longbottom"})
	}
	pat, other := patient(), patient()
	prac := create("/practitioners", map[string]any{"firstName": "Poppy", "lastName": "Pomfrey"})
	appt := create("/appointments", map[string]any{"patientId": pat, "practitionerId": prac, "startsAt": 1767258000000, "endsAt": 1767259800000})
	msg := create("/messages", map[string]any{"patientId": pat, "roomId": "r1", "direction": "outbound", "channel": "sms", "text": "Hello"})
	inv := create("/invoices", map[string]any{"patientId": pat, "appointmentId": appt, "currency": "GBP"})

	// A seeded patient with references is protected as well (sandbox seeding counts them).
	seeded := s.do(p, "GET", "/appointments?$limit=1", nil).data()
	require.NotEmpty(t, seeded)
	seededPat := seeded[0].(map[string]any)["patientId"].(string)
	seededAppt := seeded[0].(map[string]any)["id"].(string)

	refused := []struct {
		name, path string
		fields     []string // the referring fields the 409 names
		ids        []string // referrer ids it names
	}{
		{"patient with appointment, message and invoice", "/patients/" + pat, []string{"appointments.patientId", "invoices.patientId", "messages.patientId"}, []string{appt, msg, inv}},
		{"practitioner with appointment", "/practitioners/" + prac, []string{"appointments.practitionerId"}, []string{appt}},
		{"appointment with invoice", "/appointments/" + appt, []string{"invoices.appointmentId"}, []string{inv}},
		{"seeded patient", "/patients/" + seededPat, []string{"appointments.patientId"}, []string{seededAppt}},
	}
	for _, tc := range refused {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			for _, accept := range []string{"application/json", "application/problem+json"} {
				r := s.do(p, "DELETE", tc.path, nil, "Accept", accept)
				require.Equal(t, 409, r.Status, r.Raw)
				assert.Equal(t, "CONFLICT", r.name())
				assert.Equal(t, "resource_in_use", r.Body["reason"])
				for _, f := range tc.fields {
					assert.Contains(t, r.Raw, `"field":"`+f+`"`)
				}
				for _, id := range tc.ids {
					assert.Contains(t, r.Raw, id)
				}
			}
			g := s.do(p, "GET", tc.path, nil)
			assert.Equal(t, 200, g.Status, "a refused delete changes nothing")
		})
	}

	// Moving the references away frees the object: PATCH to another patient, DELETE the rest.
	steps := []struct {
		name, method, path string
		body               map[string]any
		status             int
		field              string
	}{
		{"move the appointment to a patient that does not exist", "PATCH", "/appointments/" + appt, map[string]any{"patientId": "pat_00000000000000000000000000"}, 400, "patientId"},
		{"move the appointment to the other patient", "PATCH", "/appointments/" + appt, map[string]any{"patientId": other}, 200, ""},
		{"the other patient is now referenced", "DELETE", "/patients/" + other, nil, 409, "appointments.patientId"},
		{"the first patient still has a message", "DELETE", "/patients/" + pat, nil, 409, "messages.patientId"},
		{"delete the message", "DELETE", "/messages/" + msg, nil, 200, ""},
		{"an invoice cannot name a missing appointment", "POST", "/invoices", map[string]any{"patientId": other, "currency": "GBP", "appointmentId": "appt_00000000000000000000000000"}, 400, "appointmentId"},
		{"the appointment is billed", "DELETE", "/appointments/" + appt, nil, 409, "invoices.appointmentId"},
		{"replace the invoice onto the other patient, without the appointment", "PUT", "/invoices/" + inv, map[string]any{"patientId": other, "currency": "GBP"}, 200, ""},
		{"the first patient is free", "DELETE", "/patients/" + pat, nil, 200, ""},
		{"an appointment cannot name the deleted patient", "POST", "/appointments", map[string]any{"patientId": pat, "startsAt": 1767258000000, "endsAt": 1767259800000}, 400, "patientId"},
		{"delete the appointment", "DELETE", "/appointments/" + appt, nil, 200, ""},
		{"the practitioner is free", "DELETE", "/practitioners/" + prac, nil, 200, ""},
		{"the other patient still has the invoice", "DELETE", "/patients/" + other, nil, 409, "invoices.patientId"},
		{"delete the invoice", "DELETE", "/invoices/" + inv, nil, 200, ""},
		{"the other patient is free", "DELETE", "/patients/" + other, nil, 200, ""},
	}
	for _, st := range steps {
		r := s.do(p, st.method, st.path, st.body)
		require.Equal(t, st.status, r.Status, "%s: %s", st.name, r.Raw)
		if st.field != "" {
			assert.Contains(t, r.Raw, `"field":"`+st.field+`"`, st.name)
		}
	}
	// The 409 says how many refer, so a client knows what is left beyond the ids shown.
	many := patient()
	for range 7 {
		create("/messages", map[string]any{"patientId": many, "roomId": "r2", "direction": "inbound", "channel": "sms", "text": "Hi"})
	}
	r := s.do(p, "DELETE", "/patients/"+many, nil)
	require.Equal(t, 409, r.Status, r.Raw)
	assert.Contains(t, r.Raw, "7 messages refer to it")
	assert.Contains(t, r.Body["message"], "referenced by 7 object(s)")
	assert.Equal(t, 5, strings.Count(r.Raw, "msg_"), "up to five ids are named")
}

// A sandbox reset deletes everything, references included: the policy does not block it, no
// reference record outlives its objects, and the reseeded data is protected again.
func TestSandboxResetWithReferences(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	tn := domain.Tenant{Account: a.acct.ID, Mode: domain.Test, Org: a.acct.SandboxOrg}
	pat := s.do(p, "POST", "/patients", map[string]any{"firstName": "Luna", "lastName": "Lovegood"}).Body["id"].(string)
	c := s.do(p, "POST", "/appointments", map[string]any{"patientId": pat, "startsAt": 1767258000000, "endsAt": 1767259800000})
	require.Equal(t, 201, c.Status, c.Raw)
	require.Equal(t, 409, s.do(p, "DELETE", "/patients/"+pat, nil).Status)
	small := sandbox.Sizes{Patients: 4, Practitioners: 2, Appointments: 4, Messages: 3, Invoices: 3}
	_, err := sandbox.Reset(context.Background(), s.st, tn, 7, small)
	require.NoError(t, err)
	assert.Equal(t, 404, s.do(p, "GET", "/patients/"+pat, nil).Status)
	appts := s.do(p, "GET", "/appointments?$limit=100", nil).data()
	require.Len(t, appts, 4)
	referenced := map[string]bool{}
	for _, ap := range appts {
		referenced[ap.(map[string]any)["patientId"].(string)] = true
	}
	for _, pt := range s.do(p, "GET", "/patients?$limit=100", nil).data() {
		id := pt.(map[string]any)["id"].(string)
		want := 200
		if referenced[id] {
			want = 409
		} else if len(s.do(p, "GET", "/messages?patientId="+id, nil).data())+len(s.do(p, "GET", "/invoices?patientId="+id, nil).data()) > 0 {
			want = 409
		}
		assert.Equal(t, want, s.do(p, "DELETE", "/patients/"+id, nil).Status, id)
	}
}

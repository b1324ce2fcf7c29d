package gocheck_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// TestExpandTyped: hapihub.Expand fills the typed fields on Get, List and All, two levels deep on
// an invoice; an expanded object written back is sent without its expansions; an unknown path is
// ErrInvalidParameters naming the parameter.
func TestExpandTyped(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)

	page, err := c.Appointments.List(ctx, hapihub.NewQuery().Limit(20), hapihub.Expand("data.patient", "practitioner"))
	require.NoError(t, err)
	require.NotEmpty(t, page.Data)
	for _, a := range page.Data {
		require.NotNil(t, a.Patient, a.ID)
		assert.Equal(t, a.PatientID, a.Patient.ID)
		assert.NotEmpty(t, a.Patient.LastName)
		if a.PractitionerID != "" {
			require.NotNil(t, a.Practitioner, a.ID)
			assert.Equal(t, a.PractitionerID, a.Practitioner.ID)
		}
	}
	appt := page.Data[0]
	n := 0
	for a, err := range c.Appointments.All(ctx, hapihub.NewQuery().Limit(5), hapihub.Expand("patient")) {
		require.NoError(t, err)
		require.NotNil(t, a.Patient)
		if n++; n == 7 {
			break // two pages: the option rides on every page
		}
	}
	plain, err := c.Appointments.Get(ctx, appt.ID)
	require.NoError(t, err)
	assert.Nil(t, plain.Patient, "nothing is expanded unless asked")

	inv, err := c.Invoices.Create(ctx, &hapihub.Invoice{PatientID: appt.PatientID, AppointmentID: appt.ID, Currency: "EUR",
		LineItems: []hapihub.LineItem{{Description: "Consultation", Quantity: 1, UnitAmount: 4000}}})
	require.NoError(t, err)
	got, err := c.Invoices.Get(ctx, inv.ID, hapihub.Expand("appointment.patient", "patient"))
	require.NoError(t, err)
	require.NotNil(t, got.Appointment)
	assert.Equal(t, appt.ID, got.Appointment.ID)
	require.NotNil(t, got.Appointment.Patient)
	assert.Equal(t, appt.PatientID, got.Appointment.Patient.ID)
	require.NotNil(t, got.Patient)
	assert.Nil(t, got.Appointment.Practitioner, "only the paths asked for")

	// The expanded invoice goes back as it came: expansions are server-set, so they are left out.
	got.DueAt = hapihub.Ptr(int64(1_900_000_000_000))
	upd, err := c.Invoices.Update(ctx, got.ID, got, hapihub.Expand("patient"))
	require.NoError(t, err)
	assert.Nil(t, upd.Patient, "writes ignore Expand")

	_, err = c.Appointments.Get(ctx, appt.ID, hapihub.Expand("doctor"))
	require.ErrorIs(t, err, hapihub.ErrInvalidParameters)
	var apiErr *hapihub.Error
	require.ErrorAs(t, err, &apiErr)
	require.NotEmpty(t, apiErr.Fields)
	assert.Equal(t, "expand[0]", apiErr.Fields[0].Field)
}

package gocheck_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// Deleting a patient an appointment refers to is ErrConflict (resource_in_use) naming the
// appointment; once it is deleted, the patient is too.
func TestDeleteReferencedPatient(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	p, err := c.Patients.Create(ctx, &hapihub.Patient{FirstName: "Ref", LastName: "Erenced"})
	require.NoError(t, err)
	a, err := c.Appointments.Create(ctx, &hapihub.Appointment{PatientID: p.ID, StartsAt: 1767258000000, EndsAt: 1767259800000})
	require.NoError(t, err)
	_, err = c.Patients.Delete(ctx, p.ID)
	require.ErrorIs(t, err, hapihub.ErrConflict)
	var he *hapihub.Error
	require.True(t, errors.As(err, &he))
	assert.Equal(t, 409, he.Status)
	assert.Equal(t, "resource_in_use", he.Code)
	require.Len(t, he.Fields, 1)
	assert.Equal(t, "appointments.patientId", he.Fields[0].Field)
	assert.Contains(t, he.Fields[0].Message, a.ID)
	_, err = c.Appointments.Delete(ctx, a.ID)
	require.NoError(t, err)
	_, err = c.Patients.Delete(ctx, p.ID)
	require.NoError(t, err)
}

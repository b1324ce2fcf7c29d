package events

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, typ string
		want         bool
	}{
		{"*", "patient.created", true},
		{"patient.*", "patient.updated", true},
		{"patient.*", "practitioner.updated", false},
		{"patient.*", "patients.updated", false},
		{"patient.created", "patient.created", true},
		{"patient.created", "patient.deleted", false},
		{"appointment.*", "appointment.cancelled", true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Match(c.pattern, c.typ), "%s ~ %s", c.pattern, c.typ)
	}
	assert.True(t, MatchAny([]string{"invoice.paid", "patient.*"}, "patient.deleted"))
	assert.False(t, MatchAny(nil, "patient.deleted"))
}

func TestValidatePattern(t *testing.T) {
	for _, ok := range []string{"*", "patient.*", "patient.created", "invoice.paid", "webhook_endpoint.disabled", "appointment.cancelled"} {
		assert.NoError(t, ValidatePattern(ok), ok)
	}
	for _, bad := range []string{"", "patient", "patient.exploded", "dragon.*", "**", "*.created"} {
		assert.Error(t, ValidatePattern(bad), bad)
	}
	assert.Contains(t, Types(), "invoice.created")
}

package openapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/openapi"
)

// TestExpandInDocument: the expand parameter on get and find lists every path (data.-prefixed
// ones on lists too), and each expansion is described beside its reference as object | null,
// with the referred object's schema present even when only the invoice routes are built.
func TestExpandInDocument(t *testing.T) {
	doc := build(t,
		openapi.Route{Method: "GET", Path: "/invoices", Resource: "invoices", Action: "find"},
		openapi.Route{Method: "GET", Path: "/invoices/{id}", Resource: "invoices", Action: "get"},
		openapi.Route{Method: "GET", Path: "/patients/{id}", Resource: "patients", Action: "get"},
	)
	enum := func(path, method string) []any {
		t.Helper()
		op := doc.Paths.Find(path).GetOperation(method)
		require.NotNil(t, op, path)
		p := op.Parameters.GetByInAndName("query", "expand")
		require.NotNil(t, p, "%s has expand", path)
		assert.Equal(t, "form", p.Style)
		return p.Schema.Value.Items.Value.Enum
	}
	assert.ElementsMatch(t, []any{"appointment", "appointment.patient", "appointment.practitioner", "patient"}, enum("/invoices/{id}", "GET"))
	assert.ElementsMatch(t, []any{"appointment", "appointment.patient", "appointment.practitioner", "patient",
		"data.appointment", "data.appointment.patient", "data.appointment.practitioner", "data.patient"}, enum("/invoices", "GET"))
	assert.Nil(t, doc.Paths.Find("/patients/{id}").Get.Parameters.GetByInAndName("query", "expand"), "nothing to expand in a patient")

	inv := doc.Components.Schemas["Invoice"].Value
	for name, target := range map[string]string{"patient": "Patient", "appointment": "Appointment"} {
		prop := inv.Properties[name]
		require.NotNil(t, prop, name)
		require.Len(t, prop.Value.OneOf, 2, name)
		assert.Equal(t, "#/components/schemas/"+target, prop.Value.OneOf[0].Ref)
		assert.Equal(t, []string{"null"}, prop.Value.OneOf[1].Value.Type.Slice())
	}
	assert.Equal(t, []string{"string"}, inv.Properties["patientId"].Value.Type.Slice(), "the reference keeps its id")
	appt := doc.Components.Schemas["Appointment"]
	require.NotNil(t, appt, "an expandable object's schema is in the document")
	assert.Contains(t, appt.Value.Properties, "practitioner")
	assert.NotNil(t, doc.Components.Schemas["Practitioner"])
}

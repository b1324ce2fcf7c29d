package pages

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlattenReadsLikeARecord: the fields of an object's page, from the JSON the API returns.
func TestFlattenReadsLikeARecord(t *testing.T) {
	raw := `{"id":"pat_1","createdAt":1796668838899,"dateOfBirth":101865600000,"tags":["vip","allergy: penicillin"],
		"lineItems":[{"quantity":1}],"address":{"city":"London","line1":"12 Grimmauld Place"},"metadata":{},
		"practitionerId":"prac_2","total":4500,"read":false}`
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m))
	got := map[string]objectField{}
	var order []string
	for _, f := range flatten(&Call{Mount: "/console"}, "", m, "org_9") {
		got[f.Name] = f
		order = append(order, f.Name)
	}
	assert.Equal(t, []string{"address.city", "address.line1", "createdAt", "dateOfBirth", "id", "lineItems", "metadata", "practitionerId", "read", "tags", "total"}, order, "name order, nested as dotted names")
	for _, tc := range []struct {
		name string
		want objectField
	}{
		{"createdAt", objectField{Name: "createdAt", Value: "Mon 7 Dec 2026, 18:40:38 UTC", Time: 1796668838899}},
		{"dateOfBirth", objectField{Name: "dateOfBirth", Value: "25 Mar 1973"}},
		{"tags", objectField{Name: "tags", Value: "—", Chips: []string{"vip", "allergy: penicillin"}}},
		{"lineItems", objectField{Name: "lineItems", Value: `[{"quantity":1}]`, Mono: true}},
		{"metadata", objectField{Name: "metadata", Value: "{}"}},
		{"practitionerId", objectField{Name: "practitionerId", Value: "prac_2", Mono: true, Href: "/console/sandbox/practitioners/prac_2?org=org_9"}},
		{"id", objectField{Name: "id", Value: "pat_1", Mono: true}},
		{"total", objectField{Name: "total", Value: "4500"}},
		{"read", objectField{Name: "read", Value: "false"}},
		{"address.city", objectField{Name: "address.city", Value: "London"}},
	} {
		assert.Equal(t, tc.want, got[tc.name], tc.name)
	}
}

func TestDropColumn(t *testing.T) {
	tb := sandboxTab{Name: "appointments", Columns: []string{"Starts", "Practitioner", "Patient", "Reason"}}
	rows := []row{{ID: "appt_1", Cells: []cell{{Text: "Mon"}, {Text: "Dr A"}, {Text: "Tonks"}, {Text: "Check-up"}}}}
	got, gotRows := dropColumn(tb, rows, "Patient")
	assert.Equal(t, []string{"Starts", "Practitioner", "Reason"}, got.Columns)
	assert.Equal(t, []cell{{Text: "Mon"}, {Text: "Dr A"}, {Text: "Check-up"}}, gotRows[0].Cells)
	assert.Equal(t, []string{"Starts", "Practitioner", "Patient", "Reason"}, tb.Columns, "the tab itself is unchanged")
	same, _ := dropColumn(tb, rows, "Invoice")
	assert.Equal(t, tb.Columns, same.Columns, "no such column: nothing dropped")
}

package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
)

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	require.Error(t, err)
	e := apperr.From(err)
	require.Equal(t, apperr.InvalidParameters, e.Kind, err.Error())
	out := map[string]string{}
	for _, f := range e.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestPatientCreateValid(t *testing.T) {
	doc, err := Patients.DecodeBody([]byte(`{"firstName":"Ada","lastName":"Lovelace","dateOfBirth":-4861728000000,
		"email":"ada@example.com","phone":"+442079460000","address":{"city":"London","country":"gbr"},"tags":["vip"],"metadata":{"crm":"42"}}`), OpCreate)
	require.NoError(t, err)
	assert.Equal(t, "Ada", doc["firstName"])
	assert.Equal(t, int64(-4861728000000), doc["dateOfBirth"])
	assert.Equal(t, "GBR", doc["address"].(map[string]any)["country"], "country codes are normalised to upper case")
	assert.Equal(t, "active", doc["status"], "default applied")
	assert.Equal(t, "unknown", doc["sex"], "default applied")
	assert.Equal(t, []any{"vip"}, doc["tags"])
}

func TestPatientCreateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]string // field -> message fragment
	}{
		{"missing required", `{}`, map[string]string{"firstName": "is required", "lastName": "is required"}},
		{"unknown field", `{"firstName":"A","lastName":"B","shoeSize":9}`, map[string]string{"shoeSize": "is not a field of patient"}},
		{"read-only", `{"firstName":"A","lastName":"B","id":"pat_x"}`, map[string]string{"id": "read-only"}},
		{"wrong type", `{"firstName":7,"lastName":"B"}`, map[string]string{"firstName": "must be a string, got a number"}},
		{"bad enum", `{"firstName":"A","lastName":"B","sex":"f"}`, map[string]string{"sex": "must be one of female, male, other, unknown"}},
		{"bad email", `{"firstName":"A","lastName":"B","email":"nope"}`, map[string]string{"email": "valid email"}},
		{"bad phone", `{"firstName":"A","lastName":"B","phone":"020 7946 0000"}`, map[string]string{"phone": "E.164"}},
		{"bad country", `{"firstName":"A","lastName":"B","address":{"country":"GB"}}`, map[string]string{"address.country": "alpha-3"}},
		{"unknown nested", `{"firstName":"A","lastName":"B","address":{"planet":"Mars"}}`, map[string]string{"address.planet": "is not a field"}},
		{"date not midnight", `{"firstName":"A","lastName":"B","dateOfBirth":1000}`, map[string]string{"dateOfBirth": "UTC midnight"}},
		{"seconds not ms", `{"firstName":"A","lastName":"B","dateOfBirth":253402300800000}`, map[string]string{"dateOfBirth": "between years"}},
		{"fraction", `{"firstName":"A","lastName":"B","dateOfBirth":1.5}`, map[string]string{"dateOfBirth": "must be a Unix timestamp"}},
		{"null required", `{"firstName":null,"lastName":"B"}`, map[string]string{"firstName": "cannot be null"}},
		{"empty required", `{"firstName":"  ","lastName":"B"}`, map[string]string{"firstName": "cannot be empty"}},
		{"tag type", `{"firstName":"A","lastName":"B","tags":["ok",3]}`, map[string]string{"tags[1]": "must be a string"}},
		{"metadata value", `{"firstName":"A","lastName":"B","metadata":{"n":1}}`, map[string]string{"metadata.n": "must be a string"}},
		// C0 controls other than tab, LF and CR are never data (PostgreSQL's text refuses NUL).
		{"NUL in a name", `{"firstName":"A\u0000B","lastName":"B"}`, map[string]string{"firstName": "control character U+0000 (at character 1)"}},
		{"escape in a nested field", `{"firstName":"A","lastName":"B","address":{"city":"\u001b[31mRed"}}`, map[string]string{"address.city": "U+001B"}},
		{"control in a tag", `{"firstName":"A","lastName":"B","tags":["a\u0007"]}`, map[string]string{"tags[0]": "U+0007"}},
		{"control in metadata", `{"firstName":"A","lastName":"B","metadata":{"k":"\u0000"}}`, map[string]string{"metadata.k": "U+0000"}},
		{"not json", `{"firstName":`, map[string]string{"body": "not valid JSON"}},
		{"not object", `[1,2]`, map[string]string{"body": "must be a JSON object"}},
		{"trailing", `{"firstName":"A","lastName":"B"} {}`, map[string]string{"body": "data after"}},
		{"empty", ``, map[string]string{"body": "is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Patients.DecodeBody([]byte(tc.body), OpCreate)
			got := fieldsOf(t, err)
			assert.Len(t, got, len(tc.want), "%v", got)
			for f, frag := range tc.want {
				assert.Contains(t, got[f], frag, "field %s", f)
			}
			assert.Contains(t, apperr.From(err).Message, func() string {
				for f := range tc.want {
					return f
				}
				return ""
			}(), "the message names the field")
		})
	}
}

func TestTabsAndNewlinesAreText(t *testing.T) {
	doc, err := Patients.DecodeBody([]byte(`{"firstName":"A\tB","lastName":"C\r\nD","preferredName":"é😀\u007f"}`), OpCreate)
	require.NoError(t, err)
	assert.Equal(t, "A\tB", doc["firstName"])
	assert.Equal(t, "C\r\nD", doc["lastName"])
}

func TestPatchAllowsPartialAndNull(t *testing.T) {
	doc, err := Patients.DecodeBody([]byte(`{"preferredName":null,"metadata":{"a":null,"b":"x"}}`), OpPatch)
	require.NoError(t, err)
	v, present := doc["preferredName"]
	assert.True(t, present)
	assert.Nil(t, v)
	assert.Equal(t, map[string]any{"a": nil, "b": "x"}, doc["metadata"])
	_, hasStatus := doc["status"]
	assert.False(t, hasStatus, "patch applies no defaults")

	_, err = Patients.DecodeBody([]byte(`{"lastName":null}`), OpPatch)
	assert.Contains(t, fieldsOf(t, err)["lastName"], "cannot be null")
}

func TestMetadataLimits(t *testing.T) {
	big := `{"firstName":"A","lastName":"B","metadata":{`
	for i := range 51 {
		if i > 0 {
			big += ","
		}
		big += `"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":"v"`
	}
	big += `}}`
	_, err := Patients.DecodeBody([]byte(big), OpCreate)
	assert.Contains(t, fieldsOf(t, err)["metadata"], "at most 50 keys")
}

func TestCoerceQuery(t *testing.T) {
	dob, _ := Patients.Field("dateOfBirth")
	v, err := dob.CoerceQuery("dateOfBirth", "86400000")
	require.NoError(t, err)
	assert.Equal(t, int64(86400000), v)
	_, err = dob.CoerceQuery("dateOfBirth", "yesterday")
	assert.Contains(t, fieldsOf(t, err)["dateOfBirth"], "Unix timestamp")
	st, _ := Patients.Field("status")
	_, err = st.CoerceQuery("status", "sleeping")
	assert.Contains(t, fieldsOf(t, err)["status"], "must be one of")
	city, ok := Patients.Field("address.city")
	require.True(t, ok)
	assert.Equal(t, String, city.Type)
	_, ok = Patients.Field("address.city.x")
	assert.False(t, ok)
}

func TestCurrencyAndCountry(t *testing.T) {
	e, ok := CurrencyExponent("JPY")
	assert.True(t, ok)
	assert.Equal(t, 0, e)
	e, _ = CurrencyExponent("KWD")
	assert.Equal(t, 3, e)
	e, _ = CurrencyExponent("USD")
	assert.Equal(t, 2, e)
	assert.True(t, IsCountry("USA"))
	assert.False(t, IsCountry("US"))
	assert.Len(t, countries(), 249)
}

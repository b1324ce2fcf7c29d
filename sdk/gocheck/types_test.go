package gocheck_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/schema"
)

// jsonFields lists a struct's JSON names, and the struct type behind each (for nested objects).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		out[name] = ft
	}
	return out
}

// checkShape compares schema fields with struct fields both ways, recursing into objects.
func checkShape(t *testing.T, path string, fields []*schema.Field, typ reflect.Type, extra ...string) {
	t.Helper()
	got := jsonFields(typ)
	var want []string
	for _, f := range fields {
		want = append(want, f.Name)
		st, ok := got[f.Name]
		if !assert.True(t, ok, "%s.%s is in the schema but not in %s", path, f.Name, typ.Name()) {
			continue
		}
		sub := f
		if f.Type == schema.Array {
			sub = f.Elem
		}
		if sub.Type == schema.Object {
			checkShape(t, path+"."+f.Name, sub.Fields, st)
		}
	}
	want = append(want, extra...)
	var have []string
	for name := range got {
		have = append(have, name)
	}
	sort.Strings(want)
	sort.Strings(have)
	assert.Equal(t, want, have, "%s: struct %s and the schema must have the same fields", path, typ.Name())
}

// TestTypesMatchSchema: every schema field has a struct field and every struct field is in the
// schema (plus deleted, which only a remove's answer carries).
func TestTypesMatchSchema(t *testing.T) {
	types := map[string]any{"patients": hapihub.Patient{}, "practitioners": hapihub.Practitioner{}, "appointments": hapihub.Appointment{},
		"messages": hapihub.Message{}, "invoices": hapihub.Invoice{}, "organizations": hapihub.Organization{}}
	var names []string
	for _, r := range schema.All() {
		names = append(names, r.Name)
		v, ok := types[r.Name]
		if !assert.True(t, ok, "resource %s has no Go type", r.Name) {
			continue
		}
		extra := []string{"deleted"}
		for name, target := range r.Expandable() {
			// Expansions (patient beside patientId) are typed as the object they expand to.
			f, ok := reflect.TypeOf(v).FieldByName(strings.ToUpper(name[:1]) + name[1:])
			if assert.True(t, ok, "%s has no field for expansion %s", r.Name, name) {
				assert.Equal(t, reflect.PointerTo(reflect.TypeOf(types[target.Name])), f.Type, "%s.%s", r.Name, name)
			}
			extra = append(extra, name)
		}
		checkShape(t, r.Name, r.Fields, reflect.TypeOf(v), extra...)
	}
	assert.Len(t, names, len(types), "every Go type is a resource of the schema")
}

package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hapihub/hapihub/shared/apperr"
)

// Op says which write a body is for: it decides required fields and how null is read.
type Op int

const (
	OpCreate Op = iota
	OpUpdate    // replace: the body is the whole object
	OpPatch     // partial: only given fields change; null unsets an optional field
)

// Limits that apply when a field sets none.
const (
	defaultMaxString = 1000
	defaultMaxArray  = 100
	maxMetadataKeys  = 50
	maxMetadataKey   = 40
	maxMetadataValue = 500
	msPerDay         = 86_400_000
	// Unix ms bounds: years 1800 to 9999, wide enough for birth dates and far-future due dates.
	minTimestamp = -5_364_662_400_000
	maxTimestamp = 253_402_300_799_999
)

// Doc is a normalised object: string, int64, bool, nil, []any, map[string]any values.
type Doc = map[string]any

// DecodeBody parses and validates a JSON request body for op. On success it returns the
// normalised fields the client gave (with defaults applied on create); on failure an
// INVALID_PARAMETERS error naming every offending field. Fields set to null in a patch come back
// as nil values so the caller can unset them.
func (r *Resource) DecodeBody(body []byte, op Op) (Doc, error) {
	raw, err := parseJSONObject(body)
	if err != nil {
		return nil, err
	}
	var errs []apperr.FieldError
	out := Doc{}
	for _, k := range sortedKeys(raw) {
		f, ok := r.byName[k]
		if !ok {
			errs = append(errs, apperr.FieldError{Field: k, Message: fmt.Sprintf("is not a field of %s (fields: %s)", r.Object, strings.Join(r.writableNames(), ", "))})
			continue
		}
		if f.ReadOnly {
			errs = append(errs, apperr.FieldError{Field: k, Message: "is read-only and set by HAPI Hub"})
			continue
		}
		v, ferrs := validate(f, k, raw[k], op)
		errs = append(errs, ferrs...)
		if len(ferrs) == 0 {
			out[k] = v
		}
	}
	if op != OpPatch {
		for _, f := range r.Fields {
			if f.ReadOnly {
				continue
			}
			if _, given := out[f.Name]; given && out[f.Name] != nil {
				continue
			}
			if f.Required {
				if _, given := raw[f.Name]; !given {
					errs = append(errs, apperr.FieldError{Field: f.Name, Message: "is required"})
				}
				continue
			}
			if f.Default != nil {
				if _, given := out[f.Name]; !given {
					out[f.Name] = cloneDefault(f.Default)
				}
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return nil, apperr.Invalid(errs...)
	}
	return out, nil
}

func (r *Resource) writableNames() []string {
	var out []string
	for _, f := range r.Fields {
		if !f.ReadOnly {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

func parseJSONObject(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, apperr.Field("body", "is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, apperr.Field("body", "is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return nil, apperr.Field("body", "has data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, apperr.Field("body", "must be a JSON object")
	}
	return m, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func cloneDefault(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = e
		}
		return c
	case []any:
		return append([]any{}, x...)
	}
	return v
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func fe(path, format string, args ...any) []apperr.FieldError {
	return []apperr.FieldError{{Field: path, Message: fmt.Sprintf(format, args...)}}
}

// validate checks one value against its field and returns the normalised value.
func validate(f *Field, path string, v any, op Op) (any, []apperr.FieldError) {
	if v == nil {
		if f.Required && op != OpPatch {
			return nil, fe(path, "is required and cannot be null")
		}
		if f.Required {
			return nil, fe(path, "cannot be null")
		}
		return nil, nil
	}
	switch f.Type {
	case String:
		return validateString(f, path, v)
	case Integer, Timestamp, Date:
		return validateInteger(f, path, v)
	case Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fe(path, "must be true or false, got %s", jsonType(v))
		}
		return b, nil
	case Object:
		return validateObject(f, path, v)
	case Array:
		return validateArray(f, path, v)
	case StringMap:
		return validateStringMap(path, v, op)
	}
	return nil, fe(path, "has an unsupported type")
}

func validateString(f *Field, path string, v any) (any, []apperr.FieldError) {
	s, ok := v.(string)
	if !ok {
		return nil, fe(path, "must be a string, got %s", jsonType(v))
	}
	max := f.MaxLen
	if max == 0 {
		max = defaultMaxString
	}
	if n := utf8.RuneCountInString(s); n > max {
		return nil, fe(path, "must be at most %d characters, got %d", max, n)
	}
	if msg := ControlChar(s); msg != "" {
		return nil, fe(path, "%s", msg)
	}
	if f.Required && strings.TrimSpace(s) == "" {
		return nil, fe(path, "cannot be empty")
	}
	if len(f.Enum) > 0 {
		for _, e := range f.Enum {
			if s == e {
				return s, nil
			}
		}
		return nil, fe(path, "must be one of %s, got %q", strings.Join(f.Enum, ", "), s)
	}
	if f.Format != FormatNone && s != "" {
		norm, msg := checkFormat(f, s)
		if msg != "" {
			return nil, fe(path, "%s", msg)
		}
		return norm, nil
	}
	return s, nil
}

func validateInteger(f *Field, path string, v any) (any, []apperr.FieldError) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, fe(path, "must be %s, got %s", describe(f), jsonType(v))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(n.String(), 64)
		if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
			return nil, fe(path, "must be %s, got %s", describe(f), n.String())
		}
		i = int64(fl)
	}
	return checkInt(f, path, i)
}

func validateObject(f *Field, path string, v any) (any, []apperr.FieldError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fe(path, "must be an object, got %s", jsonType(v))
	}
	out := map[string]any{}
	var errs []apperr.FieldError
	for _, k := range sortedKeys(m) {
		var sub *Field
		for _, s := range f.Fields {
			if s.Name == k {
				sub = s
			}
		}
		if sub == nil {
			errs = append(errs, fe(path+"."+k, "is not a field of %s", path)...)
			continue
		}
		// Nested objects are replaced whole, so their own required fields always apply.
		sv, serrs := validate(sub, path+"."+k, m[k], OpCreate)
		errs = append(errs, serrs...)
		if sv != nil {
			out[k] = sv
		}
	}
	for _, s := range f.Fields {
		if _, ok := m[s.Name]; !ok && s.Required {
			errs = append(errs, fe(path+"."+s.Name, "is required")...)
		}
	}
	return out, errs
}

func validateArray(f *Field, path string, v any) (any, []apperr.FieldError) {
	a, ok := v.([]any)
	if !ok {
		return nil, fe(path, "must be an array, got %s", jsonType(v))
	}
	max := f.MaxLen
	if max == 0 {
		max = defaultMaxArray
	}
	if len(a) > max {
		return nil, fe(path, "must have at most %d items, got %d", max, len(a))
	}
	out := make([]any, 0, len(a))
	var errs []apperr.FieldError
	for i, e := range a {
		ev, eerrs := validate(f.Elem, fmt.Sprintf("%s[%d]", path, i), e, OpCreate)
		if e == nil {
			eerrs = fe(fmt.Sprintf("%s[%d]", path, i), "cannot be null")
		}
		errs = append(errs, eerrs...)
		out = append(out, ev)
	}
	return out, errs
}

func validateStringMap(path string, v any, op Op) (any, []apperr.FieldError) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fe(path, "must be an object of string values, got %s", jsonType(v))
	}
	if len(m) > maxMetadataKeys {
		return nil, fe(path, "can have at most %d keys, got %d", maxMetadataKeys, len(m))
	}
	out := map[string]any{}
	var errs []apperr.FieldError
	for _, k := range sortedKeys(m) {
		s, ok := m[k].(string)
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxMetadataKey:
			errs = append(errs, fe(path+"."+k, "keys must be 1 to %d characters", maxMetadataKey)...)
		case m[k] == nil && op == OpPatch:
			out[k] = nil // unset this key
		case !ok:
			errs = append(errs, fe(path+"."+k, "must be a string, got %s", jsonType(m[k]))...)
		case utf8.RuneCountInString(s) > maxMetadataValue:
			errs = append(errs, fe(path+"."+k, "must be at most %d characters", maxMetadataValue)...)
		case ControlChar(s) != "":
			errs = append(errs, fe(path+"."+k, "%s", ControlChar(s))...)
		default:
			out[k] = s
		}
	}
	return out, errs
}

// ControlChar refuses C0 control characters other than tab, line feed and carriage return: a NUL
// or an escape sequence in a name is never data, and databases clients sync into refuse some of
// them (PostgreSQL's text cannot hold U+0000), so it would fail far from here. "" when clean.
func ControlChar(s string) string {
	for i, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return fmt.Sprintf("cannot contain the control character U+%04X (at character %d)", r, utf8.RuneCountInString(s[:i]))
		}
	}
	return ""
}

func describe(f *Field) string {
	switch f.Type {
	case Timestamp:
		return "a Unix timestamp in milliseconds"
	case Date:
		return "a Unix timestamp in milliseconds at UTC midnight"
	}
	return "a whole number"
}

func checkInt(f *Field, path string, i int64) (any, []apperr.FieldError) {
	switch f.Type {
	case Timestamp, Date:
		if i < minTimestamp || i > maxTimestamp {
			return nil, fe(path, "must be a Unix timestamp in milliseconds between years 1800 and 9999, got %d (seconds instead of milliseconds?)", i)
		}
		if f.Type == Date && i%msPerDay != 0 {
			return nil, fe(path, "must be a date: Unix ms at UTC midnight (a multiple of 86400000), got %d", i)
		}
	}
	if f.Min != nil && i < *f.Min {
		return nil, fe(path, "must be at least %d, got %d", *f.Min, i)
	}
	if f.Max != nil && i > *f.Max {
		return nil, fe(path, "must be at most %d, got %d", *f.Max, i)
	}
	return i, nil
}

// CoerceQuery turns a query-string value into the field's type, for filters.
func (f *Field) CoerceQuery(path, s string) (any, error) {
	if s == "null" && f.Type != String {
		return nil, nil
	}
	switch f.Type {
	case Integer, Timestamp, Date:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, apperr.Field(path, "must be %s, got %q", describe(f), s)
		}
		return i, nil
	case Boolean:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, apperr.Field(path, "must be true or false, got %q", s)
	case String:
		if len(f.Enum) > 0 {
			for _, e := range f.Enum {
				if s == e {
					return s, nil
				}
			}
			return nil, apperr.Field(path, "must be one of %s, got %q", strings.Join(f.Enum, ", "), s)
		}
		return s, nil
	case Array:
		if f.Elem != nil {
			return f.Elem.CoerceQuery(path, s)
		}
	}
	return nil, apperr.Field(path, "cannot be used in a query filter")
}

// Package schema declares each resource once: its fields, types, formats and rules. The one
// declaration drives body validation and normalisation, query-value coercion, indexes and the
// OpenAPI document, so they cannot disagree.
package schema

import (
	"sort"
	"strings"
)

// Type is a field's JSON type as the API speaks it.
type Type int

const (
	String    Type = iota
	Integer        // whole number (int64)
	Boolean        //
	Timestamp      // Unix time in milliseconds, UTC
	Date           // Unix ms at UTC midnight (dateOfBirth)
	Object         // nested fields
	Array          // of Elem
	StringMap      // flat string->string map (metadata)
)

func (t Type) String() string {
	return [...]string{"string", "integer", "boolean", "timestamp", "date", "object", "array", "map"}[t]
}

// Format refines a String field.
type Format string

const (
	FormatNone     Format = ""
	FormatEmail    Format = "email"
	FormatPhone    Format = "phone"    // E.164
	FormatCountry  Format = "country"  // ISO 3166-1 alpha-3
	FormatCurrency Format = "currency" // ISO 4217
	FormatID       Format = "id"       // a reference to another resource by id
	FormatURL      Format = "url"
)

// Field is one attribute of a resource.
type Field struct {
	Name     string
	Type     Type
	Format   Format
	Desc     string
	Required bool     // must be present on create and update (replace)
	ReadOnly bool     // set by the server only
	Nullable bool     // may be explicitly null
	Enum     []string // allowed values of a String field
	Default  any      // applied on create when absent
	MaxLen   int      // for strings (characters) and arrays (items); 0 means the type's default
	Min, Max *int64   // bounds for Integer
	Fields   []*Field // for Object
	Elem     *Field   // for Array
	Ref      string   // for FormatID: the resource name referred to
	// Searchable fields feed $search; Indexed fields get a DynamoDB index (see the query planner).
	Searchable bool
	Indexed    bool
}

// Methods a resource can have (the Feathers service methods).
type Method string

const (
	Find   Method = "find"
	Get    Method = "get"
	Create Method = "create"
	Update Method = "update"
	Patch  Method = "patch"
	Remove Method = "remove"
)

// AllMethods in route order.
var AllMethods = []Method{Find, Get, Create, Update, Patch, Remove}

// Resource is one API resource.
type Resource struct {
	Name    string // plural path segment: "patients"
	Object  string // value of "object": "patient"
	Prefix  string // id prefix without underscore: "pat"
	Desc    string
	Fields  []*Field
	Methods []Method // methods this resource has at all
	// SortIndexes are compound indexes: each orders the objects by its fields in turn (then id),
	// so a sort on them, or an equality on the first and a sort on the next, reads just the page.
	// Every field must be a scalar; the first must also be Indexed. The store gives each a slot
	// index after the single-field ones (template.yaml must declare it: a test checks).
	SortIndexes [][]string
	byName      map[string]*Field
}

// Common fields every object carries (docs/decisions.md#resources).
func commonFields() []*Field {
	return []*Field{
		{Name: "id", Type: String, ReadOnly: true, Desc: "Unique identifier, an opaque prefixed string."},
		{Name: "object", Type: String, ReadOnly: true, Desc: "The object's type."},
		{Name: "organizationId", Type: String, ReadOnly: true, Desc: "The organization (clinic) the object belongs to.", Indexed: true},
		{Name: "livemode", Type: Boolean, ReadOnly: true, Desc: "True in live mode, false in test mode."},
		{Name: "createdAt", Type: Timestamp, ReadOnly: true, Desc: "Creation time, Unix ms UTC.", Indexed: true},
		{Name: "updatedAt", Type: Timestamp, ReadOnly: true, Desc: "Last change, Unix ms UTC.", Indexed: true},
		{Name: "metadata", Type: StringMap, Desc: "Up to 50 string keys (40 chars) to string values (500 chars), for your own use.", Default: map[string]any{}},
	}
}

// New builds a resource from its own fields plus the common ones.
func New(r Resource) *Resource {
	r.Fields = append(commonFields(), r.Fields...)
	r.byName = make(map[string]*Field, len(r.Fields))
	for _, f := range r.Fields {
		r.byName[f.Name] = f
	}
	if r.Methods == nil {
		r.Methods = AllMethods
	}
	return &r
}

// Field finds a field by dotted path (address.city).
func (r *Resource) Field(path string) (*Field, bool) {
	parts := strings.Split(path, ".")
	f, ok := r.byName[parts[0]]
	for _, p := range parts[1:] {
		if !ok || f.Type != Object {
			return nil, false
		}
		ok = false
		for _, sub := range f.Fields {
			if sub.Name == p {
				f, ok = sub, true
				break
			}
		}
	}
	return f, ok
}

// Has reports whether the resource has method m at all.
func (r *Resource) Has(m Method) bool {
	for _, x := range r.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// FieldNames lists top-level field names, sorted, for messages.
func (r *Resource) FieldNames() []string {
	out := make([]string, 0, len(r.Fields))
	for _, f := range r.Fields {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// SearchableFields lists the fields $search looks in.
func (r *Resource) SearchableFields() []*Field {
	var out []*Field
	for _, f := range r.Fields {
		if f.Searchable {
			out = append(out, f)
		}
	}
	return out
}

func i64(v int64) *int64 { return &v }

// slotIndexed: f gets a single-field slot index of its own (shared/store/search.IndexSlots): an
// Indexed scalar other than externalId (its own index) and organizationId (constant in a tenant).
func slotIndexed(f *Field) bool {
	if !f.Indexed || f.Name == "externalId" || f.Name == "organizationId" {
		return false
	}
	switch f.Type {
	case String, Integer, Boolean, Timestamp, Date:
		return true
	}
	return false
}

// SlotFields are the fields with a single-field slot index, in declaration order.
func (r *Resource) SlotFields() []string {
	var out []string
	for _, f := range r.Fields {
		if slotIndexed(f) {
			out = append(out, f.Name)
		}
	}
	return out
}

// IndexedFields are the fields an equality, $in or range is answered from an index on.
func (r *Resource) IndexedFields() []string {
	var out []string
	if f, ok := r.Field("externalId"); ok && f.Indexed {
		out = append(out, "externalId")
	}
	return append(out, r.SlotFields()...)
}

// SortableFirst are the fields a sort may start with without a narrowing filter (their index
// is read in order), id included.
func (r *Resource) SortableFirst() []string { return append(r.SlotFields(), "id") }

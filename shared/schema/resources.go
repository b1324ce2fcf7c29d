package schema

import "sort"

var registry = map[string]*Resource{}

// Register adds a resource to the registry; resources register themselves in this package so the
// set is known at init, before any handler runs.
func Register(r *Resource) *Resource {
	if _, dup := registry[r.Name]; dup {
		panic("schema: resource registered twice: " + r.Name)
	}
	registry[r.Name] = r
	return r
}

// Lookup finds a resource by its plural name.
func Lookup(name string) (*Resource, bool) {
	r, ok := registry[name]
	return r, ok
}

// All lists the registered resources by name.
func All() []*Resource {
	out := make([]*Resource, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Address is the postal address shape shared by resources.
func addressField() *Field {
	return &Field{Name: "address", Type: Object, Nullable: true, Desc: "Postal address.", Fields: []*Field{
		{Name: "line1", Type: String, MaxLen: 200, Searchable: true},
		{Name: "line2", Type: String, MaxLen: 200},
		{Name: "city", Type: String, MaxLen: 100, Searchable: true},
		{Name: "region", Type: String, MaxLen: 100, Desc: "State, province or county."},
		{Name: "postalCode", Type: String, MaxLen: 20},
		{Name: "country", Type: String, Format: FormatCountry, Desc: "ISO 3166-1 alpha-3, e.g. USA."},
	}}
}

func tagsField() *Field {
	return &Field{Name: "tags", Type: Array, MaxLen: 50, Default: []any{}, Desc: "Short labels.",
		Elem: &Field{Name: "tag", Type: String, MaxLen: 64}}
}

// Patients is a clinic's patient.
var Patients = Register(New(Resource{
	Name: "patients", Object: "patient", Prefix: "pat",
	Desc: "A person receiving care at the organization.",
	// Lists sorted by name, surname first (Feathers clients add the first name as the tie-breaker);
	// a surname (or an $or of surnames) by date of birth: the look-up that tells namesakes apart.
	SortIndexes: [][]string{{"lastName", "firstName"}, {"lastName", "dateOfBirth"}},
	Fields: []*Field{
		{Name: "externalId", Type: String, MaxLen: 255, Indexed: true, Desc: "The id of this patient in the practice-management system."},
		{Name: "firstName", Type: String, Required: true, MaxLen: 100, Searchable: true},
		{Name: "lastName", Type: String, Required: true, MaxLen: 100, Searchable: true, Indexed: true},
		{Name: "preferredName", Type: String, MaxLen: 100, Searchable: true},
		{Name: "dateOfBirth", Type: Date, Indexed: true, Desc: "Unix ms at UTC midnight."},
		{Name: "sex", Type: String, Enum: []string{"female", "male", "other", "unknown"}, Default: "unknown"},
		{Name: "email", Type: String, Format: FormatEmail, MaxLen: 254, Searchable: true},
		{Name: "phone", Type: String, Format: FormatPhone, Desc: "E.164, e.g. +14155550123."},
		addressField(),
		{Name: "status", Type: String, Enum: []string{"active", "inactive", "deceased"}, Default: "active", Indexed: true},
		tagsField(),
	},
}))

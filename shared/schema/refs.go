package schema

// RefFields are res's fields naming another resource's object (Format ID with Ref).
func RefFields(res *Resource) []*Field {
	var out []*Field
	for _, f := range res.Fields {
		if f.Format == FormatID && f.Ref != "" {
			out = append(out, f)
		}
	}
	return out
}

// ReferencedBy lists the fields, as "resource.field", that refer to res's objects: while one of
// them names an object, its delete is refused (docs/resources.md, "Deleting referenced objects").
func ReferencedBy(res *Resource) []string {
	var out []string
	for _, name := range ClinicalResources {
		r, ok := Lookup(name)
		if !ok {
			continue
		}
		for _, f := range RefFields(r) {
			if f.Ref == res.Name {
				out = append(out, r.Name+"."+f.Name)
			}
		}
	}
	return out
}

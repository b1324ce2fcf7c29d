package openapi

import (
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/schema"
)

// expandDepth is api.MaxExpandDepth (this package does not link the HTTP layer).
const expandDepth = 2

// objectSchemas puts res's response schema in comps with those of every object it can expand
// to, so an expansion's $ref always resolves.
func objectSchemas(comps Doc, res *schema.Resource) {
	obj := objectSchema(res)
	// Only API answers carry expansions: event payloads (EventPayloadSchema) use objectSchema alone.
	expandProps(res, obj["properties"].(Doc))
	comps[typeName(res.Object)] = obj
	for _, t := range res.Expandable() {
		if _, ok := comps[typeName(t.Object)]; !ok {
			objectSchemas(comps, t)
		}
	}
}

// expandProps are the fields expand[] adds beside each reference: the object, or null when the
// reference is unset or names an object that no longer exists. Absent unless asked for.
func expandProps(res *schema.Resource, props Doc) {
	for name, t := range res.Expandable() {
		props[name] = Doc{
			"description": "With expand[]=" + name + ": the " + t.Object + " that " + name + "Id names, read with the same permissions as GET /" + t.Name +
				"/{id}; null when " + name + "Id is unset or its " + t.Object + " no longer exists. Absent otherwise.",
			"oneOf":    []any{ref(typeName(t.Object)), Doc{"type": "null"}},
			"readOnly": true,
		}
	}
}

// expandParams are the query parameters expand adds to an operation: on get and find of a
// resource with references (organizations' paged-only list has none).
func expandParams(res *schema.Resource, m schema.Method) []any {
	if m != schema.Get && m != schema.Find {
		return nil
	}
	if p, ok := expandParam(res, m == schema.Find); ok {
		return []any{p}
	}
	return nil
}

// expandParam is the expand query parameter of get (list false) and find, listing every path.
func expandParam(res *schema.Resource, list bool) (Doc, bool) {
	paths := res.ExpandPaths(expandDepth)
	if len(paths) == 0 {
		return nil, false
	}
	enum := anys(paths)
	ex := "expand[]=" + paths[0]
	if list {
		for _, p := range paths {
			enum = append(enum, "data."+p)
		}
		ex = "expand[]=data." + paths[0] + " (or expand[]=" + paths[0] + ")"
	}
	return Doc{"name": "expand", "in": "query", "style": "form", "explode": true,
		"description": "References to return as objects beside their ids, up to " + strconv.Itoa(expandDepth) + " levels (" + ex +
			"; also expand[0]=... or repeated expand=...). At most 10 paths. Paths: " + strings.Join(paths, ", ") + ".",
		"schema": Doc{"type": "array", "maxItems": 10, "items": Doc{"type": "string", "enum": enum}}}, true
}

// Package openapi generates the OpenAPI 3.1 document of the API from the route table and the
// resource schemas (shared/schema), so the document cannot disagree with the code: nothing in it
// is written by hand except prose.
package openapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/schema"
)

// Version of the OpenAPI specification the document follows.
const Version = "3.1.0"

// Route is one served (method, path), as the router's route table has it.
type Route struct {
	Method, Path     string
	Resource, Action string
	Public           bool
}

// Doc is a JSON document.
type Doc = map[string]any

// Build returns the OpenAPI document of routes.
func Build(routes []Route) Doc {
	rs := slices.Clone(routes)
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Path != rs[j].Path {
			return rs[i].Path < rs[j].Path
		}
		return rs[i].Method < rs[j].Method
	})
	comps := Doc{}
	paths := Doc{}
	for _, r := range rs {
		item, _ := paths[r.Path].(Doc)
		if item == nil {
			item = Doc{}
			paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = operation(r, comps)
	}
	addRequestIDHeaders(paths) // requestid.go
	addVersionHeaders(paths)   // apiversion.go
	headers, parameters := requestIDHeaders(), Doc{}
	versionComponents(headers, parameters)
	for name, sch := range platformSchemas() {
		comps[name] = sch
	}
	comps["Error"] = errorSchema()
	comps["Problem"] = problemSchema()
	comps["Page"] = pageSchema()
	return Doc{
		"openapi": Version,
		"info": Doc{
			"title":   "HAPI Hub API",
			"version": "1.0.0",
			"description": "One REST API to medical clinics' data. Every date-time is Unix time in milliseconds, UTC; money is an integer in the " +
				"currency's smallest unit; countries are ISO 3166-1 alpha-3. Errors are `{name, message, event}` or, with " +
				"`Accept: application/problem+json`, RFC 9457 Problem Details.",
		},
		"servers":  []any{Doc{"url": "https://api.hapihub.com"}},
		"security": []any{Doc{"bearerAuth": []any{}}},
		"paths":    paths,
		"components": Doc{
			"schemas":    comps,
			"responses":  Doc{"Error": withVersionHeader(withRequestIDHeader(sharedErrorResponse()))},
			"headers":    headers,
			"parameters": parameters,
			"securitySchemes": Doc{"bearerAuth": Doc{"type": "http", "scheme": "bearer",
				"description": "An API key: `Authorization: Bearer sk_test_...` (or `Authorization: ApiKey ...`)."}},
		},
	}
}

// WithServer returns the document with servers naming origin (the document itself is shared and
// not changed); origin "" keeps the production server.
func WithServer(d Doc, origin string) Doc {
	if origin == "" {
		return d
	}
	out := make(Doc, len(d))
	for k, v := range d {
		out[k] = v
	}
	out["servers"] = []any{Doc{"url": origin, "description": "Where this document was served from."}}
	return out
}

// JSON renders the document, indented, with a final newline.
func JSON(d Doc) ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

var pathParam = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{([^}]+)\}`) })

var title = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|[-_])([a-z])`) })

// typeName is a component name: patient -> Patient, webhook_endpoint -> WebhookEndpoint.
func typeName(s string) string {
	return title().ReplaceAllStringFunc(s, func(m string) string { return strings.ToUpper(m[len(m)-1:]) })
}

func ref(name string) Doc { return Doc{"$ref": "#/components/schemas/" + name} }

func operation(r Route, comps Doc) Doc {
	res, known := schema.Lookup(r.Resource)
	op := Doc{
		"operationId": operationID(r),
		"responses":   Doc{},
	}
	if r.Resource != "" {
		op["tags"] = []any{r.Resource}
	}
	if r.Public {
		op["security"] = []any{}
	}
	resp := op["responses"].(Doc)
	var params []any
	for _, m := range pathParam().FindAllStringSubmatch(r.Path, -1) {
		params = append(params, Doc{"name": m[1], "in": "path", "required": true, "schema": Doc{"type": "string"}})
	}
	if !r.Public {
		params = append(params, Doc{"name": "HapiHub-Organization", "in": "header", "required": false, "schema": Doc{"type": "string"},
			"description": "In live mode with several connected organizations, the organization to act on."})
	}
	for _, st := range errorStatuses(r) {
		resp[st] = errorResponse(st)
	}
	resp["default"] = errorResponse("default")
	if nonResourceOperation(r, res, known, op, params) {
		return op
	}
	obj := typeName(res.Object)
	objectSchemas(comps, res)
	one := Doc{"description": "The " + res.Object + ".", "content": Doc{"application/json": Doc{"schema": ref(obj)}}}
	if r.Action == string(schema.Get) || r.Action == string(schema.Patch) || r.Action == string(schema.Update) {
		one["headers"] = Doc{"ETag": Doc{"description": "The object's version, for If-Match.", "schema": Doc{"type": "string"}}}
	}
	write := func(op2 schema.Op, name string) {
		comps[name] = bodySchema(res, op2)
		op["requestBody"] = Doc{"required": true, "content": Doc{"application/json": Doc{"schema": ref(name)}}}
		params = append(params,
			Doc{"name": "Idempotency-Key", "in": "header", "schema": Doc{"type": "string", "maxLength": 255}, "description": "Retries with the same key replay the first response for 24 hours."})
	}
	switch schema.Method(r.Action) {
	case schema.Find:
		op["summary"] = "List " + res.Name
		list := obj + "List"
		comps[list] = Doc{"type": "object", "required": []any{"data", "limit", "skip", "hasMore"}, "properties": Doc{
			"data":  Doc{"type": "array", "items": ref(obj)},
			"limit": Doc{"type": "integer"}, "skip": Doc{"type": "integer"}, "hasMore": hasMoreSchema,
			"total": Doc{"type": "integer", "description": "With $total=true or $limit=0."},
		}}
		resp["200"] = Doc{"description": "A page of " + res.Name + " (Feathers shape; a Spring-style page with Hubpay's page/size parameters).",
			"content": Doc{"application/json": Doc{"schema": Doc{"anyOf": []any{ref(list), ref("Page")}}}}}
		if pagedOnly[res.Name] {
			params = append(params, findParams(res)[:5]...) // $limit, $skip, $total, startingAfter, endingBefore
		} else {
			params = append(params, findParams(res)...)
			op["description"] = indexDescription(res)
			op["x-hapihub-indexes"] = Doc{"filter": anys(res.IndexedFields()), "sortFirst": anys(res.SortableFirst()), "compound": compounds(res)}
		}
	case schema.Get:
		op["summary"] = "Get a " + res.Object
		resp["200"] = one
	case schema.Create:
		op["summary"] = "Create a " + res.Object
		write(schema.OpCreate, obj+"Create")
		resp["201"] = Doc{"description": "The new " + res.Object + ".", "content": one["content"]}
		if _, ok := res.Field("externalId"); ok {
			resp["200"] = Doc{"description": "An existing " + res.Object + " with the same externalId (no duplicate is made).", "content": one["content"]}
		}
	case schema.Update:
		op["summary"] = "Replace a " + res.Object
		write(schema.OpUpdate, obj+"Create")
		resp["200"] = one
	case schema.Patch:
		op["summary"] = "Change some fields of a " + res.Object
		write(schema.OpPatch, obj+"Patch")
		resp["200"] = one
	case schema.Remove:
		op["summary"] = "Remove a " + res.Object
		resp["200"] = Doc{"description": "The removed " + res.Object + ", with deleted: true.", "content": one["content"]}
		if by := schema.ReferencedBy(res); len(by) > 0 {
			op["description"] = "Refused with 409 CONFLICT (reason resource_in_use) while an object refers to this " + res.Object +
				" (" + strings.Join(by, ", ") + "): the error's errors[] name each referring field with its count and up to five ids. Delete or change those first; nothing is changed."
			resp["409"] = Doc{"description": "CONFLICT, resource_in_use: other objects still refer to this " + res.Object + ".",
				"content": sharedErrorResponse()["content"]}
		}
	}
	params = append(params, expandParams(res, schema.Method(r.Action))...)
	if (r.Action == string(schema.Update) || r.Action == string(schema.Patch) || r.Action == string(schema.Remove)) && (!pagedOnly[res.Name] || r.Action == string(schema.Patch)) {
		params = append(params, Doc{"name": "If-Match", "in": "header", "schema": Doc{"type": "string"}, "description": "Only change the object if its ETag still matches."})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return op
}

// nonResourceOperation fills op for a route that is not one of a resource's own methods: a
// method the resource never has, a platform route, or an unknown one. It reports whether it did.
func nonResourceOperation(r Route, res *schema.Resource, known bool, op Doc, params []any) bool {
	resp := op["responses"].(Doc)
	switch {
	case known && !res.Has(schema.Method(r.Action)) && isFeathers(r.Action):
		// A method this resource never has: served only to answer METHOD_NOT_SUPPORTED.
		op["summary"] = r.Action + " is not supported on " + res.Name
		op["responses"] = Doc{"404": errorResponse("404"), "default": errorResponse("default")}
	case known:
		return false
	case platformOperation(r, op, params):
		return true
	default:
		op["summary"] = strings.TrimSpace(r.Action + " " + r.Resource)
		resp["2XX"] = Doc{"description": "Success.", "content": Doc{"application/json": Doc{"schema": Doc{}}}}
		if slices.Contains([]string{http.MethodPost, http.MethodPut, http.MethodPatch}, r.Method) {
			op["requestBody"] = Doc{"required": false, "content": Doc{"application/json": Doc{"schema": Doc{"type": "object"}}}}
		}
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return true
}

// pagedOnly lists are the caller's own few objects (organizations: the sandbox and connected
// clinics), paged but not queried (shared/clinic).
var pagedOnly = map[string]bool{"organizations": true}

func isFeathers(a string) bool { return slices.Contains(schema.AllMethods, schema.Method(a)) }

// verbs name a resource method in an operationId: listPatients, getPatient, createPatient,
// replacePatient (PUT), updatePatient (PATCH), deletePatient.
var verbs = map[string]string{"find": "list", "get": "get", "create": "create", "update": "replace", "patch": "update", "remove": "delete"}

func operationID(r Route) string {
	if p, ok := platformOps()[r.Method+" "+r.Path]; ok {
		return p.id
	}
	if v, ok := verbs[r.Action]; ok && r.Resource != "" && (r.Path == "/"+r.Resource || r.Path == "/"+r.Resource+"/{id}") {
		if r.Action == "find" {
			return v + typeName(r.Resource)
		}
		if res, ok := schema.Lookup(r.Resource); ok {
			return v + typeName(res.Object)
		}
		return v + typeName(strings.TrimSuffix(r.Resource, "s"))
	}
	// Anything else: method and path in camel case (postThingsParts).
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, seg := range strings.Split(r.Path, "/") {
		if seg == "" || strings.HasPrefix(seg, "{") {
			continue
		}
		b.WriteString(typeName(strings.NewReplacer(".", "-").Replace(seg)))
	}
	return b.String()
}

// errorStatuses are the error statuses a route can answer besides the default.
func errorStatuses(r Route) []string {
	if r.Public {
		return []string{"404", "426", "429", "500"}
	}
	out := []string{"400", "401", "403", "404", "426", "429", "500"}
	if r.Method != http.MethodGet {
		out = append(out, "409", "412", "415")
	}
	sort.Strings(out)
	return out
}

// errorResponse refers to the one error response every operation shares.
func errorResponse(string) Doc { return Doc{"$ref": "#/components/responses/Error"} }

func sharedErrorResponse() Doc {
	return Doc{"description": "An error: the guide's error object, or RFC 9457 Problem Details with Accept: application/problem+json.",
		"content": Doc{"application/json": Doc{"schema": ref("Error")}, "application/problem+json": Doc{"schema": ref("Problem")}}}
}

func errorNames() []any {
	var out []any
	for _, k := range apperr.Kinds() {
		out = append(out, k.Name())
	}
	return out
}

func fieldErrors() Doc {
	return Doc{"type": "array", "items": Doc{"type": "object", "required": []any{"field", "message"}, "additionalProperties": false,
		"properties": Doc{"field": Doc{"type": "string"}, "message": Doc{"type": "string"}}}}
}

func errorSchema() Doc {
	return Doc{"type": "object", "required": []any{"name", "message", "event", "code", "className"}, "additionalProperties": false, "properties": Doc{
		"name":      Doc{"type": "string", "enum": errorNames()},
		"message":   Doc{"type": "string"},
		"event":     Doc{"type": "string", "description": "Id of this error's occurrence, also in our logs."},
		"code":      Doc{"type": "integer", "description": "The HTTP status, as Feathers errors carry it."},
		"className": Doc{"type": "string", "description": "Feathers' error class name for the status: bad-request, not-found, ..."},
		"reason":    Doc{"type": "string", "description": "A finer reason: lock_timeout, idempotency_key_reused, query_too_long, ..."},
		"errors":    fieldErrors(),
	}}
}

func problemSchema() Doc {
	return Doc{"type": "object", "required": []any{"type", "title", "status", "detail", "instance", "name", "event"}, "properties": Doc{
		"type": Doc{"type": "string"}, "title": Doc{"type": "string"}, "status": Doc{"type": "integer"},
		"detail": Doc{"type": "string"}, "instance": Doc{"type": "string"},
		"name": Doc{"type": "string", "enum": errorNames()}, "event": Doc{"type": "string"},
		"code": Doc{"type": "integer"}, "className": Doc{"type": "string"}, "reason": Doc{"type": "string"}, "errors": fieldErrors(),
	}}
}

func pageSchema() Doc {
	return Doc{"type": "object", "description": "Hubpay's Spring-style page.", "required": []any{"content", "number", "size", "totalElements", "totalPages", "hasMore"},
		"properties": Doc{
			"content": Doc{"type": "array", "items": Doc{"type": "object"}}, "number": Doc{"type": "integer"}, "size": Doc{"type": "integer"},
			"totalElements": Doc{"type": "integer"}, "totalPages": Doc{"type": "integer"}, "first": Doc{"type": "boolean"},
			"last": Doc{"type": "boolean"}, "numberOfElements": Doc{"type": "integer"}, "empty": Doc{"type": "boolean"}, "sort": Doc{},
			"hasMore": hasMoreSchema,
		}}
}

// objectSchema is an object as responses carry it. Only id and object are required: $select
// may leave out the rest.
func objectSchema(res *schema.Resource) Doc {
	props := Doc{}
	for _, f := range res.Fields {
		props[f.Name] = fieldSchema(f, false)
	}
	props["object"] = Doc{"type": "string", "const": res.Object}
	props["deleted"] = Doc{"type": "boolean", "description": "True on the response of a remove."}
	return Doc{"type": "object", "description": res.Desc, "required": []any{"id", "object"}, "properties": props}
}

// bodySchema is a request body: writable fields only, unknown ones rejected.
func bodySchema(res *schema.Resource, op schema.Op) Doc {
	props := Doc{}
	var req []any
	for _, f := range res.Fields {
		if f.ReadOnly {
			continue
		}
		props[f.Name] = fieldSchema(f, op == schema.OpPatch && !f.Required)
		if f.Required && op != schema.OpPatch {
			req = append(req, f.Name)
		}
	}
	d := Doc{"type": "object", "additionalProperties": false, "properties": props}
	if len(req) > 0 {
		d["required"] = req
	}
	return d
}

// stringSchema adds a string field's length, enum and format to d.
func stringSchema(f *schema.Field, d Doc) {
	if f.MaxLen > 0 {
		d["maxLength"] = f.MaxLen
	}
	if len(f.Enum) > 0 {
		e := make([]any, len(f.Enum))
		for i, v := range f.Enum {
			e[i] = v
		}
		d["enum"] = e
	}
	switch f.Format {
	case schema.FormatEmail:
		d["format"] = "email"
	case schema.FormatURL:
		d["format"] = "uri"
	case schema.FormatPhone:
		d["pattern"] = `^\+[1-9][0-9]{1,14}$`
	case schema.FormatCountry:
		d["pattern"] = `^[A-Za-z]{3}$`
		d["description"] = strings.TrimSpace(f.Desc + " ISO 3166-1 alpha-3.")
	case schema.FormatCurrency:
		d["pattern"] = `^[A-Za-z]{3}$`
		d["description"] = strings.TrimSpace(f.Desc + " ISO 4217.")
	case schema.FormatID:
		if r, ok := schema.Lookup(f.Ref); ok {
			d["pattern"] = "^" + r.Prefix + "_"
		}
	}
}

// objectFieldSchema adds a nested object's properties to d (closed: no other keys).
func objectFieldSchema(f *schema.Field, d Doc) {
	props := Doc{}
	var req []any
	for _, s := range f.Fields {
		props[s.Name] = fieldSchema(s, false)
		if s.Required {
			req = append(req, s.Name)
		}
	}
	d["properties"] = props
	d["additionalProperties"] = false
	if len(req) > 0 {
		d["required"] = req
	}
}

func fieldSchema(f *schema.Field, nullable bool) Doc {
	d := Doc{}
	if f.Desc != "" {
		d["description"] = f.Desc
	}
	if f.ReadOnly {
		d["readOnly"] = true
	}
	typ := ""
	switch f.Type {
	case schema.String:
		typ = "string"
		stringSchema(f, d)
	case schema.Integer:
		typ = "integer"
		d["format"] = "int64"
		if f.Min != nil {
			d["minimum"] = *f.Min
		}
		if f.Max != nil {
			d["maximum"] = *f.Max
		}
	case schema.Timestamp, schema.Date:
		typ = "integer"
		d["format"] = "int64"
		d["description"] = strings.TrimSpace(f.Desc + " Unix time in milliseconds, UTC.")
	case schema.Boolean:
		typ = "boolean"
	case schema.Object:
		typ = "object"
		objectFieldSchema(f, d)
	case schema.Array:
		typ = "array"
		if f.Elem != nil {
			d["items"] = fieldSchema(f.Elem, false)
		}
		if f.MaxLen > 0 {
			d["maxItems"] = f.MaxLen
		}
	case schema.StringMap:
		typ = "object"
		d["additionalProperties"] = Doc{"type": []any{"string", "null"}, "maxLength": 500}
		d["maxProperties"] = 50
	}
	if nullable || f.Nullable {
		d["type"] = []any{typ, "null"}
		if e, ok := d["enum"].([]any); ok {
			d["enum"] = append(e, nil)
		}
	} else {
		d["type"] = typ
	}
	return d
}

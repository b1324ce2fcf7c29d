package openapi

import (
	"fmt"
	"strings"

	"github.com/hapihub/hapihub/shared/schema"
)

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func compounds(res *schema.Resource) []any {
	out := []any{}
	for _, c := range res.SortIndexes {
		out = append(out, anys(c))
	}
	return out
}

// indexDescription says what the list answers from indexes (docs/query.md has the same table).
func indexDescription(res *schema.Resource) string {
	var comp []string
	for _, c := range res.SortIndexes {
		comp = append(comp, "("+strings.Join(c, ", ")+")")
	}
	d := fmt.Sprintf("Feathers query syntax (docs/query.md). Filtered from an index: %s (equality, $in, ranges; an $or whose every branch has an indexed equality). "+
		"Sorts may start on %s, or on any field after an indexed filter; further keys order ties. Other fields refine an indexed query. "+
		"Several sort keys go in the array form, $sort[0][lastName]=1&$sort[1][firstName]=-1.",
		strings.Join(res.IndexedFields(), ", "), strings.Join(res.SortableFirst(), ", "))
	if len(comp) > 0 {
		d += " Compound indexes (a sort on both in one direction, or an equality on the first sorted on the second, reads just the page): " + strings.Join(comp, ", ") + "."
	}
	return d + " A query no index serves is 400 INVALID_PARAMETERS (reason query_not_indexed or query_too_broad)."
}

// filterable fields are those a query may compare: scalars and arrays of scalars.
func filterable(f *schema.Field) (Doc, bool) {
	switch f.Type {
	case schema.Object, schema.StringMap:
		return nil, false
	case schema.Array:
		if f.Elem == nil || f.Elem.Type == schema.Object {
			return nil, false
		}
		f = f.Elem
	}
	v := fieldSchema(&schema.Field{Name: f.Name, Type: f.Type, Enum: f.Enum}, false)
	delete(v, "description")
	return v, true
}

// operators is the Feathers operator object over values of schema v.
func operators(v Doc) Doc {
	list := Doc{"type": "array", "items": v, "maxItems": 100}
	return Doc{"type": "object", "additionalProperties": false, "minProperties": 1, "properties": Doc{
		"$ne": v, "$in": list, "$nin": list, "$lt": v, "$lte": v, "$gt": v, "$gte": v, "$exists": Doc{"type": "boolean"},
	}}
}

// findParams are a list's query parameters: paging, $sort and $select typed by the resource's
// fields, $search, $or/$and, and one filter per field (a value, or an object of operators).
func findParams(res *schema.Resource) []any {
	var sortable, selectable []any
	sortProps := Doc{}
	dir := Doc{"type": "integer", "enum": []any{1, -1}}
	for _, f := range res.Fields {
		selectable = append(selectable, f.Name)
		switch f.Type {
		case schema.Object, schema.Array, schema.StringMap:
		default:
			sortable = append(sortable, f.Name)
			sortProps[f.Name] = dir
		}
	}
	oneKey := Doc{"type": "object", "properties": sortProps, "additionalProperties": false, "minProperties": 1, "maxProperties": 1}
	out := []any{
		qp("$limit", "Page size, default 10, at most 100; 0 returns only the total.", Doc{"type": "integer", "minimum": 0, "maximum": 100}),
		qp("$skip", "Objects to skip.", Doc{"type": "integer", "minimum": 0, "maximum": 1000000}),
		qp("$total", "Include the total count.", Doc{"type": "boolean"}),
		cursorParam(false), cursorParam(true),
		Doc{"name": "$sort", "in": "query", "style": "deepObject", "explode": true,
			"description": "Sort keys in order, in the array form: $sort[0][lastName]=1&$sort[1][firstName]=-1 (1 ascending, -1 descending). " +
				"One key may also be given as $sort[createdAt]=-1; several keys in that object form are refused (their order is lost on the way). Sortable: " + strings.Join(strs2(sortable), ", ") + ".",
			"schema": Doc{"anyOf": []any{Doc{"type": "array", "items": oneKey, "maxItems": 8}, oneKey}}},
		Doc{"name": "$select", "in": "query", "description": "Fields to return besides id and object, as $select[]=firstName.",
			"schema": Doc{"type": "array", "items": Doc{"type": "string", "enum": selectable}}},
		Doc{"name": "$search", "in": "query", "style": "deepObject", "explode": true, "description": "MongoDB $text search over the searchable fields: a string, or $search[text]=...&$search[language]=en.",
			"schema": Doc{"anyOf": []any{Doc{"type": "string", "maxLength": 1000}, Doc{"type": "object", "required": []any{"text"}, "additionalProperties": false, "properties": Doc{
				"text": Doc{"type": "string", "maxLength": 1000}, "language": Doc{"type": "string", "enum": []any{"en", "fr", "es", "de", "none"}},
				"caseSensitive": Doc{"type": "boolean"}, "diacriticSensitive": Doc{"type": "boolean"}, "sortByRelevance": Doc{"type": "boolean"},
			}}}}},
		Doc{"name": "$or", "in": "query", "style": "deepObject", "explode": true, "description": "Any of these sets of conditions: $or[0][lastName]=A&$or[1][status]=inactive (at most 10).",
			"schema": Doc{"type": "array", "maxItems": 10, "items": Doc{"type": "object"}}},
		Doc{"name": "$and", "in": "query", "style": "deepObject", "explode": true, "description": "All of these sets of conditions (at most 10).",
			"schema": Doc{"type": "array", "maxItems": 10, "items": Doc{"type": "object"}}},
	}
	for _, f := range res.Fields {
		v, ok := filterable(f)
		if !ok {
			continue
		}
		indexed := ""
		for _, i := range res.IndexedFields() {
			if i == f.Name {
				indexed = " (indexed)"
			}
		}
		out = append(out, Doc{"name": f.Name, "in": "query", "style": "deepObject", "explode": true,
			"description": "Equal to a value, or compared with operators: " + f.Name + "[$in][]=...&" + f.Name + "[$gte]=..." + indexed + ".",
			"schema":      Doc{"anyOf": []any{v, operators(v)}}})
	}
	return out
}

func strs2(a []any) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i] = v.(string)
	}
	return out
}

// hasMoreSchema is every list's hasMore (Stripe's has_more).
var hasMoreSchema = Doc{"type": "boolean", "description": "Whether objects follow this page in the list's order (before it, with endingBefore)."}

// cursorParam is startingAfter (or endingBefore): keyset paging, docs/query.md.
func cursorParam(before bool) Doc {
	if before {
		return qp("endingBefore", "An object id: the page holds the objects just before it in the list's order (read backwards, returned in the list's order). "+
			"Not with $skip or startingAfter.", Doc{"type": "string", "maxLength": 100})
	}
	return qp("startingAfter", "An object id (the last one of the previous page): the page holds the objects after it in the list's order, "+
		"stable under concurrent writes. In id order a deleted object's id keeps its place; with $sort the object must exist (else 400). Not with $skip or endingBefore.",
		Doc{"type": "string", "maxLength": 100})
}

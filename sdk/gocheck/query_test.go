package gocheck_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// TestQueryEncode checks each query against the object a Feathers client would hand to qs (as
// JSON.stringify shows it, strings everywhere), by parsing the encoding with the server's own qs
// parser, and compiles it with the server's query compiler for patients.
func TestQueryEncode(t *testing.T) {
	born := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		q       *hapihub.Query
		object  string // JSON of the qs-parsed query
		encoded string // exact encoding, when checked
		check   func(t *testing.T, q *query.Query)
	}{
		{name: "nil", q: nil, object: `{}`, encoded: ""},
		{name: "equality and sort", q: hapihub.Where(hapihub.Eq("status", "active")).Sort("lastName", hapihub.Asc).Limit(5),
			object:  `{"status":"active","$sort":{"lastName":"1"},"$limit":"5"}`,
			encoded: "status=active&%24sort%5BlastName%5D=1&%24limit=5",
			check: func(t *testing.T, q *query.Query) {
				assert.Equal(t, []query.SortKey{{Field: "lastName"}}, q.Sort)
				assert.Equal(t, 5, q.Limit)
			}},
		{name: "every comparison", q: hapihub.Where(hapihub.Gt("dateOfBirth", born), hapihub.Lte("createdAt", int64(1479664146607)),
			hapihub.Ne("sex", "male"), hapihub.Lt("updatedAt", 99), hapihub.Gte("updatedAt", 1)),
			object: `{"dateOfBirth":{"$gt":"315619200000"},"createdAt":{"$lte":"1479664146607"},"sex":{"$ne":"male"},"updatedAt":{"$lt":"99","$gte":"1"}}`},
		{name: "in and nin", q: hapihub.Where(hapihub.In("status", "active", "inactive"), hapihub.Nin("tags", "vip")),
			object:  `{"status":{"$in":["active","inactive"]},"tags":{"$nin":["vip"]}}`,
			encoded: "status%5B%24in%5D%5B0%5D=active&status%5B%24in%5D%5B1%5D=inactive&tags%5B%24nin%5D%5B0%5D=vip"},
		{name: "exists and null", q: hapihub.Where(hapihub.Exists("email", false), hapihub.Eq("dateOfBirth", nil)),
			object: `{"email":{"$exists":"false"},"dateOfBirth":"null"}`},
		{name: "or of and", q: hapihub.Where(hapihub.Or(hapihub.And(hapihub.Eq("lastName", "Lupin"), hapihub.Eq("status", "active")), hapihub.Eq("address.city", "Hogsmeade"))),
			object: `{"$or":[{"lastName":"Lupin","status":"active"},{"address.city":"Hogsmeade"}]}`},
		{name: "same condition twice goes to $and", q: hapihub.Where(hapihub.Eq("status", "active"), hapihub.Eq("status", "inactive"), hapihub.Gt("createdAt", 1), hapihub.Gt("createdAt", 2)),
			object: `{"status":"active","createdAt":{"$gt":"1"},"$and":[{"status":"inactive"},{"createdAt":{"$gt":"2"}}]}`},
		{name: "explicit and with two ors", q: hapihub.Where(hapihub.And(hapihub.Or(hapihub.Eq("sex", "male")), hapihub.Or(hapihub.Eq("status", "active")))),
			object: `{"$or":[{"sex":"male"}],"$and":[{"$or":[{"status":"active"}]}]}`},
		{name: "several sort keys keep their order", q: hapihub.NewQuery().Sort("lastName", hapihub.Desc).Sort("firstName", hapihub.Asc),
			object: `{"$sort":[{"lastName":"-1"},{"firstName":"1"}]}`,
			check: func(t *testing.T, q *query.Query) {
				assert.Equal(t, []query.SortKey{{Field: "lastName", Desc: true}, {Field: "firstName"}}, q.Sort)
			}},
		{name: "select skip total", q: hapihub.NewQuery().Select("id", "lastName").Skip(20).WithTotal(),
			object: `{"$select":["id","lastName"],"$skip":"20","$total":"true"}`,
			check: func(t *testing.T, q *query.Query) {
				assert.Equal(t, 20, q.Skip)
				assert.True(t, q.Total)
				assert.Contains(t, q.Select, "lastName")
			}},
		{name: "search string with phrase and exclusion", q: hapihub.NewQuery().Search(`"Diagon Alley" -knockturn`),
			object:  `{"$search":"\"Diagon Alley\" -knockturn"}`,
			encoded: "%24search=%22Diagon%20Alley%22%20-knockturn",
			check: func(t *testing.T, q *query.Query) {
				require.NotNil(t, q.Search)
				assert.Equal(t, `"Diagon Alley" -knockturn`, q.Search.Text)
			}},
		{name: "search options", q: hapihub.NewQuery().SearchWith(hapihub.SearchOptions{Text: "Café", CaseSensitive: true, DiacriticSensitive: true, Language: "german", SortByRelevance: true}),
			object: `{"$search":{"text":"Café","caseSensitive":"true","diacriticSensitive":"true","language":"german","sortByRelevance":"true"}}`,
			check: func(t *testing.T, q *query.Query) {
				require.NotNil(t, q.Search)
				assert.True(t, q.Search.SortByRelevance)
				assert.True(t, q.Search.Options.CaseSensitive)
				assert.Equal(t, "german", q.Search.Language)
			}},
		{name: "metadata and reserved characters", q: hapihub.Where(hapihub.Eq("metadata.crm", "a&b=c/d+e")),
			object: `{"metadata.crm":"a&b=c/d+e"}`, encoded: "metadata.crm=a%26b%3Dc%2Fd%2Be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.q.Encode()
			if tc.encoded != "" || tc.q == nil {
				assert.Equal(t, tc.encoded, raw)
			}
			obj, err := qs.Parse(raw)
			require.NoError(t, err)
			got, err := json.Marshal(obj)
			require.NoError(t, err)
			assert.JSONEq(t, tc.object, string(got))
			compiled, err := query.ParseRaw(schema.Patients, raw)
			require.NoError(t, err, "the server must accept %s", raw)
			if tc.check != nil {
				tc.check(t, compiled)
			}
		})
	}
}

// TestQueryEvaluates runs encoded filters through the server's evaluator on sample patients, so
// the operators mean on the server what their names say.
func TestQueryEvaluates(t *testing.T) {
	docs := []map[string]any{
		{"id": "pat_1", "lastName": "Lupin", "status": "active", "createdAt": int64(10), "tags": []any{"vip"}},
		{"id": "pat_2", "lastName": "Tonks", "status": "inactive", "createdAt": int64(20), "email": "t@example.com"},
		{"id": "pat_3", "lastName": "Weasley", "status": "active", "createdAt": int64(30)},
	}
	cases := []struct {
		q    *hapihub.Query
		want []string
	}{
		{hapihub.Where(hapihub.Eq("status", "active")), []string{"pat_1", "pat_3"}},
		{hapihub.Where(hapihub.Ne("status", "active")), []string{"pat_2"}},
		{hapihub.Where(hapihub.In("lastName", "Tonks", "Weasley")), []string{"pat_2", "pat_3"}},
		{hapihub.Where(hapihub.Nin("lastName", "Tonks", "Weasley")), []string{"pat_1"}},
		{hapihub.Where(hapihub.Gt("createdAt", 10), hapihub.Lt("createdAt", 30)), []string{"pat_2"}},
		{hapihub.Where(hapihub.Gte("createdAt", 20)), []string{"pat_2", "pat_3"}},
		{hapihub.Where(hapihub.Lte("createdAt", 20)), []string{"pat_1", "pat_2"}},
		{hapihub.Where(hapihub.Exists("email", true)), []string{"pat_2"}},
		{hapihub.Where(hapihub.Eq("tags", "vip")), []string{"pat_1"}},
		{hapihub.Where(hapihub.Or(hapihub.Eq("lastName", "Lupin"), hapihub.And(hapihub.Eq("status", "active"), hapihub.Gt("createdAt", 25)))), []string{"pat_1", "pat_3"}},
		{hapihub.Where(hapihub.And(hapihub.Gt("createdAt", 5), hapihub.Gt("createdAt", 15))), []string{"pat_2", "pat_3"}},
		{hapihub.NewQuery().Sort("status", hapihub.Asc).Sort("createdAt", hapihub.Desc), []string{"pat_3", "pat_1", "pat_2"}},
	}
	for _, tc := range cases {
		t.Run(tc.q.Encode(), func(t *testing.T) {
			q, err := query.ParseRaw(schema.Patients, tc.q.Encode())
			require.NoError(t, err)
			page, _ := q.Run(schema.Patients, docs)
			var ids []string
			for _, d := range page {
				ids = append(ids, d["id"].(string))
			}
			assert.Equal(t, tc.want, ids)
		})
	}
}

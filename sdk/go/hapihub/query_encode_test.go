package hapihub_test

import (
	"net/url"
	"testing"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// TestQueryEncodeExact pins the bytes the client sends for the shapes whose encoding matters to
// the server. The server-side half (the server's own qs parser and query compiler read these
// encodings as meant) is sdk/gocheck's TestQueryEncode in the server module.
func TestQueryEncodeExact(t *testing.T) {
	cases := []struct {
		name string
		q    *hapihub.Query
		want string // decoded form, easier to read than the percent-encoded one
	}{
		{"one sort key is the object form", hapihub.NewQuery().Sort("lastName", hapihub.Asc),
			"$sort[lastName]=1"},
		// API Gateway hands Lambda the query string as a map, so $sort[lastName]=1&$sort[firstName]=-1
		// could reach the server in either order; the array form carries the order in its indices.
		{"several sort keys are the array form", hapihub.NewQuery().Sort("lastName", hapihub.Asc).Sort("firstName", hapihub.Desc),
			"$sort[0][lastName]=1&$sort[1][firstName]=-1"},
		{"three sort keys", hapihub.NewQuery().Sort("status", hapihub.Desc).Sort("lastName", hapihub.Asc).Sort("createdAt", hapihub.Desc),
			"$sort[0][status]=-1&$sort[1][lastName]=1&$sort[2][createdAt]=-1"},
		{"filters, sort, limit", hapihub.Where(hapihub.Eq("status", "active")).Sort("lastName", hapihub.Asc).Limit(5),
			"status=active&$sort[lastName]=1&$limit=5"},
		{"in", hapihub.Where(hapihub.In("status", "active", "inactive")),
			"status[$in][0]=active&status[$in][1]=inactive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			enc := tc.q.Encode()
			got, err := url.QueryUnescape(enc)
			noErr(t, err)
			check.Equal(t, tc.want, got)
			check.NotEqual(t, got, enc, "brackets and $ are percent-encoded as qs does")
		})
	}
}

package localtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// Issue 6: queries answer the same over HTTP on the runner (planner, indexes, term index) as the
// in-memory evaluator answers over every object of the sandbox.
func TestQueriesOverHTTPMatchTheEvaluator(t *testing.T) {
	env := localtest.Shared(t)
	acct, err := env.Store.GetAccount(context.Background(), env.Stack.Bootstrap.AccountID)
	require.NoError(t, err)
	tenant := store.Tenant{Account: acct.ID, Mode: store.Test, Org: acct.SandboxOrg}
	for _, tc := range []struct {
		res   *schema.Resource
		query string
	}{
		{schema.Patients, "externalId=MRN-100007"},
		{schema.Patients, "lastName=Smith&$sort[firstName]=1"},
		{schema.Patients, "status=inactive&$limit=5&$skip=3&$total=true"},
		{schema.Patients, "dateOfBirth[$gte]=0&dateOfBirth[$lt]=315532800000&$sort[dateOfBirth]=-1&$limit=20"},
		{schema.Patients, "status[$in]=inactive&status[$in]=deceased&$sort[lastName]=1&$limit=50"},
		{schema.Patients, "$or[0][status]=deceased&$or[1][sex]=other&$limit=100&$total=true"},
		{schema.Patients, "tags=vip&$select[]=firstName&$select[]=tags"},
		{schema.Patients, "preferredName[$exists]=true&$limit=100"},
		{schema.Patients, "$search=smith"},
		{schema.Patients, "$search=jones -jack&$limit=50"},
		{schema.Patients, "$limit=0"},
		{schema.Patients, "page=2&size=7&sort=lastName,desc"},
		{schema.Appointments, "status=cancelled&$sort[startsAt]=-1&$limit=25&$total=true"},
		{schema.Invoices, "currency=JPY&status[$ne]=void&$limit=100"},
		{schema.Messages, "read=false&archived[$ne]=true&$limit=30"},
	} {
		t.Run(tc.res.Name+"?"+tc.query, func(t *testing.T) {
			vals, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			r := env.Do(t, "GET", "/"+tc.res.Name+"?"+vals.Encode(), env.TestKey, nil)
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

			q, err := query.ParseRaw(tc.res, tc.query)
			require.NoError(t, err)
			all, err := env.Store.ListAll(context.Background(), tenant, tc.res)
			require.NoError(t, err)
			page, total := q.Run(tc.res, all)
			want, err := json.Marshal(q.Body(page, total))
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(r.Body))
			if !strings.Contains(tc.query, "$limit=0") && !strings.Contains(tc.query, "externalId") {
				assert.NotContains(t, string(want), `"data":[]`, "a query worth comparing returns something")
			}
		})
	}
}

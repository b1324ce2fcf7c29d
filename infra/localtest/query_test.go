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
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// Issue 6: queries answer the same over HTTP on the runner (planner, indexes, term index) as the
// in-memory evaluator answers over every object of the sandbox.
func TestQueriesOverHTTPMatchTheEvaluator(t *testing.T) {
	env := localtest.Shared(t)
	acct, err := env.Store.GetAccount(context.Background(), env.Stack.Bootstrap.AccountID)
	require.NoError(t, err)
	tenant := domain.Tenant{Account: acct.ID, Mode: domain.Test, Org: acct.SandboxOrg}
	// Values taken from the data, so the queries find something at any sandbox size.
	patients, err := env.Store.ListAll(context.Background(), tenant, schema.Patients)
	require.NoError(t, err)
	require.NotEmpty(t, patients)
	last := patients[0]["lastName"].(string)
	for _, tc := range []struct {
		res   *schema.Resource
		query string
	}{
		{schema.Patients, "externalId=MRN-100007"},
		{schema.Patients, "lastName=" + last + "&$sort[firstName]=1"},
		{schema.Patients, "status=active&$limit=2&$skip=1&$total=true"},
		{schema.Patients, "dateOfBirth[$gte]=0&dateOfBirth[$lt]=315532800000&$sort[dateOfBirth]=-1&$limit=20"},
		{schema.Patients, "status[$in]=active&status[$in]=deceased&$sort[lastName]=1&$limit=50"},
		{schema.Patients, "$or[0][status]=deceased&$or[1][sex]=other&$limit=100&$total=true"},
		{schema.Patients, "status=active&$select[]=firstName&$select[]=tags"},
		{schema.Patients, "preferredName[$exists]=false&$limit=100"},
		{schema.Patients, "$search=" + strings.ToLower(last)},
		{schema.Patients, "$search=" + strings.ToLower(last) + " -zzzz&$limit=50"},
		{schema.Patients, "$limit=0"},
		{schema.Patients, "page=1&size=2&sort=lastName,desc"},
		{schema.Appointments, "status[$ne]=cancelled&$sort[startsAt]=-1&$limit=25&$total=true"},
		{schema.Invoices, "currency[$in]=JPY&currency[$in]=USD&currency[$in]=GBP&currency[$in]=EUR&$limit=100"},
		{schema.Messages, "archived[$ne]=true&$sort[createdAt]=-1&$limit=30"},
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
			want, err := json.Marshal(q.Body(page, total, q.Skip+len(page) < total))
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(r.Body))
			if !strings.Contains(tc.query, "$limit=0") && !strings.Contains(tc.query, "externalId") {
				assert.NotContains(t, string(want), `"data":[]`, "a query worth comparing returns something")
			}
		})
	}
}

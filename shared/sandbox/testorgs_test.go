package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
	"github.com/hapihub/hapihub/shared/schema"
)

// A sandbox reset restores the test organization's data too, and writes the test
// organizations' documents (so an account made before they existed gets them).
func TestResetRestoresTestOrganizations(t *testing.T) {
	ctx := context.Background()
	jobs, q, url := jobsOn(t)
	noMsgs := domain.Tenant{Account: tenant.Account, Mode: domain.Test, Org: testorgs.NoMessages}
	_, err := jobs.Store.CreateObject(ctx, noMsgs, schema.Patients, domain.Doc{"firstName": "Stray", "lastName": "Patient"}, domain.Meta{})
	require.NoError(t, err)

	_, _, err = jobs.Start(ctx, tenant.Account, tenant.Org)
	require.NoError(t, err)
	msgs := receive(t, q, url, 1)
	require.Len(t, msgs, 1)
	require.NoError(t, jobs.Run(ctx, msgs[0]))

	want := map[string]int{"patients": sandbox.NoMessagesSizes.Patients, "practitioners": sandbox.NoMessagesSizes.Practitioners,
		"appointments": sandbox.NoMessagesSizes.Appointments, "messages": 0, "invoices": sandbox.NoMessagesSizes.Invoices}
	for name, n := range want {
		res, _ := schema.Lookup(name)
		all, err := jobs.Store.ListAll(ctx, noMsgs, res)
		require.NoError(t, err)
		assert.Len(t, all, n, name)
		for _, d := range all {
			assert.NotEqual(t, "Stray", d["firstName"], "the stray patient is gone")
		}
	}
	for _, o := range testorgs.All() {
		doc, err := jobs.Store.GetOrganization(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, o.Name, doc["name"])
	}
	doc, _ := jobs.Store.GetOrganization(ctx, testorgs.NoMessages)
	assert.Equal(t, []any{}, doc["capabilities"].(map[string]any)["messages"], "its PMS has no messages")
}

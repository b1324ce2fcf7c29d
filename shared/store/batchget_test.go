package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

type batchCounter struct {
	core.DB
	n int
}

func (b *batchCounter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	b.n++
	if len(in.RequestItems) != 1 {
		return nil, fmt.Errorf("one table per call, got %d", len(in.RequestItems))
	}
	for _, ka := range in.RequestItems {
		if len(ka.Keys) > 100 {
			return nil, fmt.Errorf("%d keys in one call", len(ka.Keys))
		}
	}
	return b.DB.BatchGetItem(ctx, in, o...)
}

// TestGetObjects: ids of several resources in one call, more than BatchGetItem's 100 keys split
// into several calls, missing ids and ids stored under another tenant left out of the answer.
func TestGetObjects(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	mine := domain.Tenant{Account: "acct_a", Mode: domain.Test, Org: "org_a"}
	other := domain.Tenant{Account: "acct_b", Mode: domain.Test, Org: "org_b"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seed := func(tn domain.Tenant, res *schema.Resource, n int) []string {
		docs := make([]domain.Doc, n)
		ids := make([]string, n)
		for i := range docs {
			created := now.Add(time.Duration(i) * time.Millisecond)
			ids[i] = core.NewID(res.Prefix, created)
			docs[i] = domain.Doc{"id": ids[i], "object": res.Object, "firstName": fmt.Sprint("F", i), "lastName": "L", "createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli()}
		}
		require.NoError(t, st.SeedObjects(ctx, tn, res.Name, docs))
		return ids
	}
	pats := seed(mine, schema.Patients, 150)
	pracs := seed(mine, schema.Practitioners, 3)
	foreign := seed(other, schema.Patients, 2)

	ask := map[string]*schema.Resource{}
	for _, id := range pats {
		ask[id] = schema.Patients
	}
	for _, id := range pracs {
		ask[id] = schema.Practitioners
	}
	for _, id := range foreign {
		ask[id] = schema.Patients
	}
	missing := core.NewID("pat", now.Add(time.Hour))
	ask[missing] = schema.Patients

	calls := &batchCounter{DB: st.DB}
	st.DB = calls
	got, err := st.GetObjects(ctx, mine, ask)
	require.NoError(t, err)
	assert.Equal(t, 2, calls.n, "157 keys: two BatchGetItem calls of at most 100")
	assert.Len(t, got, len(pats)+len(pracs))
	for _, id := range append(append([]string{}, pats...), pracs...) {
		if assert.Contains(t, got, id) {
			assert.Equal(t, id, got[id]["id"])
			assert.NotContains(t, got[id], "_v", "system attributes are stripped")
		}
	}
	for _, id := range append(foreign, missing) {
		assert.NotContains(t, got, id, "another tenant's or a missing id is absent")
	}
	empty, err := st.GetObjects(ctx, mine, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

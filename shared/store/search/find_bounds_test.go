package search_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/search"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// Every accepted query reads a number of items bounded by its page (plus the run of equal
// first-key values the page ends in), not by the organization; what no index serves is refused.
func TestFindReadsAreBounded(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_b", Mode: domain.Test, Org: "org_b"}
	r := rand.New(rand.NewPCG(3, 5))
	docs := genPatients(r, tn, 400) // 8 surnames: runs of ~50
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	run := map[string]int{}
	for _, d := range docs {
		run[d["lastName"].(string)]++
	}
	largest := 0
	for _, n := range run {
		largest = max(largest, n)
	}
	search.SetMaxCandidates(t, 200)

	tests := []struct {
		raw     string
		maxRead int    // ScannedCount bound
		planHas string // a word of the plan
		refusal string // reason, when refused
	}{
		// The compound index (lastName, firstName) carries the tie-breaker: just the page (+1).
		{raw: "$sort[0][lastName]=1&$sort[1][firstName]=1&$limit=5", maxRead: 6, planHas: "sort lastName+firstName"},
		{raw: "$sort[0][lastName]=-1&$sort[1][firstName]=-1&$skip=3&$limit=5", maxRead: 9, planHas: "sort lastName+firstName"},
		{raw: "lastName=Smith&$sort[firstName]=-1&$limit=5", maxRead: 6, planHas: "equality lastName sorted by firstName"},
		{raw: "$sort[0][lastName]=1&$sort[1][firstName]=1&$sort[2][createdAt]=-1&$limit=5", maxRead: 4 * (6 + 7), planHas: "then 1 key(s) by run"},
		// Opposite directions on the compound index: a skip scan, one item per surname spanned.
		{raw: "$sort[0][lastName]=1&$sort[1][firstName]=-1&$limit=5", maxRead: 10 + 2, planHas: "skip scan"}, // first pages read at least 10
		{raw: "$sort[0][lastName]=-1&$sort[1][firstName]=1&$sort[2][createdAt]=-1&$limit=20&$skip=10", maxRead: 4 * (31 + 8), planHas: "skip scan"},
		{raw: "$sort[0][lastName]=-1&$sort[1][firstName]=1&$skip=45&$limit=10", maxRead: 45 + 10 + 3 + 4, planHas: "skip scan"},
		// Mixed directions elsewhere: the first key's index, each run of equal values sorted
		// whole. Pages grow 4x as they stream: the bound is 4 x (the page + the run it ends in).
		{raw: "$sort[0][status]=1&$sort[1][lastName]=-1&$limit=5", refusal: "query_not_indexed"}, // runs of a status are huge
		{raw: "status=active&$sort[0][lastName]=1&$sort[1][createdAt]=-1&$limit=5", maxRead: 4 * (6 + largest), planHas: "by run"},
		{raw: "$sort[0][createdAt]=-1&$sort[1][lastName]=1&$limit=10", maxRead: 4 * (11 + 3), planHas: "by run"},
		{raw: "$sort[lastName]=1&$sort[id]=-1&$limit=10", maxRead: 4 * (11 + largest), planHas: "by run"},
		// An enum equality reads the sort's index and filters (a third are active here).
		{raw: "status=active&$sort[0][createdAt]=1&$sort[1][firstName]=1&$limit=10", maxRead: 4 * 3 * 11, planHas: "sort createdAt"},
		{raw: "$or[0][lastName]=Smith&$or[1][status]=deceased&$limit=10", maxRead: 3 * 11, planHas: "or"},
		// Branches on the compound index's first field, sorted on its second: merged ranges.
		{raw: "$or[0][lastName]=Smith&$or[1][lastName]=Jones&$sort[firstName]=-1&$limit=10", maxRead: 2 * 11, planHas: "merged compound ranges"},
		{raw: "$or[0][lastName]=Smith&$or[1][lastName]=Jones&$sort[0][firstName]=1&$sort[1][createdAt]=-1&$limit=10", maxRead: 4 * 2 * (11 + 20), planHas: "merged compound ranges"},
		// The compound index (lastName, dateOfBirth): a surname, or an $or of surnames, by birth date.
		{raw: "$or[0][lastName]=Smith&$or[1][lastName]=Jones&$sort[dateOfBirth]=1&$limit=10", maxRead: 2 * 11, planHas: "merged compound ranges"},
		{raw: "$or[0][lastName]=Smith&$or[1][lastName]=Jones&$sort[dateOfBirth]=-1&$skip=5&$limit=10", maxRead: 2 * 16, planHas: "merged compound ranges"},
		{raw: "lastName=Smith&$sort[dateOfBirth]=-1&$limit=5", maxRead: 6, planHas: "equality lastName sorted by dateOfBirth"},
		{raw: "$sort[0][firstName]=1&$sort[1][lastName]=1", refusal: "query_not_indexed"},
		{raw: "sex=female&$sort[address.city]=1", refusal: "query_not_indexed"},
		{raw: "firstName=Nobody", refusal: "query_too_broad"},
		// Skips and totals counted on an index (no rank list) are reads too: held to the budget.
		{raw: "$sort[0][lastName]=1&$sort[1][firstName]=1&$skip=150&$limit=5", maxRead: 150 + 5, planHas: "sort lastName+firstName"},
		{raw: "$sort[0][lastName]=1&$sort[1][firstName]=1&$skip=201&$limit=5", refusal: "query_too_broad"},
		{raw: "createdAt[$gt]=0&$sort[createdAt]=-1&$limit=5&$total=true", refusal: "query_too_broad"},
		// A total of exactly a rank list's objects is its count (a few chunk items), whatever
		// index the page comes from.
		{raw: "$sort[createdAt]=-1&$limit=5&$total=true", maxRead: 6 + 40, planHas: "createdAt order = id order) + rank list"},
		// createdAt order is id order (timeorder.go): skips and totals from the rank lists, and
		// createdAt ranges as id ranges, read in order.
		{raw: "status=active&$sort[createdAt]=-1&$skip=150&$limit=5", maxRead: 5 + 40, planHas: "createdAt order = id order) + rank list"},
		{raw: "$sort[0][createdAt]=1&$sort[1][id]=1&$skip=190&$limit=5&$total=true", maxRead: 5 + 40, planHas: "rank list"},
		{raw: "createdAt[$gt]=0&$limit=5", maxRead: 10, planHas: "partition from id range"},
		{raw: "$sort[0][createdAt]=1&$sort[1][id]=-1&$limit=5", maxRead: 4 * (6 + 2), planHas: "by run"},
		{raw: "status=active&$sort[0][lastName]=1&$sort[1][firstName]=1&$skip=3&$limit=5&$total=true", maxRead: 80, planHas: "sort lastName+firstName"},
		{raw: "dateOfBirth[$lt]=0&$sort[firstName]=1", refusal: "query_too_broad"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			q, err := query.ParseRaw(schema.Patients, tc.raw)
			require.NoError(t, err)
			got, err := st.Find(ctx, tn, schema.Patients, q)
			if tc.refusal != "" {
				require.Error(t, err)
				e := apperr.From(err)
				assert.Equal(t, apperr.InvalidParameters, e.Kind)
				assert.Equal(t, tc.refusal, e.Reason())
				assert.Contains(t, e.Message, "lastName, dateOfBirth, status", "says which fields are indexed")
				return
			}
			require.NoError(t, err)
			assert.Contains(t, got.Stats.Plan, tc.planHas)
			assert.LessOrEqual(t, got.Stats.Scanned, tc.maxRead, "plan %s", got.Stats.Plan)
			page, total := q.Run(schema.Patients, docs)
			assert.Equal(t, ids(page), ids(got.Docs), "plan %s", got.Stats.Plan)
			if q.Total {
				assert.Equal(t, total, got.Total, "plan %s", got.Stats.Plan)
			}
		})
	}
}

// A data directory written before the compound index existed: its objects lack the index's
// attributes until EnsureIndexAttrs (run at start-up) adds them, once.
func TestEnsureIndexAttrsBackfillsCompoundIndex(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_old"}
	docs := genPatients(rand.New(rand.NewPCG(9, 2)), tn, 30)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	var compound search.IndexSlot
	for _, sl := range search.IndexSlots(schema.Patients) {
		if sl.Field == "lastName+firstName" {
			compound = sl
		}
	}
	require.NoError(t, search.DropSlotAttrs(ctx, st.Index, tn, schema.Patients, compound.Index))
	q, err := query.ParseRaw(schema.Patients, "$sort[0][lastName]=1&$sort[1][firstName]=1&$limit=100")
	require.NoError(t, err)
	got, err := st.Find(ctx, tn, schema.Patients, q)
	require.NoError(t, err)
	require.Empty(t, got.Docs, "the index misses the old objects")

	require.NoError(t, st.EnsureIndexAttrs(ctx))
	got, err = st.Find(ctx, tn, schema.Patients, q)
	require.NoError(t, err)
	want, _ := q.Run(schema.Patients, docs)
	assert.Equal(t, ids(want), ids(got.Docs))
	assert.Len(t, got.Docs, 30)
}

// A data directory written when the slot indexes had their own partition attributes (GSI<n>PK =
// <partition>#<field>): EnsureIndexAttrs removes them once, every object still carries its
// slots' sort keys, and finds on every slot answer as before.
func TestEnsureIndexAttrsRemovesLegacySlotPartitions(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_legacy"}
	docs := genPatients(rand.New(rand.NewPCG(9, 3)), tn, 30)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	require.NoError(t, search.AddLegacySlotPKs(ctx, st.Index, tn, schema.Patients))
	legacy := func() (n int) {
		out, err := st.DB.Query(ctx, &dynamodb.QueryInput{TableName: &st.Table, KeyConditionExpression: aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: core.Partition(tn, "patients")}}})
		require.NoError(t, err)
		require.Len(t, out.Items, 30)
		for _, it := range out.Items {
			for k := range it {
				if strings.HasPrefix(k, "GSI") && strings.HasSuffix(k, "PK") && k != "GSI1PK" {
					n++
				}
			}
			for _, sl := range search.IndexSlots(schema.Patients) {
				require.Contains(t, it, sl.SK)
			}
		}
		return n
	}
	require.Equal(t, 30*len(search.IndexSlots(schema.Patients)), legacy())

	require.NoError(t, st.EnsureIndexAttrs(ctx))
	require.Zero(t, legacy(), "every GSI<n>PK of a slot is gone")
	for _, raw := range []string{"lastName=" + docs[0]["lastName"].(string), "$sort[createdAt]=-1&$limit=100",
		"$sort[0][lastName]=1&$sort[1][firstName]=1&$limit=100", "status=active&$sort[dateOfBirth]=1&$limit=100"} {
		q, err := query.ParseRaw(schema.Patients, raw)
		require.NoError(t, err)
		got, err := st.Find(ctx, tn, schema.Patients, q)
		require.NoError(t, err, raw)
		want, _ := q.Run(schema.Patients, docs)
		assert.Equal(t, ids(want), ids(got.Docs), raw)
		assert.NotEmpty(t, got.Docs, raw)
	}
}

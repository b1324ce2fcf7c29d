package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// Phrases with partial edge words, stop words, punctuation, diacritics and case, over
// storetest's phrase workload.
var phraseSearches = []string{
	`"2 Kalo Str"`, `"alo Street"`, `"o Street N"`, `"12 Kalo Street"`, `"Kalo Street"`, `"kalo-street"`,
	`"the mill"`, `"Old Mill Lane"`, `"ill La"`, `"café row"`, `"CAFÉ ROW"`, `"e Ro"`, `"mill's end"`,
	`"new york"`, `"ew Yo"`, `"Street North"`, `"1 Kalo"`, `"Kalo Street" -"Kalo Street North"`,
	`"Kalo" "Street"`, `"Old Mill" "Leeds"`, `"Mill Lane" york`, `york "Mill Lane" -leeds`, `"2, Kal"`,
	`"example.com"`, `"ann1@ex"`, `"3 Kalo Street" "12 Kalo"`, `"the old mill"`, `"12 kalo street north"`,
}

// TestFindPhrasesDifferential compares phrase searches planned on the pair index with the
// reference evaluator (find_test.go), through seeds, creates, updates and deletes.
func TestFindPhrasesDifferential(t *testing.T) {
	st, tn, live := storetest.PhraseTable(t, 5, 240)
	ctx := context.Background()
	all := make([]domain.Doc, 0, len(live))
	for _, d := range live {
		all = append(all, d)
	}
	r := rand.New(rand.NewPCG(9, 9))
	plans := map[string]int{}
	matched := 0
	for n := range 300 {
		var search any = phraseSearches[r.IntN(len(phraseSearches))]
		language := ""
		if r.IntN(2) == 0 {
			o := obj{{"text", search}, {"sortByRelevance", r.IntN(3) == 0}, {"caseSensitive", r.IntN(3) == 0}, {"diacriticSensitive", r.IntN(3) == 0}}
			if r.IntN(5) == 0 {
				// Another language than the term index's: the pairs narrow the partition scan.
				language = []string{"french", "none"}[r.IntN(2)]
				o = append(o, kv{"language", language})
			}
			search = o
		}
		gq := obj{{"$search", search}}
		if r.IntN(4) == 0 {
			gq = append(gq, kv{"status", statuses[r.IntN(3)]})
		}
		if r.IntN(3) == 0 {
			gq = append(gq, kv{"$sort", obj{{sortFields[r.IntN(len(sortFields))], []int64{1, -1}[r.IntN(2)]}}})
		}
		if r.IntN(2) == 0 {
			gq = append(gq, kv{"$limit", int64(r.IntN(25))})
		}
		if r.IntN(3) == 0 {
			gq = append(gq, kv{"$skip", int64(r.IntN(20))})
		}
		if r.IntN(3) == 0 {
			gq = append(gq, kv{"$total", true})
		}
		raw := stringify(gq)
		q, err := query.ParseRaw(schema.Patients, raw)
		require.NoError(t, err, raw)
		got, err := st.Find(ctx, tn, schema.Patients, q)
		require.NoError(t, err, raw)
		wantPage, wantTotal := reference(all, gq)
		if language != "" {
			// The reference evaluator stems in English; the in-memory executor is the reference.
			var page []domain.Doc
			page, wantTotal = q.Run(schema.Patients, all)
			wantPage = ids(page)
		}
		require.Equal(t, wantPage, ids(got.Docs), "query %d: %s (plan %s)", n, raw, got.Stats.Plan)
		if q.Total {
			require.Equal(t, wantTotal, got.Total, "total of query %d: %s (plan %s)", n, raw, got.Stats.Plan)
		}
		matched += len(wantPage)
		f := strings.Fields(got.Stats.Plan)
		plans[strings.Join(f[:min(2, len(f))], " ")]++
		if language != "" && strings.HasPrefix(got.Stats.Plan, "search pairs") {
			plans["language pairs"]++
		}
	}
	require.Greater(t, plans["search pairs"], 150, "%v", plans)
	require.Positive(t, plans["language pairs"], "%v", plans)
	require.Greater(t, matched, 300, "the phrases must match documents")
}

// Phrases read fewer than two items per item returned, vocabulary reads included.
func TestFindPhraseReadAmplification(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_amp", Mode: domain.Test, Org: "org_amp"}
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	streets := []string{"Kalo", "Mill", "Oak", "Vimi", "Neru", "Tonsa"}
	var docs []domain.Doc
	for i := range 600 {
		created := base.Add(time.Duration(i) * time.Minute)
		docs = append(docs, domain.Doc{"id": core.IDFrom("pat", created, cryptoless{r}), "object": "patient", "organizationId": tn.Org,
			"livemode": false, "createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(), "firstName": "Ann", "lastName": "Smith",
			"sex": "unknown", "status": "active", "tags": []any{}, "metadata": map[string]any{},
			"address": map[string]any{"line1": fmt.Sprintf("%d %s Street", 1+r.IntN(40), streets[r.IntN(len(streets))]), "city": "Leeds"}})
	}
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	for _, tc := range []struct {
		phrase  string
		minDocs int
	}{
		{"12 Kalo Street", 1}, // ~2.5 matches: the left edge (12, kalo) and (112, kalo)...
		{"Kalo Street", 10},   // two tokens: pairs (..kalo, street..)
		{"alo Street", 10},
		{"7 Mill Str", 1},
		{"Street", 0}, // one token: the term lists, not the pair index
	} {
		q, err := query.ParseRaw(schema.Patients, "$search="+url.QueryEscape(`"`+tc.phrase+`"`))
		require.NoError(t, err)
		res, err := st.Find(ctx, tn, schema.Patients, q)
		require.NoError(t, err)
		want := 0
		for _, d := range docs {
			if strings.Contains(strings.ToLower(d["address"].(map[string]any)["line1"].(string)), strings.ToLower(tc.phrase)) {
				want++
			}
		}
		require.Len(t, res.Docs, min(want, 10), tc.phrase)
		if tc.minDocs == 0 {
			require.NotContains(t, res.Stats.Plan, "pairs", tc.phrase)
			continue
		}
		require.GreaterOrEqual(t, len(res.Docs), tc.minDocs, tc.phrase)
		require.Contains(t, res.Stats.Plan, "search pairs", tc.phrase)
		require.Less(t, float64(res.Stats.Scanned)/float64(len(res.Docs)), 2.0, "%s: %d read for %d (plan %s)", tc.phrase, res.Stats.Scanned, len(res.Docs), res.Stats.Plan)
	}
}

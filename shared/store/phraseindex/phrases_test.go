package phraseindex_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/phraseindex"
	"github.com/hapihub/hapihub/shared/store/storetest"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// pairIndex is the pair index of a tenant's patients as stored: vocabulary counts (non-zero),
// left counts mirrored by right ones, and posting lists.
type pairIndex struct {
	right, left map[[2]string]int64
	postings    map[string][]string // posting PK suffix -> ids
	overflow    int64
}

func readPairIndex(t *testing.T, st *store.Store, tn domain.Tenant) pairIndex {
	// Counts are applied off the request path: wait for the queued changes, as a reader of
	// counts must.
	st.SettleCounts()
	part := "A#" + tn.Account + "#" + tn.Mode + "#O#" + tn.Org + "#patients#"
	idx := pairIndex{right: map[[2]string]int64{}, left: map[[2]string]int64{}, postings: map[string][]string{}}
	db := st.DB
	if f, ok := db.(*storetest.Failing); ok {
		db = f.DB
	}
	scanner, ok := db.(interface {
		Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	})
	require.True(t, ok, "the test table's client scans")
	var start map[string]types.AttributeValue
	for {
		out, err := scanner.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(st.Table), ExclusiveStartKey: start})
		require.NoError(t, err)
		for _, it := range out.Items {
			pk, sk := it["PK"].(*types.AttributeValueMemberS).Value, it["SK"].(*types.AttributeValueMemberS).Value
			c := int64(0)
			if v, ok := it["c"].(*types.AttributeValueMemberN); ok {
				c, _ = strconv.ParseInt(v.Value, 10, 64)
			}
			rest, ok := strings.CutPrefix(pk, part)
			switch {
			case !ok:
			case strings.HasPrefix(rest, "pairR#") && c != 0:
				idx.right[[2]string{strings.TrimPrefix(rest, "pairR#"), sk}] = c
			case strings.HasPrefix(rest, "pairL#") && c != 0:
				idx.left[[2]string{textsearch.ReverseRunes(sk), strings.TrimPrefix(rest, "pairL#")}] = c
			case rest == "pairovfcount":
				idx.overflow = c
			case strings.HasPrefix(rest, "pair#"), rest == "pairovf":
				idx.postings[rest] = append(idx.postings[rest], sk)
			}
		}
		if start = out.LastEvaluatedKey; start == nil {
			return idx
		}
	}
}

// expectedPairIndex computes the index from the documents, independently of the store's code:
// distinct adjacent surface-token pairs per document, overflow past 8 pairs or 16 terms.
func expectedPairIndex(docs map[string]domain.Doc) pairIndex {
	idx := pairIndex{right: map[[2]string]int64{}, left: map[[2]string]int64{}, postings: map[string][]string{}}
	for id, d := range docs {
		fields := query.SearchFields(schema.Patients, d)
		pairs := map[[2]string]bool{}
		for _, f := range fields {
			toks, _ := textsearch.SurfaceTokens(f.Text)
			for i := 0; i+1 < len(toks); i++ {
				pairs[[2]string{toks[i], toks[i+1]}] = true
			}
		}
		if len(pairs) > phraseindex.MaxPairs || len(textsearch.IndexTerms(fields, "english")) > phraseindex.MaxPairTerms {
			idx.overflow++
			idx.postings["pairovf"] = append(idx.postings["pairovf"], id)
			continue
		}
		for p := range pairs {
			idx.right[p]++
			idx.left[p]++
			key := "pair#" + p[0] + "\x01" + p[1]
			idx.postings[key] = append(idx.postings[key], id)
		}
	}
	return idx
}

func requireIndex(t *testing.T, want, got pairIndex, msg string) {
	t.Helper()
	for _, m := range []map[string][]string{want.postings, got.postings} {
		for k := range m {
			sortStrings(m[k])
		}
	}
	require.Equal(t, want.right, got.right, "right counts, %s", msg)
	require.Equal(t, want.left, got.left, "left counts, %s", msg)
	require.Equal(t, want.overflow, got.overflow, "overflow count, %s", msg)
	require.Equal(t, want.postings, got.postings, "postings, %s", msg)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestPairVocabularyCounts(t *testing.T) {
	ctx := context.Background()
	t.Run("create, update, delete", func(t *testing.T) {
		st := storetest.New(t)
		tn := domain.Tenant{Account: "acct_v", Mode: domain.Test, Org: "org_v"}
		base := domain.Doc{"firstName": "Ann", "lastName": "Smith", "sex": "unknown", "status": "active"}
		with := func(line string) domain.Doc {
			d := domain.Doc{}
			for k, v := range base {
				d[k] = v
			}
			d["address"] = map[string]any{"line1": line, "city": "Leeds"}
			return d
		}
		a, err := st.CreateObject(ctx, tn, schema.Patients, with("12 Kalo Street"), domain.Meta{})
		require.NoError(t, err)
		_, err = st.CreateObject(ctx, tn, schema.Patients, with("14 Kalo Street"), domain.Meta{})
		require.NoError(t, err)
		got := readPairIndex(t, st, tn)
		require.Equal(t, map[[2]string]int64{{"12", "kalo"}: 1, {"14", "kalo"}: 1, {"kalo", "street"}: 2}, got.right)
		require.Equal(t, got.right, got.left)
		_, _, err = st.UpdateObject(ctx, tn, schema.Patients, a["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
			cur["address"] = map[string]any{"line1": "14 Kalo Street", "city": "Leeds"}
			return cur, nil
		}, domain.Meta{})
		require.NoError(t, err)
		got = readPairIndex(t, st, tn)
		require.Equal(t, map[[2]string]int64{{"14", "kalo"}: 2, {"kalo", "street"}: 2}, got.right)
		require.Len(t, got.postings["pair#14\x01kalo"], 2)
		require.NotContains(t, got.postings, "pair#12\x01kalo")
		_, err = st.DeleteObject(ctx, tn, schema.Patients, a["id"].(string), 0, domain.Meta{})
		require.NoError(t, err)
		got = readPairIndex(t, st, tn)
		require.Equal(t, map[[2]string]int64{{"14", "kalo"}: 1, {"kalo", "street"}: 1}, got.right)
	})
	t.Run("generated writes, then a reset", func(t *testing.T) {
		st, tn, live := storetest.PhraseTable(t, 21, 160)
		want := expectedPairIndex(live)
		require.Positive(t, want.overflow)
		requireIndex(t, want, readPairIndex(t, st, tn), "after writes")
		// A sandbox reset: purge, then reseed the same objects.
		n, err := st.PurgeObjects(ctx, tn, schema.Patients)
		require.NoError(t, err)
		require.Equal(t, len(live), n)
		requireIndex(t, expectedPairIndex(nil), readPairIndex(t, st, tn), "after the purge")
		var docs []domain.Doc
		for _, d := range live {
			docs = append(docs, d)
		}
		require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
		requireIndex(t, want, readPairIndex(t, st, tn), "after the reseed")
	})
}

// The worst pair-index transitions stay within TransactWriteItems' 100 items, with two extra
// events and two extra items in the transaction.
func TestPairWritesFitTransaction(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_tx", Mode: domain.Test, Org: "org_tx"}
	words := func(prefix string, n int) string {
		var w []string
		for i := range n {
			w = append(w, fmt.Sprintf("%s%c%c", prefix, 'a'+i%26, 'a'+i/26))
		}
		return strings.Join(w, " ")
	}
	// Short: 8 pairs and 10 terms (the most a message holds under MaxPairs); long: 60 terms.
	short := func(p string) domain.Doc { return domain.Doc{"title": p + "x", "text": words(p, 9)} }
	long := domain.Doc{"title": words("t", 10), "text": words("w", 60)}
	// The two extra items are the most Meta.Tx carries: an idempotency claim (on a reservation of
	// its own, one change per reservation) and an externalId guard.
	extra := func(i int) domain.Meta {
		key := "k" + strconv.Itoa(i)
		_, ok, err := st.ReserveIdempotencyKey(ctx, tn.Account, tn.Mode, key, "fp", "o")
		require.NoError(t, err)
		require.True(t, ok)
		return domain.Meta{ExtraEvents: []string{"message.flagged", "message.noted"}, Tx: domain.Tx{
			Idempotency: &domain.IdemCommit{Account: tn.Account, Mode: tn.Mode, Key: key, Owner: "o", RequestID: "r" + strconv.Itoa(i)},
			Unique:      &domain.UniqueClaim{Resource: "messages", ExternalID: "x" + strconv.Itoa(i), Owner: "msg_x", At: 1},
		}}
	}
	// The message names a real patient: its create also checks, counts and records the reference
	// (three items, shared/store/core/refs.go); the updates keep it.
	owner, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.NoError(t, err)
	msg := domain.Doc{"patientId": owner["id"], "roomId": "r1", "direction": "inbound", "channel": "sms"}
	for k, v := range short("aa") {
		msg[k] = v
	}
	created, err := st.CreateObject(ctx, tn, schema.Messages, msg, extra(0))
	require.NoError(t, err)
	id := created["id"].(string)
	for i, next := range []domain.Doc{short("bb"), long, short("cc"), long, {"title": words("z", 10), "text": words("y", 60)}} {
		_, _, err := st.UpdateObject(ctx, tn, schema.Messages, id, 0, func(cur domain.Doc) (domain.Doc, error) {
			for k, v := range next {
				cur[k] = v
			}
			// Every ranked field changes too: each moves the message between two rank lists.
			cur["read"], cur["archived"] = i%2 == 0, i%2 == 0
			cur["channel"] = []string{"email", "sms"}[i%2]
			return cur, nil
		}, extra(i+1))
		require.NoError(t, err, "update %d", i)
	}
	_, err = st.DeleteObject(ctx, tn, schema.Messages, id, 0, extra(9))
	require.NoError(t, err)

	// Patients have six searchable fields: 8 pairs with 14 term postings, replaced by another
	// such set, by 41 term postings (both overflows) and back.
	patient := func(p string) domain.Doc {
		w := strings.Fields(words(p, 14))
		return domain.Doc{"firstName": w[0] + " " + w[1], "lastName": w[2] + " " + w[3], "preferredName": w[4] + " " + w[5],
			"email": w[6] + "@" + w[7] + "." + w[8], "address": map[string]any{"line1": w[9] + " " + w[10] + " " + w[11], "city": w[12] + " " + w[13]}}
	}
	fields := patient("pa")
	fields["sex"], fields["status"] = "unknown", "active"
	pat, err := st.CreateObject(ctx, tn, schema.Patients, fields, extra(10))
	require.NoError(t, err)
	longPatient := patient("pl")
	longPatient["preferredName"] = words("q", 60)
	for i, next := range []domain.Doc{patient("pb"), longPatient, patient("pc")} {
		_, _, err := st.UpdateObject(ctx, tn, schema.Patients, pat["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
			for k, v := range next {
				cur[k] = v
			}
			return cur, nil
		}, extra(11+i))
		require.NoError(t, err, "patient update %d", i)
	}
}

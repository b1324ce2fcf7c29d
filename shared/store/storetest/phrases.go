package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// The phrase workload both the planner's phrase tests (shared/store/search) and the pair index's
// (shared/store/phraseindex) write: patients whose addresses repeat a few streets and cities,
// with partial words, stop words, punctuation, diacritics and case, some with too many pairs.
var (
	PhraseStreets = []string{"Kalo Street", "Kalo-Street", "Old Mill Lane", "The Mill Lane", "Café Row", "CAFE ROW", "Mill's End", "Kalo Street North"}
	PhraseCities  = []string{"Leeds", "New York", "York", "Newport"}

	// The names and statuses generated patients have (the search tests' differential too).
	LastNames  = []string{"Smith", "Jones", "Okafor", "García", "Nguyen", "O'Brien", "Müller", "Smithers"}
	FirstNames = []string{"Ann", "Bob", "Cleo", "Dev", "Ema", "Finn", "Gus"}
	Statuses   = []string{"active", "inactive", "deceased"}
)

// PhrasePatients are n generated patients of tn, with ids drawn from r.
func PhrasePatients(r *rand.Rand, tn domain.Tenant, n int) []domain.Doc {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]domain.Doc, 0, n)
	for range n {
		created := base.Add(time.Duration(r.IntN(5000)) * time.Minute)
		d := domain.Doc{
			"id": core.IDFrom("pat", created, randReader{r}), "object": "patient", "organizationId": tn.Org, "livemode": false,
			"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(),
			"firstName": FirstNames[r.IntN(len(FirstNames))], "lastName": LastNames[r.IntN(len(LastNames))],
			"sex": "unknown", "status": Statuses[r.IntN(3)], "tags": []any{}, "metadata": map[string]any{},
		}
		if r.IntN(4) > 0 {
			d["address"] = map[string]any{"line1": PhraseLine(r), "city": PhraseCities[r.IntN(len(PhraseCities))]}
		}
		if r.IntN(3) == 0 {
			d["email"] = fmt.Sprintf("%s%d@example.com", strings.ToLower(d["firstName"].(string)), r.IntN(3))
		}
		if r.IntN(10) == 0 {
			// Too many pairs: the object goes to the pair-overflow list.
			d["preferredName"] = "Ann of the Old Mill Lane near Kalo Street by the Café Row"
		}
		out = append(out, d)
	}
	return out
}

// PhraseLine is a generated address line.
func PhraseLine(r *rand.Rand) string {
	line := fmt.Sprintf("%d %s", 1+r.IntN(13), PhraseStreets[r.IntN(len(PhraseStreets))])
	if r.IntN(5) == 0 {
		line = "Flat 2, " + line
	}
	return line
}

// PhraseTable is a tenant's patients written through seeds, creates, updates and deletes, with
// the live documents a reference evaluates.
func PhraseTable(t *testing.T, seed uint64, n int) (*store.Store, domain.Tenant, map[string]domain.Doc) {
	st := New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_pairs", Mode: domain.Test, Org: "org_pairs"}
	r := rand.New(rand.NewPCG(seed, 13))
	docs := PhrasePatients(r, tn, n)
	seeded := n * 3 / 4
	live := SeedThenCreate(t, st, tn, docs, seeded)
	i := 0
	for id := range live {
		i++
		switch i % 6 {
		case 0:
			_, err := st.DeleteObject(ctx, tn, schema.Patients, id, 0, domain.Meta{})
			must(t, err, "delete")
			delete(live, id)
		case 1, 2:
			next, _, err := st.UpdateObject(ctx, tn, schema.Patients, id, 0, func(cur domain.Doc) (domain.Doc, error) {
				switch r.IntN(3) {
				case 0:
					cur["address"] = map[string]any{"line1": PhraseLine(r), "city": PhraseCities[r.IntN(len(PhraseCities))]}
				case 1:
					delete(cur, "address")
				default:
					if _, ok := cur["preferredName"]; ok {
						delete(cur, "preferredName")
					} else {
						cur["preferredName"] = "Mill Lane and Kalo Street and the Old Mill and more words"
					}
				}
				return cur, nil
			}, domain.Meta{})
			must(t, err, "update")
			live[id] = next
		}
	}
	return st, tn, live
}

// SeedThenCreate seeds docs[:seeded] and creates the rest through the transactional write path
// (new ids), returning the live objects by id.
func SeedThenCreate(t testing.TB, st *store.Store, tn domain.Tenant, docs []domain.Doc, seeded int) map[string]domain.Doc {
	t.Helper()
	ctx := context.Background()
	must(t, st.SeedObjects(ctx, tn, "patients", docs[:seeded]), "seed")
	live := map[string]domain.Doc{}
	for _, d := range docs[:seeded] {
		live[d["id"].(string)] = d
	}
	for _, d := range docs[seeded:] {
		fields := domain.Doc{}
		for k, v := range d {
			switch k {
			case "id", "object", "organizationId", "livemode", "createdAt", "updatedAt":
			default:
				fields[k] = v
			}
		}
		created, err := st.CreateObject(ctx, tn, schema.Patients, fields, domain.Meta{})
		must(t, err, "create")
		live[created["id"].(string)] = created
	}
	return live
}

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// randReader adapts math/rand to io.Reader for deterministic ids.
type randReader struct{ r *rand.Rand }

func (c randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c.r.IntN(256))
	}
	return len(p), nil
}

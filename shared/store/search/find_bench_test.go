package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// benchOrg is an organization of n generated patients on the embedded engine, built once per
// size and kept across b.N runs and sub-benchmarks.
type benchOrg struct {
	st   *store.Store
	tn   domain.Tenant
	docs []domain.Doc
}

var (
	benchMu   sync.Mutex
	benchOrgs = map[int]*benchOrg{}
)

func syllables(r *rand.Rand, n int) string {
	parts := []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ber", "dan", "gor", "hal", "lin", "mor", "son", "ton", "wel", "zak"}
	s := ""
	for range n {
		s += parts[r.IntN(len(parts))]
	}
	return string(s[0]-32) + s[1:]
}

func buildOrg(b *testing.B, n int) *benchOrg {
	benchMu.Lock()
	defer benchMu.Unlock()
	if o, ok := benchOrgs[n]; ok {
		return o
	}
	st, reused := benchTable(b, n)
	tn := domain.Tenant{Account: "acct_bench", Mode: domain.Test, Org: fmt.Sprintf("org_%d", n)}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	// About 100 patients per surname at every size, so a lastName query returns a full page at 1k
	// as at 100k and the two sizes compare the same work.
	surnames := make([]string, max(n/100, 10))
	for i := range surnames {
		surnames[i] = syllables(r, 3)
	}
	// About 10 patients per house number and street at every size (200 numbers at 100k, 2 at 1k),
	// so a phrase of a whole address line returns a full page at both sizes, as lastName does.
	numbers := max(2, n/500)
	streets := make([]string, 50)
	for i := range streets {
		streets[i] = syllables(r, 2)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]domain.Doc, n)
	for i := range docs {
		created := base.Add(time.Duration(i) * time.Minute)
		status := "active"
		if r.IntN(10) == 0 {
			status = "inactive"
		}
		docs[i] = domain.Doc{
			"id": core.IDFrom("pat", created, cryptoless{r}), "object": "patient", "organizationId": tn.Org, "livemode": false,
			"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(),
			"externalId": fmt.Sprintf("MRN-%07d", i), "firstName": syllables(r, 2), "lastName": surnames[r.IntN(len(surnames))],
			"dateOfBirth": time.Date(1930+r.IntN(90), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).UnixMilli(),
			"sex":         "unknown", "status": status, "tags": []any{}, "metadata": map[string]any{},
			"address": map[string]any{"line1": fmt.Sprintf("%d %s Street", 1+r.IntN(numbers), streets[r.IntN(len(streets))]), "city": "Leeds"},
		}
	}
	// The store's seed path (items, indexes, postings; concurrent batches), in chunks so the
	// write requests of 100k patients are never all in memory at once.
	ctx := context.Background()
	start := time.Now()
	for w := 0; w < n && !reused; w += 2000 {
		if err := st.SeedObjects(ctx, tn, "patients", docs[w:min(n, w+2000)]); err != nil {
			b.Fatal(err)
		}
	}
	if reused {
		// Written by an earlier run: indexes declared since then get their attributes now.
		if err := st.EnsureIndexAttrs(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		b.Logf("seeded %d patients with their postings in %v", n, time.Since(start).Round(time.Millisecond))
		benchSeeded(b, n)
	}
	o := &benchOrg{st: st, tn: tn, docs: docs}
	benchOrgs[n] = o
	b.Cleanup(func() {
		benchMu.Lock()
		delete(benchOrgs, n)
		benchMu.Unlock()
	})
	return o
}

// benchTable is the engine an organization of n patients is built on: a fresh one, or, when
// HAPIHUB_BENCH_DIR is set, the directory <dir>/patients-<n> kept across runs, so profiling a
// query at 100k does not seed 100k patients (minutes) each time. reused says it was seeded
// already (by this fixture: delete the directory after changing how objects are written).
func benchTable(b *testing.B, n int) (st *store.Store, reused bool) {
	dir := os.Getenv("HAPIHUB_BENCH_DIR")
	if dir == "" {
		return storetest.New(b), false
	}
	d := filepath.Join(dir, fmt.Sprintf("patients-%d", n))
	st, _, _ = storetest.EngineWith(b, d, dynamo.Options{NoSync: true, TTLInterval: -1})
	st.LockTimeout = 2 * time.Second
	_, err := os.Stat(filepath.Join(d, "seeded"))
	return st, err == nil
}

func benchSeeded(b *testing.B, n int) {
	if dir := os.Getenv("HAPIHUB_BENCH_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("patients-%d", n), "seeded"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSizes are the organization sizes compared; HAPIHUB_BENCH_SIZES=1000 (comma-separated)
// runs a subset, as seeding 100k patients takes minutes on a small machine.
var benchSizes = func() []int {
	if env := os.Getenv("HAPIHUB_BENCH_SIZES"); env != "" {
		var out []int
		for _, f := range strings.Split(env, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				out = append(out, n)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []int{1_000, 100_000}
}()

// BenchmarkFind reports, per typical query and organization size, the median latency of
// store.Find and its read amplification (items DynamoDB read per item returned).
func BenchmarkFind(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("patients=%s", fmt.Sprintf("%dk", n/1000)), func(b *testing.B) {
			o := buildOrg(b, n)
			d := o.docs[n/2]
			d2 := o.docs[n/3]
			dob := d["dateOfBirth"].(int64)
			street := d["address"].(map[string]any)["line1"].(string)
			queries := []struct{ name, raw string }{
				{"externalId", "externalId=" + d["externalId"].(string)},
				{"lastName", "lastName=" + d["lastName"].(string)},
				{"dateOfBirth-range-sorted", fmt.Sprintf("dateOfBirth[$gte]=%d&dateOfBirth[$lt]=%d&$sort[dateOfBirth]=1", dob, dob+400*24*3600*1000)},
				// At 1k only ~900 patients are active: $skip=1000 is past the end there, so
				// $skip=500 is the pair whose sizes compare.
				{"status-skip1000", "status=active&$skip=1000"},
				{"status-skip500", "status=active&$skip=500"},
				{"search-surname", "$search=" + d["lastName"].(string)},
				// "Kalo Street": both words are at the phrase's edges, so (MongoDB's semantics) the
				// lists of both are read, and every address has "street".
				{"search-phrase", fmt.Sprintf("$search=%%22%s%%22", strings.SplitN(street, " ", 2)[1])},
				// "12 Kalo Street": "kalo" is interior, so its list alone is read.
				{"search-phrase-interior", "$search=" + url.QueryEscape(`"`+street+`"`)},
				{"or-two-fields", fmt.Sprintf("$or[0][lastName]=%s&$or[1][externalId]=%s", d["lastName"], d2["externalId"])},
				// Two surnames merged in first-name order from the compound index's ranges.
				{"or-two-surnames-sorted", fmt.Sprintf("$or[0][lastName]=%s&$or[1][lastName]=%s&$sort[0][firstName]=1&$limit=10", d["lastName"], d2["lastName"])},
				// Sorted by birth date: the compound index (lastName, dateOfBirth)'s ranges, merged.
				{"or-two-surnames-sorted-dob", fmt.Sprintf("$or[0][lastName]=%s&$or[1][lastName]=%s&$sort[0][dateOfBirth]=1&$limit=10", d["lastName"], d2["lastName"])},
				// Several sort keys (issue 15): the compound index (lastName, firstName) in one
				// direction, by skip scan in opposite ones, a first key's runs, an equality on the
				// compound's first key sorted on its second, and a sort with a tie-breaker.
				{"sort-lastName-firstName", "$sort[0][lastName]=1&$sort[1][firstName]=1&$limit=10"},
				{"sort-lastName-firstName-opposite", "$sort[0][lastName]=1&$sort[1][firstName]=-1&$limit=10"},
				// A skip on an index without a rank list is counted on the index (COUNT pages).
				{"sort-lastName-firstName-skip20", "$sort[0][lastName]=1&$sort[1][firstName]=1&$skip=20&$limit=10"},
				{"sort-createdAt-lastName", "$sort[0][createdAt]=-1&$sort[1][lastName]=1&$limit=10"},
				{"lastName-sorted-firstName", "lastName=" + d["lastName"].(string) + "&$sort[0][firstName]=1&$sort[1][id]=-1&$limit=10"},
				{"status-sorted-createdAt-tiebreak", "status=active&$sort[0][createdAt]=-1&$sort[1][id]=-1&$limit=10"},
				// Cursor pages (issue 20) half-way into the list, beside the offset page at the
				// same depth where one is allowed: the cursor reads from the anchor's index key.
				{"cursor-id-deep", "$limit=10&startingAfter=" + d["id"].(string)},
				{"cursor-createdAt-deep", "$sort[createdAt]=-1&$limit=10&startingAfter=" + d["id"].(string)},
				{"createdAt-skip500", "$sort[createdAt]=-1&$limit=10&$skip=500"},
				// createdAt order is id order (timeorder.go): these skips are counted by the rank
				// lists, oldest first and newest first, of the whole resource and of one status.
				{"createdAt-asc-skip500", "$sort[createdAt]=1&$limit=10&$skip=500"},
				{"status-createdAt-skip500", "status=active&$sort[createdAt]=-1&$limit=10&$skip=500"},
				{"status-createdAt-total", "status=active&$sort[createdAt]=-1&$limit=10&$total=true"},
				{"cursor-status-deep", "status=active&$limit=10&startingAfter=" + d["id"].(string)},
				// Newest first with a skip: the rank list read from its end (tail, then chunks).
				{"id-desc-skip500", "$sort[id]=-1&$limit=10&$skip=500"},
				{"status-id-desc-skip500", "status=active&$sort[id]=-1&$limit=10&$skip=500"},
				{"cursor-lastName-firstName-deep", "$sort[0][lastName]=1&$sort[1][firstName]=1&$limit=10&startingAfter=" + d["id"].(string)},
			}
			for _, qc := range queries {
				b.Run(qc.name, func(b *testing.B) {
					q, err := query.ParseRaw(schema.Patients, qc.raw)
					if err != nil {
						b.Fatal(err)
					}
					if q.Cursor != nil {
						q.Seek(schema.Patients, d) // the handler reads the anchor (find.go); here it is d
					}
					ctx := context.Background()
					var durs []time.Duration
					scanned, returned, capacity := 0, 0, 0.0
					b.ResetTimer()
					for range b.N {
						start := time.Now()
						res, err := o.st.Find(ctx, o.tn, schema.Patients, q)
						durs = append(durs, time.Since(start))
						if err != nil {
							b.Fatal(err)
						}
						scanned += res.Stats.Scanned
						capacity += res.Stats.Capacity
						returned += len(res.Docs)
					}
					b.StopTimer()
					sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
					b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "median-ns")
					b.ReportMetric(float64(returned)/float64(b.N), "items/op")
					b.ReportMetric(float64(scanned)/float64(b.N), "scanned/op")
					b.ReportMetric(capacity/float64(b.N), "RCU/op")
					if returned > 0 {
						// Items DynamoDB read (ScannedCount, COUNT queries included) per item returned.
						b.ReportMetric(float64(scanned)/float64(returned), "read-amp")
					}
				})
			}
		})
	}
}

// BenchmarkFindMix runs a Feathers-style mix (look-ups, ranges, pages sorted on a field plus a
// tie-breaker, name-sorted pages, an $or) round robin, beside a single-key baseline (lastName
// equality pages), and reports queries per second and the mix's read amplification, per size.
func BenchmarkFindMix(b *testing.B) {
	for _, n := range benchSizes {
		o := buildOrg(b, n)
		r := rand.New(rand.NewPCG(uint64(n), 9))
		pick := func() domain.Doc { return o.docs[r.IntN(len(o.docs))] }
		pickDoc := func() map[string]any { return pick() }
		mix := func() string { return storetest.FindMix(r, pickDoc) }
		single := func() string { return storetest.SingleKey(pickDoc) }
		for _, c := range []struct {
			name string
			gen  func() string
		}{{"single-key", single}, {"feathers-mix", mix}} {
			b.Run(fmt.Sprintf("patients=%dk/%s", n/1000, c.name), func(b *testing.B) {
				qs := make([]*query.Query, 64)
				for i := range qs {
					q, err := query.ParseRaw(schema.Patients, c.gen())
					if err != nil {
						b.Fatal(err)
					}
					qs[i] = q
				}
				ctx := context.Background()
				scanned, returned := 0, 0
				start := time.Now()
				b.ResetTimer()
				for i := range b.N {
					res, err := o.st.Find(ctx, o.tn, schema.Patients, qs[i%len(qs)])
					if err != nil {
						b.Fatal(err)
					}
					scanned += res.Stats.Scanned
					returned += len(res.Docs)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
				if returned > 0 {
					b.ReportMetric(float64(scanned)/float64(returned), "read-amp")
				}
			})
		}
	}
}

// BenchmarkFindNewestFirst reads newest-first pages with a skip ($sort[id]=-1&$skip=500) from
// rank lists whose tails were written by creates, not seeded: a quiet organization (one create
// a minute, one writer) and a busy one (16 writers at once), each 1,000 seeded patients and
// then 600 created. The tail is what a descending read meets first; its items are the
// difference between the two. Reports read amplification and the tail items read (scanned
// rank items past the chunks a skip needs are the same in both).
func BenchmarkFindNewestFirst(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "quiet"
		if busy {
			name = "busy"
		}
		b.Run(name, func(b *testing.B) {
			st := storetest.New(b)
			tn := domain.Tenant{Account: "acct_bench", Mode: domain.Test, Org: "org_newest_" + name}
			r := rand.New(rand.NewPCG(11, 12))
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			docs := make([]domain.Doc, 1000)
			for i := range docs {
				created := base.Add(time.Duration(i) * time.Minute)
				p := benchPatient(r, i)
				p["id"], p["object"], p["organizationId"], p["livemode"] = core.IDFrom("pat", created, cryptoless{r}), "patient", tn.Org, false
				p["createdAt"], p["updatedAt"], p["metadata"] = created.UnixMilli(), created.UnixMilli(), map[string]any{}
				docs[i] = p
			}
			ctx := context.Background()
			if err := st.SeedObjects(ctx, tn, "patients", docs); err != nil {
				b.Fatal(err)
			}
			create := func(i int) {
				if _, err := st.CreateObject(ctx, tn, schema.Patients, benchPatient(r, i), domain.Meta{}); err != nil {
					b.Error(err)
				}
			}
			if busy {
				var wg sync.WaitGroup
				var mu sync.Mutex
				for w := range 16 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range 600 / 16 {
							mu.Lock() // r is not safe for concurrent use; the creates run concurrently
							p := benchPatient(r, w*100+i)
							mu.Unlock()
							if _, err := st.CreateObject(ctx, tn, schema.Patients, p, domain.Meta{}); err != nil {
								b.Error(err)
							}
						}
					}()
				}
				wg.Wait()
			} else {
				clock := base.Add(2000 * time.Minute)
				st.Now = func() time.Time { return clock }
				for i := range 600 {
					clock = clock.Add(time.Minute)
					create(i)
				}
				st.Now = time.Now
			}
			for _, raw := range []string{"$sort[id]=-1&$limit=10&$skip=500", "status=active&$sort[id]=-1&$limit=10&$skip=500", "$sort[id]=-1&$limit=10&$skip=20"} {
				b.Run(strings.NewReplacer("$sort[id]=-1&", "", "$limit=10&", "", "$", "", "=", "").Replace(raw), func(b *testing.B) {
					q, err := query.ParseRaw(schema.Patients, raw)
					if err != nil {
						b.Fatal(err)
					}
					scanned, returned := 0, 0
					for range b.N {
						res, err := st.Find(ctx, tn, schema.Patients, q)
						if err != nil {
							b.Fatal(err)
						}
						scanned += res.Stats.Scanned
						returned += len(res.Docs)
					}
					if returned > 0 {
						b.ReportMetric(float64(scanned)/float64(returned), "read-amp")
					}
					b.ReportMetric(float64(scanned)/float64(b.N), "scanned/op")
				})
			}
		})
	}
}

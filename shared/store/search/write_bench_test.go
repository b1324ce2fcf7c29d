package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// DynamoDB on-demand prices, us-east-1, standard table class (aws.amazon.com/dynamodb/pricing/
// on-demand, after the November 2024 cut): $0.625 per million write request units, $0.125 per
// million read request units, $0.25 per GB-month stored.
const (
	dollarsPerMillionWRU = 0.625
	dollarsPerMillionRRU = 0.125
	dollarsPerGBMonth    = 0.25
)

// metered asks DynamoDB for the consumed capacity of every call and adds it up, as a bill would,
// and splits the write units by the class of item they were spent on (classOf).
type metered struct {
	core.DB
	mu       sync.Mutex
	wcu, rcu float64
	writes   int                // write calls (a transaction is one)
	classes  map[string]float64 // write units per item class
}

// classOf names what an item is, from its partition key.
func classOf(pk string) string {
	switch {
	case strings.HasPrefix(pk, "OUTBOX#"):
		return "outbox"
	case strings.HasSuffix(pk, "#EVT"):
		return "event"
	case strings.Contains(pk, "#term#"), strings.Contains(pk, "#pair#"), strings.HasSuffix(pk, "#pairovf"):
		return "posting"
	case strings.Contains(pk, "#rank"):
		return "rank"
	case strings.Contains(pk, "#pairR#"), strings.Contains(pk, "#pairL#"), strings.HasSuffix(pk, "#tok"):
		return "vocab"
	case strings.HasSuffix(pk, "#patients"):
		return "object"
	}
	return "other"
}

func itemBytes(it map[string]types.AttributeValue) int {
	n := 0
	for k, v := range it {
		n += len(k) + avSize(v)
	}
	return n
}

// addClasses splits a transaction's units: each item's table units as DynamoDB bills a
// transactional write (2 per KB of the item, rounded up: a Put's size is known here; updates,
// deletes and checks here are of items under 1 KB, so 2), the indexes' units as the engine
// reported them (every GSI here holds objects only). What the estimate misses of the reported
// table units lands in "unexplained", so the split is checked against the bill.
func (m *metered) addClasses(in *dynamodb.TransactWriteItemsInput, out *dynamodb.TransactWriteItemsOutput) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.classes == nil {
		m.classes = map[string]float64{}
	}
	est := 0.0
	for _, ti := range in.TransactItems {
		var pk string
		units := 2.0
		switch {
		case ti.Put != nil:
			pk = ti.Put.Item["PK"].(*types.AttributeValueMemberS).Value
			units = 2 * float64((itemBytes(ti.Put.Item)+1023)/1024)
		case ti.Update != nil:
			pk = ti.Update.Key["PK"].(*types.AttributeValueMemberS).Value
		case ti.Delete != nil:
			pk = ti.Delete.Key["PK"].(*types.AttributeValueMemberS).Value
		case ti.ConditionCheck != nil:
			pk = ti.ConditionCheck.Key["PK"].(*types.AttributeValueMemberS).Value
		}
		m.classes[classOf(pk)] += units
		est += units
	}
	for _, c := range out.ConsumedCapacity {
		for _, g := range c.GlobalSecondaryIndexes {
			m.classes["gsi"] += aws.ToFloat64(g.CapacityUnits)
		}
		if c.Table != nil {
			m.classes["unexplained"] += aws.ToFloat64(c.Table.CapacityUnits) - est
		}
	}
}

// addSingle books a single-item write's reported units to its item's class.
func (m *metered) addSingle(key map[string]types.AttributeValue, c *types.ConsumedCapacity) {
	if c == nil || key["PK"] == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.classes == nil {
		m.classes = map[string]float64{}
	}
	m.classes[classOf(key["PK"].(*types.AttributeValueMemberS).Value)] += aws.ToFloat64(c.CapacityUnits)
}

func (m *metered) add(w bool, cc ...types.ConsumedCapacity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range cc {
		if w {
			m.wcu += aws.ToFloat64(c.CapacityUnits)
		} else {
			m.rcu += aws.ToFloat64(c.CapacityUnits)
		}
	}
	if w {
		m.writes++
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func (m *metered) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.GetItem(ctx, in, o...)
	if err == nil {
		m.add(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (m *metered) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.Query(ctx, in, o...)
	if err == nil {
		m.add(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (m *metered) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.BatchGetItem(ctx, in, o...)
	if err == nil {
		m.add(false, out.ConsumedCapacity...)
	}
	return out, err
}

func (m *metered) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.PutItem(ctx, in, o...)
	if err == nil {
		m.add(true, one(out.ConsumedCapacity)...)
		m.addSingle(in.Item, out.ConsumedCapacity)
	}
	return out, err
}

func (m *metered) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.UpdateItem(ctx, in, o...)
	if err == nil {
		m.add(true, one(out.ConsumedCapacity)...)
		m.addSingle(in.Key, out.ConsumedCapacity)
	}
	return out, err
}

func (m *metered) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.BatchWriteItem(ctx, in, o...)
	if err == nil {
		m.add(true, out.ConsumedCapacity...)
	}
	return out, err
}

func (m *metered) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := m.DB.TransactWriteItems(ctx, in, o...)
	if err == nil {
		m.add(true, out.ConsumedCapacity...)
		m.addClasses(in, out)
	}
	return out, err
}

func (m *metered) take() (wcu, rcu float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	wcu, rcu, m.wcu, m.rcu = m.wcu, m.rcu, 0, 0
	m.classes = nil
	return wcu, rcu
}

// takeClasses returns the write units per item class since the last take, and resets them.
func (m *metered) takeClasses() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.classes
	m.classes = nil
	return c
}

// benchPatient is a typical patient: names, birth date, sex, email, phone, a two-line address,
// a status and a tag.
func benchPatient(r *rand.Rand, i int) domain.Doc {
	first := firstNames[r.IntN(len(firstNames))]
	return domain.Doc{
		"firstName": first, "lastName": lastNames[r.IntN(len(lastNames))],
		"dateOfBirth": time.Date(1940+r.IntN(70), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).UnixMilli(),
		"sex":         []string{"female", "male"}[r.IntN(2)], "email": fmt.Sprintf("%s.%d@example.com", first, i),
		"phone":   fmt.Sprintf("+1415555%04d", r.IntN(10000)),
		"address": map[string]any{"line1": fmt.Sprintf("%d %s", 1+r.IntN(99), streets[r.IntN(len(streets))]), "city": cities[r.IntN(len(cities))], "postalCode": "94110", "country": "USA"},
		"status":  "active", "tags": []any{tagPool[r.IntN(len(tagPool))]},
	}
}

func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}

// avSize is an attribute value's size as DynamoDB bills it: strings and binaries by length,
// numbers by about one byte per two digits plus one, lists and maps 3 bytes plus their elements
// (names included) plus one per element, sets their members.
func avSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return (len(x.Value)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += avSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += len(k) + avSize(e) + 1
		}
		return n
	}
	return 0
}

// billed is what the table bills for storage: each item's size plus 100 bytes, and again per
// global secondary index holding it (every index projects ALL), split by what holds the bytes.
type billed struct {
	total, items                    int
	indexCopies, postings, vocabEtc int // GSI copies; term and pair postings; the rest but objects and events
}

func storedBytes(b *testing.B, db core.DB, table string) billed {
	var out billed
	var start map[string]types.AttributeValue
	for {
		res, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &table, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range res.Items {
			size := 100
			for k, v := range it {
				size += len(k) + avSize(v)
			}
			out.total += size
			out.items++
			pk := it["PK"].(*types.AttributeValueMemberS).Value
			switch {
			case strings.Contains(pk, "#term#"), strings.Contains(pk, "#pair#"), strings.HasSuffix(pk, "#pairovf"):
				out.postings += size
			case strings.HasSuffix(pk, "#patients"), strings.HasSuffix(pk, "#EVT"):
			default:
				out.vocabEtc += size
			}
			for g := 1; g <= 8; g++ {
				// In index g when it has the index's sort key (the partition key, GSI1PK or the
				// table's PK, comes with it).
				if _, ok := it[fmt.Sprintf("GSI%dSK", g)]; ok {
					out.total += size
					out.indexCopies += size
				}
			}
		}
		if start = res.LastEvaluatedKey; start == nil {
			return out
		}
	}
}

// BenchmarkWriteCost measures the write path at concurrency 1, on the engine with fsync on as
// make run has it: a create, a patch (two fields), a get and a typical find (lastName, 10 per
// page), each with its p50 latency and the capacity DynamoDB reports for it, and what a patient
// costs to store (items, bytes with index copies) and to create, patch, get and find per
// million at on-demand prices. docs/benchmarks.md shows the figures.
func BenchmarkWriteCost(b *testing.B) {
	dir := b.TempDir()
	st, _, eng := storetest.EngineWith(b, dir, dynamo.Options{TTLInterval: -1})
	m := &metered{DB: st.DB}
	st.DB = m
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_bench", Mode: domain.Test, Org: "org_bench"}
	r := rand.New(rand.NewPCG(1, 2))
	// At least 200 patients: the engine's pages are 4 KB and its growth over 50 creates (make
	// bench's one iteration) swung by a quarter between runs.
	n := max(b.N, 200)
	b.ResetTimer()

	before := storedBytes(b, m.DB, st.Table)
	fileBefore := fileSize(b, dir)
	usedBefore := usedSize(b, eng)
	m.take()
	var creates []time.Duration
	ids := make([]string, 0, n)
	for i := range n {
		t0 := time.Now()
		d, err := st.CreateObject(ctx, tn, schema.Patients, benchPatient(r, i), domain.Meta{RequestID: "req_bench"})
		if err != nil {
			b.Fatal(err)
		}
		creates = append(creates, time.Since(t0))
		ids = append(ids, d["id"].(string))
	}
	st.SettleCounts() // the vocabulary counts the creates queued are part of their cost
	createClasses := m.takeClasses()
	createW, createR := m.take()
	after := storedBytes(b, m.DB, st.Table)
	fileAfter := fileSize(b, dir)
	usedAfter := usedSize(b, eng)
	m.take()

	var patches []time.Duration
	for i := range n {
		t0 := time.Now()
		_, _, err := st.UpdateObject(ctx, tn, schema.Patients, ids[i], 0, func(cur domain.Doc) (domain.Doc, error) {
			cur["phone"] = fmt.Sprintf("+1415555%04d", i)
			cur["preferredName"] = "P" + fmt.Sprint(i)
			return cur, nil
		}, domain.Meta{RequestID: "req_bench"})
		if err != nil {
			b.Fatal(err)
		}
		patches = append(patches, time.Since(t0))
	}
	st.SettleCounts()
	patchW, patchR := m.take()

	var gets []time.Duration
	for i := range n {
		t0 := time.Now()
		if _, _, err := st.GetObject(ctx, tn, schema.Patients, ids[i]); err != nil {
			b.Fatal(err)
		}
		gets = append(gets, time.Since(t0))
	}
	_, getR := m.take()
	finds := 20
	for i := range finds {
		q, err := query.ParseRaw(schema.Patients, "lastName="+lastNames[i%len(lastNames)]+"&$limit=10")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Find(ctx, tn, schema.Patients, q); err != nil {
			b.Fatal(err)
		}
	}
	_, findR := m.take()
	b.StopTimer()

	per := float64(n)
	cw, cr, pw, pr := createW/per, createR/per, patchW/per, patchR/per
	b.ReportMetric(percentile(creates, 0.5), "create-p50-ms")
	b.ReportMetric(percentile(patches, 0.5), "patch-p50-ms")
	b.ReportMetric(percentile(gets, 0.5), "get-p50-ms")
	b.ReportMetric(cw, "create-WCU")
	for _, c := range []string{"object", "gsi", "posting", "vocab", "rank", "event", "outbox", "other", "unexplained"} {
		b.ReportMetric(createClasses[c]/per, "create-"+c+"-WCU")
	}
	b.ReportMetric(cr, "create-RCU")
	b.ReportMetric(pw, "patch-WCU")
	b.ReportMetric(pr, "patch-RCU")
	b.ReportMetric(getR/per, "get-RCU")
	b.ReportMetric(findR/float64(finds), "find-RCU")
	b.ReportMetric(float64(after.items-before.items)/per, "items/patient")
	b.ReportMetric(float64(after.total-before.total)/per, "bytes/patient")
	b.ReportMetric(float64(after.indexCopies-before.indexCopies)/per, "gsi-copy-bytes/patient")
	b.ReportMetric(float64(after.postings-before.postings)/per, "posting-bytes/patient")
	b.ReportMetric(float64(after.vocabEtc-before.vocabEtc)/per, "vocab-rank-outbox-bytes/patient")
	b.ReportMetric(float64(fileAfter-fileBefore)/per, "file-bytes/patient")
	b.ReportMetric(float64(usedAfter-usedBefore)/per, "page-bytes/patient")
	b.ReportMetric(cw*dollarsPerMillionWRU+cr*dollarsPerMillionRRU, "$/M-creates")
	b.ReportMetric(pw*dollarsPerMillionWRU+pr*dollarsPerMillionRRU, "$/M-patches")
	b.ReportMetric(getR/per*dollarsPerMillionRRU, "$/M-gets")
	b.ReportMetric(findR/float64(finds)*dollarsPerMillionRRU, "$/M-finds")
	b.ReportMetric(float64(after.total-before.total)/per*1e6/1e9*dollarsPerGBMonth, "$/M-patients-month")
}

// BenchmarkHotOrganization: 16 writers create patients in one organization on the engine with
// DynamoDB's transaction conflicts on and fsync on (make run's engine): creates per second,
// transactions planned again per create, p99. Every rank list is checked exact afterwards.
// The same load with conflicts off (the engine serializing writes of one item instead) shows
// what conflicts cost.
func BenchmarkHotOrganization(b *testing.B) {
	for _, off := range []bool{false, true} {
		name := "conflicts=on"
		if off {
			name = "conflicts=off"
		}
		b.Run(name, func(b *testing.B) { hotOrganization(b, off) })
	}
}

func hotOrganization(b *testing.B, noConflicts bool) {
	st, _, eng := storetest.EngineWith(b, b.TempDir(), dynamo.Options{TTLInterval: -1, NoConflicts: noConflicts})
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_bench", Mode: domain.Test, Org: "org_hot"}
	const writers, each = 16, 50
	var lat []time.Duration
	var mu sync.Mutex
	created := 0
	statuses := []string{"active", "inactive", "deceased"}
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), uint64(created)))
				for i := range each {
					p := benchPatient(r, i)
					p["status"] = statuses[(w+i)%3]
					s := time.Now()
					if _, err := st.CreateObject(ctx, tn, schema.Patients, p, domain.Meta{}); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(s))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(t0)
		created += writers * each
	}
	b.StopTimer()
	got, _, err := ranklist.RankList(ctx, st.Index.Ranks, tn, schema.Patients, "", nil)
	if err != nil || len(got) != created {
		b.Fatalf("rank list: %d ids for %d creates (%v)", len(got), created, err)
	}
	b.ReportMetric(float64(created)/elapsed.Seconds(), "creates/s")
	b.ReportMetric(float64(st.ConflictRetries())/float64(created), "retries/create")
	b.ReportMetric(float64(eng.Conflicts())/float64(created), "conflicts/create")
	b.ReportMetric(percentile(lat, 0.5), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
}

// usedSize is the size of the engine's pages in use: what the file holds, without the step
// (up to 16 MB) bbolt grows the file ahead by, which makes file growth coarse over a short run.
func usedSize(b *testing.B, eng *dynamo.Engine) int64 {
	n, err := eng.StoredBytes()
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// fileSize is the engine's database file size (bbolt grows it in steps; over many patients the
// step is small against the total).
func fileSize(b *testing.B, dir string) int64 {
	fi, err := os.Stat(filepath.Join(dir, "dynamodb.db"))
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

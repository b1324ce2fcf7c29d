package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

// Benchmarks go through the SDK client over HTTP, as application code does.
// Tables hold partitions of benchPartition items; a Query reads one partition.
const benchPartition = 10

var benchSizes = []int{1_000, 10_000, 100_000}

// fixture is a loaded engine kept for every b.N round of a size.
type fixture struct {
	engine *dynamo.Engine
	client *dynamodb.Client
	items  int
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[int]*fixture{}
	benchDirs  []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range fixtures {
		_ = f.engine.Close()
	}
	for _, d := range benchDirs {
		_ = os.RemoveAll(d)
	}
	os.Exit(code)
}

// loadedTable returns an engine whose table "bench" holds items items. It is
// loaded without fsync through BatchWriteItem from several goroutines, then
// reopened durable (fsync on every commit) for the measurements.
func loadedTable(b *testing.B, items int) *fixture {
	b.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f := fixtures[items]; f != nil {
		return f
	}
	dir, err := os.MkdirTemp("", "dynamo-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	e, err := dynamo.Open(dir, dynamo.Options{NoSync: true, TTLInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	endpoint, err := dynamo.Serve(context.Background(), "127.0.0.1:0", e)
	if err != nil {
		b.Fatal(err)
	}
	c := dynamotest.Client(endpoint)
	createTable(b, c, "bench", false)
	if err := bulkLoad(c, items); err != nil {
		b.Fatal(err)
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	e, err = dynamo.Open(dir, dynamo.Options{TTLInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	if endpoint, err = dynamo.Serve(context.Background(), "127.0.0.1:0", e); err != nil {
		b.Fatal(err)
	}
	f := &fixture{engine: e, client: dynamotest.Client(endpoint), items: items}
	fixtures[items] = f
	return f
}

func benchItem(i int) item {
	return item{
		"pk":   s("part-" + strconv.Itoa(i/benchPartition)),
		"sk":   n(strconv.Itoa(i % benchPartition)),
		"name": s(fmt.Sprintf("patient %d", i)),
		"body": s("a realistic payload of a couple of hundred bytes, standing in for a clinic record with names, dates and notes attached to it......"),
	}
}

func bulkLoad(c *dynamodb.Client, items int) error {
	const workers = 8
	batches := make(chan []types.WriteRequest)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reqs := range batches {
				pending := map[string][]types.WriteRequest{"bench": reqs}
				for len(pending) > 0 {
					out, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
					if err != nil {
						errs <- err
						return
					}
					pending = out.UnprocessedItems
				}
			}
		}()
	}
	var reqs []types.WriteRequest
	for i := range items {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: benchItem(i)}})
		if len(reqs) == 25 || i == items-1 {
			batches <- reqs
			reqs = nil
		}
	}
	close(batches)
	wg.Wait()
	close(errs)
	return <-errs
}

// BenchmarkQuery reads one 10-item partition; its cost must not grow with the table.
func BenchmarkQuery(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("items="+shortCount(size), func(b *testing.B) {
			f := loadedTable(b, size)
			ctx := context.Background()
			parts := size / benchPartition
			var rcu float64
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				out, err := f.client.Query(ctx, &dynamodb.QueryInput{
					TableName:                 aws.String("bench"),
					KeyConditionExpression:    aws.String("pk = :p"),
					ExpressionAttributeValues: item{":p": s("part-" + strconv.Itoa(rand.IntN(parts)))},
					ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
				})
				if err != nil {
					b.Fatal(err)
				}
				if out.Count != benchPartition {
					b.Fatalf("query returned %d items, want %d", out.Count, benchPartition)
				}
				times = append(times, time.Since(start))
				rcu += aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
			}
			b.ReportMetric(float64(median(times)), "median-ns")
			b.ReportMetric(benchPartition, "items/op")
			b.ReportMetric(rcu/float64(b.N), "RCU/op")
		})
	}
}

// BenchmarkPutItem writes new items (fsync on) into a table already holding size items.
func BenchmarkPutItem(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("items="+shortCount(size), func(b *testing.B) {
			f := loadedTable(b, size)
			ctx := context.Background()
			next := f.items
			var times []time.Duration
			b.ResetTimer()
			for b.Loop() {
				// New partitions, so the Query fixtures keep their 10 items each.
				it := benchItem(next)
				it["pk"] = s("put-" + strconv.Itoa(next))
				next++
				start := time.Now()
				if _, err := f.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: it}); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			f.items = next
			b.ReportMetric(float64(median(times)), "median-ns")
		})
	}
}

// BenchmarkConditionalWrite8 runs 8 concurrent writers, each incrementing its
// own counter under a condition on the value it last wrote.
func BenchmarkConditionalWrite8(b *testing.B) {
	f := loadedTable(b, benchSizes[0])
	ctx := context.Background()
	const writers = 8
	var ops atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/writers + 1
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := item{"pk": s(fmt.Sprintf("counter-%d-%d", w, rand.Int64())), "sk": n("0")}
			for i := range per {
				cond, vals := "attribute_not_exists(c)", item{":one": n("1")}
				if i > 0 {
					cond, vals[":cur"] = "c = :cur", n(strconv.Itoa(i))
				}
				_, err := f.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String("bench"), Key: key,
					UpdateExpression:          aws.String("ADD c :one"),
					ConditionExpression:       aws.String(cond),
					ExpressionAttributeValues: vals,
				})
				if err != nil {
					failed.Add(1)
					return
				}
				ops.Add(1)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d conditional writes failed", failed.Load())
	}
	b.ReportMetric(float64(ops.Load())/b.Elapsed().Seconds(), "writes/s")
}

func shortCount(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// BenchmarkTransactWrite1000 runs 1,000 concurrent TransactWriteItems of 16 puts each (an
// object, its event and its search postings, as the store writes them) on a durable engine,
// and reports the wall time of the whole burst.
func BenchmarkTransactWrite1000(b *testing.B) {
	f := loadedTable(b, benchSizes[0])
	ctx := context.Background()
	const txs, perTx = 1000, 16
	round := 0
	b.ResetTimer()
	for b.Loop() {
		round++
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := range txs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				items := make([]types.TransactWriteItem, perTx)
				for j := range items {
					it := benchItem(i)
					it["pk"] = s(fmt.Sprintf("tx-%d-%d-%d", round, i, j))
					items[j] = types.TransactWriteItem{Put: &types.Put{TableName: aws.String("bench"), Item: it}}
				}
				if _, err := f.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d of %d transactions failed", failed.Load(), txs)
		}
	}
	b.ReportMetric(float64(txs*b.N)/b.Elapsed().Seconds(), "tx/s")
}

// median of the per-operation times: the figure, steadier than the mean under load.
func median(ts []time.Duration) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	c := slices.Clone(ts)
	slices.Sort(c)
	return c[len(c)/2]
}

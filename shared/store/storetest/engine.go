// Package storetest gives tests a Store on the embedded DynamoDB engine (infra/dynamo), reached
// through the real SDK client, with the table created from template.yaml: the same keys,
// indexes and TTL as deployed, and no stand-in whose semantics could drift from the engine's.
package storetest

import (
	"github.com/hapihub/hapihub/shared/sdkhttp"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/local"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/infra/testclock"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Table is the test table's name.
const Table = "hapihub"

// New returns a store on a fresh engine with template.yaml's table.
func New(t testing.TB) *store.Store {
	t.Helper()
	st, _ := Engine(t)
	return st
}

// Engine is New with the DB wrapped so tests can make transactions fail. The engine runs with
// NoSync (a test never survives a machine crash) and stops when t ends.
func Engine(t testing.TB) (*store.Store, *Failing) {
	t.Helper()
	st, f, _ := EngineWith(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	return st, f
}

// EngineWith is Engine on an engine opened on dir with opts (benchmarks measure with fsync on, as
// make run has it); it also returns the engine, for its conflict count.
func EngineWith(t testing.TB, dir string, opts dynamo.Options) (*store.Store, *Failing, *dynamo.Engine) {
	t.Helper()
	tbl, err := loadTable()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	eng, endpoint := dynamotest.Start(t, dir, opts)
	var done atomic.Bool
	t.Cleanup(func() { done.Store(true) })
	// The SDK's retryer as the functions have it (shared/app): the store handles conditional
	// failures and cancelled transactions itself; single-item writes refused for a conflict are
	// retried by the SDK (core.RetryConflicts).
	client := dynamodb.New(dynamodb.Options{
		HTTPClient:   sdkhttp.New(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// A retry is logged: it hides an engine answer a test may want to know about.
		ClientLogMode: aws.LogRetries,
		Logger: logging.LoggerFunc(func(_ logging.Classification, f string, v ...any) {
			if !done.Load() && strings.HasPrefix(f, "retrying") {
				t.Logf("storetest: SDK: "+f, v...)
			}
		}),
	}, core.RetryConflicts)
	// As make run makes it: the template's keys and indexes, TTL on.
	err = local.EnsureTable(context.Background(), client, tbl, Table)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	f := &Failing{DB: client}
	return store.New(f, Table), f, eng
}

var tpl struct {
	once sync.Once
	tbl  *template.Table
	err  error
}

// loadTable reads template.yaml's table once per test binary.
func loadTable() (*template.Table, error) {
	tpl.once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		p := filepath.Join(filepath.Dir(file), "..", "..", "..", "template.yaml")
		if _, err := os.Stat(p); err != nil {
			tpl.err = fmt.Errorf("template.yaml not found at %s: %w", p, err)
			return
		}
		tm, err := template.Load(p)
		if err != nil {
			tpl.err = err
			return
		}
		if tm.Table == nil {
			tpl.err = fmt.Errorf("template.yaml declares no table")
			return
		}
		tpl.tbl = tm.Table
	})
	return tpl.tbl, tpl.err
}

// Failing passes every call through, except that TransactWriteItems fails while Fail is set.
type Failing struct {
	core.DB
	Fail atomic.Bool
}

// TransactWriteItems implements core.DB.
func (f *Failing) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.Fail.Load() {
		return nil, &types.InternalServerError{Message: aws.String("injected failure")}
	}
	return f.DB.TransactWriteItems(ctx, in, opts...)
}

// Clock is a settable clock to pass as Store.Now and the webhook dispatcher.
type Clock = testclock.Clock

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }

package phraseindex_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/phraseindex"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// updateCounter counts the single-item updates a store sends.
type updateCounter struct {
	core.DB
	updates atomic.Int64
}

func (u *updateCounter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	u.updates.Add(1)
	return u.DB.UpdateItem(ctx, in, o...)
}

// TestQueuedCountsAreSummedAndSettled: count changes queued together are applied as one write
// per item with their sum, off the caller's path, and SettleCounts waits for them.
func TestQueuedCountsAreSummedAndSettled(t *testing.T) {
	// Lingering longer than the test: only SettleCounts applies them, so the sum is certain.
	phraseindex.SetCountLinger(t, time.Hour)
	st := storetest.New(t)
	uc := &updateCounter{DB: st.DB}
	st.DB = uc
	for range 10 {
		phraseindex.QueueCount(st.Phrases, "P#vocab", "a", 1)
	}
	phraseindex.QueueCount(st.Phrases, "P#vocab", "b", 2)
	phraseindex.QueueCount(st.Phrases, "P#vocab", "b", -2) // sums to nothing: no write
	require.Zero(t, uc.updates.Load(), "nothing is applied on the caller's path")
	st.SettleCounts()
	require.Equal(t, int64(1), uc.updates.Load(), "one write for the ten changes of a, none for b")
	out, err := uc.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(st.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "P#vocab"}, "SK": &types.AttributeValueMemberS{Value: "a"}}})
	require.NoError(t, err)
	require.Equal(t, "10", out.Item["c"].(*types.AttributeValueMemberN).Value)
	st.SettleCounts() // nothing queued: returns at once
}

// TestCountsExactAfterConcurrentCreates: 16 writers create patients sharing word pairs; once
// the queue is settled every vocabulary count equals the objects holding its pair.
func TestCountsExactAfterConcurrentCreates(t *testing.T) {
	st := storetest.New(t)
	tn := domain.Tenant{Account: "acct_q", Mode: domain.Test, Org: "org_q"}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	docs := map[string]domain.Doc{}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "Ann", "lastName": "Lee",
					"email": "ann." + string(rune('a'+w)) + string(rune('a'+i)) + "@example.com"}, domain.Meta{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				docs[d["id"].(string)] = d
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got := readPairIndex(t, st, tn)
	want := expectedPairIndex(docs)
	require.Equal(t, want.right, got.right)
	require.Equal(t, want.left, got.left)
}

// flakyUpdates fails the first fail single-item updates, as a conflict with a transaction
// holding the item does once the SDK's retries are spent.
type flakyUpdates struct {
	core.DB
	fail atomic.Int64
}

func (f *flakyUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if f.fail.Add(-1) >= 0 {
		return nil, &types.TransactionConflictException{Message: aws.String("injected")}
	}
	return f.DB.UpdateItem(ctx, in, o...)
}

// TestFailedCountsAreSentAgain: a count change whose write fails goes back in the queue and is
// applied on a later round, not lost.
func TestFailedCountsAreSentAgain(t *testing.T) {
	st := storetest.New(t)
	fl := &flakyUpdates{DB: st.DB}
	fl.fail.Store(3)
	st.DB = fl
	phraseindex.QueueCount(st.Phrases, "P#vocab", "a", 5)
	st.SettleCounts()
	out, err := fl.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(st.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "P#vocab"}, "SK": &types.AttributeValueMemberS{Value: "a"}}})
	require.NoError(t, err)
	require.NotNil(t, out.Item)
	require.Equal(t, "5", out.Item["c"].(*types.AttributeValueMemberN).Value)
}

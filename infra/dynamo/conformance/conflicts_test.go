package conformance

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
)

// Transaction conflicts, as documented in "Transaction conflict handling in DynamoDB":
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling
//
//   - a PutItem, UpdateItem or DeleteItem of an item an ongoing TransactWriteItems includes is
//     rejected with TransactionConflictException;
//   - a TransactWriteItems including an item of another ongoing TransactWriteItems is cancelled
//     (TransactionCanceledException, reason TransactionConflict);
//   - a TransactGetItems including an item of an ongoing write is cancelled the same way.
//
// Overlap cannot be arranged through the API, so each case runs rounds of concurrent writers on
// one hot item until conflicts have shown, and checks that every refusal was one of the
// documented answers, that refused requests changed nothing (the counter equals the successes)
// and that writers on distinct items never conflict.

const conflictWriters = 16

// txAdd adds 1 to item pk's counter in a transaction that also puts a private item, so the
// transaction holds the hot item and one of its own.
func txAdd(ctx context.Context, table, hot, own string) error {
	_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s(own)}}},
		{Update: &types.Update{TableName: aws.String(table), Key: item{"pk": s(hot)},
			UpdateExpression: aws.String("ADD c :one"), ExpressionAttributeValues: item{":one": n("1")}}},
	}})
	return err
}

// conflictReason reports whether err is a transaction cancelled by TransactionConflict on the
// hot item (position 1) and nothing else.
func conflictReason(t *testing.T, err error, hotAt, n int) {
	t.Helper()
	var tce *types.TransactionCanceledException
	require.ErrorAs(t, err, &tce, "a refused transaction is TransactionCanceledException: %v", err)
	require.Len(t, tce.CancellationReasons, n)
	for i, r := range tce.CancellationReasons {
		want := "None"
		if i == hotAt {
			want = "TransactionConflict"
		}
		require.Equal(t, want, aws.ToString(r.Code), "reason %d of %v", i, err)
	}
	require.Contains(t, apiMessage(err), "TransactionConflict")
}

func counter(t *testing.T, table, pk string) int {
	t.Helper()
	it := get(t, table, item{"pk": s(pk)})
	if it == nil {
		return 0
	}
	c, err := strconv.Atoi(it["c"].(*types.AttributeValueMemberN).Value)
	require.NoError(t, err)
	return c
}

func TestTransactWriteConflictsWithTransactWrite(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	ok, conflicts := 0, 0
	for round := 0; round < 200 && conflicts == 0; round++ {
		errs := make([]error, conflictWriters)
		var wg sync.WaitGroup
		for w := range conflictWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[w] = txAdd(ctx, table, "hot", "own-"+strconv.Itoa(round)+"-"+strconv.Itoa(w))
			}()
		}
		wg.Wait()
		for w, err := range errs {
			if err == nil {
				ok++
				require.NotNil(t, get(t, table, item{"pk": s("own-" + strconv.Itoa(round) + "-" + strconv.Itoa(w))}))
				continue
			}
			conflicts++
			conflictReason(t, err, 1, 2)
			// A cancelled transaction wrote nothing, not even its uncontended item.
			require.Nil(t, get(t, table, item{"pk": s("own-" + strconv.Itoa(round) + "-" + strconv.Itoa(w))}))
		}
	}
	require.Positive(t, conflicts, "concurrent transactions on one item never conflicted")
	require.Equal(t, ok, counter(t, table, "hot"), "every committed transaction counted once, no cancelled one")
}

func TestSingleItemWriteConflictsWithTransaction(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	txOK, singleOK, singleConflicts := 0, 0, 0
	for round := 0; round < 200 && singleConflicts == 0; round++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range conflictWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				single := w%2 == 0
				if single {
					_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("hot")},
						UpdateExpression: aws.String("ADD c :one"), ExpressionAttributeValues: item{":one": n("1")}})
				} else {
					err = txAdd(ctx, table, "hot", "own-"+strconv.Itoa(round)+"-"+strconv.Itoa(w))
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && single:
					singleOK++
				case err == nil:
					txOK++
				case single:
					var tce *types.TransactionConflictException
					require.True(t, errors.As(err, &tce), "a refused UpdateItem is TransactionConflictException: %v", err)
					singleConflicts++
				default:
					conflictReason(t, err, 1, 2)
				}
			}()
		}
		wg.Wait()
	}
	require.Positive(t, singleConflicts, "an UpdateItem never met an ongoing transaction")
	require.Equal(t, txOK+singleOK, counter(t, table, "hot"))
}

func TestTransactGetConflictsWithOngoingWrite(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	put(t, table, item{"pk": s("hot"), "c": n("0")})
	conflicts := 0
	for round := 0; round < 200 && conflicts == 0; round++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range conflictWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if w%2 == 0 {
					_ = txAdd(ctx, table, "hot", "own-"+strconv.Itoa(round)+"-"+strconv.Itoa(w))
					return
				}
				_, err := client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
					{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("other")}}},
					{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("hot")}}},
				}})
				if err == nil {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				conflicts++
				conflictReason(t, err, 1, 2)
			}()
		}
		wg.Wait()
	}
	require.Positive(t, conflicts, "a TransactGetItems never met an ongoing write")
}

// Writes of distinct items run side by side: none is ever refused.
func TestIndependentTransactionsDoNotConflict(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	for round := range 20 {
		errs := make([]error, conflictWriters)
		var wg sync.WaitGroup
		for w := range conflictWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := strconv.Itoa(round) + "-" + strconv.Itoa(w)
				errs[w] = txAdd(ctx, table, "hot-"+id, "own-"+id)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
	}
	require.Equal(t, 1, counter(t, table, "hot-19-15"))
}

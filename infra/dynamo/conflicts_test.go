package dynamo_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

// hammer runs rounds of 16 concurrent transactions adding 1 to one item and returns how many
// committed and how many failed.
func hammer(t *testing.T, c *dynamodb.Client, rounds int) (ok, failed int) {
	ctx := context.Background()
	for round := range rounds {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("hot-t"), Item: item{"pk": s("own"), "sk": n(strconv.Itoa(round*16 + w + 1))}}},
					{Update: &types.Update{TableName: aws.String("hot-t"), Key: item{"pk": s("hot"), "sk": n("0")},
						UpdateExpression: aws.String("ADD c :one"), ExpressionAttributeValues: item{":one": n("1")}}},
				}})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					return
				}
				ok++
			}()
		}
		wg.Wait()
	}
	return ok, failed
}

// The switch: with NoConflicts the engine serializes writes of one item, as before conflicts
// existed, and the counter of refusals stays zero; by default the same load is refused now and
// then, as DynamoDB refuses it (conformance/conflicts_test.go has the documented answers).
func TestConflictsSwitch(t *testing.T) {
	for _, off := range []bool{false, true} {
		t.Run("NoConflicts="+strconv.FormatBool(off), func(t *testing.T) {
			e, endpoint := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1, NoConflicts: off})
			c := dynamotest.Client(endpoint)
			createTable(t, c, "hot-t", false)
			rounds := 30
			ok, failed := hammer(t, c, rounds)
			out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("hot-t"), Key: item{"pk": s("hot"), "sk": n("0")}, ConsistentRead: aws.Bool(true)})
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(ok), out.Item["c"].(*types.AttributeValueMemberN).Value)
			require.Equal(t, int64(failed), e.Conflicts())
			if off {
				require.Zero(t, failed)
				require.Equal(t, rounds*16, ok)
			} else {
				require.Positive(t, failed, "16 concurrent transactions on one item never conflicted")
			}
		})
	}
}

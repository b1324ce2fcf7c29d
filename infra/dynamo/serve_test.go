package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

// TestServeKeepsConnectionsUnderLoad sends many concurrent requests through a
// client that never retries: a connection the server drops would fail one.
func TestServeKeepsConnectionsUnderLoad(t *testing.T) {
	c := dynamotest.New(t)
	createTable(t, c, "load", false)
	ctx := context.Background()
	const workers, per = 64, 6
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				pk := fmt.Sprintf("w%d", w)
				if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("load"), Item: item{"pk": s(pk), "sk": n(strconv.Itoa(i))}}); err != nil {
					errs <- err
					return
				}
				if _, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("load"), KeyConditionExpression: aws.String("pk = :p"),
					ExpressionAttributeValues: item{":p": s(pk)}, Limit: aws.Int32(5)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

package idemstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// conflictingPuts answers every PutItem as DynamoDB does when a transaction in flight holds the
// item and the SDK's retries are spent.
type conflictingPuts struct{ core.DB }

func (conflictingPuts) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, &types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}
}

// A reservation that meets another request's committing transaction is a 429 lock_timeout the
// client retries, not a 500 (seen under load in TestIdempotencyConcurrent).
func TestReserveDuringAnotherCommitIsRetryable(t *testing.T) {
	st := storetest.New(t)
	st.DB = conflictingPuts{st.DB}
	_, reserved, err := st.ReserveIdempotencyKey(context.Background(), "acct_1", domain.Test, "k", "fp", "owner-1")
	require.Error(t, err)
	assert.False(t, reserved)
	var ae *apperr.Error
	require.True(t, errors.As(err, &ae), "an API error, not an internal one: %v", err)
	assert.Equal(t, apperr.RateLimited, ae.Kind)
	assert.Equal(t, "lock_timeout", ae.Code)
}

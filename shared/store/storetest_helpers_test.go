package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/store"
)

// newTable starts the embedded engine with the table of template.yaml.
func newTable(t testing.TB) *store.Store {
	t.Helper()
	tpl, err := template.Load("../../template.yaml")
	require.NoError(t, err)
	// dynamotest's client does not retry; the engine's loopback server has been seen to drop a
	// kept-alive connection now and then, which is not what these tests are about.
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 3,
	})
	_, err = db.CreateTable(context.Background(), tpl.Table.CreateTableInput("hapihub"))
	require.NoError(t, err)
	st := store.New(db, "hapihub")
	st.LockTimeout = 2 * time.Second
	return st
}

// Package conformance checks DynamoDB behaviour through the unmodified SDK
// client only. It runs against the embedded engine (started here) and, with
// DYNAMODB_ENDPOINT set, against that endpoint instead (DynamoDB Local or the
// real service, with credentials from the usual AWS environment), so its
// expectations are DynamoDB's and not our engine's.
package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

var (
	endpoint string
	client   *dynamodb.Client
	creds    aws.Credentials
	region   = "us-east-1"
	external bool // running against DYNAMODB_ENDPOINT
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		external = true
		endpoint = ep
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "conformance: load AWS config:", err)
			return 1
		}
		if cfg.Region != "" {
			region = cfg.Region
		} else {
			cfg.Region = region
		}
		if creds, err = cfg.Credentials.Retrieve(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "conformance: credentials:", err)
			return 1
		}
		client = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ep) })
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "dynamo-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	e, err := dynamo.Open(dir, dynamo.Options{NoSync: true, TTLInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer e.Close()
	if endpoint, err = dynamo.Serve(ctx, "127.0.0.1:0", e); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	creds = aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	// The engine's test client: no retries (an error is the answer under test) and sdkhttp, as every
	// client of ours has it (the SDK's own HTTP client loses a long answer under load: sdkhttp).
	client = dynamotest.Client(endpoint)
	return m.Run()
}

func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// tableSpec describes a test table; keys are "name:type".
type tableSpec struct {
	hash, rng string
	gsis      []gsiSpec
}

type gsiSpec struct {
	name, hash, rng string
	projection      types.ProjectionType
	include         []string
}

func splitKey(k string) (string, types.ScalarAttributeType) {
	n, typ, _ := strings.Cut(k, ":")
	return n, types.ScalarAttributeType(typ)
}

// createTable creates an on-demand table, waits for it and deletes it when t ends.
func createTable(t *testing.T, spec tableSpec) string {
	t.Helper()
	name := uniqueName("conf")
	defs := map[string]types.ScalarAttributeType{}
	schema := func(h, r string) []types.KeySchemaElement {
		hn, ht := splitKey(h)
		defs[hn] = ht
		ks := []types.KeySchemaElement{{AttributeName: aws.String(hn), KeyType: types.KeyTypeHash}}
		if r != "" {
			rn, rt := splitKey(r)
			defs[rn] = rt
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rn), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest, KeySchema: schema(spec.hash, spec.rng)}
	for _, g := range spec.gsis {
		p := &types.Projection{ProjectionType: g.projection}
		if len(g.include) > 0 {
			p.NonKeyAttributes = g.include
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.name), KeySchema: schema(g.hash, g.rng), Projection: p,
		})
	}
	for n, typ := range defs {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: typ})
	}
	ctx := context.Background()
	_, err := client.CreateTable(ctx, in)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	require.NoError(t, dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute))
	if external && len(spec.gsis) > 0 {
		waitIndexes(t, name)
	}
	return name
}

func waitIndexes(t *testing.T, name string) {
	for range 300 {
		out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		require.NoError(t, err)
		ready := true
		for _, g := range out.Table.GlobalSecondaryIndexes {
			ready = ready && g.IndexStatus == types.IndexStatusActive
		}
		if ready {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("indexes of %s never became active", name)
}

// Attribute value shorthands.
func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func b(v []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: v} }
func boolean(v bool) types.AttributeValue {
	return &types.AttributeValueMemberBOOL{Value: v}
}

type item = map[string]types.AttributeValue

type memberN = types.AttributeValueMemberN

func put(t *testing.T, table string, it item) {
	t.Helper()
	_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it})
	require.NoError(t, err)
}

func get(t *testing.T, table string, key item) item {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	return out.Item
}

// apiCode returns the DynamoDB error code of err ("" for nil).
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// requireAPIError checks the error code and that the message contains want.
func requireAPIError(t *testing.T, err error, code, want string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, apiCode(err), "error: %v", err)
	require.Contains(t, apiMessage(err), want)
}

// rawCall sends a signed JSON 1.0 request, bypassing the SDK's marshalling,
// to test how malformed requests are answered.
func rawCall(t *testing.T, target string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256(body)
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", region, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func scanCount(t *testing.T, table string) int32 {
	t.Helper()
	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	return out.Count
}

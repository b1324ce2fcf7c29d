package apigateway_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/template"
)

func plans() []apigateway.Plan {
	return []apigateway.Plan{
		{ID: "testusageplan", Name: "hapihub-test", APIID: "local", Stage: "v1", Throttle: template.Throttle{RateLimit: 25, BurstLimit: 25},
			MethodThrottles: map[string]template.Throttle{"/patients/GET": {RateLimit: 10, BurstLimit: 5}}},
		{ID: "liveusageplan", Name: "hapihub-live", APIID: "local", Stage: "v1", Throttle: template.Throttle{RateLimit: 200, BurstLimit: 200}},
	}
}

// client is aws-sdk-go-v2's unmodified apigateway client against the embedded service.
func client(t *testing.T, dir string) (*sdk.Client, *apigateway.Service) {
	t.Helper()
	svc, err := apigateway.Open(dir, plans(), apigateway.Options{NoSync: true})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ep, err := svc.Listen(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	c := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return c, svc
}

// The operations and shapes of API Gateway's REST API reference:
// https://docs.aws.amazon.com/apigateway/latest/api/API_CreateApiKey.html (POST /apikeys, 201),
// https://docs.aws.amazon.com/apigateway/latest/api/API_GetApiKeys.html (GET /apikeys?includeValues&name),
// https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateApiKey.html (PATCH, patchOperations),
// https://docs.aws.amazon.com/apigateway/latest/api/API_CreateUsagePlanKey.html (POST /usageplans/{id}/keys),
// https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlanKeys.html,
// https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteUsagePlanKey.html,
// https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlans.html.
func TestManagementAPIWithTheSDK(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, svc := client(t, dir)

	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("hapihub-acct_1-test"), Value: aws.String("usage_test_0123456789abcdefghij"), Enabled: true})
	require.NoError(t, err)
	assert.Equal(t, "usage_test_0123456789abcdefghij", aws.ToString(k.Value))
	assert.True(t, k.Enabled)
	require.NotNil(t, k.CreatedDate)

	// "API key values must be unique" (api-gateway-api-usage-plans.html): a second key with the
	// same value is refused.
	_, err = c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("other"), Value: aws.String("usage_test_0123456789abcdefghij")})
	var conflict *types.ConflictException
	require.ErrorAs(t, err, &conflict)
	// Values are 20 to 128 characters.
	_, err = c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("short"), Value: aws.String("tooshort")})
	var bad *types.BadRequestException
	require.ErrorAs(t, err, &bad)

	got, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id})
	require.NoError(t, err)
	assert.Nil(t, got.Value, "the value only with includeValue")
	got, err = c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id, IncludeValue: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "usage_test_0123456789abcdefghij", aws.ToString(got.Value))

	list, err := c.GetApiKeys(ctx, &sdk.GetApiKeysInput{NameQuery: aws.String("hapihub-acct_1"), IncludeValues: aws.Bool(true)})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "usage_test_0123456789abcdefghij", aws.ToString(list.Items[0].Value))

	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String("testusageplan"), KeyId: k.Id, KeyType: aws.String("API_KEY")})
	require.NoError(t, err)
	assert.Equal(t, []string{"testusageplan"}, svc.PlansOf("local", "v1", "usage_test_0123456789abcdefghij"))
	// Attached twice, or to a second plan of the same stage: ConflictException ("for each stage of
	// an API, a given API key can only be associated with one usage plan").
	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String("testusageplan"), KeyId: k.Id, KeyType: aws.String("API_KEY")})
	require.ErrorAs(t, err, &conflict)
	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String("liveusageplan"), KeyId: k.Id, KeyType: aws.String("API_KEY")})
	require.ErrorAs(t, err, &conflict)
	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String("nope"), KeyId: k.Id, KeyType: aws.String("API_KEY")})
	var nf *types.NotFoundException
	require.ErrorAs(t, err, &nf)

	pk, err := c.GetUsagePlanKeys(ctx, &sdk.GetUsagePlanKeysInput{UsagePlanId: aws.String("testusageplan")})
	require.NoError(t, err)
	require.Len(t, pk.Items, 1)
	assert.Equal(t, aws.ToString(k.Id), aws.ToString(pk.Items[0].Id))
	assert.Equal(t, "API_KEY", aws.ToString(pk.Items[0].Type))

	ups, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{})
	require.NoError(t, err)
	require.Len(t, ups.Items, 2)
	assert.Equal(t, "hapihub-test", aws.ToString(ups.Items[0].Name))
	assert.Equal(t, float64(25), ups.Items[0].Throttle.RateLimit)
	assert.Equal(t, int32(5), ups.Items[0].ApiStages[0].Throttle["/patients/GET"].BurstLimit)
	ofKey, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{KeyId: k.Id})
	require.NoError(t, err)
	require.Len(t, ofKey.Items, 1)

	// Disabled: still in the plan, but no longer judged valid.
	up, err := c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}})
	require.NoError(t, err)
	assert.False(t, up.Enabled)
	assert.Empty(t, svc.PlansOf("local", "v1", "usage_test_0123456789abcdefghij"))
	_, err = c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/value"), Value: aws.String("x")}}})
	require.ErrorAs(t, err, &bad)

	// State survives a restart.
	again, err := apigateway.Open(dir, plans(), apigateway.Options{})
	require.NoError(t, err)
	kk, err := again.GetKey(aws.ToString(k.Id))
	require.NoError(t, err)
	assert.False(t, kk.Enabled)

	_, err = c.DeleteUsagePlanKey(ctx, &sdk.DeleteUsagePlanKeyInput{UsagePlanId: aws.String("testusageplan"), KeyId: k.Id})
	require.NoError(t, err)
	_, err = c.DeleteUsagePlanKey(ctx, &sdk.DeleteUsagePlanKeyInput{UsagePlanId: aws.String("testusageplan"), KeyId: k.Id})
	require.ErrorAs(t, err, &nf)
	_, err = c.DeleteApiKey(ctx, &sdk.DeleteApiKeyInput{ApiKey: k.Id})
	require.NoError(t, err)
	_, err = c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id})
	require.ErrorAs(t, err, &nf)
}

func TestPagingAndUnknownOperations(t *testing.T) {
	ctx := context.Background()
	c, svc := client(t, t.TempDir())
	for i := range 30 {
		_, err := svc.CreateKey("k", "", "value-long-enough-0000000"+string(rune('a'+i%26))+string(rune('a'+i/26)), true)
		require.NoError(t, err)
	}
	var n int
	p := sdk.NewGetApiKeysPaginator(c, &sdk.GetApiKeysInput{Limit: aws.Int32(7)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		n += len(out.Items)
	}
	assert.Equal(t, 30, n)

	_, err := c.GetRestApis(ctx, &sdk.GetRestApisInput{})
	var nf *types.NotFoundException
	require.True(t, errors.As(err, &nf), "an operation not built answers an error, not a fake success: %v", err)
}

package platform

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/store/core"
)

// liveClinic gives the harness's live organization a PMS that serves patients (the document,
// written as the sign-up wrote it).
func liveClinic(t testing.TB, h *harness) {
	ctx := context.Background()
	org, err := h.st.GetOrganization(ctx, h.org)
	require.NoError(t, err)
	org["capabilities"] = map[string]any{"patients": []any{"find", "get", "create", "update", "patch", "remove"}}
	item, err := core.MarshalItem(org, map[string]types.AttributeValue{"PK": core.SV("ORG#" + h.org), "SK": core.SV("ORG")})
	require.NoError(t, err)
	_, err = h.st.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &h.st.Table, Item: item})
	require.NoError(t, err)
}

// orderedConnections passes every call to the embedded engine, but while armed, a query of the
// account's live connections waits until a call on the live organization's objects has begun
// (up to a few seconds, then it fails): a request that reads its connections before its handler
// can never get past it.
type orderedConnections struct {
	core.DB
	connPK, objects string
	armed           atomic.Bool
	once            sync.Once
	begun           chan struct{}
}

func mentions(vals map[string]types.AttributeValue, sub string) bool {
	for _, v := range vals {
		if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, sub) {
			return true
		}
	}
	return false
}

func (o *orderedConnections) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if o.armed.Load() {
		if mentions(in.ExpressionAttributeValues, o.objects) {
			o.once.Do(func() { close(o.begun) })
		}
		if mentions(in.ExpressionAttributeValues, o.connPK) {
			select {
			case <-o.begun:
			case <-time.After(3 * time.Second):
				return nil, errors.New("the connections were read before the handler began")
			}
		}
	}
	return o.DB.Query(ctx, in, opts...)
}

func (o *orderedConnections) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if o.armed.Load() && mentions(in.Key, o.objects) {
		o.once.Do(func() { close(o.begun) })
	}
	return o.DB.GetItem(ctx, in, opts...)
}

// A live read whose key's authorizer result is cached starts its handler without waiting for
// the account's connections: the organization comes from the context (the account's only
// connection) and the connections are read beside the handler. Before, the router queried
// them first, so this read failed.
func TestLiveReadRunsBesideItsConnectionsRead(t *testing.T) {
	h := newHarness(t)
	liveClinic(t, h)
	o := &orderedConnections{DB: h.st.DB, connPK: "ACCT#" + h.acct + "#CONN", objects: "#live#O#" + h.org + "#", begun: make(chan struct{})}
	h.st.DB = o
	sk := h.keys["sk_live"]
	warm := h.do(req{key: sk, method: "GET", path: "/patients"}) // the authorizer runs; cached from here on
	require.Equal(t, http.StatusOK, warm.status, warm.body)

	o.armed.Store(true)
	r := h.do(req{key: sk, method: "GET", path: "/patients", cached: true})
	assert.Equal(t, http.StatusOK, r.status, r.body)
	select {
	case <-o.begun:
	default:
		t.Fatal("the read never touched the organization's objects")
	}
}

// A revoked connection is refused at once although the key's cached authorizer context still
// lists it as active: the refusal comes from the connections read with the request, for reads
// (the handler's answer is discarded) and writes (which never run), with or without the header
// and with an Idempotency-Key. An organization the context does not know is judged by a fresh
// read first.
func TestRevokedLiveConnectionIsRefusedDespiteACachedContext(t *testing.T) {
	h := newHarness(t)
	liveClinic(t, h)
	ctx := context.Background()
	sk := h.keys["sk_live"]
	warm := h.do(req{key: sk, method: "GET", path: "/patients"})
	require.Equal(t, http.StatusOK, warm.status, warm.body)
	require.NoError(t, h.st.SetConnectionStatus(ctx, h.acct, h.org, "revoked"))

	named := map[string]string{"HapiHub-Organization": h.org}
	body := `{"firstName":"Never","lastName":"Written"}`
	cases := []struct {
		name string
		q    req
		want string
	}{
		{"find", req{method: "GET", path: "/patients"}, "CREDENTIALS_ERROR"},
		{"find naming it", req{method: "GET", path: "/patients", header: named}, "CREDENTIALS_ERROR"},
		{"create", req{method: "POST", path: "/patients", body: body}, "CREDENTIALS_ERROR"},
		{"create naming it, idempotent", req{method: "POST", path: "/patients", body: body,
			header: map[string]string{"HapiHub-Organization": h.org, "Idempotency-Key": "revoked-1"}}, "CREDENTIALS_ERROR"},
		{"an organization never connected", req{method: "GET", path: "/patients", header: map[string]string{"HapiHub-Organization": "org_other"}}, "PERMISSIONS_ERROR"},
		{"create in an organization never connected", req{method: "POST", path: "/patients", body: body,
			header: map[string]string{"HapiHub-Organization": "org_other"}}, "PERMISSIONS_ERROR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.key, tc.q.cached = sk, true
			r := h.do(tc.q)
			assert.Equal(t, http.StatusForbidden, r.status, r.body)
			assert.Equal(t, tc.want, r.name(), r.body)
		})
	}

	// A context cached from an older authorizer, without the connections: the header's
	// organization is still only a guess, and no header means reading them first.
	h.mu.Lock()
	delete(h.cache[sk], "liveConnections")
	h.mu.Unlock()
	for _, q := range []req{{method: "GET", path: "/patients", header: named}, {method: "POST", path: "/patients", body: body, header: named},
		{method: "GET", path: "/patients"}} {
		q.key, q.cached = sk, true
		r := h.do(q)
		assert.Equal(t, "CREDENTIALS_ERROR", r.name(), "%s %v: %v", q.method, q.header, r.body)
	}

	require.NoError(t, h.st.SetConnectionStatus(ctx, h.acct, h.org, "active"))
	list := h.do(req{key: sk, method: "GET", path: "/patients?lastName=Written&$limit=0&$total=true", cached: true})
	require.Equal(t, http.StatusOK, list.status, list.body)
	assert.EqualValues(t, 0, list.body["total"], "no refused write ran")
	again := h.do(req{key: sk, method: "POST", path: "/patients", body: body, cached: true, header: map[string]string{"Idempotency-Key": "revoked-1"}})
	assert.Equal(t, http.StatusCreated, again.status, "the refused request released its Idempotency-Key: %v", again.body)
}

// accountReads counts the GetItems of one account's item (ACCT#<id> / ACCOUNT).
type accountReads struct {
	core.DB
	pk string
	n  atomic.Int32
}

func (a *accountReads) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if mentions(in.Key, a.pk) && mentions(in.Key, "ACCOUNT") {
		a.n.Add(1)
	}
	return a.DB.GetItem(ctx, in, opts...)
}

// A test-mode write whose key's authorizer result is cached never reads its account: the API
// version comes from the context as a read's does (docs/versioning.md). Before, every write
// read the account item once for it.
func TestCachedTestWritesReadNoAccountItem(t *testing.T) {
	h := newHarness(t)
	a := &accountReads{DB: h.st.DB, pk: "ACCT#" + h.acct}
	h.st.DB = a
	sk := h.keys["sk_test"]
	c := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Ann","lastName":"Lee"}`})
	require.Equal(t, http.StatusCreated, c.status, c.body)
	id := c.body["id"].(string)
	a.n.Store(0)
	for _, q := range []req{
		{method: "POST", path: "/patients", body: `{"firstName":"Bo","lastName":"Lee"}`},
		{method: "POST", path: "/patients", body: `{"firstName":"Cy","lastName":"Lee"}`, header: map[string]string{"Idempotency-Key": "no-account-read"}},
		{method: "PATCH", path: "/patients/" + id, body: `{"preferredName":"Annie"}`},
		{method: "PUT", path: "/patients/" + id, body: `{"firstName":"Ann","lastName":"Lee"}`},
		{method: "DELETE", path: "/patients/" + id},
	} {
		q.key, q.cached = sk, true
		r := h.do(q)
		assert.Less(t, r.status, 300, "%s %s: %v", q.method, q.path, r.body)
	}
	assert.Zero(t, a.n.Load(), "no write read the account item")
}

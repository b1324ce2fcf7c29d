package platform

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// countingDB counts the reads an expansion makes (the embedded DynamoDB answers them).
type countingDB struct {
	core.DB
	gets, batches atomic.Int64
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets.Add(1)
	return c.DB.GetItem(ctx, in, o...)
}

func (c *countingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.batches.Add(1)
	return c.DB.BatchGetItem(ctx, in, o...)
}

// expandHarness is the platform harness serving the clinical routes over a sandbox of 100
// appointments (60 patients, 6 practitioners) and one invoice -> appointment chain.
func expandHarness(t testing.TB) (*harness, *countingDB, domain.Tenant, string) {
	h := newHarness(t)
	ctx := context.Background()
	acct, err := h.st.GetAccount(ctx, h.acct)
	require.NoError(t, err)
	ten := domain.Tenant{Account: h.acct, Mode: domain.Test, Org: acct.SandboxOrg}
	require.NoError(t, sandbox.FillSized(ctx, h.st, ten, 99, sandbox.Sizes{Patients: 60, Practitioners: 6, Appointments: 98}))
	var routes []api.Route
	for _, r := range []*schema.Resource{schema.Patients, schema.Practitioners, schema.Appointments, schema.Invoices} {
		routes = append(routes, (&api.Resource{Schema: r, Store: h.st}).Routes()...)
	}
	h.router = PlatformRouter(h.st, config.Config{}, routes)
	page := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/appointments?$limit=1"})
	appt := page.body["data"].([]any)[0].(map[string]any)
	inv, err := h.st.CreateObject(ctx, ten, schema.Invoices, domain.Doc{"patientId": appt["patientId"], "appointmentId": appt["id"], "currency": "EUR", "lineItems": []any{}, "total": int64(0)}, domain.Meta{})
	require.NoError(t, err)
	c := &countingDB{DB: h.st.DB}
	h.st.DB = c
	return h, c, ten, inv["id"].(string)
}

// TestExpandReadsOneBatchPerLevel: a page of 100 appointments with two expansions costs one
// BatchGetItem (55 distinct ids < 100 keys) and no GetItem beyond what the same list costs
// without expand; two levels cost two.
func TestExpandReadsOneBatchPerLevel(t *testing.T) {
	h, c, _, inv := expandHarness(t)
	cases := []struct {
		name, plain, expanded string
		batches               int64
	}{
		{"page of 100, two references", "/appointments?$limit=100", "/appointments?$limit=100&expand[]=data.patient&expand[]=data.practitioner", 1},
		{"invoice, two levels", "/invoices/" + inv, "/invoices/" + inv + "?expand[]=appointment.patient&expand[]=appointment.practitioner&expand[]=patient", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			measure := func(path string) (gets, batches int64, body map[string]any) {
				g0, b0 := c.gets.Load(), c.batches.Load()
				r := h.do(req{key: h.keys["sk_test"], method: "GET", path: path})
				require.Equal(t, 200, r.status, r.body)
				return c.gets.Load() - g0, c.batches.Load() - b0, r.body
			}
			plainGets, plainBatches, _ := measure(tc.plain)
			gets, batches, body := measure(tc.expanded)
			assert.Equal(t, plainGets, gets, "no GetItem per reference")
			assert.Equal(t, plainBatches+tc.batches, batches, "one BatchGetItem per level")
			if data, ok := body["data"].([]any); ok {
				require.Len(t, data, 100)
				for _, d := range data {
					m := d.(map[string]any)
					assert.Equal(t, m["patientId"], m["patient"].(map[string]any)["id"])
				}
			}
		})
	}
}

// BenchmarkExpandPage: a page of 100 appointments as is, with patient and practitioner expanded
// (batched), and the list plus the GETs a client needs without expand (store reads only, no HTTP
// round trips counted). Figures in docs/benchmarks.md.
func BenchmarkExpandPage(b *testing.B) {
	h, _, ten, _ := expandHarness(b)
	get := func(path string) map[string]any {
		r := h.do(req{key: h.keys["sk_test"], method: "GET", path: path})
		if r.status != 200 {
			b.Fatalf("%s: %d %v", path, r.status, r.body)
		}
		return r.body
	}
	b.Run("list", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			get("/appointments?$limit=100")
		}
	})
	b.Run("list+expand", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			get("/appointments?$limit=100&expand[]=data.patient&expand[]=data.practitioner")
		}
	})
	b.Run("list+200 GetItem", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, d := range get("/appointments?$limit=100")["data"].([]any) {
				m := d.(map[string]any)
				for res, f := range map[*schema.Resource]string{schema.Patients: "patientId", schema.Practitioners: "practitionerId"} {
					if id, ok := m[f].(string); ok {
						if _, _, err := h.st.GetObject(context.Background(), ten, res, id); err != nil {
							b.Fatal(fmt.Errorf("get %s: %w", id, err))
						}
					}
				}
			}
		}
	})
}

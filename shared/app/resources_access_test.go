package app_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/shared/app/organizations"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
	"github.com/hapihub/hapihub/shared/store"
)

func TestExternalIDDedupe(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	body := map[string]any{"externalId": "PMS-42", "firstName": "Ada", "lastName": "Lovelace"}
	first := s.do(p, "POST", "/patients", body)
	require.Equal(t, http.StatusCreated, first.Status, first.Raw)
	again := s.do(p, "POST", "/patients", map[string]any{"externalId": "PMS-42", "firstName": "Other", "lastName": "Name"})
	require.Equal(t, http.StatusOK, again.Status, "an existing externalId returns the object, not a duplicate")
	assert.Equal(t, first.Body["id"], again.Body["id"])
	assert.Equal(t, "Ada", again.Body["firstName"])
	// Seeded objects are reserved too.
	seeded := s.do(p, "GET", "/practitioners", nil).data()[0].(map[string]any)
	dup := s.do(p, "POST", "/practitioners", map[string]any{"externalId": seeded["externalId"], "firstName": "X", "lastName": "Y"})
	assert.Equal(t, http.StatusOK, dup.Status)
	assert.Equal(t, seeded["id"], dup.Body["id"])
	// The same externalId in live mode is another object.
	live := a.live.in(a.liveOrgs[0])
	other := s.do(&live, "POST", "/patients", body)
	assert.Equal(t, http.StatusCreated, other.Status)
	assert.NotEqual(t, first.Body["id"], other.Body["id"])
	// After a remove the externalId can be used again (the stale guard is taken over).
	require.Equal(t, 200, s.do(p, "DELETE", "/patients/"+first.Body["id"].(string), nil).Status)
	re := s.do(p, "POST", "/patients", body)
	assert.Equal(t, http.StatusCreated, re.Status, re.Raw)
	assert.NotEqual(t, first.Body["id"], re.Body["id"])

	// Concurrent creates of one externalId make exactly one object.
	var wg sync.WaitGroup
	ids := make([]string, 6)
	statuses := make([]int, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.do(p, "POST", "/invoices", map[string]any{"externalId": "RACE-1", "patientId": re.Body["id"], "currency": "EUR"})
			ids[i], statuses[i] = r.Body["id"].(string), r.Status
		}()
	}
	wg.Wait()
	created := 0
	for i := range ids {
		assert.Equal(t, ids[0], ids[i])
		if statuses[i] == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "one 201, the rest 200: %v", statuses)
}

func TestOrganizationsCapabilitiesAndLiveMode(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	full, cliniko := a.live.in(a.liveOrgs[0]), a.live.in(a.liveOrgs[1])
	require.Equal(t, "cliniko", a.liveOrgTy[1])

	orgs := s.do(&a.test, "GET", "/organizations", nil)
	require.Equal(t, 200, orgs.Status, orgs.Raw)
	require.Len(t, orgs.data(), 2, "the sandbox and its test organization without messages (docs/sandbox.md)")
	assert.Equal(t, "St. Mungo's Clinic", orgs.data()[0].(map[string]any)["name"])
	liveOrgs := s.do(&a.live, "GET", "/organizations?$total=true", nil)
	assert.EqualValues(t, 2, liveOrgs.Body["total"], "organizations need no HapiHub-Organization header")

	tests := []struct {
		name   string
		p      principal
		method string
		path   string
		body   any
		status int
		errKey string
	}{
		{"sandbox supports everything", a.test, "GET", "/messages", nil, 200, ""},
		{"full PMS lists messages", full, "GET", "/messages", nil, 200, ""},
		{"cliniko has no messages", cliniko, "GET", "/messages", nil, 404, "METHOD_NOT_SUPPORTED"},
		{"cliniko cannot remove patients", cliniko, "DELETE", "/patients/pat_01JGXDFAM0SPXK6S0F00Y6KG58", nil, 404, "METHOD_NOT_SUPPORTED"},
		{"cliniko lists patients", cliniko, "GET", "/patients", nil, 200, ""},
		{"organizations cannot be created", a.test, "POST", "/organizations", map[string]any{"name": "x"}, 404, "METHOD_NOT_SUPPORTED"},
		{"organizations cannot be replaced", a.test, "PUT", "/organizations/" + a.acct.SandboxOrg, map[string]any{"name": "x"}, 404, "METHOD_NOT_SUPPORTED"},
		{"organizations cannot be removed", a.test, "DELETE", "/organizations/" + a.acct.SandboxOrg, nil, 404, "METHOD_NOT_SUPPORTED"},
		{"only metadata is writable", a.test, "PATCH", "/organizations/" + a.acct.SandboxOrg, map[string]any{"name": "x"}, 400, "INVALID_PARAMETERS"},
		{"metadata is writable", a.test, "PATCH", "/organizations/" + a.acct.SandboxOrg, map[string]any{"metadata": map[string]any{"crm": "42"}}, 200, ""},
		{"a route we do not serve", a.test, "POST", "/patients/pat_1/merge", map[string]any{}, 404, "METHOD_NOT_IMPLEMENTED"},
		{"live with several organizations needs the header", a.live, "GET", "/patients", nil, 400, "INVALID_PARAMETERS"},
		{"unknown organization header", a.live.in("org_01JGXDFAM0SPXK6S0F00Y6KG58"), "GET", "/patients", nil, 403, "PERMISSIONS_ERROR"},
		{"test key naming a live organization", a.test.in(a.liveOrgs[0]), "GET", "/patients", nil, 403, "PERMISSIONS_ERROR"},
		{"sandbox reset with a live key", a.live, "POST", "/sandbox/reset", map[string]any{}, 403, "PERMISSIONS_ERROR"},
		{"sandbox reset with an unexpected field", a.test, "POST", "/sandbox/reset", map[string]any{"x": []any{}}, 400, "INVALID_PARAMETERS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(&tc.p, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, r.Status, r.Raw)
			if tc.errKey != "" {
				assert.Equal(t, tc.errKey, r.name())
			}
		})
	}
	got := s.do(&a.test, "GET", "/organizations/"+a.acct.SandboxOrg, nil)
	assert.Equal(t, map[string]any{"crm": "42"}, got.Body["metadata"])

	// A connection the clinic revoked: CREDENTIALS_ERROR, on every route of that organization.
	require.NoError(t, s.st.SetConnectionStatus(context.Background(), a.acct.ID, a.liveOrgs[1], "revoked"))
	for _, path := range []string{"/patients", "/organizations/" + a.liveOrgs[1]} {
		r := s.do(&cliniko, "GET", path, nil)
		assert.Equal(t, 403, r.Status, path)
		assert.Equal(t, "CREDENTIALS_ERROR", r.name(), path)
	}
	assert.Len(t, s.do(&a.live, "GET", "/organizations", nil).data(), 1, "a revoked organization is not listed")

	// OpenAPI is served without a key.
	doc := s.do(nil, "GET", "/openapi.json", nil)
	require.Equal(t, 200, doc.Status)
	assert.Equal(t, "3.1.0", doc.Body["openapi"])
}

// smallJobs are sandbox reset jobs over the embedded SQS seeding small sizes, and work runs what
// is queued as the worker function would (one receive, each message through Jobs.Run).
func smallJobs(t *testing.T, st *store.Store) (jobs *sandbox.Jobs, work func() int) {
	q, _ := sqstest.New(t)
	out, err := q.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String("jobs")})
	require.NoError(t, err)
	jobs = &sandbox.Jobs{Store: st, Queue: q, QueueURL: *out.QueueUrl, Lease: time.Minute,
		Sizes: sandbox.Sizes{Patients: 5, Practitioners: 2, Appointments: 7, Messages: 3, Invoices: 2}}
	return jobs, func() int {
		msgs, err := q.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: out.QueueUrl, MaxNumberOfMessages: 10})
		require.NoError(t, err)
		for _, m := range msgs.Messages {
			require.NoError(t, jobs.Run(context.Background(), *m.Body))
			_, err := q.DeleteMessage(context.Background(), &awssqs.DeleteMessageInput{QueueUrl: out.QueueUrl, ReceiptHandle: m.ReceiptHandle})
			require.NoError(t, err)
		}
		return len(msgs.Messages)
	}
}

func TestSandboxResetOverHTTP(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	before := s.do(&a.test, "GET", "/appointments?$limit=0", nil).Body["total"]
	c := s.do(&a.test, "POST", "/practitioners", map[string]any{"firstName": "Temp", "lastName": "Locum"})
	require.Equal(t, 201, c.Status)
	assert.Equal(t, "NOT_FOUND", s.do(&a.test, "GET", "/sandbox/reset", nil).name(), "no reset yet")
	// The worker resets to sandbox.Default (covered in shared/sandbox); here a small size keeps
	// the test fast, through the same routes and handlers.
	jobs, work := smallJobs(t, s.st)
	small := platform.PlatformRouter(s.st, s.cfg, organizations.Routes(s.st, jobs))
	for _, rt := range small.Routes() {
		s.routers[rt.Key()] = small
	}
	r := s.do(&a.test, "POST", "/sandbox/reset", map[string]any{})
	require.Equal(t, 202, r.Status, r.Raw)
	assert.Equal(t, "queued", r.Body["status"])
	id := r.Body["id"]
	// A second reset while the first is queued joins it (issue 16: resets never interleave).
	r2 := s.do(&a.test, "POST", "/sandbox/reset", map[string]any{})
	require.Equal(t, 202, r2.Status, r2.Raw)
	assert.Equal(t, id, r2.Body["id"], "joined the queued reset")
	assert.Equal(t, 2, work(), "two messages, one job")
	st := s.do(&a.test, "GET", "/sandbox/reset", nil)
	require.Equal(t, 200, st.Status, st.Raw)
	assert.Equal(t, "succeeded", st.Body["status"])
	assert.Equal(t, id, st.Body["id"])
	assert.EqualValues(t, 1, st.Body["deleted"].(map[string]any)["practitioners"].(float64)-2, "the new practitioner was deleted with the seeded ones")
	assert.EqualValues(t, 7, s.do(&a.test, "GET", "/appointments?$limit=0", nil).Body["total"], "reset seeds the data again (before: %v)", before)
	assert.Equal(t, "NOT_FOUND", s.do(&a.test, "GET", "/practitioners/"+c.Body["id"].(string), nil).name())
	// After it finished, a new reset is a new job.
	r3 := s.do(&a.test, "POST", "/sandbox/reset", map[string]any{})
	require.Equal(t, 202, r3.Status)
	assert.NotEqual(t, id, r3.Body["id"])
}

// TestNoRouteCrossesModesOrAccounts tries every route of the route table with every foreign id
// it could take: another mode's and another account's objects and organizations must stay
// unreachable, and lists must only hold the caller's own objects.
func TestNoRouteCrossesModesOrAccounts(t *testing.T) {
	s := newStack(t)
	// POST /sandbox/reset runs too: the same handler reseeding small sizes, not St. Mungo's
	// whole clinic (TestSandboxResetOverHTTP, shared/sandbox).
	jobs, _ := smallJobs(t, s.st)
	small := platform.PlatformRouter(s.st, s.cfg, organizations.Routes(s.st, jobs))
	for _, rt := range small.Routes() {
		s.routers[rt.Key()] = small
	}
	a, b := s.newAccount("Acme"), s.newAccount("Beta")
	aLive := a.live.in(a.liveOrgs[0])
	callers := map[string]principal{"A test": a.test, "A live": aLive}
	own := map[string]domain.Tenant{
		"A test": {Account: a.acct.ID, Mode: domain.Test, Org: a.acct.SandboxOrg},
		"A live": {Account: a.acct.ID, Mode: domain.Live, Org: a.liveOrgs[0]},
	}
	foreignTenants := map[string][]domain.Tenant{
		"A test": {{Account: a.acct.ID, Mode: domain.Live, Org: a.liveOrgs[0]}, {Account: b.acct.ID, Mode: domain.Test, Org: b.acct.SandboxOrg}, {Account: b.acct.ID, Mode: domain.Live, Org: b.liveOrgs[0]}},
		"A live": {{Account: a.acct.ID, Mode: domain.Test, Org: a.acct.SandboxOrg}, {Account: b.acct.ID, Mode: domain.Test, Org: b.acct.SandboxOrg}, {Account: b.acct.ID, Mode: domain.Live, Org: b.liveOrgs[0]}},
	}
	// One object id per clinical resource and tenant.
	ids := func(t domain.Tenant) map[string]string {
		out := map[string]string{}
		for _, res := range []string{"patients", "practitioners", "appointments", "messages", "invoices"} {
			sch, _ := lookup(res)
			docs, err := s.st.ListAll(context.Background(), t, sch)
			require.NoError(s.t, err)
			if len(docs) > 0 {
				out[res] = docs[0]["id"].(string)
			}
		}
		out["organizations"] = t.Org
		return out
	}
	tried := 0
	for who, p := range callers {
		var foreign []string
		for _, ft := range foreignTenants[who] {
			for _, id := range ids(ft) {
				foreign = append(foreign, id)
			}
		}
		foreign = append(foreign, b.liveOrgs[1])
		for _, rt := range s.routes {
			if rt.Public {
				continue
			}
			path := rt.Path
			var targets []string
			if strings.Contains(path, "{") {
				// Ids of the route's own resource (others fail on their prefix alone), or a few.
				for _, fid := range foreign {
					if sch, ok := lookup(rt.Resource); ok && strings.HasPrefix(fid, sch.Prefix+"_") {
						targets = append(targets, fid)
					}
				}
				if len(targets) == 0 {
					targets = foreign[:2]
				}
			} else {
				targets = []string{""}
			}
			for _, id := range targets {
				concrete := strings.NewReplacer("{id}", id, "{deliveryId}", "whd_01JGXDFAM0SPXK6S0F00Y6KG58").Replace(path)
				var body any
				if rt.Method != "GET" && rt.Method != "DELETE" {
					body = map[string]any{}
				}
				pp := p
				r := s.do(&pp, rt.Method, concrete, body)
				tried++
				if id != "" {
					assert.GreaterOrEqual(t, r.Status, 400, "%s %s %s reached a foreign object: %s", who, rt.Method, concrete, r.Raw)
					if r.Status < 500 {
						assert.NotContains(t, []string{"organizationId", "livemode"}, r.Raw, "no foreign object in an error")
					}
				}
				for _, fid := range foreign {
					if id == fid {
						continue // errors may echo the requested id
					}
					assert.NotContains(t, r.Raw, fid, "%s %s %s leaked a foreign id", who, rt.Method, concrete)
				}
			}
		}
		// Lists with a foreign id as a filter find nothing.
		for res, fid := range ids(foreignTenants[who][1]) {
			if res == "organizations" {
				continue
			}
			r := s.do(&p, "GET", "/"+res+"?id="+fid, nil)
			if r.Status == 200 {
				assert.Empty(t, r.data(), "%s finds %s of another account", who, fid)
			}
		}
		for _, res := range []string{"patients", "appointments", "invoices"} {
			r := s.do(&p, "GET", "/"+res+"?$limit=100", nil)
			require.Equal(t, 200, r.Status, r.Raw)
			for _, d := range r.data() {
				assert.Equal(t, own[who].Org, d.(map[string]any)["organizationId"])
				assert.Equal(t, own[who].Mode == domain.Live, d.(map[string]any)["livemode"])
			}
		}
	}
	t.Logf("tried %d requests", tried)
	assert.Greater(t, tried, 150)
}

// A test key naming an organization it cannot reach is told which ones it can: its sandbox and
// the fixed test organizations.
func TestTestKeyNamesTheOrganizationsItReaches(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	got := s.do(&a.test, "GET", "/patients", nil, "HapiHub-Organization", a.liveOrgs[0])
	require.Equal(t, 403, got.Status, got.Raw)
	assert.Equal(t, "PERMISSIONS_ERROR", got.name())
	msg, _ := got.Body["message"].(string)
	for _, o := range testorgs.All() {
		assert.Contains(t, msg, o.ID)
	}
	assert.Contains(t, msg, a.liveOrgs[0])
}

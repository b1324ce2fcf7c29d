package gocheck_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/webhook"
)

// TestMain starts the local platform and exports its address and keys the way make run prints
// them, so the examples read like the README's (os.Getenv("HAPIHUB_API_URL"), ...).
func TestMain(m *testing.M) {
	env := localtest.Shared(mainTB{})
	os.Setenv("HAPIHUB_API_URL", env.URL)
	os.Setenv("HAPIHUB_TEST_SECRET_KEY", env.TestKey)
	os.Exit(localtest.Main(m))
}

// mainTB lets TestMain start the shared platform, which wants a testing.TB; only the methods
// Shared calls are implemented.
type mainTB struct{ testing.TB }

func (mainTB) Helper() {}
func (mainTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// client is a strict client on the local platform: a response field the types lack fails the call.
func client(t *testing.T, key func(*localtest.Env) string, opts ...hapihub.Option) *hapihub.Client {
	env := localtest.Shared(t)
	opts = append([]hapihub.Option{hapihub.WithBaseURL(env.URL), hapihub.WithHTTPClient(env.Client), hapihub.WithStrictDecoding()}, opts...)
	return hapihub.New(key(env), opts...)
}

func testKey(e *localtest.Env) string { return e.TestKey }
func liveKey(e *localtest.Env) string { return e.LiveKey }
func pubKey(e *localtest.Env) string  { return e.PubKey }

func TestPatientLifecycle(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	var resp hapihub.Response
	ext := fmt.Sprintf("SDK-%d", time.Now().UnixNano())
	p, err := c.Patients.Create(ctx, &hapihub.Patient{ExternalID: ext, FirstName: "Ada", LastName: "Lovelace",
		DateOfBirth: hapihub.Ptr(hapihub.Date(1815, time.December, 10)), Phone: "+442079460000",
		Address: &hapihub.Address{City: "London", Country: "gbr"}, Tags: []string{"sdk"}}, hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.Status)
	assert.Regexp(t, `^pat_`, p.ID)
	assert.Equal(t, "GBR", p.Address.Country, "countries come back upper-cased")
	assert.Equal(t, "active", p.Status, "defaults applied")

	again, err := c.Patients.Create(ctx, &hapihub.Patient{ExternalID: ext, FirstName: "Ada", LastName: "Lovelace"}, hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.Status, "an existing externalId answers the existing object")
	assert.Equal(t, p.ID, again.ID)

	got, err := c.Patients.Get(ctx, p.ID, hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	etag := resp.ETag()
	require.NotEmpty(t, etag)
	assert.Equal(t, p.LastName, got.LastName)

	patched, err := c.Patients.Patch(ctx, p.ID, &hapihub.Patient{PreferredName: "Countess"}, hapihub.IfMatch(etag))
	require.NoError(t, err)
	assert.Equal(t, "Countess", patched.PreferredName)
	_, err = c.Patients.Patch(ctx, p.ID, &hapihub.Patient{PreferredName: "Stale"}, hapihub.IfMatch(etag))
	assert.ErrorIs(t, err, hapihub.ErrPreconditionFailed)

	unset, err := c.Patients.Patch(ctx, p.ID, map[string]any{"preferredName": nil})
	require.NoError(t, err)
	assert.Empty(t, unset.PreferredName)

	got.FirstName = "Augusta Ada" // an object read from the API can be sent back to replace it
	replaced, err := c.Patients.Update(ctx, p.ID, got)
	require.NoError(t, err)
	assert.Equal(t, "Augusta Ada", replaced.FirstName)

	sel, err := c.Patients.GetSelect(ctx, p.ID, []string{"lastName"})
	require.NoError(t, err)
	assert.Equal(t, "Lovelace", sel.LastName)
	assert.Empty(t, sel.FirstName)

	key := "sdk-" + ext
	var first hapihub.Response
	del, err := c.Patients.Delete(ctx, p.ID, hapihub.IdempotencyKey(key), hapihub.CaptureResponse(&first))
	require.NoError(t, err)
	assert.True(t, del.Deleted)
	assert.False(t, first.Replayed())
	assert.Empty(t, first.OriginalRequest())
	del2, err := c.Patients.Delete(ctx, p.ID, hapihub.IdempotencyKey(key), hapihub.CaptureResponse(&resp))
	require.NoError(t, err)
	assert.True(t, resp.Replayed(), "the same key replays the first answer")
	require.NotEmpty(t, first.RequestID())
	assert.Equal(t, first.RequestID(), resp.OriginalRequest(), "a replay names the request whose answer it is")
	assert.NotEqual(t, first.RequestID(), resp.RequestID())
	assert.Equal(t, del.ID, del2.ID)
	_, err = c.Patients.Get(ctx, p.ID)
	assert.ErrorIs(t, err, hapihub.ErrNotFound)
}

func TestValidationErrorsAreTyped(t *testing.T) {
	c := client(t, testKey)
	_, err := c.Patients.Create(context.Background(), &hapihub.Patient{FirstName: "NoLastName", Email: "not-an-email"})
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
	assert.Equal(t, hapihub.ErrorInvalidParameters, ae.Name)
	assert.NotEmpty(t, ae.Event)
	var fields []string
	for _, f := range ae.Fields {
		fields = append(fields, f.Field)
	}
	assert.Equal(t, []string{"email", "lastName"}, fields)

	_, err = hapihub.New("sk_test_nope", hapihub.WithBaseURL(localtest.Shared(t).URL)).Patients.List(context.Background(), nil)
	assert.ErrorIs(t, err, hapihub.ErrAuth)
}

// crud runs create, get, list, update, patch and delete on a clinical resource.
func crud[T any](t *testing.T, svc *hapihub.Service[T], obj *T, patch map[string]any, id func(*T) string, check func(t *testing.T, patched *T)) {
	ctx := context.Background()
	created, err := svc.Create(ctx, obj)
	require.NoError(t, err)
	got, err := svc.Get(ctx, id(created))
	require.NoError(t, err)
	assert.Equal(t, id(created), id(got))
	list, err := svc.List(ctx, hapihub.Where(hapihub.Eq("id", id(created))).WithTotal())
	if err == nil { // id is not a filter of every resource; a bad filter must be a typed 400
		require.Len(t, list.Data, 1)
		assert.Equal(t, 1, *list.Total)
	} else {
		assert.ErrorIs(t, err, hapihub.ErrInvalidParameters)
	}
	_, err = svc.Update(ctx, id(created), got)
	require.NoError(t, err)
	patched, err := svc.Patch(ctx, id(created), patch)
	require.NoError(t, err)
	check(t, patched)
	_, err = svc.Delete(ctx, id(created))
	require.NoError(t, err)
	_, err = svc.Get(ctx, id(created))
	assert.ErrorIs(t, err, hapihub.ErrNotFound)
}

func TestClinicalResources(t *testing.T) {
	c := client(t, testKey)
	ctx := context.Background()
	pat, err := c.Patients.List(ctx, hapihub.Where(hapihub.Eq("externalId", "MRN-100000")))
	require.NoError(t, err)
	require.Len(t, pat.Data, 1)
	pid := pat.Data[0].ID
	start := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

	t.Run("practitioners", func(t *testing.T) {
		crud(t, c.Practitioners, &hapihub.Practitioner{FirstName: "Poppy", LastName: "Pomfrey", Title: "Matron", Active: hapihub.Ptr(false)},
			map[string]any{"specialty": "Healing"}, func(p *hapihub.Practitioner) string { return p.ID },
			func(t *testing.T, p *hapihub.Practitioner) {
				assert.Equal(t, "Healing", p.Specialty)
				require.NotNil(t, p.Active)
				assert.False(t, *p.Active, "a false boolean is sent, not dropped")
			})
	})
	t.Run("appointments", func(t *testing.T) {
		crud(t, c.Appointments, &hapihub.Appointment{PatientID: pid, StartsAt: hapihub.Millis(start), EndsAt: hapihub.Millis(start.Add(30 * time.Minute)), Status: "booked"},
			map[string]any{"status": "cancelled", "cancellationReason": "patient asked"}, func(a *hapihub.Appointment) string { return a.ID },
			func(t *testing.T, a *hapihub.Appointment) { assert.Equal(t, "cancelled", a.Status) })
	})
	t.Run("messages", func(t *testing.T) {
		crud(t, c.Messages, &hapihub.Message{PatientID: pid, RoomID: "room-sdk", Direction: "outbound", Channel: "sms", Text: "Your results are in."},
			map[string]any{"read": true}, func(m *hapihub.Message) string { return m.ID },
			func(t *testing.T, m *hapihub.Message) { require.NotNil(t, m.Read); assert.True(t, *m.Read) })
	})
	t.Run("invoices", func(t *testing.T) {
		crud(t, c.Invoices, &hapihub.Invoice{PatientID: pid, Currency: "gbp", LineItems: []hapihub.LineItem{{Description: "Consultation", Quantity: 2, UnitAmount: 4500}}},
			map[string]any{"status": "paid"}, func(i *hapihub.Invoice) string { return i.ID },
			func(t *testing.T, i *hapihub.Invoice) {
				assert.Equal(t, int64(9000), i.Total)
				require.NotNil(t, i.AmountPaid)
				assert.Equal(t, int64(9000), *i.AmountPaid)
			})
	})
}

func TestQueriesAndIteration(t *testing.T) {
	c := client(t, testKey)
	ctx := context.Background()
	q := hapihub.Where(hapihub.Eq("status", "active"))
	page, err := c.Patients.List(ctx, q.Limit(0))
	require.NoError(t, err)
	require.NotNil(t, page.Total)
	assert.Greater(t, *page.Total, 7, "St. Mungo's has more active patients than one page")

	seen := map[string]bool{}
	for p, err := range c.Patients.All(ctx, hapihub.Where(hapihub.Eq("status", "active")).Sort("lastName", hapihub.Asc).Limit(7)) {
		require.NoError(t, err)
		assert.Equal(t, "active", p.Status)
		seen[p.ID] = true
	}
	assert.Len(t, seen, *page.Total, "every match once, across pages")

	n := 0
	for range c.Patients.All(ctx, hapihub.NewQuery().Limit(3)) {
		if n++; n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n, "breaking out stops the iteration")

	ext, err := c.Patients.List(ctx, hapihub.Where(hapihub.In("externalId", "MRN-100000", "MRN-100007")).Sort("externalId", hapihub.Desc).Select("externalId"))
	require.NoError(t, err)
	require.Len(t, ext.Data, 2)
	assert.Equal(t, "MRN-100007", ext.Data[0].ExternalID)
	assert.Empty(t, ext.Data[0].FirstName, "$select")

	first := ext.Data[1]
	full, err := c.Patients.Get(ctx, first.ID)
	require.NoError(t, err)
	found, err := c.Patients.List(ctx, hapihub.NewQuery().Search(full.LastName).Limit(100))
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, p := range found.Data {
		ids[p.ID] = true
	}
	assert.True(t, ids[full.ID], "$search finds the patient by surname")

	or, err := c.Patients.List(ctx, hapihub.Where(hapihub.Or(hapihub.Eq("externalId", "MRN-100000"), hapihub.Eq("externalId", "MRN-100007"))).WithTotal())
	require.NoError(t, err)
	assert.Equal(t, 2, *or.Total)

	_, err = c.Patients.List(ctx, hapihub.Where(hapihub.Eq("shoeSize", 9)))
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	require.NotEmpty(t, ae.Fields)
	assert.Equal(t, "shoeSize", ae.Fields[0].Field)
}

func TestOrganizations(t *testing.T) {
	c := client(t, testKey)
	ctx := context.Background()
	orgs, err := c.Organizations.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, orgs.Data, 2, "the sandbox and its test organization without messages (docs/sandbox.md)")
	assert.Equal(t, "St. Mungo's Clinic", orgs.Data[0].Name)
	assert.Equal(t, hapihub.TestOrgNoMessages, orgs.Data[1].ID)
	org, err := c.Organizations.Get(ctx, orgs.Data[0].ID)
	require.NoError(t, err)
	assert.Contains(t, org.Capabilities.Patients, "create")
	patched, err := c.Organizations.Patch(ctx, org.ID, map[string]*string{"crm": hapihub.Ptr("42")})
	require.NoError(t, err)
	assert.Equal(t, "42", patched.Metadata["crm"])
	patched, err = c.Organizations.Patch(ctx, org.ID, map[string]*string{"crm": nil})
	require.NoError(t, err)
	assert.NotContains(t, patched.Metadata, "crm")
}

func TestLiveModeOrganizationHeader(t *testing.T) {
	ctx := context.Background()
	live := client(t, liveKey)
	orgs, err := live.Organizations.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, orgs.Data, 2, "the local account is connected to two live clinics")
	_, err = live.Patients.List(ctx, nil)
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters, "with two clinics a live call must name one")
	for _, o := range orgs.Data {
		l, err := live.Patients.List(ctx, hapihub.NewQuery().Limit(1), hapihub.ForOrganization(o.ID))
		require.NoError(t, err, o.Name)
		require.Len(t, l.Data, 1)
		assert.Equal(t, o.ID, l.Data[0].OrganizationID)
		assert.True(t, l.Data[0].Livemode)
	}
	pinned := client(t, liveKey, hapihub.WithOrganization(orgs.Data[0].ID))
	l, err := pinned.Patients.List(ctx, hapihub.NewQuery().Limit(1))
	require.NoError(t, err)
	assert.Equal(t, orgs.Data[0].ID, l.Data[0].OrganizationID)
}

func TestWebhooksAndEvents(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	type hook struct {
		ev  *hapihub.Event
		err error
	}
	got := make(chan hook, 16)
	var secret string
	ready := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		ev, err := hapihub.ReadEvent(r, secret)
		got <- hook{ev, err}
	}))
	defer rcv.Close()

	ep, err := c.WebhookEndpoints.Create(ctx, &hapihub.WebhookEndpointParams{URL: hapihub.Ptr(rcv.URL + "/hook"),
		EnabledEvents: &[]string{"patient.updated"}, Description: hapihub.Ptr("sdk test")})
	require.NoError(t, err)
	defer func() { _, _ = c.WebhookEndpoints.Delete(ctx, ep.ID) }()
	require.Regexp(t, `^whsec_`, ep.Secret)
	secret = ep.Secret
	close(ready)

	pat, err := c.Patients.List(ctx, hapihub.Where(hapihub.Eq("externalId", "MRN-100007")))
	require.NoError(t, err)
	require.Len(t, pat.Data, 1)
	_, err = c.Patients.Patch(ctx, pat.Data[0].ID, map[string]any{"metadata": map[string]any{"sdk": time.Now().String()}})
	require.NoError(t, err)

	var ev *hapihub.Event
	select {
	case h := <-got:
		require.NoError(t, h.err, "the delivery's signature verifies with the endpoint secret")
		ev = h.ev
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	assert.Equal(t, "patient.updated", ev.Type)
	var p hapihub.Patient
	require.NoError(t, ev.Decode(&p))
	assert.Equal(t, pat.Data[0].ID, p.ID)
	assert.Contains(t, ev.Data.PreviousAttributes, "metadata")

	byID, err := c.Events.Get(ctx, ev.ID)
	require.NoError(t, err)
	assert.Equal(t, ev.Type, byID.Type)
	events, err := c.Events.List(ctx, hapihub.Where(hapihub.Eq("type", "patient.*"), hapihub.Gte("createdAt", ev.CreatedAt)).Limit(5))
	require.NoError(t, err)
	require.NotEmpty(t, events.Data)
	for _, e := range events.Data {
		assert.Regexp(t, `^patient\.`, e.Type)
	}
	n := 0
	for e, err := range c.Events.All(ctx, hapihub.Where(hapihub.In("type", "patient.updated")).Limit(2)) {
		require.NoError(t, err)
		assert.Equal(t, "patient.updated", e.Type)
		if n++; n == 3 {
			break
		}
	}
	assert.GreaterOrEqual(t, n, 1)

	var d hapihub.WebhookDelivery
	require.Eventually(t, func() bool {
		ds, err := c.WebhookEndpoints.Deliveries(ctx, ep.ID, hapihub.Where(hapihub.Eq("status", "succeeded")))
		if err != nil || len(ds.Data) == 0 {
			return false
		}
		d = ds.Data[0]
		return true
	}, 5*time.Second, 50*time.Millisecond, "the delivery is recorded as succeeded")
	assert.Equal(t, ev.ID, d.EventID)
	one, err := c.WebhookEndpoints.Delivery(ctx, ep.ID, d.ID)
	require.NoError(t, err)
	require.NotEmpty(t, one.Attempts)
	require.NotNil(t, one.Attempts[0].StatusCode)
	assert.Equal(t, http.StatusOK, *one.Attempts[0].StatusCode)
	all := 0
	for _, err := range c.WebhookEndpoints.AllDeliveries(ctx, ep.ID, nil) {
		require.NoError(t, err)
		all++
	}
	assert.GreaterOrEqual(t, all, 1)

	rolled, err := c.WebhookEndpoints.RollSecret(ctx, ep.ID, 3600)
	require.NoError(t, err)
	assert.NotEqual(t, secret, rolled.Secret)
	oldSecret := secret
	secret = rolled.Secret
	res, err := c.WebhookEndpoints.Resend(ctx, ep.ID, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.ID, res.ID)
	select {
	case h := <-got:
		require.NoError(t, h.err, "a resend is signed with the new secret")
		assert.Equal(t, ev.ID, h.ev.ID)
	case <-time.After(10 * time.Second):
		t.Fatal("no resent delivery")
	}
	_ = oldSecret

	// The canonical form, as APIKeys.Roll sends it: expiresAt in Unix ms, at most 24 hours ahead.
	until, err := c.WebhookEndpoints.RollSecretUntil(ctx, ep.ID, time.Now().Add(2*time.Hour).UnixMilli())
	require.NoError(t, err)
	assert.NotEqual(t, secret, until.Secret)
	secret = until.Secret
	_, err = c.WebhookEndpoints.RollSecretUntil(ctx, ep.ID, time.Now().Add(25*time.Hour).UnixMilli())
	var tooLate *hapihub.Error
	require.ErrorAs(t, err, &tooLate)
	require.Len(t, tooLate.Fields, 1)
	assert.Equal(t, "expiresAt", tooLate.Fields[0].Field)

	list, err := c.WebhookEndpoints.List(ctx, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, list.Data)
	upd, err := c.WebhookEndpoints.Update(ctx, ep.ID, &hapihub.WebhookEndpointParams{Status: hapihub.Ptr("disabled"), Metadata: map[string]*string{"team": hapihub.Ptr("sdk")}})
	require.NoError(t, err)
	assert.Equal(t, "disabled", upd.Status)
	assert.Equal(t, "sdk", upd.Metadata["team"])
	gone, err := c.WebhookEndpoints.Delete(ctx, ep.ID)
	require.NoError(t, err)
	assert.True(t, gone.Deleted)
	_, err = c.WebhookEndpoints.Get(ctx, ep.ID)
	assert.ErrorIs(t, err, hapihub.ErrNotFound)
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	keys, err := c.APIKeys.List(ctx)
	require.NoError(t, err)
	types := map[string]bool{}
	for _, k := range keys.Data {
		types[k.Type] = true
		assert.Contains(t, k.Secret, "...", "lists redact")
	}
	assert.True(t, types["secret"] && types["publishable"])

	rk, err := c.APIKeys.Create(ctx, &hapihub.APIKeyParams{Name: hapihub.Ptr("reporting"), Permissions: map[string]string{"patients": "read"}})
	require.NoError(t, err)
	assert.Regexp(t, `^rk_test_`, rk.Secret)
	assert.Equal(t, "read", rk.Permissions["patients"])

	restricted := client(t, func(*localtest.Env) string { return rk.Secret })
	_, err = restricted.Patients.List(ctx, hapihub.NewQuery().Limit(1))
	require.NoError(t, err)
	_, err = restricted.Patients.Create(ctx, &hapihub.Patient{FirstName: "No", LastName: "Write"})
	assert.ErrorIs(t, err, hapihub.ErrPermissions)

	shown, err := c.APIKeys.Get(ctx, rk.ID)
	require.NoError(t, err)
	assert.Equal(t, rk.Secret, shown.Secret, "test keys can be revealed")
	noted, err := c.APIKeys.Update(ctx, rk.ID, &hapihub.APIKeyParams{Note: hapihub.Ptr("in the vault")})
	require.NoError(t, err)
	assert.Equal(t, "in the vault", noted.Note)

	// Editing a restricted key's access; a secret key's is fixed (400 naming permissions).
	edited, err := c.APIKeys.SetPermissions(ctx, rk.ID, map[string]string{"patients": "write", "events": "read"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"patients": "write", "events": "read"}, edited.Permissions)
	shown, err = c.APIKeys.Get(ctx, rk.ID)
	require.NoError(t, err)
	assert.Equal(t, edited.Permissions, shown.Permissions)
	var sk string
	for _, k := range keys.Data {
		if k.Type == "secret" {
			sk = k.ID
		}
	}
	_, err = c.APIKeys.SetPermissions(ctx, sk, map[string]string{"patients": "read"})
	var he *hapihub.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, hapihub.ErrorInvalidParameters, he.Name)
	require.Len(t, he.Fields, 1)
	assert.Equal(t, "permissions", he.Fields[0].Field)
	_, err = c.APIKeys.SetPermissions(ctx, rk.ID, map[string]string{"patients": "admin"})
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters)

	grace := time.Now().Add(time.Hour).UnixMilli()
	next, err := c.APIKeys.Roll(ctx, rk.ID, grace)
	require.NoError(t, err)
	assert.Equal(t, rk.ID, next.RolledFrom)
	assert.NotEqual(t, rk.Secret, next.Secret)
	old, err := c.APIKeys.Get(ctx, rk.ID)
	require.NoError(t, err)
	assert.Equal(t, "expiring", old.Status)
	require.NotNil(t, old.ExpiresAt)
	assert.Equal(t, grace, *old.ExpiresAt)

	revoked, err := c.APIKeys.Revoke(ctx, next.ID)
	require.NoError(t, err)
	assert.Equal(t, "revoked", revoked.Status)
	_, err = client(t, func(*localtest.Env) string { return next.Secret }).Patients.List(ctx, nil)
	assert.ErrorIs(t, err, hapihub.ErrAuth)
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	tok, err := client(t, pubKey).Tokens.CreatePatientIntake(ctx, &hapihub.Patient{FirstName: "Luna", LastName: "Lovegood", Email: "luna@example.com"})
	require.NoError(t, err)
	assert.Regexp(t, `^tok_`, tok.ID)
	assert.Equal(t, "patient_intake", tok.Type)
	got, err := client(t, testKey).Tokens.Get(ctx, tok.ID)
	require.NoError(t, err)
	assert.Equal(t, "Lovegood", got.Data.LastName)
	assert.Equal(t, tok.ExpiresAt, got.ExpiresAt)
	_, err = client(t, pubKey).Patients.List(ctx, nil)
	assert.ErrorIs(t, err, hapihub.ErrPermissions, "publishable keys only create tokens")
}

func TestIPAllowlist(t *testing.T) {
	ctx := context.Background()
	al, err := client(t, testKey).Account.IPAllowlist(ctx)
	require.NoError(t, err)
	assert.Equal(t, "ip_allowlist", al.Object)
	_, err = client(t, testKey).Account.SetIPAllowlist(ctx, []string{"10.0.0.0/8"})
	assert.ErrorIs(t, err, hapihub.ErrPermissions, "only a live key changes it")

	live := client(t, liveKey)
	set, err := live.Account.SetIPAllowlist(ctx, []string{"127.0.0.1", "::1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1/32", "::1/128"}, set.CIDRs)
	cleared, err := live.Account.SetIPAllowlist(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, cleared.CIDRs)
}

// The webhook verification is a copy (the SDK must not import shared/): check it against the
// server's signer, both schemes, during a roll (two signatures), tampered, stale and malformed.
func TestVerifyAgainstServerSigner(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	cur, old, other := webhook.NewSecret(), webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"id":"evt_1","object":"event","type":"patient.updated"}`)
	hdrs, err := webhook.Headers("evt_1", body, []string{cur, old}, now)
	require.NoError(t, err)
	sig := hdrs[webhook.SignatureHeader]
	cases := []struct {
		name    string
		payload []byte
		header  string
		secret  string
		at      time.Time
		want    error
	}{
		{"current secret", body, sig, cur, now, nil},
		{"old secret during a roll", body, sig, old, now.Add(4 * time.Minute), nil},
		{"another endpoint's secret", body, sig, other, now, hapihub.ErrSignatureMismatch},
		{"tampered body", append([]byte(nil), append(body, ' ')...), sig, cur, now, hapihub.ErrSignatureMismatch},
		{"too old", body, sig, cur, now.Add(6 * time.Minute), hapihub.ErrTooOld},
		{"from the future", body, sig, cur, now.Add(-6 * time.Minute), hapihub.ErrTooOld},
		{"no timestamp", body, "v1=abc", cur, now, hapihub.ErrBadHeader},
		{"no v1", body, fmt.Sprintf("t=%d", now.Unix()), cur, now, hapihub.ErrNoSignature},
		{"garbage", body, "nonsense", cur, now, hapihub.ErrBadHeader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := hapihub.VerifySignatureAt(tc.payload, tc.header, tc.secret, 0, tc.at)
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, webhook.VerifyAt(tc.payload, tc.header, tc.secret, 0, tc.at) == nil, err == nil, "same verdict as the server's Verify")
			std := hapihub.VerifyStandardSignature(tc.payload, hdrs[webhook.StandardIDHeader], hdrs[webhook.StandardTimestampHeader], hdrs[webhook.StandardSignatureHeader], tc.secret, 0, tc.at)
			want := webhook.VerifyStandard(tc.payload, hdrs[webhook.StandardIDHeader], hdrs[webhook.StandardTimestampHeader], hdrs[webhook.StandardSignatureHeader], tc.secret, 0, tc.at)
			assert.Equal(t, want == nil, std == nil, "Standard Webhooks: same verdict as the server")
		})
	}
	ev, err := hapihub.ConstructEvent(body, webhook.Sign(body, []string{cur}, time.Now()), cur)
	require.NoError(t, err)
	assert.Equal(t, "patient.updated", ev.Type)
	req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	req.Header.Set(hapihub.SignatureHeader, webhook.Sign(body, []string{cur}, time.Now()))
	ev, err = hapihub.ReadEvent(req, cur)
	require.NoError(t, err)
	assert.Equal(t, "evt_1", ev.ID)
}

func TestSandboxResetNeedsATestKey(t *testing.T) {
	_, err := client(t, liveKey).Sandbox.Reset(context.Background())
	assert.ErrorIs(t, err, hapihub.ErrPermissions)
}

func TestRequestLogs(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	since := time.Now().Add(-time.Second)
	_, err := c.Patients.Get(ctx, "pat_00000000000000000000000000")
	var ae *hapihub.Error
	require.ErrorAs(t, err, &ae)
	require.NotEmpty(t, ae.Event)

	page, err := c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{Status: http.StatusNotFound, Method: "GET", CreatedFrom: since, Limit: 100, Total: true})
	require.NoError(t, err)
	require.NotNil(t, page.Total)
	var mine *hapihub.RequestLog
	for i, l := range page.Data {
		assert.Equal(t, http.StatusNotFound, l.Status)
		if l.ErrorEventID == ae.Event {
			mine = &page.Data[i]
		}
	}
	require.NotNil(t, mine, "the failed request is logged with its error's event id")
	assert.Equal(t, "/patients/pat_00000000000000000000000000", mine.Path)
	assert.Equal(t, "secret", mine.KeyType)
	assert.Equal(t, "request_log", mine.Object)

	got, err := c.RequestLogs.Get(ctx, mine.ID)
	require.NoError(t, err)
	assert.Equal(t, *mine, *got)
	byKey, err := c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{KeyID: mine.KeyID, StatusMin: 400, StatusMax: 499, Limit: 5})
	require.NoError(t, err)
	require.NotEmpty(t, byKey.Data)
	for _, l := range byKey.Data {
		assert.Equal(t, mine.KeyID, l.KeyID)
		assert.True(t, l.Status >= 400 && l.Status <= 499, l.Status)
	}
	n := 0
	for l, err := range c.RequestLogs.All(ctx, &hapihub.RequestLogFilter{CreatedFrom: since, Limit: 1}) {
		require.NoError(t, err)
		assert.GreaterOrEqual(t, l.CreatedAt, since.UnixMilli())
		if n++; n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n, "pages of one: the 404 and the calls after it are all logged")
	_, err = c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{Method: "FETCH"})
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters)
}

func TestSendTestEvent(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	got := make(chan *hapihub.Event, 4)
	var secret string
	ready := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		ev, err := hapihub.ReadEvent(r, secret)
		if !assert.NoError(t, err, "the test event is signed with the endpoint's secret") {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- ev
	}))
	defer rcv.Close()
	ep, err := c.WebhookEndpoints.Create(ctx, &hapihub.WebhookEndpointParams{URL: hapihub.Ptr(rcv.URL + "/hook"), EnabledEvents: &[]string{"invoice.*"}})
	require.NoError(t, err)
	defer func() { _, _ = c.WebhookEndpoints.Delete(ctx, ep.ID) }()
	secret = ep.Secret
	close(ready)

	del, err := c.WebhookEndpoints.SendTest(ctx, ep.ID, "invoice.paid")
	require.NoError(t, err)
	assert.Equal(t, "invoice.paid", del.EventType)
	select {
	case ev := <-got:
		assert.Equal(t, del.EventID, ev.ID)
		assert.True(t, ev.Test)
		var inv hapihub.Invoice
		require.NoError(t, ev.Decode(&inv))
		assert.Equal(t, "paid", inv.Status)
	case <-time.After(10 * time.Second):
		t.Fatal("no test delivery")
	}
	stored, err := c.Events.Get(ctx, del.EventID)
	require.NoError(t, err)
	assert.True(t, stored.Test)

	def, err := c.WebhookEndpoints.SendTest(ctx, ep.ID, "")
	require.NoError(t, err)
	assert.Equal(t, "invoice.created", def.EventType, "the server picks a type the endpoint receives")
	_, err = c.WebhookEndpoints.SendTest(ctx, ep.ID, "patient.created")
	assert.ErrorIs(t, err, hapihub.ErrInvalidParameters, "not a type this endpoint receives")
}

// A console session key through the local gateway: its requests are logged with the member, and
// logout (deleting the key) stops it at once despite the gateway's cached authorizer answer.
func TestSessionKeyThroughTheGateway(t *testing.T) {
	ctx := context.Background()
	env := localtest.Shared(t)
	owner, ok, err := env.Store.KeyByHash(ctx, auth.Hash(env.TestKey))
	require.NoError(t, err)
	require.True(t, ok)
	secret, err := auth.Generate(auth.Prefix(auth.Secret, domain.Test))
	require.NoError(t, err)
	now := time.Now()
	k := domain.Key{ID: core.NewID("key", now), AccountID: owner.AccountID, Mode: domain.Test, Type: auth.Secret, Hash: auth.Hash(secret),
		Last4: auth.Last4(secret), Status: domain.KeyActive, CreatedAt: now.UnixMilli(), Permissions: map[string]string{},
		Session: "member@example.com", ExpiresAt: now.Add(time.Hour).UnixMilli()}
	require.NoError(t, env.Store.PutSessionKey(ctx, k))
	c := client(t, func(*localtest.Env) string { return secret })

	_, err = c.Events.List(ctx, hapihub.NewQuery().Limit(1))
	require.NoError(t, err)
	logs, err := c.RequestLogs.List(ctx, &hapihub.RequestLogFilter{KeyID: k.ID})
	require.NoError(t, err)
	require.Len(t, logs.Data, 1)
	assert.Equal(t, "member@example.com", logs.Data[0].Session)
	assert.Equal(t, "/events", logs.Data[0].Path)

	require.NoError(t, env.Store.DeleteSessionKey(ctx, k.Hash))
	_, err = c.Events.List(ctx, nil)
	assert.ErrorIs(t, err, hapihub.ErrAuth, "a logged-out session key is refused at once")
}

func TestCreateMany(t *testing.T) {
	ctx := context.Background()
	c := client(t, testKey)
	last := fmt.Sprintf("Many%d", time.Now().UnixNano())
	in := []*hapihub.Patient{{FirstName: "A", LastName: last}, {FirstName: "B", LastName: last}, {FirstName: "C", LastName: last}}
	out, err := c.Patients.CreateMany(ctx, in, hapihub.IdempotencyKey(last))
	require.NoError(t, err)
	require.Len(t, out, 3)
	for i, p := range out {
		assert.Equal(t, in[i].FirstName, p.FirstName)
		assert.NotEmpty(t, p.ID)
	}
	_, err = c.Patients.CreateMany(ctx, []*hapihub.Patient{{FirstName: "A", LastName: last}, {FirstName: "B"}})
	var e *hapihub.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusBadRequest, e.Status)
	require.NotEmpty(t, e.Fields)
	assert.Equal(t, "[1].lastName", e.Fields[0].Field)
}

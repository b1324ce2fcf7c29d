package platform

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
	"github.com/hapihub/hapihub/shared/schema"
)

// The sandbox's test organizations make the unhappy paths happen on purpose, with a test key:
// one whose access is revoked (CREDENTIALS_ERROR), one whose PMS has no messages
// (METHOD_NOT_SUPPORTED), as Stripe's test cards decline on purpose.
func TestSandboxTestOrganizations(t *testing.T) {
	h := newHarness(t)
	routes := append((&api.Resource{Schema: schema.Patients, Store: h.st}).Routes(), (&api.Resource{Schema: schema.Messages, Store: h.st}).Routes()...)
	routes = append(routes, (&clinic.Organizations{Store: h.st}).Routes()...)
	h.router = PlatformRouter(h.st, config.Config{}, routes)
	sk := h.keys["sk_test"]
	org := func(id string) map[string]string { return map[string]string{"HapiHub-Organization": id} }

	cases := []struct {
		name, key, method, path, org, body string
		status                             int
		errName                            string
	}{
		{"revoked: a clinical read", sk, "GET", "/patients", testorgs.Revoked, "", http.StatusForbidden, "CREDENTIALS_ERROR"},
		{"revoked: a write", sk, "POST", "/patients", testorgs.Revoked, `{"firstName":"A","lastName":"B"}`, http.StatusForbidden, "CREDENTIALS_ERROR"},
		{"revoked: its organization", sk, "GET", "/organizations/" + testorgs.Revoked, "", "", http.StatusForbidden, "CREDENTIALS_ERROR"},
		{"no messages: list", sk, "GET", "/messages", testorgs.NoMessages, "", http.StatusNotFound, "METHOD_NOT_SUPPORTED"},
		{"no messages: create", sk, "POST", "/messages", testorgs.NoMessages, `{"patientId":"pat_x","roomId":"r","direction":"outbound","channel":"sms","text":"hi"}`, http.StatusNotFound, "METHOD_NOT_SUPPORTED"},
		{"no messages: patients work", sk, "GET", "/patients", testorgs.NoMessages, "", http.StatusOK, ""},
		{"no messages: read-only organization", sk, "PATCH", "/organizations/" + testorgs.NoMessages, "", `{"metadata":{"a":"b"}}`, http.StatusNotFound, "METHOD_NOT_SUPPORTED"},
		{"the sandbox still has messages", sk, "GET", "/messages", "", "", http.StatusOK, ""},
		{"live keys cannot name them", h.keys["sk_live"], "GET", "/patients", testorgs.NoMessages, "", http.StatusForbidden, "PERMISSIONS_ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr map[string]string
			if c.org != "" {
				hdr = org(c.org)
			}
			r := h.do(req{key: c.key, method: c.method, path: c.path, body: c.body, header: hdr})
			require.Equal(t, c.status, r.status, r.body)
			if c.errName != "" {
				assert.Equal(t, c.errName, r.name())
			}
		})
	}

	pats := h.do(req{key: sk, method: "GET", path: "/patients", header: org(testorgs.NoMessages)})
	require.NotEmpty(t, pats.body["data"], "seeded at sign-up")
	for _, p := range pats.body["data"].([]any) {
		assert.Equal(t, testorgs.NoMessages, p.(map[string]any)["organizationId"])
	}
	sandboxPats := h.do(req{key: sk, method: "GET", path: "/patients"})
	assert.NotEqual(t, pats.body["data"], sandboxPats.body["data"], "its own data, not St. Mungo's")

	list := h.do(req{key: sk, method: "GET", path: "/organizations"})
	require.Equal(t, http.StatusOK, list.status, list.body)
	var ids []string
	for _, o := range list.body["data"].([]any) {
		ids = append(ids, o.(map[string]any)["id"].(string))
	}
	assert.Contains(t, ids, testorgs.NoMessages, "listed, so a client can find it")
	assert.NotContains(t, ids, testorgs.Revoked, "revoked organizations are not listed, as in live mode")
	got := h.do(req{key: sk, method: "GET", path: "/organizations/" + testorgs.NoMessages})
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Equal(t, []any{}, got.body["capabilities"].(map[string]any)["messages"])
}

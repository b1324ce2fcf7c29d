package localtest_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// These are issue 4's acceptance checks, through HTTP, the gateway, the authorizer and the real
// patients function.

func total(t *testing.T, env *localtest.Env, key string, extra ...string) float64 {
	t.Helper()
	r := env.Do(t, "GET", "/patients?$limit=0", key, nil, extra...)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return r.JSON(t)["total"].(float64)
}

func TestSandboxListsPatientsInPagesOfTen(t *testing.T) {
	env := localtest.Shared(t)
	r := env.Do(t, "GET", "/patients", env.TestKey, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	body := r.JSON(t)
	assert.Len(t, body["data"], 10)
	assert.Equal(t, float64(10), body["limit"])
	assert.Equal(t, float64(0), body["skip"])
	first := body["data"].([]any)[0].(map[string]any)
	assert.Equal(t, "patient", first["object"])
	assert.Equal(t, false, first["livemode"])
	assert.True(t, strings.HasPrefix(first["id"].(string), "pat_"))
	assert.GreaterOrEqual(t, total(t, env, env.TestKey), float64(50))

	next := env.Do(t, "GET", "/patients?$skip=10", "", nil, "Authorization", "ApiKey "+env.TestKey).JSON(t)
	assert.NotEqual(t, first["id"], next["data"].([]any)[0].(map[string]any)["id"], "the second page starts after the first")
}

func TestPatientLifecycle(t *testing.T) {
	env := localtest.Shared(t)
	created := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{
		"firstName": "Ada", "lastName": "Lovelace", "dateOfBirth": -4861728000000, "phone": "+442079460000",
		"address": map[string]any{"city": "London", "country": "GBR"},
	})
	require.Equal(t, http.StatusCreated, created.Status, "%s", created.Body)
	p := created.JSON(t)
	id := p["id"].(string)
	assert.Equal(t, "Ada", p["firstName"])
	assert.Equal(t, p["createdAt"], p["updatedAt"])

	got := env.Do(t, "GET", "/patients/"+id, env.TestKey, nil)
	require.Equal(t, http.StatusOK, got.Status)
	assert.Equal(t, p, got.JSON(t))
	assert.NotEmpty(t, got.Header.Get("ETag"))

	put := env.Do(t, "PUT", "/patients/"+id, env.TestKey, map[string]any{"firstName": "Augusta Ada", "lastName": "King"})
	require.Equal(t, http.StatusOK, put.Status, "%s", put.Body)
	u := put.JSON(t)
	assert.Equal(t, "King", u["lastName"])
	assert.NotContains(t, u, "phone", "PUT replaces: fields not sent are gone")
	assert.Equal(t, p["createdAt"], u["createdAt"])

	patch := env.Do(t, "PATCH", "/patients/"+id, env.TestKey, map[string]any{"preferredName": "Ada"})
	require.Equal(t, http.StatusOK, patch.Status, "%s", patch.Body)
	assert.Equal(t, "Ada", patch.JSON(t)["preferredName"])
	assert.Equal(t, "King", patch.JSON(t)["lastName"], "PATCH keeps what it was not sent")

	del := env.Do(t, "DELETE", "/patients/"+id, env.TestKey, nil)
	require.Equal(t, http.StatusOK, del.Status, "%s", del.Body)
	gone := env.Do(t, "GET", "/patients/"+id, env.TestKey, nil)
	assert.Equal(t, http.StatusNotFound, gone.Status)
	assert.Equal(t, "NOT_FOUND", gone.JSON(t)["name"])
}

func TestBadRequestsAnswerTheGuidesErrorsAndChangeNothing(t *testing.T) {
	env := localtest.Shared(t)
	before := total(t, env, env.TestKey)
	valid := `{"firstName":"A","lastName":"B"}`
	for _, tc := range []struct {
		name, method, path, key, body string
		headers                       []string
		status                        int
		errName, mentions             string
	}{
		{"no key", "GET", "/patients", "", "", nil, 401, "AUTH_ERROR", "API key"},
		{"bad key", "GET", "/patients", "sk_test_nope", "", nil, 401, "AUTH_ERROR", ""},
		{"bad key on a write", "POST", "/patients", "sk_test_nope", valid, nil, 401, "AUTH_ERROR", ""},
		{"malformed body", "POST", "/patients", env.TestKey, `{"firstName":`, nil, 400, "INVALID_PARAMETERS", "JSON"},
		{"unknown field", "POST", "/patients", env.TestKey, `{"firstName":"A","lastName":"B","favouriteColour":"red"}`, nil, 400, "INVALID_PARAMETERS", "favouriteColour"},
		{"wrong type", "POST", "/patients", env.TestKey, `{"firstName":"A","lastName":"B","dateOfBirth":"1990-01-01"}`, nil, 400, "INVALID_PARAMETERS", "dateOfBirth"},
		{"missing required", "POST", "/patients", env.TestKey, `{"firstName":"A"}`, nil, 400, "INVALID_PARAMETERS", "lastName"},
		{"wrong content type", "POST", "/patients", env.TestKey, valid, []string{"Content-Type", "text/plain"}, 415, "INVALID_CONTENT_TYPE", "application/json"},
		{"unknown id", "GET", "/patients/pat_00000000000000000000000000", env.TestKey, "", nil, 404, "NOT_FOUND", "pat_"},
		{"patch unknown id", "PATCH", "/patients/pat_00000000000000000000000000", env.TestKey, `{"firstName":"X"}`, nil, 404, "NOT_FOUND", ""},
		{"unknown query field", "GET", "/patients?shoeSize=9", env.TestKey, "", nil, 400, "INVALID_PARAMETERS", "shoeSize"},
		{"limit too big", "GET", "/patients?$limit=1000", env.TestKey, "", nil, 400, "INVALID_PARAMETERS", "$limit"},
		{"route we do not serve", "GET", "/prescriptions", env.TestKey, "", nil, 404, "METHOD_NOT_IMPLEMENTED", ""},
		{"publishable key", "GET", "/patients", env.PubKey, "", nil, 403, "PERMISSIONS_ERROR", "publishable key (pk_) may only create tokens (POST /tokens)"},
		{"plain http from afar", "GET", "/patients", env.TestKey, "", []string{"X-Forwarded-Proto", "http", "X-Forwarded-For", "203.0.113.9"}, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := env.Do(t, tc.method, tc.path, tc.key, body, tc.headers...)
			if tc.status == 0 {
				// The runner sets X-Forwarded-* itself from the real connection (loopback), as API
				// Gateway does; a client cannot forge them, so this request is served normally.
				assert.Less(t, r.Status, 500, "%s", r.Body)
				return
			}
			require.Equal(t, tc.status, r.Status, "%s", r.Body)
			e := r.JSON(t)
			assert.Equal(t, tc.errName, e["name"])
			assert.NotEmpty(t, e["event"], "every error carries its event id")
			assert.Contains(t, e["message"], tc.mentions)
		})
	}
	assert.Equal(t, before, total(t, env, env.TestKey), "no bad request changed anything")
}

func TestProblemDetailsOnRequest(t *testing.T) {
	env := localtest.Shared(t)
	r := env.Do(t, "POST", "/patients", env.TestKey, `{}`, "Accept", "application/problem+json")
	require.Equal(t, 400, r.Status)
	assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	p := r.JSON(t)
	assert.Equal(t, float64(400), p["status"])
	assert.Equal(t, "INVALID_PARAMETERS", p["name"])
	assert.Contains(t, p["detail"], "firstName")
	assert.Equal(t, "urn:uuid:"+p["event"].(string), p["instance"])
}

func TestTestKeysNeverSeeLiveData(t *testing.T) {
	env := localtest.Shared(t)
	orgs := env.Do(t, "GET", "/organizations", env.LiveKey, nil)
	require.Equal(t, http.StatusOK, orgs.Status, "%s", orgs.Body)
	var liveOrg string
	for _, o := range orgs.JSON(t)["data"].([]any) {
		liveOrg = o.(map[string]any)["id"].(string)
		break
	}
	require.NotEmpty(t, liveOrg)
	live := env.Do(t, "POST", "/patients", env.LiveKey, `{"firstName":"Live","lastName":"Only"}`, "HapiHub-Organization", liveOrg)
	require.Equal(t, http.StatusCreated, live.Status, "%s", live.Body)
	lp := live.JSON(t)
	assert.Equal(t, true, lp["livemode"])
	id := lp["id"].(string)

	r := env.Do(t, "GET", "/patients/"+id, env.TestKey, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, "a test key cannot read a live patient")
	r = env.Do(t, "GET", "/patients/"+id, env.TestKey, nil, "HapiHub-Organization", liveOrg)
	assert.Equal(t, http.StatusForbidden, r.Status, "a test key cannot name a live organization")
	r = env.Do(t, "PATCH", "/patients/"+id, env.TestKey, `{"firstName":"Hacked"}`)
	assert.Equal(t, http.StatusNotFound, r.Status)
	r = env.Do(t, "GET", "/patients?lastName=Only", env.TestKey, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, r.JSON(t)["data"])

	back := env.Do(t, "GET", "/patients/"+id, env.LiveKey, nil, "HapiHub-Organization", liveOrg)
	require.Equal(t, http.StatusOK, back.Status)
	assert.Equal(t, "Live", back.JSON(t)["firstName"], "the live patient is unchanged")
}

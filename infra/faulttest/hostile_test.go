package faulttest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

type hostile struct {
	name, method, path string
	body               any
	headers            []string
}

func nested(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

// hostileBodies are malformed or malicious JSON bodies for writes.
func hostileBodies() map[string]any {
	big := strings.Repeat("A", 1<<20)
	manyKeys := map[string]any{}
	for i := range 1000 {
		manyKeys[fmt.Sprint("k", i)] = "v"
	}
	manyTags := make([]string, 10000)
	for i := range manyTags {
		manyTags[i] = "t"
	}
	return map[string]any{
		"empty": "", "whitespace": "  \n\t ", "open brace": "{", "close brace": "}", "truncated": `{"firstName":`, "array": "[]",
		"open arrays": "[[[[", "null": "null", "true": "true", "number": "1", "string": `"x"`, "missing value": `{"firstName": }`,
		"trailing comma": `{"firstName":"A","lastName":"B",}`, "single quotes": `{'firstName':'A'}`, "comments": `{"firstName":"A" /* x */}`,
		"lone surrogate": `{"firstName":"\ud800","lastName":"L"}`, "invalid utf-8": []byte("{\"firstName\":\"\xff\xfe\",\"lastName\":\"L\"}"),
		"nul byte": []byte("{\"firstName\":\"a\x00b\",\"lastName\":\"L\"}"), "bom": "\ufeff{\"firstName\":\"A\",\"lastName\":\"L\"}",
		"duplicate keys": `{"lastName":"A","lastName":{"x":1}}`, "deep arrays": nested("[", "]", 100000),
		"deep objects":  strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000),
		"deep metadata": `{"lastName":"L","metadata":` + strings.Repeat(`{"a":`, 1000) + `"x"` + strings.Repeat("}", 1000) + `}`,
		"huge exponent": `{"lastName":"L","dateOfBirth":1e999999}`, "NaN": `{"lastName":"L","dateOfBirth":NaN}`, "Infinity": `{"lastName":"L","dateOfBirth":Infinity}`,
		"negative zero": `{"lastName":"L","dateOfBirth":-0}`, "long number": `{"lastName":"L","dateOfBirth":` + strings.Repeat("9", 5000) + `}`,
		"wrong types": `{"lastName":123,"firstName":["a"],"tags":"x","address":[1],"metadata":[]}`, "proto": `{"lastName":"L","__proto__":{"admin":true}}`,
		"constructor": `{"lastName":"L","constructor":{"prototype":{"x":1}}}`, "read-only fields": `{"lastName":"L","id":"pat_x","organizationId":"org_other","livemode":true}`,
		"megabyte name": map[string]any{"lastName": big}, "1000 metadata keys": map[string]any{"lastName": "L", "metadata": manyKeys},
		"10000 tags": map[string]any{"lastName": "L", "tags": manyTags}, "metadata values not strings": `{"lastName":"L","metadata":{"a":{"b":1},"c":[1]}}`,
		"control characters": "{\"lastName\":\"L\u202e\u0007\"}", "two documents": `{"lastName":"A"}{"lastName":"B"}`,
	}
}

// hostileQueries are query strings for GET /patients.
func hostileQueries() []string {
	many := make([]string, 5000)
	for i := range many {
		many[i] = fmt.Sprintf("a%d=1", i)
	}
	in := make([]string, 1000)
	for i := range in {
		in[i] = fmt.Sprintf("status[$in][]=s%d", i)
	}
	terms := make([]string, 200)
	for i := range terms {
		terms[i] = fmt.Sprintf("term%d", i)
	}
	return []string{
		"$limit=-1", "$limit=abc", "$limit=1e309", "$limit=99999999999999999999", "$limit[$gt]=1", "$skip=-5", "$skip=1e20", "$skip=99999999",
		"$sort[lastName]=2", "$sort[nope]=1", "$sort=lastName", "$sort[__proto__]=1", "$sort[lastName][$gt]=1",
		"firstName[$regex]=.*", "firstName[$where]=1", "firstName[$eq]=a", "$or=1", "$or[0]=x", "$or[0][$or][0][$or][0][$or][0][firstName]=a",
		"a[b][c][d][e][f][g][h][i][j][k][l][m]=1", "%", "%zz", "%00", "firstName=%ff%fe", "[]=1", "[=1", "]=1", "=", "&&&&", "firstName[=x",
		strings.Join(many, "&"), strings.Join(in, "&"), "$select[]=__proto__", "$select[]=nope", "$total=maybe", "$search[$search]=x",
		"$search=" + url.QueryEscape(strings.Join(terms, " ")), "$search=" + url.QueryEscape(`"unclosed phrase`), "$search[text]=x&$search[language]=klingon",
		"createdAt[$gt]=notanumber", "dateOfBirth[$lt]=1e500", "page=-1&size=0", "sort=lastName,sideways", "size=100000", "page=1e400",
		"firstName[]=a&firstName[]=b", "status[$in]=active", "status[$nin][0][1]=x", "$limit=0&$total=true&$skip=-1", "externalId[$exists]=perhaps",
		"q=" + strings.Repeat("x", 100000),
	}
}

// hostileIDs are path ids for the id routes.
func hostileIDs() []string {
	return []string{"..%2F..%2Fapi-keys", "%00", strings.Repeat("p", 2000), "pat_'%20OR%201=1", "pat_%F0%9F%98%80", "pat_", "org_x",
		"%2e%2e", "PAT_01KAR3W5Q0N8X2M4T6V8Z0B2C4", "pat_01KAR3W5Q0N8X2M4T6V8Z0B2C4", "pat_01KAR3W5Q0N8X2M4T6V8Z0B2C4%0d%0aX-Injected:%201",
		"%25", "pat_01KAR3W5Q0N8X2M4T6V8Z0B2C4;jsessionid=1", "*", "$", "{id}"}
}

// Hostile inputs through the local gateway and the real router: no 5xx, every error in our
// format (issue 16, finding 8 and the standing fault suite).
func TestHostileInputs(t *testing.T) {
	env := localtest.Shared(t)
	created := env.Do(t, http.MethodPost, "/patients", env.TestKey, map[string]any{"firstName": "Hostile", "lastName": "Target"})
	require.Equal(t, http.StatusCreated, created.Status, string(created.Body))
	id := created.JSON(t)["id"].(string)

	var cases []hostile
	for name, b := range hostileBodies() {
		cases = append(cases, hostile{"create, " + name, http.MethodPost, "/patients", b, nil},
			hostile{"patch, " + name, http.MethodPatch, "/patients/" + id, b, nil},
			hostile{"put, " + name, http.MethodPut, "/patients/" + id, b, nil},
			hostile{"webhook, " + name, http.MethodPost, "/webhook-endpoints", b, nil},
			hostile{"api key, " + name, http.MethodPost, "/api-keys", b, nil})
	}
	for _, q := range hostileQueries() {
		cases = append(cases, hostile{"query " + truncate([]byte(q)), http.MethodGet, "/patients?" + q, nil, nil})
		if len(q) < 200 {
			cases = append(cases, hostile{"events query " + q, http.MethodGet, "/events?" + q, nil, nil})
		}
	}
	for _, bad := range hostileIDs() {
		for _, p := range []string{"/patients/", "/events/", "/api-keys/", "/webhook-endpoints/", "/webhook-endpoints/we_01KAR3W5Q0N8X2M4T6V8Z0B2C4/deliveries/"} {
			cases = append(cases, hostile{"get " + p + bad, http.MethodGet, p + bad, nil, nil})
		}
		cases = append(cases, hostile{"delete " + bad, http.MethodDelete, "/patients/" + bad, nil, nil},
			hostile{"patch " + bad, http.MethodPatch, "/patients/" + bad, map[string]any{"firstName": "x"}, nil})
	}
	for _, h := range [][]string{
		{"Content-Type", "text/plain"}, {"Content-Type", "application/json; charset=utf-16"}, {"Content-Type", "multipart/form-data; boundary=x"},
		{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Type", "application/json; charset=ebcdic"}, {"Content-Type", ";;;"},
		{"Idempotency-Key", strings.Repeat("k", 300)}, {"If-Match", "garbage"}, {"If-Match", `W/"1"`}, {"If-Match", "*"},
		{"If-Match", `"99999999999999999999999"`}, {"HapiHub-Organization", "org_nope"}, {"HapiHub-Organization", "../"},
		{"Accept", "application/problem+json"}, {"Accept", "*/*;q=x"}, {"Accept", "text/html"}, {"X-HTTP-Method-Override", "DELETE"},
		{"Content-Encoding", "gzip"}, {"Accept-Encoding", "br;q=2"}, {"X-Forwarded-For", "127.0.0.1"}, {"X-Forwarded-Proto", "http"},
	} {
		cases = append(cases, hostile{"header " + h[0] + ": " + truncate([]byte(h[1])), http.MethodPatch, "/patients/" + id, `{"lastName":""}`, h},
			hostile{"header on create " + h[0] + ": " + truncate([]byte(h[1])), http.MethodPost, "/patients", `{}`, h})
	}
	for _, auth := range []string{"Bearer", "Bearer  ", "Basic YTpi", "Bearer " + strings.Repeat("k", 10000), "Bearer sk_test_", "ApiKey",
		"Bearer " + env.TestKey + " " + env.TestKey, "bearer " + env.TestKey + "x", "Digest x", "Bearer pk_live_x"} {
		cases = append(cases, hostile{"authorization " + truncate([]byte(auth))[:min(len(auth), 30)], http.MethodGet, "/patients", nil, []string{"Authorization", auth}})
	}
	for _, m := range []string{"TRACE", "PROPFIND", "CONNECT", "HEAD", "OPTIONS", "BREW"} {
		cases = append(cases, hostile{"method " + m, m, "/patients", nil, nil})
	}
	cases = append(cases, hostile{"GET with a body", http.MethodGet, "/patients", `{"x":1}`, nil},
		hostile{"unknown route", http.MethodGet, "/nope", nil, nil}, hostile{"double slash", http.MethodGet, "//patients", nil, nil},
		hostile{"dot segments", http.MethodGet, "/patients/../api-keys", nil, nil}, hostile{"trailing slash", http.MethodGet, "/patients/", nil, nil},
		hostile{"encoded slash", http.MethodGet, "/patients%2F" + id, nil, nil}, hostile{"no key", http.MethodGet, "/patients", nil, []string{"Authorization", ""}},
		hostile{"roll with a hostile grace", http.MethodPost, "/api-keys/key_01KAR3W5Q0N8X2M4T6V8Z0B2C4/roll", `{"expiresInSeconds":1e999}`, nil},
		hostile{"webhook url as object", http.MethodPost, "/webhook-endpoints", `{"url":{"href":"http://x"},"enabledEvents":["*"]}`, nil},
		hostile{"webhook hostile url", http.MethodPost, "/webhook-endpoints", `{"url":"http://[::1%25` + strings.Repeat("z", 300) + `]/","enabledEvents":["*"]}`, nil})

	fives := 0
	for _, c := range cases {
		key := env.TestKey
		var headers []string
		for i := 0; i+1 < len(c.headers); i += 2 {
			if c.headers[i] == "Authorization" {
				key = ""
			}
		}
		headers = append(headers, c.headers...)
		r := do(t, env, c.method, c.path, key, c.body, headers...)
		checkAnswer(t, c.name, r)
		if r.Status >= 500 {
			fives++
		}
		if os.Getenv("FAULT_DEBUG") != "" {
			if g := do(t, env, http.MethodGet, "/patients/"+id, env.TestKey, nil); g.Status != 200 {
				t.Fatalf("gone after %s: %d %s; get %d %s", c.name, r.Status, truncate(r.Body), g.Status, g.Body)
			}
		}
	}
	t.Logf("%d hostile requests, %d answered 5xx", len(cases), fives)
	// The target is untouched by what was refused (a PATCH with a valid empty body may not apply).
	after := do(t, env, http.MethodGet, "/patients/"+id, env.TestKey, nil)
	require.Equal(t, http.StatusOK, after.Status)
}

// rawRequest writes bytes to the gateway's socket and reads the status line.
func rawRequest(t *testing.T, env *localtest.Env, raw string) int {
	t.Helper()
	u, err := url.Parse(env.URL)
	require.NoError(t, err)
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = c.Write([]byte(strings.ReplaceAll(raw, "KEY", env.TestKey)))
	require.NoError(t, err)
	// The client has sent all it will: a Content-Length the body never reaches is then a lie the
	// gateway can see (an open connection would only be cut at the gateway's read deadline).
	if tc, ok := c.(*net.TCPConn); ok {
		require.NoError(t, tc.CloseWrite())
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0 // connection closed without an answer
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// Request framing the gateway must refuse with a 400 in our format (issue 16, finding 1).
func TestHostileFraming(t *testing.T) {
	env := localtest.Shared(t)
	for name, raw := range map[string]string{
		"bad chunk size":          "POST /patients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
		"chunk longer than said":  "POST /patients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"lastName\":\"x\"}\r\n0\r\n\r\n",
		"length longer than body": "POST /patients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{}",
	} {
		assert400 := rawRequest(t, env, raw)
		if assert400 != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, assert400)
		}
	}
}

// A $search of thousands of terms is refused quickly (issue 16, finding 5).
func TestHostileQueryWork(t *testing.T) {
	env := localtest.Shared(t)
	terms := make([]string, 20000)
	for i := range terms {
		terms[i] = fmt.Sprintf("t%d", i)
	}
	r := env.Do(t, http.MethodGet, "/patients?$search="+url.QueryEscape(strings.Join(terms, " ")), env.TestKey, nil)
	checkAnswer(t, "20000 search terms", r)
	if r.Status != http.StatusBadRequest {
		t.Errorf("20000 search terms: %d, want 400", r.Status)
	}
}

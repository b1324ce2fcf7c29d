package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logRow is the table row of a request log on the logs page, as text ("" when it is not shown).
func logRow(body, id string) string {
	for _, tr := range strings.Split(body, "<tr>") {
		if strings.Contains(tr, "/console/logs/"+id+`"`) {
			s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(tr, " ")
			return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
		}
	}
	return ""
}

// logIDs are the request logs a logs page links to, in order.
func logIDs(body string) []string {
	return linkedIDs(body, `/console/logs/(req_[0-9A-Za-z]{26})`)
}

func TestLogsPage(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "logs")
	var keyID string
	for _, k := range c.env.Do(t, http.MethodGet, "/api-keys", key, nil).JSON(t)["data"].([]any) {
		if k := k.(map[string]any); k["type"] == "secret" {
			keyID = k["id"].(string)
		}
	}
	require.NotEmpty(t, keyID)

	// Three requests with the account's key: a success, a failure, an idempotent create.
	require.Equal(t, http.StatusOK, c.env.Do(t, http.MethodGet, "/practitioners?$limit=1", key, nil).Status)
	missing := c.env.Do(t, http.MethodGet, "/patients/pat_00000000000000000000000000", key, nil)
	require.Equal(t, http.StatusNotFound, missing.Status)
	eventID := missing.JSON(t)["event"].(string)
	require.NotEmpty(t, eventID)
	created := c.env.Do(t, http.MethodPost, "/patients", key, map[string]any{"firstName": "Luna", "lastName": "Lovegood"}, "Idempotency-Key", "luna-1")
	require.Equal(t, http.StatusCreated, created.Status, string(created.Body))
	for _, name := range []string{"Neville", "Ginny"} {
		require.Equal(t, http.StatusCreated, c.env.Do(t, http.MethodPost, "/patients", key, map[string]any{"firstName": name, "lastName": "Weasley"}).Status)
	}

	// The API's own view of those requests, newest first.
	logs := c.env.Do(t, http.MethodGet, "/request-logs?keyId="+keyID+"&$limit=6", key, nil).JSON(t)["data"].([]any)
	byPath := map[string]map[string]any{}
	var posts []string // the key's creates, newest first
	for _, l := range logs {
		l := l.(map[string]any)
		if l["method"] == http.MethodPost {
			posts = append(posts, l["id"].(string))
		}
		byPath[l["method"].(string)+" "+l["path"].(string)] = l // the oldest POST /patients (Luna) wins
	}
	require.Len(t, posts, 3)
	get, failed, post := byPath["GET /practitioners"], byPath["GET /patients/pat_00000000000000000000000000"], byPath["POST /patients"]
	require.NotNil(t, get, "%v", byPath)
	require.NotNil(t, failed)
	require.NotNil(t, post)

	t.Run("rows show method, path, status, error event and key", func(t *testing.T) {
		p := b.get("/console/logs")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		for _, tc := range []struct {
			log  map[string]any
			want []string
			pill string
		}{
			{get, []string{"200 GET /practitioners", keyID + " secret"}, "pill-ok"},
			{failed, []string{"404 GET /patients/pat_00000000000000000000000000 " + eventID, keyID + " secret"}, "pill-warn"},
			{post, []string{"201 POST /patients", keyID + " secret"}, "pill-ok"},
		} {
			id := tc.log["id"].(string)
			row := logRow(p.Body, id)
			require.NotEmpty(t, row, "the page lists %s", id)
			for _, w := range tc.want {
				assert.Contains(t, row, w, id)
			}
			assert.Regexp(t, `/console/logs/`+id+`"><span class="pill `+tc.pill+`">`, p.Body, "status pill of %s", id)
		}
		assert.Contains(t, p.Body, `data-copy="`+eventID+`"`, "the error event id has a copy button")
		assert.Contains(t, p.Text(), "Console: "+regexp.MustCompile(`logs-[^ ]+@example\.com`).FindString(p.Text()), "the console's own requests name the member")
	})

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			query   string
			has     []map[string]any
			hasNot  []map[string]any
			check   *regexp.Regexp // every row's text must match
			console bool           // the console's own requests may show
		}{
			{"?status=4xx", []map[string]any{failed}, []map[string]any{get, post}, regexp.MustCompile(`^4\d\d `), true},
			{"?status=404", []map[string]any{failed}, []map[string]any{get, post}, regexp.MustCompile(`^404 `), true},
			{"?status=2xx&method=POST", []map[string]any{post}, []map[string]any{get, failed}, regexp.MustCompile(`^2\d\d POST `), true},
			{"?key=" + keyID, []map[string]any{get, failed, post}, nil, regexp.MustCompile(regexp.QuoteMeta(keyID)), false},
			{"?key=" + keyID + "&method=get", []map[string]any{get, failed}, []map[string]any{post}, regexp.MustCompile(`^\d+ GET `), false},
		} {
			p := b.get("/console/logs" + tc.query)
			require.Equal(t, http.StatusOK, p.Status, "%s: %s", tc.query, p.Text())
			for _, l := range tc.has {
				assert.NotEmpty(t, logRow(p.Body, l["id"].(string)), "%s shows %s", tc.query, l["path"])
			}
			for _, l := range tc.hasNot {
				assert.Empty(t, logRow(p.Body, l["id"].(string)), "%s hides %s %s", tc.query, l["method"], l["path"])
			}
			ids := logIDs(p.Body)
			require.NotEmpty(t, ids, tc.query)
			for _, id := range ids {
				assert.Regexp(t, tc.check, logRow(p.Body, id), tc.query)
			}
			if !tc.console {
				assert.NotContains(t, p.Text(), "Console: ", tc.query)
			}
		}
		bad := b.get("/console/logs?status=teapot")
		assert.Equal(t, http.StatusBadRequest, bad.Status)
		assert.Contains(t, bad.Text(), "use a class (2xx, 4xx, 5xx) or a status code such as 404")
	})

	t.Run("pagination", func(t *testing.T) {
		// The key's creates only: the test's own calls with the key are GETs.
		first := b.get("/console/logs?key=" + keyID + "&method=POST&limit=2")
		assert.Equal(t, posts[:2], logIDs(first.Body), "newest first")
		assert.Contains(t, first.Text(), "1–2 of 3")
		assert.Contains(t, first.Body, `rel="next"`)
		assert.NotContains(t, first.Body, `rel="prev"`)
		second := b.get("/console/logs?key=" + keyID + "&method=POST&limit=2&skip=2")
		assert.Equal(t, posts[2:], logIDs(second.Body))
		assert.Contains(t, second.Body, `rel="prev"`)
		assert.Contains(t, second.Text(), "3–3 of 3")
		assert.NotContains(t, second.Body, `rel="next"`)
	})

	t.Run("detail", func(t *testing.T) {
		id := post["id"].(string)
		p := b.get("/console/logs/" + id)
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		for _, want := range []string{"201 POST /patients", "Request-Id " + id, "Idempotency key luna-1", "Gateway request id " + post["requestId"].(string),
			fmt.Sprintf("Duration %dms", int64(post["durationMs"].(float64))), "Key " + keyID + " secret"} {
			assert.Contains(t, p.Text(), want)
		}
		f := b.get("/console/logs/" + failed["id"].(string))
		assert.Contains(t, f.Text(), "Error event "+eventID)

		missing := b.get("/console/logs/req_00000000000000000000000000")
		assert.Equal(t, http.StatusNotFound, missing.Status)
		assert.Contains(t, missing.Text(), "NOT_FOUND")
	})

	t.Run("find a request by its Request-Id", func(t *testing.T) {
		id := post["id"].(string)
		for _, tc := range []struct{ query, url string }{
			{id, "/console/logs/" + id},
			{"  " + id + " ", "/console/logs/" + id}, // pasted with spaces
		} {
			p := b.get("/console/logs?request=" + url.QueryEscape(tc.query))
			require.Equal(t, http.StatusOK, p.Status, p.Text())
			assert.Equal(t, tc.url, p.URL, "%q opens its log", tc.query)
			assert.Contains(t, p.Text(), "201 POST /patients")
		}
		for _, bad := range []string{"evt_01ABC", "pat_1", "req_1/../../keys"} {
			p := b.get("/console/logs?request=" + url.QueryEscape(bad))
			assert.Equal(t, http.StatusBadRequest, p.Status, bad)
			assert.Contains(t, p.Text(), "a Request-Id starts with req_", bad)
			assert.Contains(t, p.Body, `value="`+html.EscapeString(bad)+`"`, "the box keeps what was typed")
		}
		gone := b.get("/console/logs?request=req_00000000000000000000000000")
		assert.Equal(t, http.StatusNotFound, gone.Status, "a Request-Id of no log: the API's NOT_FOUND")
		assert.Contains(t, gone.Text(), "NOT_FOUND")
	})

	t.Run("viewer reads the logs", func(t *testing.T) {
		viewer := joinAs(t, c, b, "viewer")
		p := viewer.get("/console/logs?key=" + keyID + "&method=POST")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Equal(t, posts, logIDs(p.Body))
	})

	t.Run("empty state", func(t *testing.T) {
		// Nothing has called the API in live mode yet: the page explains what shows up here.
		p := b.post("/console/mode", "mode", "live", "back", "/logs")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Empty(t, logIDs(p.Body))
		assert.Contains(t, p.Text(), "No API requests in live mode in the last 7 days. Every call made with one of this account's keys shows up here")
	})
}

package apiversion_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion"
)

// docs/changelog.md lists exactly the versions the API knows, newest first.
func TestChangelogListsEveryVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "changelog.md"))
	require.NoError(t, err)
	var documented []apiversion.Version
	for _, m := range regexp.MustCompile(`(?m)^## (\d{4}-\d{2}-\d{2})\s*$`).FindAllStringSubmatch(string(b), -1) {
		documented = append([]apiversion.Version{apiversion.Version(m[1])}, documented...)
	}
	assert.Equal(t, apiversion.Releases.Known(), documented)
}

func rename(from, to string) func(string, any) any {
	return func(_ string, body any) any {
		m := body.(map[string]any)
		m[to] = m[from]
		delete(m, from)
		return m
	}
}

// Changes apply newest first on the way out (responses, events) and oldest first on the way in
// (requests), and only those newer than the version asked for; the newest version costs nothing.
func TestChangesApplyInOrderAndOnlyWhenBehind(t *testing.T) {
	r := apiversion.NewRegistry("2026-01-01",
		apiversion.Change{Version: "2026-06-01", Response: rename("b", "a"),
			Request: func(_ string, m map[string]any) map[string]any { m["b"] = m["a"]; delete(m, "a"); return m }},
		apiversion.Change{Version: "2026-03-01", Response: rename("a", "z")},
	)
	assert.Equal(t, []apiversion.Version{"2026-01-01", "2026-03-01", "2026-06-01"}, r.Known())
	assert.Equal(t, apiversion.Version("2026-06-01"), r.Latest())
	_, ok := r.Lookup("2026-02-01")
	assert.False(t, ok)
	assert.Equal(t, apiversion.Version("2026-01-01"), r.OfAccount(""), "no recorded version: the first")

	type body struct {
		B int `json:"b"`
	}
	newest := body{B: 1}
	got, err := r.Response("x", newest, "2026-06-01")
	require.NoError(t, err)
	assert.Equal(t, newest, got, "the newest version is served as built")
	got, err = r.Response("x", newest, "2026-03-01")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1.0}, got)
	got, err = r.Response("x", newest, "2026-01-01")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"z": 1.0}, got, "b -> a (2026-06-01), then a -> z (2026-03-01)")

	assert.JSONEq(t, `{"b":2}`, string(r.Request("x", []byte(`{"a":2}`), "2026-01-01")))
	assert.Equal(t, `{"a":2}`, string(r.Request("x", []byte(`{"a":2}`), "2026-06-01")))
	assert.JSONEq(t, `[{"b":1},{"b":2},3]`, string(r.Request("x", []byte(`[{"a":1},{"a":2},3]`), "2026-01-01")), "each object of a bulk create")
	assert.Equal(t, `"a"`, string(r.Request("x", []byte(`"a"`), "2026-01-01")), "not an object: left for the handler to refuse")
	assert.Equal(t, `{"a":`, string(r.Request("x", []byte(`{"a":`), "2026-01-01")), "not JSON: left for the handler to refuse")

	// Events are stored in the newest shape, stamped with the account's version, and rendered in
	// any version up to the one they were built in.
	rename := func(from, to string) func(map[string]any) map[string]any {
		return func(ev map[string]any) map[string]any {
			ev[to] = ev[from]
			delete(ev, from)
			return ev
		}
	}
	er := apiversion.NewRegistry("2026-01-01", apiversion.Change{Version: "2026-03-01", Event: rename("a", "z")},
		apiversion.Change{Version: "2026-06-01", Event: rename("b", "a")})
	stored := er.StampEvent(map[string]any{"id": "evt_1", "b": 1}, "2026-03-01")
	own, err := er.RenderEvent(stored, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "evt_1", "a": 1.0, "apiVersion": "2026-03-01"}, own, "its account's version, no shape marker")
	first, err := er.RenderEvent(stored, "2026-01-01")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "evt_1", "z": 1.0, "apiVersion": "2026-01-01"}, first)
	latest, err := er.RenderEvent(stored, "2026-06-01")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "evt_1", "b": 1, "apiVersion": "2026-06-01"}, latest, "an endpoint on a newer version than the account")
	assert.Contains(t, stored, "b", "rendering leaves the stored event alone")
	old := map[string]any{"id": "evt_0", "a": 1} // built when 2026-03-01 was the newest
	old["apiShape"], old["apiVersion"] = "2026-03-01", "2026-03-01"
	up, err := er.RenderEvent(old, "2026-06-01")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "evt_0", "a": 1, "apiVersion": "2026-03-01"}, up, "data cannot be turned forward: served as built, and says so")
	legacy, err := er.RenderEvent(map[string]any{"id": "evt_legacy"}, "")
	require.NoError(t, err)
	assert.Equal(t, "2026-01-01", legacy["apiVersion"], "stored before versions were recorded: the first")

	assert.Panics(t, func() { apiversion.NewRegistry("2026-01-01", apiversion.Change{Version: "2025-01-01"}) }, "a change predates the first version")
	assert.Panics(t, func() { apiversion.NewRegistry("2026-01-01", apiversion.Change{Version: "June"}) })
}

package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A restricted key's permission grid is edited on the keys page, through PATCH /api-keys/{id}:
// the grid opens with the key's levels, saving sends the whole grid (none included, so access is
// taken away too), and the API's answer is what the list shows next.
func TestConsoleEditsRestrictedKeyPermissions(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "keys-edit")
	b.get("/console/keys")
	created := b.post("/console/keys", "name", "Reporting job", "perm.patients", "read", "perm.invoices", "write")
	require.Equal(t, http.StatusOK, created.Status, created.Text())
	var rkID string
	var secretID string
	for _, k := range c.env.Do(t, http.MethodGet, "/api-keys", key, nil).JSON(t)["data"].([]any) {
		switch k := k.(map[string]any); k["type"] {
		case "restricted":
			rkID = k["id"].(string)
		case "secret":
			secretID = k["id"].(string)
		}
	}
	require.NotEmpty(t, rkID)
	list := b.get("/console/keys")
	assert.Contains(t, list.Body, "?edit="+rkID, "a restricted key links to its grid")
	assert.NotContains(t, list.Body, "?edit="+secretID, "a secret key has no grid")

	edit := b.get("/console/keys?edit=" + rkID)
	require.Equal(t, http.StatusOK, edit.Status, edit.Text())
	form := edit.Body[strings.Index(edit.Body, `id="edit-permissions"`):]
	form = form[:strings.Index(form, "</section>")]
	assert.Regexp(t, `name="perm.patients" value="read" aria-label="patients read" checked`, form, "the grid opens with the key's levels")
	assert.Regexp(t, `name="perm.invoices" value="write" aria-label="invoices write" checked`, form)
	assert.Regexp(t, `name="perm.appointments" value="none" aria-label="appointments none" checked`, form)

	tests := []struct {
		name   string
		fields []string
		status int
		want   map[string]any // the key's permissions after, as the API shows them
		text   string
	}{
		{"grant appointments, take invoices away", []string{"perm.patients", "read", "perm.appointments", "write", "perm.invoices", "none"}, 200,
			map[string]any{"patients": "read", "appointments": "write", "invoices": "none"}, "Permissions saved"},
		{"an unknown level is the API's field error, nothing changes", []string{"perm.patients", "admin"}, 400,
			map[string]any{"patients": "read", "appointments": "write", "invoices": "none"}, "must be one of none, read, write"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.get("/console/keys?edit=" + rkID)
			p := b.post("/console/keys/"+rkID+"/permissions", tc.fields...)
			require.Equal(t, tc.status, p.Status, p.Text())
			assert.Contains(t, p.Text(), tc.text)
			got := c.env.Do(t, http.MethodGet, "/api-keys/"+rkID, key, nil).JSON(t)["permissions"].(map[string]any)
			for r, lvl := range tc.want {
				if lvl == "none" {
					assert.Contains(t, []any{nil, "none"}, got[r], r)
					continue
				}
				assert.Equal(t, lvl, got[r], r)
			}
		})
	}
	// A secret key's grid cannot be opened, and a forged post is the API's refusal.
	assert.Contains(t, b.get("/console/keys?edit="+secretID).Text(), "Only an active restricted key's permissions can be edited")
	p := b.post("/console/keys/"+secretID+"/permissions", "perm.patients", "read")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Text(), "only restricted keys have permissions")
}

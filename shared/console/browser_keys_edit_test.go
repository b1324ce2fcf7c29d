package console_test

import (
	"net/http"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/browsertest"
)

// editKeyPermissions creates a restricted key on the keys page, opens its permission grid from
// its row, gives it write on invoices and saves: the API then shows the new level.
func (w *walk) editKeyPermissions() {
	t, ctx := w.t, w.ctx
	browsertest.Open(t, ctx, w.console+"/keys")
	browsertest.WaitText(t, ctx, "Create a restricted key")
	browsertest.Fill(t, ctx, "name", "Billing sync")
	browsertest.Check(t, ctx, "perm.patients", "read")
	browsertest.Submit(t, ctx, "Create key")
	browsertest.WaitText(t, ctx, "Key created")
	browsertest.Click(t, ctx, "Edit permissions")
	browsertest.WaitText(t, ctx, "Permissions of Billing sync")
	w.problems.check(t, "key permissions grid")
	w.fits("key permissions grid")
	// The edit grid comes before the create form, so the first visible radio is the grid's.
	browsertest.Check(t, ctx, "perm.invoices", "write")
	browsertest.Submit(t, ctx, "Save permissions")
	browsertest.WaitText(t, ctx, "Permissions saved")
	var perms map[string]any
	require.NoError(t, waitFor(5*time.Second, func() bool {
		status, list := apiCall(t, http.MethodGet, w.env.URL+"/api-keys", w.key, "")
		if status != http.StatusOK {
			return false
		}
		for _, k := range list["data"].([]any) {
			if k := k.(map[string]any); k["name"] == "Billing sync" {
				perms, _ = k["permissions"].(map[string]any)
			}
		}
		return perms != nil
	}))
	assert.Equal(t, "write", perms["invoices"], "the grid's change reached the API")
	assert.Equal(t, "read", perms["patients"], "levels left alone stay")
}

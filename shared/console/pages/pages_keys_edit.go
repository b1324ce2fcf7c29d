package pages

import (
	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/console/web"
)

// The permission grid of a restricted key, edited in place (the guide: a restricted key can be
// "edited to change its level of access"), through PATCH /api-keys/{id} as the API does it.
func init() {
	register("POST /keys/{id}/permissions", editKeyPermissions)
}

// EditPerm is the level a resource has in the edit form of the key being edited.
func (d keysData) EditPerm(res string) string {
	if d.Editing == nil {
		return auth.None
	}
	if p := d.Editing.Permissions[res]; p != "" {
		return p
	}
	return auth.None
}

// editing finds the key ?edit= names among the listed ones (restricted and active only).
func editing(d keysData, id string) *hapihub.APIKey {
	for i, k := range d.Keys {
		if k.ID == id && k.Type == auth.Restricted && k.Status == "active" {
			return &d.Keys[i]
		}
	}
	return nil
}

// editKeyPermissions sends the whole grid: every resource, none included, so a level set back to
// none is taken away.
func editKeyPermissions(c *Call) error {
	id := c.R.PathValue("id")
	perms := map[string]string{}
	for _, r := range web.Resources() {
		if p := c.Form("perm." + r); p != "" {
			perms[r] = p
		}
	}
	if _, err := c.API.APIKeys.SetPermissions(c.Ctx(), id, perms); err != nil {
		d := keysPage(c, keysData{})
		if k := editing(d, id); k != nil {
			k.Permissions = perms // keep what was chosen, with the errors beside it
			d.Editing = k
		}
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: d, Err: err})
	}
	return c.Redirect("/keys", "Permissions saved. Requests already authorized with this key may keep the old access for up to 5 minutes (the API's authorizer cache).")
}

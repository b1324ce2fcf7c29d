package pages

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/console/web"
	"github.com/hapihub/hapihub/shared/domain"
)

func init() {
	register("GET /keys", keys)
	register("POST /keys", createKey)
	register("POST /keys/{id}/note", noteKey)
	register("POST /keys/{id}/roll", rollKey)
	register("POST /keys/{id}/revoke", revokeKey)
	register("POST /keys/allowlist", setAllowlist)
}

// graces are the roll grace periods offered: the API keeps a rolled key valid at most 12 hours.
var graces = []struct {
	Value, Label string
	D            time.Duration
}{{"now", "Block the old key now", 0}, {"1h", "Keep the old key 1 hour", time.Hour}, {"12h", "Keep the old key 12 hours (the most)", 12 * time.Hour}}

type keysData struct {
	Keys     []hapihub.APIKey
	ListErr  error
	Revealed map[string]string // key id -> full secret, for the key asked to reveal
	// Shown is a key whose secret this answer shows once (created or rolled).
	Shown *hapihub.APIKey
	// Create form state (kept on errors).
	Name      string
	Perms     map[string]string
	Resources []string
	Graces    any
	Allowlist string
	AllowErr  error
	Version   versionData // the account's API version (pages_apiversion.go)
	Live      bool
	// Editing is the restricted key whose permission grid is open (?edit=, pages_keys_edit.go).
	Editing *hapihub.APIKey
}

// PermLevels are the grid's columns.
func (keysData) PermLevels() []string { return []string{auth.None, auth.Read, auth.Write} }

// Perm is the level a resource has in the create form.
func (d keysData) Perm(res string) string {
	if p := d.Perms[res]; p != "" {
		return p
	}
	return auth.None
}

// KeyErr explains a list refusal for the member's role.
func (d keysData) RoleNote() string {
	var ae *hapihub.Error
	if errors.As(d.ListErr, &ae) && ae.Name == hapihub.ErrorPermissions {
		return "Your role cannot manage keys in this mode."
	}
	return ""
}

func keysPage(c *Call, d keysData) keysData {
	keys, err := c.API.APIKeys.List(c.Ctx())
	if err != nil {
		d.ListErr = err
	} else {
		d.Keys = keys.Data
		sort.SliceStable(d.Keys, func(i, j int) bool { return keyOrder(d.Keys[i]) < keyOrder(d.Keys[j]) })
	}
	res := web.Resources()
	sort.Strings(res)
	d.Resources, d.Graces, d.Live = res, graces, c.Session.Mode == domain.Live
	if d.Perms == nil {
		d.Perms = map[string]string{}
	}
	// The allowlist guards live mode, so it is read (and changed) with the live session key.
	al, err := c.APIFor(domain.Live).Account.IPAllowlist(c.Ctx())
	if err != nil {
		d.AllowErr = err
	} else {
		d.Allowlist = strings.Join(al.CIDRs, "\n")
	}
	d.Version = apiVersionSection(c, d.Version.Chosen)
	return d
}

// keyOrder lists standard keys first, then restricted ones, active before the rest.
func keyOrder(k hapihub.APIKey) int {
	o := map[string]int{auth.Secret: 0, auth.Publishable: 1, auth.Restricted: 2}[k.Type] * 2
	if k.Status != "active" {
		o++
	}
	return o
}

func keys(c *Call) error {
	d := keysData{Revealed: map[string]string{}}
	var viewErr error
	if id := c.R.URL.Query().Get("reveal"); id != "" {
		k, err := c.API.APIKeys.Get(c.Ctx(), id)
		switch {
		case err != nil:
			viewErr = err
		case strings.Contains(k.Secret, "..."):
			viewErr = userErr("This key cannot be revealed: live secret and restricted keys are shown only when created or rolled.")
		default:
			d.Revealed[k.ID] = k.Secret
		}
	}
	d = keysPage(c, d)
	if id := c.R.URL.Query().Get("edit"); id != "" {
		if d.Editing = editing(d, id); d.Editing == nil && d.ListErr == nil {
			viewErr = userErr("Only an active restricted key's permissions can be edited.")
		}
	}
	return c.Render(http.StatusOK, "keys.html", View{Title: "API keys", Data: d, Err: viewErr})
}

// apiStatus is the status to answer a page with when the API refused its action.
func apiStatus(err error) int {
	var ae *hapihub.Error
	if errors.As(err, &ae) && ae.Status >= 400 {
		return ae.Status
	}
	return http.StatusOK
}

func createKey(c *Call) error {
	d := keysData{Name: c.Form("name"), Perms: map[string]string{}}
	for _, r := range web.Resources() {
		if p := c.Form("perm." + r); p != "" && p != auth.None {
			d.Perms[r] = p
		}
	}
	if len(d.Perms) == 0 {
		d = keysPage(c, d)
		return c.Render(http.StatusBadRequest, "keys.html", View{Title: "API keys", Data: d,
			Err: invalid(field("permissions", "give the key read or write on at least one resource"))})
	}
	typ := auth.Restricted
	k, err := c.API.APIKeys.Create(c.Ctx(), &hapihub.APIKeyParams{Name: &d.Name, Type: &typ, Permissions: d.Perms})
	if err != nil {
		d = keysPage(c, d)
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: d, Err: err})
	}
	d = keysPage(c, keysData{Shown: k})
	return c.Render(http.StatusOK, "keys.html", View{Title: "API keys", Data: d,
		Notice: "Key created. Copy its secret now: it will not be shown again."})
}

func noteKey(c *Call) error {
	note := c.Form("note")
	if len(note) > 500 {
		return c.Render(http.StatusBadRequest, "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{}),
			Err: invalid(field("note", "must be at most 500 characters"))})
	}
	if _, err := c.API.APIKeys.Update(c.Ctx(), c.R.PathValue("id"), &hapihub.APIKeyParams{Note: &note}); err != nil {
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{}), Err: err})
	}
	return c.Redirect("/keys", "Note saved.")
}

func rollKey(c *Call) error {
	var expiresAt int64
	grace := c.Form("grace")
	found := false
	for _, g := range graces {
		if g.Value == grace {
			found = true
			if g.D > 0 {
				expiresAt = c.Now().Add(g.D).UnixMilli()
			}
		}
	}
	if !found {
		return c.Render(http.StatusBadRequest, "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{}),
			Err: invalid(field("grace", "choose when the old key stops working"))})
	}
	k, err := c.API.APIKeys.Roll(c.Ctx(), c.R.PathValue("id"), expiresAt)
	if err != nil {
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{}), Err: err})
	}
	msg := "Key rolled; the old key is blocked now."
	if expiresAt != 0 {
		msg = "Key rolled; the old key keeps working until " + time.UnixMilli(expiresAt).UTC().Format("2 Jan 15:04 UTC") + "."
	}
	return c.Render(http.StatusOK, "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{Shown: k}),
		Notice: msg + " Copy the new secret now."})
}

func revokeKey(c *Call) error {
	if _, err := c.API.APIKeys.Revoke(c.Ctx(), c.R.PathValue("id")); err != nil {
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: keysPage(c, keysData{}), Err: err})
	}
	return c.Redirect("/keys", "Key revoked: requests with it are refused from now on.")
}

func setAllowlist(c *Call) error {
	raw := c.R.PostFormValue("cidrs")
	cidrs := strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' || r == '\t' })
	if _, err := c.APIFor(domain.Live).Account.SetIPAllowlist(c.Ctx(), cidrs); err != nil {
		d := keysPage(c, keysData{})
		d.Allowlist = raw
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: d, Err: err})
	}
	if len(cidrs) == 0 {
		return c.Redirect("/keys", "IP allowlist cleared: live keys work from any address.")
	}
	return c.Redirect("/keys", "IP allowlist saved.")
}

// AllowlistNote explains why the allowlist cannot be shown.
func (d keysData) AllowlistNote() string {
	var ae *hapihub.Error
	if errors.As(d.AllowErr, &ae) {
		if ae.Name == hapihub.ErrorPermissions {
			return "Your role cannot see or change the IP allowlist."
		}
		return ae.Name + ": " + ae.Message
	}
	return "The IP allowlist could not be read; try again in a moment."
}

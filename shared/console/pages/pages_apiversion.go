package pages

import (
	"errors"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/domain"
)

// The account's API version (docs/versioning.md) is shown with the account's other settings on
// the keys page; an owner changes it there. It is the account's in both modes, so, like the IP
// allowlist, it is changed with the live session key (the API allows only a live secret key).

func init() {
	register("POST /keys/api-version", setAPIVersion)
}

// versionData is the keys page's API version section.
type versionData struct {
	Info *hapihub.APIVersion
	Err  error
	// CanChange: the live read worked, so this member's live key may change it (owners).
	CanChange bool
	Chosen    string // the version selected in the form, kept on errors
}

// Behind is true when a newer version than the account's exists.
func (v versionData) Behind() bool { return v.Info != nil && v.Info.APIVersion != v.Info.Latest }

// Note explains why the version cannot be shown.
func (v versionData) Note() string {
	var ae *hapihub.Error
	if errors.As(v.Err, &ae) {
		return ae.Name + ": " + ae.Message
	}
	return "The API version could not be read; try again in a moment."
}

// apiVersionSection reads the account's version: with the live key (owners, who may change it),
// else with the test key (a developer reads it there and cannot change it).
func apiVersionSection(c *Call, chosen string) versionData {
	info, err := c.APIFor(domain.Live).Account.APIVersion(c.Ctx())
	if err == nil {
		if chosen == "" {
			chosen = info.Latest
		}
		return versionData{Info: info, CanChange: true, Chosen: chosen}
	}
	if tinfo, terr := c.APIFor(domain.Test).Account.APIVersion(c.Ctx()); terr == nil {
		return versionData{Info: tinfo}
	}
	return versionData{Err: err}
}

// setAPIVersion moves the account to the chosen version through the Go SDK. The form says the
// change is account-wide and must be confirmed with its checkbox (the dialog alone needs JS).
func setAPIVersion(c *Call) error {
	version := c.Form("apiVersion")
	if c.Form("confirm") != "account" {
		d := keysPage(c, keysData{})
		d.Version.Chosen = version
		return c.Render(400, "keys.html", View{Title: "API keys", Data: d,
			Err: invalid(field("confirm", "confirm that the version changes for the whole account, in live and test mode"))})
	}
	out, err := c.APIFor(domain.Live).Account.SetAPIVersion(c.Ctx(), version)
	if err != nil {
		d := keysPage(c, keysData{})
		d.Version.Chosen = version
		return c.Render(apiStatus(err), "keys.html", View{Title: "API keys", Data: d, Err: err})
	}
	return c.Redirect("/keys#api-version", "API version changed to "+out.APIVersion+" for the whole account: requests without a HapiHub-Version header, in live and test mode, and new events and webhook payloads use it from now on.")
}

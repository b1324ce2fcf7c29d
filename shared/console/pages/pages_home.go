package pages

import (
	"errors"
	"net/http"
	"sort"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/domain"
)

func init() {
	register("GET /", home)
}

type homeData struct {
	TestKey string
	KeyErr  string
	Curl    string
	// SandboxOrg is the sandbox clinic's organization id (test mode), which the guide tells
	// integrators to pick up; OrgErr says why it is not shown.
	SandboxOrg string
	// Live mode: the live keys (secrets redacted, as the API lists them; the publishable key in
	// full), and the clinics connected to the account.
	Live     bool
	LiveKeys []hapihub.APIKey
	Orgs     []hapihub.Organization
	OrgErr   string
}

// testSecret finds the account's test secret key through the API (a test secret key can be
// revealed any time).
func testSecret(c *Call) (string, error) {
	api := c.APIFor(domain.Test)
	keys, err := api.APIKeys.List(c.Ctx())
	if err != nil {
		return "", err
	}
	for _, k := range keys.Data {
		if k.Type == "secret" && k.Status == "active" {
			full, err := api.APIKeys.Get(c.Ctx(), k.ID)
			if err != nil {
				return "", err
			}
			return full.Secret, nil
		}
	}
	return "", nil
}

// roleCannotSeeKeys says the API refused the key list for the member's role.
func roleCannotSeeKeys(err error) bool {
	var ae *hapihub.Error
	return errors.As(err, &ae) && (ae.Name == hapihub.ErrorPermissions || ae.Name == hapihub.ErrorAuth)
}

const noKeysForRole = "Your role cannot see API keys; ask an owner or developer of this account for a key."

func home(c *Call) error {
	if c.Session.Mode == domain.Live {
		return liveHome(c)
	}
	d := homeData{}
	key, err := testSecret(c)
	switch {
	case roleCannotSeeKeys(err):
		d.KeyErr = noKeysForRole
	case err != nil:
		return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: homeData{Curl: curlLine(c.APIBase, "", "")}, Err: err})
	}
	d.TestKey = key
	d.Curl = curlLine(c.APIBase, key, "")
	// Test mode reaches one organization: the sandbox clinic.
	orgs, err := c.API.Organizations.List(c.Ctx(), hapihub.NewQuery().Limit(1))
	switch {
	case err != nil:
		d.OrgErr = "The sandbox organization could not be read: " + apiMessage(err)
	case len(orgs.Data) == 0:
		d.OrgErr = "The sandbox clinic is being set up; reload in a moment."
	default:
		d.SandboxOrg = orgs.Data[0].ID
	}
	return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: d})
}

// liveHome shows live mode's keys and connected clinics: live secrets are shown once, when made,
// so the page lists them redacted and points to the keys page to roll one.
func liveHome(c *Call) error {
	d := homeData{Live: true}
	keys, err := c.API.APIKeys.List(c.Ctx())
	switch {
	case roleCannotSeeKeys(err):
		d.KeyErr = noKeysForRole
	case err != nil:
		return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: d, Err: err})
	default:
		for _, k := range keys.Data {
			if k.Status != "active" {
				continue
			}
			if k.Type == "publishable" {
				if full, err := c.API.APIKeys.Get(c.Ctx(), k.ID); err == nil {
					k = *full
				}
			}
			d.LiveKeys = append(d.LiveKeys, k)
		}
		sort.SliceStable(d.LiveKeys, func(i, j int) bool { return keyOrder(d.LiveKeys[i]) < keyOrder(d.LiveKeys[j]) })
	}
	orgs, err := c.API.Organizations.List(c.Ctx(), hapihub.NewQuery().Limit(maxPageSize))
	if err != nil {
		d.OrgErr = "The connected clinics could not be read: " + apiMessage(err)
	} else {
		d.Orgs = orgs.Data
	}
	org := ""
	if len(d.Orgs) > 0 {
		org = d.Orgs[0].ID
	}
	d.Curl = curlLine(c.APIBase, "sk_live_...", org)
	return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: d})
}

// curlLine lists three patients with key (a test placeholder when none), at org when given (a
// live key connected to several clinics names one).
func curlLine(base, key, org string) string {
	if key == "" {
		key = "sk_test_..."
	}
	line := "curl '" + base + "/patients?$limit=3' -H 'Authorization: Bearer " + key + "'"
	if org != "" {
		line += " -H 'HapiHub-Organization: " + org + "'"
	}
	return line
}

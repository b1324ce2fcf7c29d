package console

import (
	"errors"
	"net/http"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/store"
)

func init() {
	register("GET /", (*Handler).home)
}

type homeData struct {
	TestKey string
	KeyErr  string
	Curl    string
}

// APIFor is the SDK client of one mode, whatever mode the session shows.
func (c *Call) APIFor(mode string) *hapihub.Client {
	if mode == c.Session.Mode {
		return c.API
	}
	return c.h.client(c.APIBase, c.Session.Keys[mode].Secret)
}

// testSecret finds the account's test secret key through the API (a test secret key can be
// revealed any time).
func testSecret(c *Call) (string, error) {
	api := c.APIFor(store.Test)
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

func (h *Handler) home(c *Call) error {
	d := homeData{}
	key, err := testSecret(c)
	var ae *hapihub.Error
	switch {
	case errors.As(err, &ae) && (ae.Name == hapihub.ErrorPermissions || ae.Name == hapihub.ErrorAuth):
		d.KeyErr = "Your role cannot see API keys; ask an owner or developer of this account for a test key."
	case err != nil:
		return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: homeData{Curl: curlLine(c.APIBase, "")}, Err: err})
	}
	d.TestKey = key
	d.Curl = curlLine(c.APIBase, key)
	return c.Render(http.StatusOK, "home.html", View{Title: "Get started", Data: d})
}

// curlLine lists three patients of the sandbox with key (a placeholder when none).
func curlLine(base, key string) string {
	if key == "" {
		key = "sk_test_..."
	}
	return "curl '" + base + "/patients?$limit=3' -H 'Authorization: Bearer " + key + "'"
}

package platform

import (
	"net/http"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store"
)

// versionMiddleware serves every request in its API version (shared/api/version.go).
func versionMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return api.Versioning(st)
}

// VersionRoutes are /account/api-version: which version the account is pinned to, and moving
// it (docs/versioning.md).
func (p *Platform) VersionRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/account/api-version", Handler: secretOnly(p.getAPIVersion), NoTenant: true, Resource: "account", Action: "get"},
		{Method: http.MethodPut, Path: "/account/api-version", Handler: secretOnly(p.putAPIVersion), NoTenant: true, Resource: "account", Action: "update"},
	}
}

func apiVersionView(pinned string) map[string]any {
	reg := apiversion.Current()
	known := []any{}
	for _, v := range reg.Known() {
		known = append(known, string(v))
	}
	return map[string]any{"object": "api_version", "apiVersion": pinned, "latest": string(reg.Latest()), "versions": known}
}

func (p *Platform) getAPIVersion(r *api.Request) (api.Response, error) {
	acct, err := p.Store.GetAccount(r.Ctx, r.Principal.AccountID)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: apiVersionView(string(apiversion.Current().OfAccount(acct.APIVersion)))}, nil
}

// putAPIVersion pins the account to another known version: an upgrade, or a rollback to an
// older one (every version stays served). The version is the account's in both modes, so, like
// the IP allowlist, only a live secret key may change it; test code tries a version first with
// the HapiHub-Version header.
func (p *Platform) putAPIVersion(r *api.Request) (api.Response, error) {
	if r.Principal.Mode != domain.Live {
		return api.Response{}, apperr.New(apperr.Permissions, "The API version applies to live mode too; change it with a live secret key (try a version first with the HapiHub-Version header).")
	}
	m, err := decodeObject(r.Body, "apiVersion")
	if err != nil {
		return api.Response{}, err
	}
	known := apiversion.Current().Known()
	s, isString := m["apiVersion"].(string)
	if m["apiVersion"] == nil {
		return api.Response{}, apperr.Field("apiVersion", "is required: one of the known versions %v", known)
	}
	if !isString {
		return api.Response{}, apperr.Field("apiVersion", "must be a string, one of the known versions %v", known)
	}
	v, ok := apiversion.Current().Lookup(s)
	if !ok {
		// Worded as the HapiHub-Version header's refusal: the value was given, it names no version.
		return api.Response{}, apperr.Field("apiVersion", "names no API version: %q; use one of the known versions %v (docs/changelog.md)", s, known)
	}
	if err := p.Store.SetAPIVersion(r.Ctx, r.Principal.AccountID, string(v)); err != nil {
		return api.Response{}, err
	}
	return api.Response{Body: apiVersionView(string(v))}, nil
}

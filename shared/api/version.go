package api

import (
	"context"
	"maps"
	"strings"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
)

// AccountReader reads the account a request's key belongs to (its pinned API version).
type AccountReader interface {
	GetAccount(ctx context.Context, id string) (domain.Account, error)
}

// Versioning serves each request in one API version (docs/versioning.md): the HapiHub-Version
// header's when sent (an unknown one is a 400 naming the header and the known versions), else
// the account's pinned version. Handlers build the newest shape only; this middleware upgrades
// the request body from the version asked for and turns the response back into it, and says
// which version answered in the HapiHub-Version response header, errors included. It runs
// first, so a refusal by a later middleware carries the version too and an idempotent replay
// (stored in the newest shape) is served in the replaying request's version.
func Versioning(accounts AccountReader) Middleware {
	return func(route Route, next HandlerFunc) HandlerFunc {
		if route.Public {
			return next // no account to pin (/openapi.json, /webhook-source-ips): one shape, no header
		}
		return func(r *Request) (Response, error) {
			reg := apiversion.Current()
			v, acct, err := requestVersion(r, reg, accounts)
			if err != nil && acct != "" {
				// An unknown HapiHub-Version is answered in the account's own version, and says so.
				return Response{}, versioned(err, acct)
			}
			if err != nil {
				return Response{}, err
			}
			r.Ctx = apiversion.With(r.Ctx, v, acct)
			r.Body = reg.Request(route.Resource, r.Body, v)
			resp, err := next(r)
			if err != nil {
				return Response{}, versioned(err, v)
			}
			if resp.Body, err = reg.Response(route.Resource, resp.Body, v); err != nil {
				return Response{}, apperr.Internal(err)
			}
			resp.Header = maps.Clone(resp.Header)
			if resp.Header == nil {
				resp.Header = map[string]string{}
			}
			resp.Header[apiversion.Header] = string(v)
			return resp, nil
		}
	}
}

// versioned is err saying, in its HapiHub-Version header, the version it is answered in.
func versioned(err error, v apiversion.Version) error {
	e := *apperr.From(err) // a copy: errors may be shared values
	e.Header = maps.Clone(e.Header)
	return e.WithHeader(apiversion.Header, string(v))
}

// requestVersion is the version r is served in and its account's own version.
func requestVersion(r *Request, reg *apiversion.Registry, accounts AccountReader) (v, acct apiversion.Version, err error) {
	pinned, err := accountVersion(r, accounts)
	if err != nil {
		return "", "", err
	}
	acct = reg.OfAccount(pinned)
	asked := strings.TrimSpace(r.Header(apiversion.Header))
	if asked == "" {
		return acct, acct, nil
	}
	v, ok := reg.Lookup(asked)
	if !ok {
		known := make([]string, 0, len(reg.Known()))
		for _, k := range reg.Known() {
			known = append(known, string(k))
		}
		return "", acct, apperr.Field(apiversion.Header, "names no API version: %q; the known versions are %s (docs/changelog.md)", asked, strings.Join(known, ", "))
	}
	return v, acct, nil
}

// accountVersion is the account's pinned version as stored, from the authorizer context, which
// API Gateway caches for up to ReauthorizeEvery (300 s): after PUT /account/api-version, a
// request without the header may be served in the previous version for that long, reads and
// writes alike, and a write's events are stamped with the version it was served as the account's
// (docs/versioning.md). One source for both keeps a key's reads and writes in one version at any
// moment: a GET in one version followed by a PUT of the same object in another would
// misread the body it sends back. Only a context without it (cached from an older authorizer)
// reads the account.
func accountVersion(r *Request, accounts AccountReader) (string, error) {
	if a := r.Principal.Account; a != nil {
		return a.APIVersion, nil
	}
	acct, err := accounts.GetAccount(r.Ctx, r.Principal.AccountID)
	return acct.APIVersion, err
}

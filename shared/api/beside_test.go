package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// slowKeys is an in-memory key listing whose reads take a while and are counted when they end.
type slowKeys struct {
	valid bool
	ended atomic.Int32
}

func (k *slowKeys) GetAccount(context.Context, string) (domain.Account, error) {
	return domain.Account{}, nil
}
func (k *slowKeys) KeyByHash(context.Context, string) (domain.Key, bool, error) {
	return domain.Key{}, false, nil
}
func (k *slowKeys) KeyRefOf(_ context.Context, _, _, id string) (domain.KeyRef, bool, error) {
	time.Sleep(20 * time.Millisecond)
	defer k.ended.Add(1)
	return domain.KeyRef{ID: id, Status: "active"}, k.valid, nil
}

// A read's key re-check runs beside its handler (api.Beside): through the router, its refusal
// replaces whatever the handler answered, and it has ended by the time the router returns, also
// when the handler panics (on Lambda, nothing may outlive the invocation).
func TestKeyRecheckBesideAReadEndsWithTheRequest(t *testing.T) {
	keys := &slowKeys{}
	routes := []api.Route{
		{Method: http.MethodGet, Path: "/things/{id}", NoTenant: true, Resource: "things", Action: "get",
			Handler: func(*api.Request) (api.Response, error) {
				return api.Response{Body: map[string]any{"secret": "s3cr3t"}}, nil
			}},
		{Method: http.MethodGet, Path: "/boom", NoTenant: true, Resource: "things", Action: "find",
			Handler: func(*api.Request) (api.Response, error) { panic("boom") }},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := api.NewRouter(api.Options{Log: log, Local: true, Middlewares: []api.Middleware{api.Permissions(keys, time.Now)}}, routes...)
	p := &auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_1", KeyType: auth.Secret}

	for _, tc := range []struct {
		name   string
		valid  bool
		path   string
		status int
	}{
		{"valid key: the handler's answer", true, "/things/thing_1", 200},
		{"revoked key: the refusal only", false, "/things/thing_1", 401},
		{"handler panics: 500 after the check", true, "/boom", 500},
		{"revoked key and a panic", false, "/boom", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys.valid = tc.valid
			before := keys.ended.Load()
			res := "/things/{id}"
			if tc.path == "/boom" {
				res = "/boom"
			}
			resp, err := rt.Handle(context.Background(), proxyEvent(http.MethodGet, res, tc.path, p, nil))
			require.NoError(t, err)
			assert.Equal(t, before+1, keys.ended.Load(), "the re-check ended before the request returned")
			assert.Equal(t, tc.status, resp.StatusCode, resp.Body)
			if tc.status != 200 {
				assert.NotContains(t, resp.Body, "s3cr3t")
			}
		})
	}
}

package api

import (
	"context"
	"fmt"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// A live request's organization must be connected and active, which must take effect at once
// (a clinic revoking access: CREDENTIALS_ERROR on the next request), so the connections are read
// on every request. They used to be read before anything else; now the organization is picked
// first, from the authorizer context's connections (auth.AccountFacts.LiveConnections) or the
// HapiHub-Organization header, and the connections are read concurrently with the rest of the
// request: beside a read's handler (its answer is discarded when the read refuses), and before
// a write's handler runs (confirmedFirst), while the checks before it (key, IP allowlist,
// capabilities, idempotency) run. The refusal, when there is one, is liveTenant's on the
// connections just read, as before, and it wins over the request's own answer or error.

// liveGuess picks the live organization without reading: from the context's connections when
// they resolve it, else the one the header names. ok is false when neither can (no connections
// in the context and no header, or the context's would refuse): the router then reads the
// connections first, so the refusal comes from them.
func liveGuess(t domain.Tenant, p auth.Principal, orgHeader string) (domain.Tenant, bool) {
	if a := p.Account; a != nil && a.LiveConnections != nil {
		g, err := liveTenant(t, a.LiveConnections, orgHeader)
		return g, err == nil
	}
	if orgHeader == "" {
		return t, false
	}
	t.Org = orgHeader
	return t, true
}

// confirmLive reads the connections and requires them to pick org, as liveGuess did.
func (rt *Router) confirmLive(ctx context.Context, t domain.Tenant, orgHeader, org string) error {
	conns, err := rt.opts.Tenants.Connections(ctx, t.Account)
	if err != nil {
		return err
	}
	got, err := liveTenant(t, conns, orgHeader)
	if err != nil {
		return err
	}
	if got.Org != org { // only when the account's connections changed since its key was authorized
		return apperr.Field("HapiHub-Organization", "is required: this account's organizations changed; name one (%s)", got.Org)
	}
	return nil
}

// pendingCheck is a check running concurrently with the request.
type pendingCheck struct {
	done chan struct{}
	err  error
}

func startCheck(ctx context.Context, check func(context.Context) error) *pendingCheck {
	c := &pendingCheck{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer func() {
			if v := recover(); v != nil {
				c.err = apperr.Internal(fmt.Errorf("organization check: panic: %v", v))
			}
		}()
		c.err = check(ctx)
	}()
	return c
}

// wait returns the check's result once it has ended; any number of calls.
func (c *pendingCheck) wait() error {
	<-c.done
	return c.err
}

// confirmedBeside runs the route with the organization's check running beside it. The check
// always ends before this returns, even on a panic (Lambda freezes what outlives the handler);
// its refusal replaces the route's answer.
func (rt *Router) confirmedBeside(req *Request, route Route, confirm func(context.Context) error) (Response, error) {
	check := startCheck(req.Ctx, confirm)
	req.confirm = check
	defer func() {
		if v := recover(); v != nil {
			_ = check.wait()
			panic(v)
		}
	}()
	resp, err := run(req, route)
	if cerr := check.wait(); cerr != nil {
		req.Tenant.Org = "" // refused: the request acted on no organization (its request log says so)
		return Response{}, cerr
	}
	return resp, err
}

// confirmedFirst makes a write's handler wait for its organization's check, so a write never
// runs for an organization whose connection was revoked.
func confirmedFirst(next HandlerFunc) HandlerFunc {
	return func(r *Request) (Response, error) {
		if r.confirm != nil {
			if err := r.confirm.wait(); err != nil {
				return Response{}, err
			}
		}
		return next(r)
	}
}
